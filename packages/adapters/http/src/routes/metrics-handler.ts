/** GET /metrics: Prometheus text format. */
import type { ScoringContext } from '../scoring-context.js';

/** `/metrics` of one server. */
export function createMetricsHandler(context: ScoringContext): () => Response {
  return () => {
    context.metrics.inFlight = context.limiter.running;
    context.metrics.queued = context.limiter.queued;
    return new Response(context.metrics.render(), { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
  };
}
