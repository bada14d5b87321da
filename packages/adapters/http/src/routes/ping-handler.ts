/**
 * GET /ping and /health (MLflow's: 200 and one newline once the model is loaded), plus
 * /livez (the process answers) and /readyz (model loaded and not draining).
 */
import type { ScoringContext } from '../scoring-context.js';

const json = { 'content-type': 'application/json' };

/** `/ping`, `/health`: 200 `\n` when the model is loaded, else 503 (the listen-early mode). */
export function createPingHandler(context: ScoringContext): () => Response {
  return () => new Response('\n', { status: context.slot.model === undefined ? 503 : 200, headers: json });
}

/** `/livez`: 200 while the process serves HTTP. */
export function createLivenessHandler(): () => Response {
  return () => new Response('{"status": "alive"}', { status: 200, headers: json });
}

/** `/readyz`: 200 once the model is loaded, 503 while loading or draining for shutdown. */
export function createReadinessHandler(context: ScoringContext): () => Response {
  return () => {
    const ready = context.slot.model !== undefined && !context.slot.draining;
    const status = context.slot.draining ? 'draining' : ready ? 'ready' : 'loading';
    return new Response(`{"status": "${status}"}`, { status: ready ? 200 : 503, headers: json });
  };
}
