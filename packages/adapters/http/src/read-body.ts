/**
 * Reads a request body with a size limit (serving.md 9.2).
 */
import type { IncomingMessage } from 'node:http';
import { MlflowException } from '@pyfunc/format';

/** 100 MiB, nginx's `client_max_body_size` in MLflow's image. */
export const DEFAULT_MAX_BODY_SIZE = 100 * 1024 * 1024;

/** The error answered for a body over the limit (413, divergence 5). */
export function bodyTooLarge(limit: number): MlflowException {
  return new MlflowException('BAD_REQUEST', `The request body is larger than the server's limit of ${limit} bytes (--max-body-size).`);
}

/** Bodies read by the Node binding straight from the socket (cheaper than a web stream). */
const preReadBodies = new WeakMap<Request, Uint8Array | MlflowException>();

const EMPTY = new Uint8Array(0);

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * Reads a Node request body, bounded, and calls `done` with the bytes or the 413 error when it
 * passes `limit` (a declared length over it is refused without reading; a body passing it while
 * it streams in is refused at once, the rest flowing on unread: the server drains it, or closes
 * the connection when there is too much, after the answer), or `failed` with the stream's error
 * when the client goes away mid-body (without `failed`, nothing is called then: the request is
 * dropped with its socket). `declaredLength` is the `Content-Length` header: a body
 * is complete once that many bytes came (no wait for the stream's end). Plain stream events, no
 * promise and no async iterator: this runs for every POST.
 */
export function readIncomingBody(incoming: IncomingMessage, limit: number, declaredLength: string | undefined,
  done: (body: Uint8Array | MlflowException) => void, failed?: (error: Error) => void): void {
  const declared = declaredLength === undefined ? Number.NaN : Number(declaredLength);
  if (declared > limit) {
    done(bodyTooLarge(limit));
    return;
  }
  if (incoming.readableEnded) {
    done(EMPTY);
    return;
  }
  const expected = Number.isSafeInteger(declared) && declared > 0 ? declared : -1;
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  let size = 0;
  const cleanup = (): void => {
    incoming.off('data', onData);
    if (expected < 0) incoming.off('end', onEnd);
    if (failed !== undefined) incoming.off('close', onClose);
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.byteLength;
    if (size > limit) {
      cleanup();
      done(bodyTooLarge(limit));
      return;
    }
    if (first === undefined) first = chunk;
    else (more ??= [first]).push(chunk);
    if (size === expected) onEnd();
  };
  const onEnd = (): void => {
    cleanup();
    done(more !== undefined ? Buffer.concat(more, size) : first ?? EMPTY);
  };
  const onClose = (): void => {
    cleanup();
    failed!(incoming.errored ?? prematureClose());
  };
  incoming.on('data', onData);
  // with a declared length the last chunk ends the body; the stream's end comes later
  if (expected < 0) incoming.on('end', onEnd);
  if (failed !== undefined) incoming.on('close', onClose);
}

/**
 * Reads a Node request body (bounded, see {@link readIncomingBody}) and attaches it to its Fetch
 * `Request` for {@link readBody}.
 * @throws the stream's error when the client goes away mid-body.
 */
export function preReadBody(request: Request, incoming: IncomingMessage, limit: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    readIncomingBody(incoming, limit, incoming.headers['content-length'], (body) => {
      preReadBodies.set(request, body);
      resolve();
    }, reject);
  });
}

/**
 * The whole body as bytes, refusing it as soon as it passes `limit` bytes.
 * @throws {MlflowException} BAD_REQUEST with `status` 413 when over the limit.
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const preRead = preReadBodies.get(request);
  if (preRead !== undefined) {
    if (preRead instanceof Uint8Array) return preRead;
    throw preRead;
  }
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw bodyTooLarge(limit);
  if (request.body === null) return new Uint8Array(0);
  if (Number.isFinite(declared) && request.headers.has('content-length')) {
    // a declared length within the limit: one read (web-stream chunking costs more than the parse)
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limit) throw bodyTooLarge(limit);
    return bytes;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
