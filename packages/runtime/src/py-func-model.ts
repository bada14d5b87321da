/**
 * `PyFuncModel`: what `loadModel` returns for every model, whatever runs behind it
 * (runtime.md 2, 11.1).
 */
import {
  Frame,
  MlflowException,
  Series,
  Tensor,
  dumpMlflowYaml,
  isPlainObject,
  silentLogger,
  type Logger,
  type Model,
  type ParamSchema,
  type PyValue,
  type Schema,
} from '@pyfunc/format';
import type { LoadedModelV1 } from './backend-registry.js';
import { enforceParams, enforceSchema } from './enforcement/index.js';

/** Options of the `PyFuncModel` constructor (loaders and tests; users call `loadModel`). */
export interface PyFuncModelOptions {
  /** The flavor whose backend produced the implementation (default `python_function`). */
  flavorName?: string;
  /** Receives the ignored-params warning and similar. */
  logger?: Logger;
  /** The model's input example, when it was loaded. */
  inputExample?: unknown;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A short, Python-like rendering of an input for error messages. */
function describeData(data: unknown): string {
  if (data instanceof Frame) return `Frame(${data.numRows} rows × ${data.columns.length} columns: ${data.columns.map((c) => String(c.name)).join(', ')})`;
  if (data instanceof Tensor) return `Tensor(${data.dtype}, (${data.shape.join(', ')}))`;
  if (data instanceof Series) return `Series(${data.dtype}, ${data.length})`;
  try {
    const text = JSON.stringify(data, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    if (text === undefined) return String(data);
    return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  } catch {
    return Object.prototype.toString.call(data);
  }
}

/** Wraps a model's own failure: MlflowExceptions pass unchanged, anything else gets a code and keeps its cause. */
export function toPredictionError(error: unknown, method: string): MlflowException {
  if (MlflowException.isInstance(error)) return error;
  return new MlflowException('INTERNAL_ERROR', `The model's ${method} failed: ${describeError(error)}`, { cause: error });
}

/**
 * A loaded model: `predict` and `predictStream` with MLflow's schema and params enforcement,
 * its metadata, model config and the user's model object.
 */
export class PyFuncModel {
  readonly #metadata: Model;
  readonly #impl: LoadedModelV1;
  readonly #flavorName: string;
  readonly #logger: Logger;
  #closed = false;
  /** The model's input example as loaded (undefined when it has none or it failed to load). */
  inputExample: unknown;

  /**
   * @throws {MlflowException} INTERNAL_ERROR "Model is missing metadata." / "Model implementation
   *   is missing required predict method." (MLflow's texts).
   */
  constructor(metadata: Model, impl: LoadedModelV1, options: PyFuncModelOptions = {}) {
    if (metadata === undefined || metadata === null) throw new MlflowException('INTERNAL_ERROR', 'Model is missing metadata.');
    if (typeof impl?.doPredict !== 'function') {
      throw new MlflowException('INTERNAL_ERROR', 'Model implementation is missing required predict method.');
    }
    this.#metadata = metadata;
    this.#impl = impl;
    this.#flavorName = options.flavorName ?? 'python_function';
    this.#logger = options.logger ?? silentLogger;
    this.inputExample = options.inputExample;
  }

  /** The `Model` read from MLmodel. */
  get metadata(): Model {
    return this.#metadata;
  }

  /** The flavor whose backend runs this model (`js_function`, `python_function`, a plugin's). */
  get flavorName(): string {
    return this.#flavorName;
  }

  /** The model config in effect (the flavor's `config`, load-time overrides applied), `{}` when none. */
  get modelConfig(): Record<string, unknown> {
    const config = this.#metadata.flavors[this.#flavorName]?.config;
    return isPlainObject(config) ? (config as Record<string, unknown>) : {};
  }

  /** `python_function`'s `loader_module` (else the running flavor's), undefined when neither has one. */
  get loaderModule(): string | undefined {
    const flavors = this.#metadata.flavors;
    const value = flavors.python_function?.loader_module ?? flavors[this.#flavorName]?.loader_module;
    return typeof value === 'string' ? value : undefined;
  }

  /**
   * Scores `data` (runtime.md 2.2): the input schema is enforced (errors wrapped as MLflow
   * does), then params; the implementation's result is returned as is.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for input that breaks the signature or bad
   *   params; the model's own MlflowException unchanged; INTERNAL_ERROR (with `cause`) for any
   *   other failure of the model; INVALID_STATE after `close()`.
   */
  async predict(data: unknown, params?: Record<string, unknown> | null): Promise<unknown> {
    this.#checkOpen();
    const prepared = this.#impl.enforcesSchema === true
      ? { data, params: params ?? undefined }
      : this.#validatePredictionInput(data, params, this.#metadata.signature?.isSignatureFromTypeHint === true);
    try {
      return await this.#impl.doPredict(prepared.data, prepared.params);
    } catch (error) {
      throw toPredictionError(error, 'predict');
    }
  }

  /**
   * Streams predictions (runtime.md 2.5). Lazy: nothing runs before the first `next()`, so every
   * error (not streamable, bad input, more than one input) surfaces there.
   */
  predictStream(data: unknown, params?: Record<string, unknown> | null): AsyncIterable<unknown> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        self.#checkOpen();
        const stream = self.#impl.doPredictStream;
        if (typeof stream !== 'function') {
          throw new MlflowException('INTERNAL_ERROR', 'This model does not support predict_stream method.');
        }
        let input = data;
        let effectiveParams = params ?? undefined;
        if (self.#impl.enforcesSchema !== true) {
          const prepared = self.#validatePredictionInput(data, params, false);
          input = convertLlmInput(prepared.data);
          effectiveParams = prepared.params;
          if (Array.isArray(input)) {
            if (input.length !== 1) {
              throw new MlflowException('INTERNAL_ERROR',
                `'predict_stream' requires single input, but it got input data ${describeData(input)}`);
            }
            input = input[0];
          }
        }
        let iterator: AsyncIterator<unknown>;
        try {
          iterator = stream.call(self.#impl, input, effectiveParams)[Symbol.asyncIterator]();
        } catch (error) {
          throw toPredictionError(error, 'predictStream');
        }
        while (true) {
          let step: IteratorResult<unknown>;
          try {
            step = await iterator.next();
          } catch (error) {
            throw toPredictionError(error, 'predictStream');
          }
          if (step.done === true) return;
          yield step.value;
        }
      },
    };
  }

  /**
   * The user's model object: the `PythonModel` instance, or the function model's wrapper.
   * @throws {MlflowException} INTERNAL_ERROR "Unable to retrieve base model object from pyfunc."
   *   for loader-module, chat and Python-backend models.
   */
  unwrapPythonModel(): unknown {
    const model = this.#impl.pythonModel;
    if (model === undefined || model === null) {
      throw new MlflowException('INTERNAL_ERROR', 'Unable to retrieve base model object from pyfunc.');
    }
    return model;
  }

  /**
   * The raw user object of chat/agent models.
   * @throws {MlflowException} NOT_IMPLEMENTED when the implementation has none (MLflow's `NotImplementedError`).
   */
  getRawModel(): unknown {
    if (typeof this.#impl.getRawModel !== 'function') {
      throw new MlflowException('NOT_IMPLEMENTED', '`get_raw_model` is not implemented by the underlying model');
    }
    return this.#impl.getRawModel();
  }

  /** Releases what the backend holds (worker processes, files); later calls fail. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#impl.doClose?.();
  }

  /** MLflow's repr: YAML of `{mlflow.pyfunc.loaded_model: {artifact_path?, flavor, run_id?}}`. */
  toString(): string {
    const info: Record<string, PyValue> = {};
    if (this.#metadata.artifactPath !== undefined) info.artifact_path = this.#metadata.artifactPath;
    info.flavor = this.loaderModule ?? null;
    if (this.#metadata.runId !== undefined) info.run_id = this.#metadata.runId;
    return dumpMlflowYaml({ 'mlflow.pyfunc.loaded_model': info }, { sortKeys: true });
  }

  #checkOpen(): void {
    if (this.#closed) throw new MlflowException('INVALID_STATE', 'This model has been closed; load it again to predict.');
  }

  #validatePredictionInput(data: unknown, params: Record<string, unknown> | null | undefined, skipData: boolean):
    { data: unknown; params: Record<string, unknown> | undefined } {
    const inputSchema: Schema | undefined = this.#metadata.getInputSchema();
    const paramsSchema: ParamSchema | undefined = this.#metadata.getParamsSchema();
    let enforced = data;
    if (inputSchema !== undefined && !skipData) {
      try {
        enforced = enforceSchema(data, inputSchema, { logger: this.#logger });
      } catch (error) {
        throw new MlflowException('INVALID_PARAMETER_VALUE',
          `Failed to enforce schema of data '${describeData(data)}' with schema '${inputSchema.toString()}'. ` +
          `Error: ${describeError(error)}`, { cause: error });
      }
    }
    const enforcedParams = enforceParams(params ?? undefined, paramsSchema, { logger: this.#logger });
    return { data: enforced, params: enforcedParams };
  }
}

/** MLflow's `_convert_llm_input_data`: frames to lists (of the `0` column or of records), tensors to lists. */
function convertLlmInput(data: unknown): unknown {
  if (data instanceof Frame) {
    const names = data.columns.map((column) => column.name);
    if (names.length === 1 && names[0] === 0) return data.toColumns()['0'];
    return data.toRecords();
  }
  if (data instanceof Tensor) return data.toNested();
  if (data instanceof Series) return data.toArray();
  if (Array.isArray(data)) return data.map(convertLlmInput);
  if (isPlainObject(data)) {
    return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, convertLlmInput(value)]));
  }
  return data;
}
