/**
 * `loadModel`: any model directory → `PyFuncModel` (runtime.md 1, 11.2).
 */
import { cp, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MlflowException,
  Model,
  isPlainObject,
  loadInputExample,
  loadMlflowYaml,
  silentLogger,
  type Logger,
  type PyValue,
} from '@pyfunc/format';
import { downloadArtifacts } from '@pyfunc/tracking';
import { registerBackend, resolveBackend, type FlavorBackendV1 } from './backend-registry.js';
import { JS_FUNCTION_FLAVOR, jsFunctionBackend } from './js-function-flavor.js';
import { PyFuncModel } from './py-func-model.js';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Load-time model config overrides: a dict, or a YAML/JSON file path (string or `file:` URL). */
  modelConfig?: Record<string, unknown> | string | URL | null;
  /** Skip the requirement-mismatch and interpreter-version warnings. */
  suppressWarnings?: boolean;
  /** Copy the model into `<dstPath>/<basename>` and load the copy. */
  dstPath?: string;
  /** Receives warnings (ignored config keys, version mismatches). */
  logger?: Logger;
  /** Tracking server or `mlruns/` for `runs:/` and `models:/` URIs; default `MLFLOW_TRACKING_URI`, else `./mlruns`. */
  trackingUri?: string;
  /** Model registry for `models:/` URIs; default `MLFLOW_REGISTRY_URI`, else the tracking URI. */
  registryUri?: string;
  /**
   * Options for the backend that runs the model, passed through untouched: for a Python model,
   * @pyfunc/python's `envManager`, `python`, `workers`, `requestTimeoutMs`… (each backend
   * documents its keys and ignores the others).
   */
  backendOptions?: Readonly<Record<string, unknown>>;
}

registerBackend(jsFunctionBackend);

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Local directory of a local model URI (a path or a `file:` URI); `undefined` for remote URIs. */
export function localPathOf(uri: string | URL): string | undefined {
  if (uri instanceof URL) {
    if (uri.protocol !== 'file:') return undefined;
    return fileURLToPath(uri);
  }
  if (typeof uri !== 'string' || uri === '') {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `A model URI must be a non-empty string, got ${JSON.stringify(uri)}.`);
  }
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri.startsWith('file://') ? uri : `file://${uri.slice('file:'.length)}`);
    } catch (error) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid file URI '${uri}': ${messageOf(error)}`, { cause: error });
    }
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri);
  if (scheme !== null && scheme[1]!.length > 1) return undefined;
  return resolve(uri);
}

async function materialize(uri: string | URL, dstPath: string | undefined, options: LoadModelOptions = {}): Promise<string> {
  const local = localPathOf(uri);
  // runs:/, models:/, mlflow-artifacts:/, http(s) and plugin schemes: MLflow's `_download_artifact_from_uri`
  if (local === undefined) {
    return downloadArtifacts({
      artifactUri: String(uri),
      ...(dstPath !== undefined ? { dstPath } : {}),
      ...(options.trackingUri !== undefined ? { trackingUri: options.trackingUri } : {}),
      ...(options.registryUri !== undefined ? { registryUri: options.registryUri } : {}),
    });
  }
  try {
    await stat(local);
  } catch (error) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `No such file or directory: '${local}'`, { cause: error, path: local });
  }
  if (dstPath === undefined) return local;
  const destination = resolve(dstPath);
  let info;
  try {
    info = await stat(destination);
  } catch (error) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST',
      `The destination path for downloaded artifacts does not exist! Destination path: ${destination}`, { cause: error, path: destination });
  }
  if (!info.isDirectory()) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `The destination path for downloaded artifacts must be a directory! Destination path: ${destination}`, { path: destination });
  }
  const target = join(destination, basename(local));
  await cp(local, target, { recursive: true, force: true });
  return target;
}

/** Reads a load-time config file (runtime.md 1.2 step 8). */
async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const absolute = resolve(path);
  let text: string;
  try {
    if (!(await stat(absolute)).isFile()) throw new Error('not a file');
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `An invalid \`model_config\` file was passed. The provided \`model_config\` file '${absolute}'is not a valid file path.`, { cause: error, path: absolute });
  }
  let value: PyValue;
  try {
    value = loadMlflowYaml(text, { path: absolute });
  } catch (error) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `The provided \`model_config\` file '${absolute}' is not a valid YAML file: ${messageOf(error)}`, { cause: error, path: absolute });
  }
  if (value === null) return {};
  if (!isPlainObject(value)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `The provided \`model_config\` file '${absolute}' is not a valid YAML file: it does not hold a mapping.`, { path: absolute });
  }
  return value as Record<string, unknown>;
}

/** The load-time overrides as a dict (a file read), or undefined. */
export async function readModelConfigArgument(modelConfig: LoadModelOptions['modelConfig']): Promise<Record<string, unknown> | undefined> {
  if (modelConfig === undefined || modelConfig === null) return undefined;
  if (modelConfig instanceof URL) return readConfigFile(fileURLToPath(modelConfig));
  if (typeof modelConfig === 'string') return modelConfig === '' ? undefined : readConfigFile(modelConfig);
  if (!isPlainObject(modelConfig)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      'An invalid ``model_config`` structure was passed. ``model_config`` must be a valid file path or of type ``dict`` with string keys.');
  }
  return modelConfig;
}

/**
 * The effective model config (runtime.md 1.3): overrides from `MLFLOW_PYFUNC_INFERENCE_CONFIG`
 * then the load-time dict, kept only for keys the saved config has; the saved config is updated
 * in place. Undefined means "call the loader without a config".
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when the environment variable is not a JSON object.
 */
export function effectiveModelConfig(
  saved: Record<string, unknown> | undefined,
  load: Record<string, unknown> | undefined,
  logger: Logger,
): Record<string, unknown> | undefined {
  const overrides: Record<string, unknown> = {};
  const fromEnv = process.env.MLFLOW_PYFUNC_INFERENCE_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fromEnv);
    } catch (error) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', `MLFLOW_PYFUNC_INFERENCE_CONFIG is not valid JSON: ${messageOf(error)}`, { cause: error });
    }
    if (!isPlainObject(parsed)) throw new MlflowException('INVALID_PARAMETER_VALUE', 'MLFLOW_PYFUNC_INFERENCE_CONFIG must hold a JSON object.');
    Object.assign(overrides, parsed);
  }
  Object.assign(overrides, load ?? {});
  const keys = Object.keys(overrides);
  const savedEmpty = saved === undefined || Object.keys(saved).length === 0;
  if (keys.length === 0) return savedEmpty ? (saved === undefined ? undefined : saved) : saved;
  if (savedEmpty) {
    logger.warn({ keys }, `Argument(s) ${keys.join(', ')} were ignored since the model's \`\`pyfunc\`\` flavor doesn't accept model configuration. Use \`\`model_config\`\` when logging the model to allow it.`);
    return undefined;
  }
  const ignored = keys.filter((key) => !Object.hasOwn(saved, key));
  if (ignored.length > 0) {
    logger.warn({ keys: ignored }, `Argument(s) ${ignored.join(', ')} were ignored since they are not valid keys in the corresponding section of the \`\`pyfunc\`\` flavor. Use \`\`model_config\`\` when logging the model to include the keys you plan to indicate. Current allowed configuration includes ${Object.keys(saved).join(', ')}`);
  }
  for (const key of keys) if (Object.hasOwn(saved, key)) saved[key] = overrides[key];
  return saved;
}

/** Picks the flavor and its backend (runtime.md 11.2). */
async function chooseBackend(metadata: Model): Promise<{ flavorName: string; backend: FlavorBackendV1 }> {
  const flavors = metadata.flavors;
  if (isPlainObject(flavors[JS_FUNCTION_FLAVOR])) {
    return { flavorName: JS_FUNCTION_FLAVOR, backend: (await resolveBackend(JS_FUNCTION_FLAVOR)) ?? jsFunctionBackend };
  }
  if (isPlainObject(flavors.python_function)) {
    const backend = await resolveBackend('python_function');
    if (backend !== undefined) return { flavorName: 'python_function', backend };
  }
  for (const flavorName of Object.keys(flavors)) {
    if (flavorName === 'python_function') continue;
    const backend = await resolveBackend(flavorName);
    if (backend !== undefined) return { flavorName, backend };
  }
  throw new MlflowException('RESOURCE_DOES_NOT_EXIST', 'Model does not have the "python_function" flavor');
}

/**
 * Loads a model as a `PyFuncModel` (runtime.md 1.2): a TypeScript model (`js_function`) runs
 * in-process, a Python model (`python_function`) through `@pyfunc/python`, other flavors through
 * a registered backend.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST for a missing path, a missing MLmodel, no
 *   loadable flavor, or a backend package that is not installed (naming it);
 *   INVALID_PARAMETER_VALUE for a bad `modelConfig` or `dstPath`; INTERNAL_ERROR / DATA_LOSS
 *   when the model's code fails to import or is damaged.
 */
export async function loadModel(modelUri: string | URL, options: LoadModelOptions = {}): Promise<PyFuncModel> {
  const logger = options.logger ?? silentLogger;
  const modelDir = await materialize(modelUri, options.dstPath, options);
  try {
    await stat(join(modelDir, 'MLmodel'));
  } catch (error) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Could not find an "MLmodel" configuration file at "${modelDir}"`, { cause: error, path: modelDir });
  }
  const metadata = await Model.load(modelDir);
  const { flavorName, backend } = await chooseBackend(metadata);
  const overrides = await readModelConfigArgument(options.modelConfig);
  const flavor = metadata.flavors[flavorName]!;
  const saved = isPlainObject(flavor.config) ? (flavor.config as Record<string, unknown>) : undefined;
  const modelConfig = effectiveModelConfig(saved, overrides, logger);
  const impl = await backend.doLoad(modelDir, {
    metadata,
    modelConfig,
    modelConfigOverrides: overrides,
    suppressWarnings: options.suppressWarnings === true,
    logger,
    backendOptions: options.backendOptions ?? {},
  });
  if (flavor.streamable === true && impl.enforcesSchema !== true && typeof impl.doPredictStream !== 'function') {
    throw new MlflowException('INTERNAL_ERROR', 'Model implementation is missing required predict_stream method.');
  }
  const model = new PyFuncModel(metadata, impl, { flavorName, logger });
  const info = metadata.savedInputExampleInfo;
  if (info !== undefined) {
    try {
      model.inputExample = (await loadInputExample(modelDir, info, { schema: metadata.getInputSchema() ?? null })).data;
    } catch (error) {
      logger.debug({ error: messageOf(error) }, 'Failed to load the input example');
    }
  }
  return model;
}
