/**
 * The executor-side Node worker: one per PySpark Python worker process, reading requests from
 * one pipe and answering on another (length-prefixed JSON header + Arrow IPC stream body). It
 * loads each model once (keyed by path, model config, env manager and extra env) and keeps it
 * for every later task and batch; it exits when its request pipe closes.
 */
import { createReadStream, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Model, MlflowException, type Schema } from '@pyfunc/format';
import { enforceParams, loadModel, type PyFuncModel } from '@pyfunc/runtime';
import { tableFromIPC, tableToIPC, Table, type Vector } from 'apache-arrow';
import { arrowArgumentsToFrame } from './arrow-input.js';
import { sparkValuesToArrow } from './arrow-output.js';
import { predictionToSparkValues } from './convert-output.js';
import { parseSparkType, resolveSparkResultType, sparkTypeToDdl, sparkTypeToParsableDdl, type SparkType } from './spark-type.js';

/** A request's JSON header. */
export interface WorkerRequest {
  op: 'describe' | 'predict' | 'stats';
  model_path?: string;
  result_type?: string | null;
  params?: Record<string, unknown> | null;
  model_config?: Record<string, unknown> | string | null;
  env_manager?: string | null;
  extra_env?: Record<string, string> | null;
  session_time_zone?: string | null;
}

/** What `describe` answers: everything the Python driver needs at `spark_udf(...)` time. */
export interface DescribeResult {
  /** The resolved result type, `simpleString()` form. */
  result_type: string;
  /** The same type as a DDL Spark parses back exactly (field names quoted). */
  result_type_ddl: string;
  /** Validated params (`null` when none). */
  params: Record<string, unknown> | null;
  input_schema: null | { count: number; has_names: boolean; names: (string | number)[]; optional: (string | number)[] };
  has_output_schema: boolean;
}

/**
 * `spark_udf(...)`'s driver-side work on the model's metadata (spark.md 2 steps 8-10): the result
 * type (inferred or parsed and checked), the params validated against the params schema, and
 * the input schema facts `udf()` needs.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for bad result types or params.
 */
export async function describeSparkUdf(modelPath: string, resultType: string | null | undefined,
  params: Record<string, unknown> | null | undefined): Promise<DescribeResult> {
  const metadata = await Model.load(join(modelPath, 'MLmodel'));
  const type = resolveSparkResultType(resultType, metadata.getOutputSchema());
  const validated = enforceParams(params ?? undefined, metadata.getParamsSchema());
  const input = metadata.getInputSchema();
  return {
    result_type: sparkTypeToDdl(type),
    result_type_ddl: sparkTypeToParsableDdl(type),
    params: validated === undefined ? null : jsonSafe(validated) as Record<string, unknown>,
    input_schema: input === undefined ? null : {
      count: input.inputs.length,
      has_names: input.hasInputNames(),
      names: input.hasInputNames() ? input.inputNames() : [],
      optional: input.hasInputNames() ? input.optionalInputNames() : [],
    },
    has_output_schema: metadata.getOutputSchema() !== undefined,
  };
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  if (value !== null && typeof value === 'object' && 'isoformat' in value && typeof value.isoformat === 'function') {
    return (value.isoformat as () => string)();
  }
  return value;
}

interface LoadedEntry {
  model: PyFuncModel;
  inputSchema: Schema | undefined;
}

/** The state of one worker: loaded models and counters (for tests and logs). */
export class SparkWorkerState {
  readonly models = new Map<string, Promise<LoadedEntry>>();
  /** Models kept loaded at once (least recently used closed first): `PYFUNC_SPARK_MAX_MODELS`, default 4. */
  readonly maxModels = Math.max(1, Number(process.env.PYFUNC_SPARK_MAX_MODELS ?? 4) || 4);
  loads = 0;
  batches = 0;
  private readonly resultTypes = new Map<string, SparkType>();

  private resultType(ddl: string): SparkType {
    let type = this.resultTypes.get(ddl);
    if (type === undefined) {
      type = parseSparkType(ddl);
      this.resultTypes.set(ddl, type);
    }
    return type;
  }

  private async model(request: WorkerRequest): Promise<LoadedEntry> {
    const envManager = request.env_manager ?? 'local';
    const key = JSON.stringify([request.model_path, request.model_config ?? null, envManager, request.extra_env ?? null]);
    let entry = this.models.get(key);
    if (entry !== undefined) {
      this.models.delete(key); // most recently used last
      this.models.set(key, entry);
      return entry;
    }
    entry = this.load(request, envManager);
    this.models.set(key, entry);
    entry.catch(() => this.models.delete(key));
    while (this.models.size > this.maxModels) {
      const [oldestKey, oldest] = this.models.entries().next().value as [string, Promise<LoadedEntry>];
      this.models.delete(oldestKey);
      oldest.then((loaded) => loaded.model.close()).catch(() => undefined);
    }
    return entry;
  }

  private async load(request: WorkerRequest, envManager: string): Promise<LoadedEntry> {
    if (request.model_path === undefined) throw new MlflowException('INVALID_PARAMETER_VALUE', 'model_path is required');
    const saved = new Map<string, string | undefined>();
    for (const [name, value] of Object.entries(request.extra_env ?? {})) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
    try {
      const backendOptions: Record<string, unknown> = { envManager, workers: 1 };
      if (process.env.PYFUNC_PYTHON !== undefined) backendOptions.python = process.env.PYFUNC_PYTHON;
      const model = await loadModel(request.model_path, {
        modelConfig: request.model_config ?? undefined, suppressWarnings: true, backendOptions,
      });
      this.loads += 1;
      return { model, inputSchema: model.metadata.getInputSchema() };
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name]; else process.env[name] = value;
      }
    }
  }

  /** Answers one request: the response header and an optional Arrow IPC body. */
  async handle(request: WorkerRequest, body: Uint8Array): Promise<{ header: Record<string, unknown>; body?: Uint8Array }> {
    if (request.op === 'stats') return { header: { ok: { pid: process.pid, loads: this.loads, batches: this.batches } } };
    if (request.op === 'describe') {
      return { header: { ok: await describeSparkUdf(request.model_path ?? '', request.result_type, request.params) } };
    }
    if (request.op !== 'predict') throw new MlflowException('INVALID_PARAMETER_VALUE', `Unknown request '${String(request.op)}'`);
    const { model, inputSchema } = await this.model(request);
    const resultType = this.resultType(request.result_type ?? 'double');
    const table = tableFromIPC(body);
    const args: Vector[] = table.schema.fields.map((_, i) => table.getChildAt(i)!);
    const frame = arrowArgumentsToFrame(args, inputSchema, { sessionTimeZone: request.session_time_zone ?? 'UTC' });
    const prediction = await model.predict(frame, request.params ?? undefined);
    const values = predictionToSparkValues(prediction, resultType, frame.numRows);
    this.batches += 1;
    const vector = sparkValuesToArrow(values, resultType);
    return { header: { ok: { pid: process.pid, loads: this.loads } }, body: tableToIPC(new Table({ r: vector }), 'stream') };
  }

  /** Closes every loaded model (ends their Python workers). */
  async close(): Promise<void> {
    const entries = await Promise.allSettled([...this.models.values()]);
    this.models.clear();
    await Promise.allSettled(entries.map((entry) => (entry.status === 'fulfilled' ? entry.value.model.close() : undefined)));
  }
}

function errorHeader(error: unknown): Record<string, unknown> {
  if (MlflowException.isInstance(error)) return { error: { error_code: error.errorCode, message: error.message } };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { error: { error_code: 'INTERNAL_ERROR', message } };
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** Encodes one message: u32 LE header length, JSON header, u32 LE body length, body. */
export function encodeWorkerMessage(header: unknown, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(8 + json.length + body.length);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  out.writeUInt32LE(body.length, 4 + json.length);
  out.set(body, 8 + json.length);
  return out;
}

/**
 * Runs the worker loop: requests from `inputFd`, answers to `outputFd`, one at a time, until the
 * input closes; then closes the models and resolves.
 */
export async function runSparkWorker(inputFd = 3, outputFd = 4): Promise<void> {
  const state = new SparkWorkerState();
  const input = createReadStream('', { fd: inputFd, highWaterMark: 1 << 20 });
  let pending: Buffer = Buffer.alloc(0);
  // chunks of a message not complete yet, joined once it is (not once per chunk: a batch of
  // tens of megabytes arrives in 1 MiB chunks)
  const waiting: Buffer[] = [];
  let waitingBytes = 0;
  let needed = 0;
  try {
    for await (const chunk of input) {
      waiting.push(chunk as Buffer);
      waitingBytes += (chunk as Buffer).length;
      if (pending.length + waitingBytes < needed) continue;
      pending = Buffer.concat([pending, ...waiting.splice(0)]);
      waitingBytes = 0;
      needed = 0;
      for (;;) {
        if (pending.length < 4) break;
        const headerLength = pending.readUInt32LE(0);
        if (pending.length < 8 + headerLength) break;
        const bodyLength = pending.readUInt32LE(4 + headerLength);
        const total = 8 + headerLength + bodyLength;
        if (pending.length < total) {
          needed = total;
          break;
        }
        const request = JSON.parse(pending.subarray(4, 4 + headerLength).toString('utf8')) as WorkerRequest;
        const body = pending.subarray(8 + headerLength, total);
        pending = pending.subarray(total);
        let answer: { header: Record<string, unknown>; body?: Uint8Array };
        try {
          answer = await state.handle(request, body);
        } catch (error) {
          answer = { header: errorHeader(error) };
        }
        writeAll(outputFd, encodeWorkerMessage(answer.header, answer.body));
      }
    }
  } finally {
    await state.close();
  }
}
