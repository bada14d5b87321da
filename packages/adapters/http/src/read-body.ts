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

/**
 * Reads a Node request body (bounded) and attaches it to its Fetch `Request` for {@link readBody}.
 * Plain stream events, no async iterator: this runs for every POST. A body passing the limit
 * while it streams in, or a declared length over it, is refused without buffering the rest.
 * @throws the stream's error when the client goes away mid-body.
 */
export function preReadBody(request: Request, incoming: IncomingMessage, limit: number): Promise<void> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    preReadBodies.set(request, bodyTooLarge(limit));
    return Promise.resolve();
  }
  if (incoming.readableEnded) {
    preReadBodies.set(request, new Uint8Array(0));
    return Promise.resolve();
  }
  return new Promise<void>((resolve, reject) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    const cleanup = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength;
      if (size > limit) {
        // answer 413 now; the rest of the body flows on unread (no listener) and the Node
        // binding drains it, or closes the connection when there is too much, after the answer
        cleanup();
        preReadBodies.set(request, bodyTooLarge(limit));
        resolve();
        return;
      }
      if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      preReadBodies.set(request, more !== undefined ? Buffer.concat(more, size) : first ?? new Uint8Array(0));
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
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
