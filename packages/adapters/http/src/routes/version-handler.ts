/**
 * GET /version: the emulated MLflow version, unquoted, labelled JSON (as MLflow).
 */
import type { ScoringContext } from '../scoring-context.js';
import { PACKAGE_VERSION } from '../version.js';

/** `/version`: the MLflow protocol version; our own version in `x-pyfunc-version`. */
export function createVersionHandler(context: ScoringContext): () => Response {
  return () => new Response(context.options.mlflowVersion, {
    status: 200, headers: { 'content-type': 'application/json', 'x-pyfunc-version': PACKAGE_VERSION },
  });
}
