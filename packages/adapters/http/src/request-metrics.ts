/**
 * What every answered request of a metered route records: its count, latency and error code in
 * the metrics, and its access log line. The hono routes and the Node fast path both call this.
 */
import { silentLogger } from '@pyfunc/format';
import type { ScoringContext } from './scoring-context.js';

const ERROR_CODE = /"error_code": "(\w+)"/;

/** The error code counted for an answer: MLflow's `error_code` of a JSON error body, else `HTTP_<status>`; none below 400. */
export function answerErrorCode(status: number, contentType: string | null | undefined, text: string): string | undefined {
  if (status < 400) return undefined;
  return (contentType === 'application/json' ? ERROR_CODE.exec(text)?.[1] : undefined) ?? `HTTP_${status}`;
}

/** Records one answered request that started at `started` (`performance.now()`). */
export function recordRequest(context: ScoringContext, route: string, method: string, status: number, started: number, errorCode: string | undefined): void {
  const elapsed = performance.now() - started;
  context.metrics.observe(route, method, status, elapsed / 1000, errorCode);
  if (context.logger !== silentLogger) context.logger.info({ method, route, status, ms: Math.round(elapsed) }, 'request');
}
