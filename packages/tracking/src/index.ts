export * from './types.js';
export * from './uri/index.js';
export * from './artifacts/index.js';
export * from './store/file/index.js';
export * from './store/rest/index.js';
export * from './store/index.js';
