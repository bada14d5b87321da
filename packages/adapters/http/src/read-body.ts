/**
 * Reads a request body with a size limit (serving.md 9.2).
 */
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
 */
export async function preReadBody(request: Request, incoming: AsyncIterable<Uint8Array> & { headers: Record<string, string | string[] | undefined> }, limit: number): Promise<void> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    preReadBodies.set(request, bodyTooLarge(limit));
    return;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += chunk.byteLength;
    if (size > limit) {
      preReadBodies.set(request, bodyTooLarge(limit));
      return;
    }
    chunks.push(chunk);
  }
  preReadBodies.set(request, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
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
