/**
 * Models from code (runtime.md 6): `setModel` called by a model's code file, and `ModelConfig`
 * read inside it. The slots are process-global (keyed by `Symbol.for`) so that a bundled model
 * and the runtime that loads it share them even across two copies of this package.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MlflowException, isPlainObject, loadMlflowYaml } from '@pyfunc/format';
import { isPythonModel, type PythonModel } from './python-model.js';

interface Slots {
  /** What the code file set, or undefined. */
  model: unknown;
  /** The config of the code file being run: a dict, `''` for "explicitly none", undefined when no file runs. */
  config: Record<string, unknown> | '' | undefined;
}

const slotsKey = Symbol.for('pyfunc.runtime.modelsFromCode');

function slots(): Slots {
  const holder = globalThis as unknown as Record<symbol, Slots | undefined>;
  let value = holder[slotsKey];
  if (value === undefined) {
    value = { model: undefined, config: undefined };
    holder[slotsKey] = value;
  }
  return value;
}

const setModelError = 'Model should either be an instance of PyFuncModel, Langchain type, or LlamaIndex index.';

/**
 * Sets the model of a code file (MLflow's `mlflow.models.set_model`): a `PythonModel` instance
 * or a function. Call it once at the top level of the file passed as `modelCode`.
 * @throws {MlflowException} INTERNAL_ERROR (MLflow's code) for anything else.
 */
export function setModel(model: PythonModel | ((input: never) => unknown) | object): void {
  if (typeof model === 'string' || model === null || model === undefined) {
    throw new MlflowException('INTERNAL_ERROR', setModelError);
  }
  const predict = (model as { predict?: unknown }).predict;
  if (typeof model !== 'function' && !isPythonModel(model) && typeof predict !== 'function') {
    throw new MlflowException('INTERNAL_ERROR', setModelError);
  }
  slots().model = model;
}

/** @internal Runs `execute` with the config global set and the model slot cleared; returns the set model. */
export async function runModelCode(
  config: Record<string, unknown> | undefined,
  path: string,
  execute: () => Promise<unknown>,
): Promise<unknown> {
  const state = slots();
  state.model = undefined; // divergence (runtime.md 6.3): never reuse a model set by another file
  state.config = config === undefined ? '' : config;
  try {
    await execute();
  } catch (error) {
    if (MlflowException.isInstance(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    const importFailure = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || error instanceof SyntaxError;
    throw new MlflowException('INTERNAL_ERROR', importFailure
      ? `Failed to import code model from ${path}. Error: ${message}`
      : `Failed to run user code from ${path}. Error: ${message}. Review the stack trace for more information.`,
    { cause: error, path });
  } finally {
    state.config = undefined;
  }
  const model = state.model;
  state.model = undefined;
  if (model === undefined) {
    throw new MlflowException('INTERNAL_ERROR',
      'If the model is logged as code, ensure the model is set using mlflow.models.set_model() within the code file code file.', { path });
  }
  return model;
}

/**
 * A model's configuration inside its code file (MLflow's `mlflow.models.ModelConfig`): while the
 * runtime runs the file (at save and at every load) the model's config wins; otherwise the
 * `developmentConfig` (a dict or a YAML/JSON file path) is used.
 */
export class ModelConfig {
  readonly #config: Record<string, unknown> | string;

  /**
   * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when there is no config at all, or the
   *   development config file does not exist (MLflow's `FileNotFoundError`).
   */
  constructor(options: { developmentConfig?: Record<string, unknown> | string } = {}) {
    const global = slots().config;
    const chosen = global !== undefined && global !== '' ? global : options.developmentConfig;
    if (chosen === undefined || chosen === '' || (isPlainObject(chosen) && Object.keys(chosen).length === 0)) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST',
        'Config file is not provided which is needed to load the model. Please provide a valid path.');
    }
    if (typeof chosen === 'string') {
      try {
        readFileSync(resolve(chosen));
      } catch (error) {
        throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Config file '${chosen}' not found.`, { cause: error });
      }
    } else if (!isPlainObject(chosen)) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Config file '${String(chosen)}' not found.`);
    }
    this.#config = chosen;
  }

  /**
   * The configuration as a dict (a file is read at each call).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE "Error parsing YAML file: ..." for a bad file.
   */
  toDict(): Record<string, unknown> {
    if (typeof this.#config !== 'string') return this.#config;
    const path = resolve(this.#config);
    try {
      const value = loadMlflowYaml(readFileSync(path, 'utf8'), { path });
      return isPlainObject(value) ? (value as Record<string, unknown>) : {};
    } catch (error) {
      throw new MlflowException('INVALID_PARAMETER_VALUE',
        `Error parsing YAML file: ${error instanceof Error ? error.message : String(error)}`, { cause: error, path });
    }
  }

  /**
   * A top-level value.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE "Key '{key}' not found in configuration: ..." (MLflow's `KeyError`).
   */
  get(key: string): unknown {
    const data = this.toDict();
    if (!Object.hasOwn(data, key)) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', `Key '${key}' not found in configuration: ${JSON.stringify(data)}.`);
    }
    return data[key];
  }
}
