/**
 * The Node side of a TypeScript model's `python_function` flavor (runtime.md 11.5): bundled at
 * save time into `js/runner.mjs` (with the runtime, @pyfunc/format and every other dependency
 * inside, so it runs without node_modules) and started by `code/pyfunc_node_loader.py`.
 *
 *   node js/runner.mjs <model dir> <request fd> <response fd>
 *
 * Python writes requests to the request fd and reads answers from the response fd in the wire
 * format of `python-shim/wire.ts`; stdout and stderr stay free for the model's own output. The
 * first request is `{op: 'load', config}`, answered by `ready` or `load_error`; then `predict`
 * and `stream` requests (with an `id`) are served concurrently, and `cancel` ends a stream.
 * MLflow has already enforced the signature and params in Python, so the model's raw predict is
 * called (no TypeScript-side enforcement). The process exits when the request pipe closes.
 */
import { Socket } from 'node:net';
import { MlflowException, Model, isPlainObject, type Logger } from '@pyfunc/format';
// The runtime's entry first: its modules then initialize in the order every user of the package sees.
import { jsFunctionBackend, type LoadedModelV1 } from './index.js';
import { toPredictionError } from './py-func-model.js';
import { MessageReader, decodeValue, encodeMessage, encodeValue, type WireTree } from './python-shim/wire.js';

/** Warnings and debug output of the runtime go to stderr, never to the answer pipe. */
const stderrLogger: Logger = {
  debug() {},
  info(_fields, message) {
    process.stderr.write(`${message}\n`);
  },
  warn(_fields, message) {
    process.stderr.write(`WARNING: ${message}\n`);
  },
  child() {
    return stderrLogger;
  },
};

function errorOf(error: unknown, method: string): { code: string; message: string } {
  const wrapped = method === 'load'
    ? (MlflowException.isInstance(error) ? error
      : new MlflowException('INTERNAL_ERROR', `Failed to load the model: ${error instanceof Error ? error.message : String(error)}`))
    : toPredictionError(error, method);
  return { code: wrapped.errorCode, message: wrapped.message };
}

/** Plain data for the wire: class instances with `toDict()`/`toJSON()` (chat types) as dicts. */
function plain(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((item) => plain(item, depth + 1));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = plain(item, depth + 1);
    return out;
  }
  const record = value as { toDict?: () => unknown; toJSON?: () => unknown };
  if (typeof record.toDict === 'function') return plain(record.toDict(), depth + 1);
  if (value instanceof Map) return plain(Object.fromEntries(value), depth + 1);
  return value;
}

async function main(): Promise<void> {
  const [modelDir, requestFd, responseFd] = process.argv.slice(2);
  if (modelDir === undefined || requestFd === undefined || responseFd === undefined) {
    process.stderr.write('usage: node runner.mjs <model dir> <request fd> <response fd>\n');
    process.exit(2);
  }
  const output = new Socket({ fd: Number(responseFd), readable: false, writable: true });
  const input = new Socket({ fd: Number(requestFd), readable: true, writable: false });
  const send = (header: Record<string, unknown>, value?: unknown): void => {
    const buffers: Uint8Array[] = [];
    let tree: WireTree | undefined;
    if (value !== undefined) {
      try {
        tree = encodeValue(plain(value), buffers);
      } catch (error) {
        const { code, message } = errorOf(error, 'predict');
        output.write(Buffer.concat(encodeMessage({ id: header.id, error: { code, message } })));
        return;
      }
    }
    const key = 'ok' in header ? 'ok' : 'chunk';
    const full = value === undefined ? header : { ...header, [key]: tree };
    output.write(Buffer.concat(encodeMessage(full, buffers)));
  };
  output.on('error', () => process.exit(0));
  let impl: LoadedModelV1 | undefined;
  let loading: Promise<void> | undefined;
  const cancelled = new Set<unknown>();

  const handle = async (header: Record<string, unknown>, buffers: readonly Uint8Array[]): Promise<void> => {
    const op = header.op;
    if (op === 'load') {
      loading = (async () => {
        try {
          const config = decodeValue((header.config ?? null) as WireTree, buffers);
          const metadata = await Model.load(modelDir);
          impl = await jsFunctionBackend.doLoad(modelDir, {
            metadata,
            modelConfig: isPlainObject(config) ? config as Record<string, unknown> : undefined,
            modelConfigOverrides: undefined,
            suppressWarnings: header.suppress_warnings === true,
            logger: stderrLogger,
            backendOptions: {},
          });
          send({ op: 'ready', pid: process.pid, node: process.versions.node });
        } catch (error) {
          send({ op: 'load_error', error: errorOf(error, 'load') });
        }
      })();
      return;
    }
    const id = header.id;
    if (op === 'cancel') {
      cancelled.add(header.target);
      return;
    }
    await loading;
    if (impl === undefined) {
      send({ id, error: { code: 'INVALID_STATE', message: 'The model is not loaded.' } });
      return;
    }
    const method = op === 'stream' ? 'predictStream' : 'predict';
    try {
      const data = decodeValue((header.data ?? null) as WireTree, buffers);
      const rawParams = decodeValue((header.params ?? null) as WireTree, buffers);
      const params = isPlainObject(rawParams) ? rawParams as Record<string, unknown> : undefined;
      if (op === 'predict') {
        send({ id, ok: null }, await impl.doPredict(data, params) ?? null);
      } else if (op === 'stream') {
        if (typeof impl.doPredictStream !== 'function') {
          throw new MlflowException('INTERNAL_ERROR', 'This model does not support predict_stream method.');
        }
        const iterator = impl.doPredictStream(data, params)[Symbol.asyncIterator]();
        for (;;) {
          if (cancelled.delete(id)) {
            await iterator.return?.();
            return;
          }
          const step = await iterator.next();
          if (step.done === true) break;
          send({ id, chunk: null }, step.value ?? null);
        }
        send({ id, done: true });
      } else {
        throw new MlflowException('INVALID_PARAMETER_VALUE', `Unknown request ${JSON.stringify(op)}.`);
      }
    } catch (error) {
      send({ id, error: errorOf(error, method) });
    }
  };

  const reader = new MessageReader();
  input.on('data', (chunk: Buffer) => {
    let messages;
    try {
      messages = reader.push(chunk);
    } catch (error) {
      process.stderr.write(`pyfunc runner: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(3);
    }
    for (const message of messages) void handle(message.header, message.buffers);
  });
  // Python closed the pipe (the model object was collected, or Python exited or died).
  input.on('end', () => process.exit(0));
  input.on('close', () => process.exit(0));
  input.on('error', () => process.exit(0));
}

void main();
