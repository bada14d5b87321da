/**
 * The backend registry: which code runs a model, chosen from the MLmodel's flavors
 * (runtime.md 11.2, DESIGN.md "Two kinds of model"). Backends above the runtime are known by
 * package name only and imported on demand.
 */
import { MlflowException, type Logger, type Model } from '@pyfunc/format';

/** What a backend receives when it loads a model directory. */
export interface LoadOptions {
  /** The model's MLmodel, already read. */
  readonly metadata: Model;
  /**
   * The effective model config of the flavor being loaded (runtime.md 1.3), or `undefined` when
   * the loader is to be called without one.
   */
  readonly modelConfig: Record<string, unknown> | undefined;
  /** The load-time overrides as the user gave them (a file already read), for backends that
   * apply runtime.md 1.3 themselves (the Python backend lets MLflow do it). */
  readonly modelConfigOverrides: Record<string, unknown> | undefined;
  /** Skip requirement-mismatch and interpreter-version warnings. */
  readonly suppressWarnings: boolean;
  /** Receives load-time warnings. */
  readonly logger: Logger;
  /**
   * The load call's `backendOptions`, as given (an empty object when none): options meant for
   * the backend itself, such as @pyfunc/python's `envManager` or `workers`. Each backend reads
   * the keys it knows and ignores the rest.
   */
  readonly backendOptions: Readonly<Record<string, unknown>>;
}

/** A model a backend has loaded: the implementation behind a `PyFuncModel`. */
export interface LoadedModelV1 {
  /** Scores one input (already schema-enforced unless {@link enforcesSchema}). */
  doPredict(data: unknown, params: Record<string, unknown> | undefined): Promise<unknown>;
  /** Streams predictions; absent on models that are not streamable. */
  doPredictStream?(data: unknown, params: Record<string, unknown> | undefined): AsyncIterable<unknown>;
  /** True when the backend enforces the signature itself (the Python backend: MLflow does). */
  readonly enforcesSchema?: boolean;
  /** The user's model object (`PythonModel`, function wrapper); undefined when there is none. */
  readonly pythonModel?: unknown;
  /** The raw user object of chat/agent wrappers; absent otherwise. */
  getRawModel?(): unknown;
  /** Releases workers, files, sockets. */
  doClose?(): Promise<void>;
}

/** A flavor backend: a versioned plugin interface keyed by an MLmodel flavor name. */
export interface FlavorBackendV1 {
  readonly specificationVersion: 'v1';
  /** The MLmodel flavor key this backend loads (`js_function`, `python_function`, `onnx`, ...). */
  readonly flavorName: string;
  /** Loads the model directory into an implementation. */
  doLoad(modelDir: string, options: LoadOptions): Promise<LoadedModelV1>;
}

/** Flavors whose backend lives in another package, imported on demand by name. */
export const builtinBackends: Partial<Record<string, string>> = { python_function: '@pyfunc/python' };

const registered = new Map<string, FlavorBackendV1>();

/**
 * Registers (or replaces) the backend of a flavor.
 * @throws {MlflowException} INVALID_STATE for a backend written against another interface version.
 */
export function registerBackend(backend: FlavorBackendV1): void {
  if (typeof backend !== 'object' || backend === null || backend.specificationVersion !== 'v1') {
    throw new MlflowException('INVALID_STATE', 'This backend needs a newer @pyfunc/runtime.');
  }
  if (typeof backend.flavorName !== 'string' || backend.flavorName === '' || typeof backend.doLoad !== 'function') {
    throw new MlflowException('INVALID_PARAMETER_VALUE', 'A backend needs a non-empty `flavorName` and a `doLoad` function.');
  }
  registered.set(backend.flavorName, backend);
}

/** Removes a registered backend (tests, plugin unloading); true when one was removed. */
export function unregisterBackend(flavorName: string): boolean {
  return registered.delete(flavorName);
}

/** The flavors that have a backend registered right now (built-in packages not yet imported excluded). */
export function registeredFlavors(): string[] {
  return [...registered.keys()];
}

function isMissingPackage(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(packageName);
}

/**
 * The backend for a flavor: a registered one, else the built-in package named for it
 * (imported now), else undefined.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST naming the package to install when a built-in
 *   backend package is absent; INVALID_STATE when it exports no usable backend.
 */
export async function resolveBackend(flavorName: string): Promise<FlavorBackendV1 | undefined> {
  const packageName = builtinBackends[flavorName];
  if (registered.has(flavorName) || packageName === undefined) return registered.get(flavorName);
  const module: unknown = await import(packageName).catch((error: unknown) => {
    if (!isMissingPackage(error, packageName)) throw error; // a broken install stays visible
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST',
      `The '${flavorName}' flavor needs ${packageName}: npm install ${packageName}`, { cause: error });
  });
  const backend = (module as { backend?: FlavorBackendV1 } | null)?.backend;
  if (backend === undefined) {
    throw new MlflowException('INVALID_STATE', `${packageName} does not export a \`backend\`; reinstall it.`);
  }
  registerBackend(backend);
  return registered.get(flavorName);
}
