/** GET /openapi.json: the scoring API's OpenAPI document, from the model's signature. */
import { createOpenApiDocument } from '../openapi-document.js';
import type { ScoringContext } from '../scoring-context.js';
import { PACKAGE_VERSION } from '../version.js';

/** `/openapi.json` of one server. */
export function createOpenApiHandler(context: ScoringContext): () => Response {
  return () => {
    const model = context.slot.model;
    if (model === undefined) return new Response('{"error_code": "TEMPORARILY_UNAVAILABLE", "message": "The model is still loading."}', { status: 503, headers: { 'content-type': 'application/json' } });
    return new Response(JSON.stringify(createOpenApiDocument(model.metadata, { version: PACKAGE_VERSION })), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}
