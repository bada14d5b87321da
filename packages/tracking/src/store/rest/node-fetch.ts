/**
 * A `fetch`-shaped function over `node:http`/`node:https`, used when TLS must be configured
 * (no certificate check, an extra CA bundle, a client certificate): Node's built-in `fetch`
 * takes such settings only through an undici `Agent`, and `undici` is not importable without
 * adding a dependency.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/** TLS settings for {@link createNodeFetch}. */
export interface NodeFetchTlsOptions {
  /** Skip certificate verification (`MLFLOW_TRACKING_INSECURE_TLS`). */
  insecureTls?: boolean;
  /** PEM CA bundle to trust (`MLFLOW_TRACKING_SERVER_CERT_PATH`). */
  serverCertPath?: string;
  /** PEM file holding the client certificate and key (`MLFLOW_TRACKING_CLIENT_CERT_PATH`). */
  clientCertPath?: string;
}

const nullBodyStatuses = new Set([101, 204, 205, 304]);

/** Builds a `fetch` that sends requests through `node:https` with the given TLS settings. */
export function createNodeFetch(tls: NodeFetchTlsOptions): typeof fetch {
  const agent = new HttpsAgent({
    keepAlive: true,
    rejectUnauthorized: tls.insecureTls !== true,
    ...(tls.serverCertPath !== undefined ? { ca: readFileSync(tls.serverCertPath) } : {}),
    ...(tls.clientCertPath !== undefined
      ? { cert: readFileSync(tls.clientCertPath), key: readFileSync(tls.clientCertPath) }
      : {}),
  });
  const nodeFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = new Headers(init.headers);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const req = send(url, {
        method: init.method ?? 'GET',
        headers: Object.fromEntries(headers.entries()),
        ...(url.protocol === 'https:' ? { agent } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      }, (res: IncomingMessage) => {
        const status = res.statusCode ?? 500;
        const responseHeaders = new Headers();
        for (const [key, value] of Object.entries(res.headers)) {
          if (value === undefined) continue;
          for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(key, item);
        }
        let body: ReadableStream | null = null;
        if (nullBodyStatuses.has(status)) {
          res.resume();
        } else {
          body = Readable.toWeb(res) as ReadableStream;
        }
        resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
      });
      req.on('error', reject);
      const body = init.body;
      if (body === undefined || body === null) {
        req.end();
      } else if (typeof body === 'string' || body instanceof Uint8Array) {
        req.end(body);
      } else if (body instanceof ReadableStream) {
        Readable.fromWeb(body as import('node:stream/web').ReadableStream).on('error', reject).pipe(req);
      } else {
        reject(new TypeError('unsupported request body type'));
      }
    });
  };
  return nodeFetch as typeof fetch;
}
