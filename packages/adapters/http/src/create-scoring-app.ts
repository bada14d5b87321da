/**
 * Routing only: MLflow's endpoints and ours mapped to the Fetch handlers; tests use
 * `app.request('/ping')`, no socket.
 */
import { Hono } from 'hono';
import type { PyFuncModel } from '@pyfunc/runtime';
import { createChatCompletionsHandler } from './routes/chat-completions-handler.js';
import { createInvocationsAnswerer, createInvocationsHandler, createInvocationsScorer, type InvocationsAnswerer } from './routes/invocations-handler.js';
import { createMetricsHandler } from './routes/metrics-handler.js';
import { createModelCardHandler } from './routes/model-card-handler.js';
import { createOpenApiHandler } from './routes/openapi-handler.js';
import { createLivenessHandler, createPingHandler, createReadinessHandler } from './routes/ping-handler.js';
import { createVersionHandler } from './routes/version-handler.js';
import { answerErrorCode, recordRequest } from './request-metrics.js';
import { createScoringContext, type ScoringContext, type ScoringOptions } from './scoring-context.js';

/** The handlers one scoring app routes to. */
export interface ScoringHandlers {
  ping(): Response;
  version(): Response;
  livez(): Response;
  readyz(): Response;
  metrics(): Response;
  openapi(): Response;
  modelCard(): Response;
  invocations(request: Request): Promise<Response>;
  chatCompletions(request: Request): Promise<Response>;
}

/** Builds every handler over one shared context. */
export function createScoringHandlers(context: ScoringContext, servingInputExample?: string, answerInvocations?: InvocationsAnswerer): ScoringHandlers {
  const ping = createPingHandler(context);
  return {
    ping,
    version: createVersionHandler(context),
    livez: createLivenessHandler(),
    readyz: createReadinessHandler(context),
    metrics: createMetricsHandler(context),
    openapi: createOpenApiHandler(context),
    modelCard: createModelCardHandler(context, servingInputExample),
    invocations: createInvocationsHandler(context, createInvocationsScorer(context, answerInvocations)),
    chatCompletions: createChatCompletionsHandler(context),
  };
}

const json = { 'content-type': 'application/json' };
const known: Record<string, string> = {
  '/ping': 'GET, HEAD', '/health': 'GET, HEAD', '/version': 'GET, HEAD', '/invocations': 'POST',
  '/metrics': 'GET, HEAD', '/openapi.json': 'GET, HEAD', '/livez': 'GET, HEAD', '/readyz': 'GET, HEAD',
  '/v1/chat/completions': 'POST', '/': 'GET, HEAD',
};

/**
 * `handler` with the route's metrics (count, latency, error code) and its access log line; the
 * handler as is without a context.
 */
export function withRequestMetrics(context: ScoringContext | undefined, route: string, handler: (request: Request) => Response | Promise<Response>):
  (request: Request) => Promise<Response> {
  if (context === undefined) return async (request) => handler(request);
  return async (request: Request): Promise<Response> => {
    const started = performance.now();
    const response = await handler(request);
    let errorCode: string | undefined;
    if (response.status >= 400) {
      const contentType = response.headers.get('content-type');
      errorCode = answerErrorCode(response.status, contentType, contentType === 'application/json' ? await response.clone().text() : '');
    }
    recordRequest(context, route, request.method, response.status, started, errorCode);
    return response;
  };
}

/** Routing only: the hono app over the handlers (plus MLflow's 404/405/307 answers). */
export function createScoringApp(handlers: ScoringHandlers, context?: ScoringContext): Hono {
  const app = new Hono({ strict: true });
  const timed = (route: string, handler: (request: Request) => Response | Promise<Response>) => withRequestMetrics(context, route, handler);
  // wrapped once, not per request
  const ping = timed('/ping', handlers.ping);
  const health = timed('/health', handlers.ping);
  const version = timed('/version', handlers.version);
  const invocations = timed('/invocations', handlers.invocations);
  const chatCompletions = timed('/v1/chat/completions', handlers.chatCompletions);
  app.get('/ping', (c) => ping(c.req.raw));
  app.get('/health', (c) => health(c.req.raw));
  app.get('/version', (c) => version(c.req.raw));
  app.get('/livez', () => handlers.livez());
  app.get('/readyz', () => handlers.readyz());
  app.get('/metrics', () => handlers.metrics());
  app.get('/openapi.json', () => handlers.openapi());
  app.get('/', () => handlers.modelCard());
  app.post('/invocations', (c) => invocations(c.req.raw));
  app.post('/v1/chat/completions', (c) => chatCompletions(c.req.raw));
  app.notFound((c) => {
    const path = c.req.path;
    const allow = known[path];
    if (allow !== undefined) {
      return new Response('{"detail":"Method Not Allowed"}', { status: 405, headers: { ...json, allow } });
    }
    if (path.length > 1 && path.endsWith('/') && known[path.slice(0, -1)] !== undefined) {
      const url = new URL(c.req.url);
      url.pathname = path.slice(0, -1);
      return new Response(null, { status: 307, headers: { location: url.toString() } });
    }
    return new Response('{"detail":"Not Found"}', { status: 404, headers: json });
  });
  return app;
}

/**
 * A hono app serving `model` with these options (handlers, routing and shared state in one
 * call); the `/invocations` handler with its metrics (the same answers as `app.fetch` for a
 * `POST /invocations`, without the routing), and the answerer under it for the Node fast path.
 */
export function createModelApp(model: PyFuncModel | undefined, options: ScoringOptions & { servingInputExample?: string } = {}):
  { app: Hono; context: ScoringContext; invocations: (request: Request) => Promise<Response>; answerInvocations: InvocationsAnswerer } {
  const context = createScoringContext(model, options);
  const answerInvocations = createInvocationsAnswerer(context);
  const handlers = createScoringHandlers(context, options.servingInputExample, answerInvocations);
  return {
    app: createScoringApp(handlers, context),
    context,
    invocations: withRequestMetrics(context, '/invocations', handlers.invocations),
    answerInvocations,
  };
}
