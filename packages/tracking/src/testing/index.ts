/**
 * Test helpers published as `@pyfunc/tracking/test` (needs vitest): the conformance suite every
 * `TrackingStore` passes.
 */
export { describeTrackingStore } from './store-conformance.js';
export type { TrackingStoreConformanceOptions, TrackingStoreFixture } from './store-conformance.js';
