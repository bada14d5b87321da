/**
 * `serve`: load a model, then open the port (an open port means a loaded model, as MLflow), and
 * shut down gracefully on SIGTERM/SIGINT or an abort signal, finishing in-flight requests.
 */
import { getRequestListener } from '@hono/node-server';
import { MlflowException, loadServingInputExample, type Logger, silentLogger } from '@pyfunc/format';
import { PyFuncModel, loadModel } from '@pyfunc/runtime';
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { stat } from 'node:fs/promises';
import { createModelApp } from './create-scoring-app.js';
import { createNodeListener } from './node-listener.js';
import { preReadBody } from './read-body.js';
import type { ScoringContext, ScoringOptions } from './scoring-context.js';

/** Options of {@link serve}. */
export interface ServeOptions extends ScoringOptions {
  /** Interface to bind. Default `127.0.0.1` (env `MLFLOW_HOST`). */
  host?: string;
  /** Port; 0 picks a free one. Default 5000 (env `MLFLOW_PORT`). */
  port?: number;
  /** Open the port before the model has loaded (`/ping` answers 503 until then). Default false. */
  listenEarly?: boolean;
  /** Stop the server when this aborts (graceful, like SIGTERM). */
  signal?: AbortSignal;
  /** Install SIGTERM/SIGINT handlers that close the server gracefully. Default true. */
  handleSignals?: boolean;
  /** Longest wait for in-flight requests at shutdown, in seconds. Default: the request timeout. */
  shutdownGraceSeconds?: number;
  /**
   * Answer `POST /invocations`, `GET /ping` and `GET /health` straight on node:http, without
   * Fetch objects or the router (the same bytes, measurably faster). Default true; false sends
   * every request through hono (for comparison).
   */
  fastPath?: boolean;
  /** Passed to `loadModel` when a URI is given. */
  loadOptions?: Parameters<typeof loadModel>[1];
}

/** A running scoring server. */
export interface ScoringServer {
  /** `http://host:port` of the server. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The loaded model. */
  readonly model: PyFuncModel;
  /** Shared state (metrics, queue) for embedding. */
  readonly context: ScoringContext;
  /** Resolves when the server has stopped. */
  readonly closed: Promise<void>;
  /** Stops accepting connections, lets in-flight requests finish (bounded), closes the model if it was loaded here. */
  close(): Promise<void>;
}

function localModelDir(modelUri: string): string | undefined {
  if (modelUri.startsWith('file:')) return fileURLToPath(modelUri);
  return /^[a-z][a-z0-9+.-]*:\//i.test(modelUri) ? undefined : modelUri;
}

async function servingExample(model: PyFuncModel, modelUri: string | undefined): Promise<string | undefined> {
  if (modelUri === undefined) return undefined;
  const dir = localModelDir(modelUri);
  if (dir === undefined || !(await stat(dir).then((info) => info.isDirectory(), () => false))) return undefined;
  return loadServingInputExample(dir, model.metadata.savedInputExampleInfo).catch(() => undefined);
}

/**
 * Serves a model (a URI to load, or a loaded `PyFuncModel`) with MLflow's scoring protocol.
 * @throws {MlflowException} whatever `loadModel` throws; INVALID_PARAMETER_VALUE for a bad port;
 *   INVALID_STATE when the port cannot be bound (EADDRINUSE, EACCES).
 */
export async function serve(modelOrUri: string | PyFuncModel, options: ServeOptions = {}): Promise<ScoringServer> {
  const logger: Logger = options.logger ?? silentLogger;
  const host = options.host ?? process.env.MLFLOW_HOST ?? '127.0.0.1';
  const port = options.port ?? (Number(process.env.MLFLOW_PORT) || 5000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid port ${String(port)}: expected an integer between 0 and 65535.`);
  }
  const owned = typeof modelOrUri === 'string';
  const load = async (): Promise<PyFuncModel> => (typeof modelOrUri === 'string'
    ? loadModel(modelOrUri, { logger, ...(options.loadOptions ?? {}) }) : modelOrUri);
  let model: PyFuncModel | undefined = options.listenEarly === true ? undefined : await load();
  const example = model === undefined ? undefined : await servingExample(model, owned ? modelOrUri : undefined);
  const { app, context, invocations, answerInvocations } = createModelApp(model, { ...options, logger, servingInputExample: example });
  // everything but the fast path's requests: hono through @hono/node-server
  const fallback = getRequestListener(async (request: Request, env: unknown) => {
    const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
    let response: Response;
    if (incoming !== undefined && incoming.method === 'POST') {
      await preReadBody(request, incoming, context.options.maxBodySize);
      response = incoming.url === '/invocations' ? await invocations(request) : await app.fetch(request, env);
    } else {
      response = await app.fetch(request, env);
    }
    if (context.slot.draining) {
      try {
        response.headers.set('connection', 'close');
      } catch {
        // immutable headers: the idle sweep closes the connection instead
      }
    }
    return response;
  });
  // POST /invocations, GET /ping and /health straight on node:http (node-listener.ts)
  const server = createServer(options.fastPath === false ? fallback : createNodeListener({ context, answerInvocations, fallback }));
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      void (owned ? model?.close() : undefined);
      reject(new MlflowException('INVALID_STATE', `Cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ url }, 'scoring server listening');
  if (model === undefined) {
    try {
      model = await load();
      context.slot.model = model;
    } catch (error) {
      server.close();
      throw error;
    }
  }
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => { resolveClosed = resolve; });
  let closing: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    void close();
  };
  const close = (): Promise<void> => {
    closing ??= (async () => {
      context.slot.draining = true;
      if (options.handleSignals !== false) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      const grace = (options.shutdownGraceSeconds ?? context.options.timeoutSeconds) * 1000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, grace);
        timer.unref();
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearTimeout(timer);
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      if (owned) await model?.close();
      logger.info({}, 'scoring server stopped');
      resolveClosed();
    })();
    return closing;
  };
  if (options.handleSignals !== false) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  if (options.signal?.aborted === true) void close();
  return { url, port: address.port, model, context, closed, close };
}
