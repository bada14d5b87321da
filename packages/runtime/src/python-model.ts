/**
 * `PythonModel` and `PythonModelContext`: the class-based authoring style of MLflow's
 * pyfunc, in TypeScript (runtime.md 5; the seed's PythonModel / PythonModelContext).
 */

/**
 * What a model sees at load and predict time: its artifacts, mapped to absolute local
 * paths inside the loaded model directory, and its model config (after load-time overrides).
 */
export interface PythonModelContext {
  /** Artifact name → absolute local path of the artifact inside the model directory. */
  readonly artifacts: Record<string, string>;
  /** The model config (a dict, or loaded from the config file at save time), after overrides. */
  readonly modelConfig: Record<string, unknown>;
}

/**
 * Base class for a TypeScript model written the MLflow way. Subclass it, implement
 * `predict`, optionally `loadContext` (called once at load, before any prediction) and
 * `predictStream` (makes the model streamable).
 */
export abstract class PythonModel<
  Input = unknown,
  Output = unknown,
  Params = Record<string, unknown>,
> {
  /** Called once when the model is loaded; read artifacts and config here. */
  loadContext?(context: PythonModelContext): void | Promise<void>;

  /** Scores one input. `params` are the (enforced) inference parameters, if any. */
  abstract predict(
    context: PythonModelContext,
    modelInput: Input,
    params?: Params,
  ): Output | Promise<Output>;

  /** Streams predictions for one input; present only on streamable models. */
  predictStream?(
    context: PythonModelContext,
    modelInput: Input,
    params?: Params,
  ): AsyncIterable<unknown> | Iterable<unknown>;
}

const pythonModelMarker = Symbol.for('pyfunc.PythonModel');
Object.defineProperty(PythonModel.prototype, pythonModelMarker, { value: true });

/**
 * True when `value` is an instance of a `PythonModel` subclass, also across copies of
 * this package (a bundled model may carry its own copy of the class).
 */
export function isPythonModel(value: unknown): value is PythonModel {
  if (value instanceof PythonModel) return true;
  if (typeof value !== 'object' || value === null) return false;
  return (value as Record<symbol, unknown>)[pythonModelMarker] === true;
}
