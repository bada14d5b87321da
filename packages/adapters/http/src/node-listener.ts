/**
 * The Node request listener of `serve`: `POST /invocations` and `GET /ping`, `GET /health`
 * answered straight on `IncomingMessage` / `ServerResponse` (no Fetch `Request`/`Response`, no
 * router: the requests a server answers at volume), every other request handed to the hono app
 * through @hono/node-server. The answers are the bytes the hono path writes for the same request
 * (headers, their order, `Content-Length`, draining's `connection: close`), which the tests check.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MlflowException } from '@pyfunc/format';
import type { InvocationsAnswer, InvocationsAnswerer } from './routes/invocations-handler.js';
import { readIncomingBody } from './read-body.js';
import { answerErrorCode, recordRequest } from './request-metrics.js';
import type { ScoringContext } from './scoring-context.js';

/** What {@link createNodeListener} routes to. */
export interface NodeListenerOptions {
  context: ScoringContext;
  /** The `/invocations` answerer (the one under the hono route). */
  answerInvocations: InvocationsAnswerer;
  /** Every other request: @hono/node-server's listener over the app. */
  fallback: (incoming: IncomingMessage, outgoing: ServerResponse) => unknown;
}

/** Hosts @hono/node-server takes without parsing a URL (its own test). */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;

/**
 * Whether @hono/node-server builds a URL for a request to `path` with this `Host` (else it
 * answers 400): its plain-host test, or a URL that parses to the same host name.
 */
function hostAccepted(host: string, path: string): boolean {
  if (PLAIN_HOST.test(host)) return true;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}${path}`).hostname;
  } catch {
    return false;
  }
  return hostname.length === host.length || hostname === (host.includes(':') ? host.replace(/:\d+$/, '') : host).toLowerCase();
}

const PING_HEADERS = { 'content-type': 'application/json' } as const;

interface Headers3 {
  host: string | undefined;
  contentType: string | null;
  contentLength: string | undefined;
}

function isHttpWhitespace(code: number): boolean {
  return code === 9 || code === 10 || code === 13 || code === 32;
}

/** A header value as @hono/node-server's `Headers` reads it (HTTP whitespace trimmed). */
function trimValue(value: string): string {
  if (value.length === 0 || (!isHttpWhitespace(value.charCodeAt(0)) && !isHttpWhitespace(value.charCodeAt(value.length - 1)))) return value;
  let start = 0;
  let end = value.length;
  while (start < end && isHttpWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

/**
 * The three headers the fast path reads, from the raw list (cheaper than Node's `headers`
 * object): `Host` and `Content-Length` as Node keeps them (the first), `Content-Type` as a Fetch
 * `Headers` gives it (every occurrence, joined with `, `).
 */
function readHeaders(raw: string[]): Headers3 {
  let host: string | undefined;
  let contentType: string | null = null;
  let contentLength: string | undefined;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!;
    // the usual spellings compare without lowercasing
    switch (name.length) {
      case 4:
        if (host === undefined && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')) host = raw[index + 1]!;
        break;
      case 12:
        if (name === 'Content-Type' || name === 'content-type' || name.toLowerCase() === 'content-type') {
          const value = trimValue(raw[index + 1]!);
          contentType = contentType === null ? value : `${contentType}, ${value}`;
        }
        break;
      case 14:
        if (contentLength === undefined && (name === 'Content-Length' || name === 'content-length' || name.toLowerCase() === 'content-length')) {
          contentLength = raw[index + 1]!;
        }
        break;
      default:
        break;
    }
  }
  return { host, contentType, contentLength };
}

/**
 * Writes a text answer of a metered route byte for byte as @hono/node-server writes the hono
 * route's `Response`:
 * - a success: its plain headers object as is, Node adding `Date`, `Connection`, `Keep-Alive`
 *   and then `Content-Length` (when Node would chunk the body; else, as for HTTP/1.0,
 *   `Content-Length` right after the answer's headers);
 * - an error answer, whose content type the metrics read, or a draining server's answer, which
 *   got `connection: close`: the `Response` then holds a Fetch `Headers`, written sorted by name
 *   with `Content-Length` among them; a JSON error body was read by the metrics too (a clone),
 *   which leaves a native `Response` written with a lowercase `content-length`.
 */
function writeText(outgoing: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string, draining: boolean): void {
  if (status >= 400 || draining) {
    const length = status >= 400 && headers['content-type'] === 'application/json' ? 'content-length' : 'Content-Length';
    outgoing.writeHead(status, { ...asFetchHeaders(headers, draining), [length]: Buffer.byteLength(body) });
  } else if (outgoing.useChunkedEncodingByDefault) {
    outgoing.statusCode = status;
    for (const name in headers) outgoing.setHeader(name, headers[name]!);
  } else {
    outgoing.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
  }
  outgoing.end(body);
}

/** Headers as a Fetch `Headers` iterates them (sorted by name), with `connection: close` while draining. */
function asFetchHeaders(headers: Readonly<Record<string, string>>, draining: boolean): Record<string, string> {
  const all: Record<string, string> = draining ? { ...headers, connection: 'close' } : headers;
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(all).sort()) sorted[name] = all[name]!;
  return sorted;
}

/** Streams a server-sent events answer (chunked), cancelling the stream when the client goes away. */
function writeStream(outgoing: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: ReadableStream<Uint8Array>, draining: boolean): void {
  outgoing.writeHead(status, draining ? asFetchHeaders(headers, true) : { ...headers });
  if (outgoing.writable) outgoing.flushHeaders();
  const reader = body.getReader();
  const cancel = (): void => {
    reader.cancel().catch(() => undefined);
  };
  if (outgoing.destroyed) {
    cancel();
    return;
  }
  outgoing.on('close', cancel);
  outgoing.on('error', cancel);
  const fail = (error: unknown): void => {
    if (error !== undefined && error !== null) outgoing.destroy(error as Error);
  };
  const flow = ({ done, value }: { done: boolean; value?: Uint8Array }): void => {
    try {
      if (done) outgoing.end();
      else if (!outgoing.write(value!)) outgoing.once('drain', () => void reader.read().then(flow, fail));
      else reader.read().then(flow, fail);
    } catch (error) {
      fail(error);
    }
  };
  reader.read().then(flow, fail);
  void reader.closed.catch(() => undefined).finally(() => {
    outgoing.off('close', cancel);
    outgoing.off('error', cancel);
  });
}

/**
 * What @hono/node-server does with a request body left unread after the answer: drain it (up to
 * 64 MiB within half a second), else close the connection.
 */
function drainAfterAnswer(incoming: IncomingMessage, outgoing: ServerResponse): void {
  outgoing.once('close', () => {
    if (incoming.readableEnded) return;
    setTimeout(() => {
      if (incoming.readableEnded) return;
      setTimeout(() => {
        if (incoming.destroyed) return;
        let bytes = 0;
        const cleanup = (): void => {
          clearTimeout(timer);
          incoming.off('data', onData);
          incoming.off('end', cleanup);
          incoming.off('error', cleanup);
        };
        const forceClose = (): void => {
          cleanup();
          const socket = incoming.socket;
          if (socket !== null && !socket.destroyed) socket.destroySoon();
        };
        const timer = setTimeout(forceClose, 500);
        timer.unref();
        const onData = (chunk: Buffer): void => {
          bytes += chunk.length;
          if (bytes > 64 * 1024 * 1024) forceClose();
        };
        incoming.on('data', onData);
        incoming.on('end', cleanup);
        incoming.on('error', cleanup);
        incoming.resume();
      });
    });
  });
}

/** What @hono/node-server does when writing an answer fails: log, 500 if nothing was sent, close. */
function failResponse(outgoing: ServerResponse, error: unknown): void {
  const failure = error instanceof Error ? error : new Error('unknown error', { cause: error });
  console.error(error);
  if (!outgoing.headersSent) outgoing.writeHead(500, { 'Content-Type': 'text/plain' });
  outgoing.end(`Error: ${failure.message}`);
  outgoing.destroy(failure);
}

/**
 * The Node `request` listener of one scoring server: the fast path for `/invocations`, `/ping`
 * and `/health`, hono for the rest.
 */
export function createNodeListener(options: NodeListenerOptions): (incoming: IncomingMessage, outgoing: ServerResponse) => void {
  const { context, answerInvocations, fallback } = options;
  const limit = context.options.maxBodySize;
  let lastHost = '';

  /** Writes an `/invocations` answer; never throws (it may run from a deadline's timer). */
  const write = (incoming: IncomingMessage, outgoing: ServerResponse, started: number, answer: InvocationsAnswer, bodyRead: boolean): void => {
    try {
      const status = answer.status;
      const text = typeof answer.body === 'string' ? answer.body : undefined;
      recordRequest(context, '/invocations', 'POST', status, started, status < 400 ? undefined : answerErrorCode(status, answer.headers['content-type'], text ?? ''));
      const draining = context.slot.draining;
      if (text !== undefined) writeText(outgoing, status, answer.headers, text, draining);
      else writeStream(outgoing, status, answer.headers, answer.body as ReadableStream<Uint8Array>, draining);
      // a body read whole ends its stream by itself; one refused (413) may still be coming
      if (!bodyRead && !incoming.readableEnded) drainAfterAnswer(incoming, outgoing);
    } catch (error) {
      failResponse(outgoing, error);
    }
  };

  return (incoming, outgoing) => {
    const method = incoming.method;
    const url = incoming.url!;
    const fast = (method === 'POST' && url === '/invocations') || (method === 'GET' && (url === '/ping' || url === '/health'));
    if (!fast) {
      fallback(incoming, outgoing);
      return;
    }
    const headers = readHeaders(incoming.rawHeaders);
    const host = headers.host;
    // a Host hono refuses (400) or none (HTTP/1.0): hono answers
    if (host === undefined || host === '' || (host !== lastHost && !hostAccepted(host, url))) {
      fallback(incoming, outgoing);
      return;
    }
    lastHost = host;
    if (method === 'GET') {
      const started = performance.now();
      const status = context.slot.model === undefined ? 503 : 200;
      recordRequest(context, url, 'GET', status, started, status < 400 ? undefined : answerErrorCode(status, PING_HEADERS['content-type'], '\n'));
      writeText(outgoing, status, PING_HEADERS, '\n', context.slot.draining);
      return;
    }
    readIncomingBody(incoming, limit, headers.contentLength, (body) => {
      // timed from here, as the hono route's metrics (after the body is read)
      const started = performance.now();
      const bodyRead = body instanceof Uint8Array;
      answerInvocations(headers.contentType, body, (answer) => write(incoming, outgoing, started, answer, bodyRead), started);
    });
    // a client leaving mid-body gets nothing (hono answers 500 to a closed socket): the request
    // goes with its socket, unmetered as on the hono path
  };
}
