/**
 * The `js_function` flavor (runtime.md 11.5, DESIGN.md): its keys, and the in-process backend
 * that loads a TypeScript-native model from its bundled code.
 */
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as formatModule from '@pyfunc/format';
import { MlflowException, isPlainObject, type FlavorConfig } from '@pyfunc/format';
import type { FlavorBackendV1, LoadedModelV1, LoadOptions } from './backend-registry.js';
import { fileSha256, setHostModules } from './bundle.js';
import * as runtimeModule from './index.js';
import { decodeModelState } from './model-state.js';
import { PythonModel, isPythonModel, type PythonModelContext } from './python-model.js';
import { runModelCode } from './set-model.js';

/** The flavor key of TypeScript-native models. */
export const JS_FUNCTION_FLAVOR = 'js_function';
/** `loader_module` of object models (a class instance or a function exported by a module). */
export const MODEL_LOADER = '@pyfunc/runtime/loaders/model';
/** `loader_module` of models from code (`setModel` in a code file). */
export const CODE_MODEL_LOADER = '@pyfunc/runtime/loaders/code_model';

/** The version of @pyfunc/runtime, written as `runtime_version`. */
export const RUNTIME_VERSION: string = (() => {
  try {
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

/**
 * An adapter that turns a loaded user object into an implementation; the chat helper adds one
 * for `ChatModel`s. Returns undefined when the object is not its kind.
 */
export type ModelAdapter = (model: unknown, context: PythonModelContext, flavor: FlavorConfig) => LoadedModelV1 | undefined;

const adapters: ModelAdapter[] = [];

/** Registers an adapter tried before the default `PythonModel` / function wrapping (chat models). */
export function registerModelAdapter(adapter: ModelAdapter): void {
  if (!adapters.includes(adapter)) adapters.unshift(adapter);
}

/** The names each host-provided package exports, for the bundler. */
export function hostExportNames(): Record<string, string[]> {
  return { '@pyfunc/runtime': Object.keys(runtimeModule), '@pyfunc/format': Object.keys(formatModule) };
}

/** Makes the loading process's own `@pyfunc/*` modules available to bundles. */
export function provideHostModules(): void {
  setHostModules({
    '@pyfunc/runtime': runtimeModule as unknown as Record<string, unknown>,
    '@pyfunc/format': formatModule as unknown as Record<string, unknown>,
  });
}

/**
 * A path from the flavor, resolved inside the model directory.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when it is absolute or leaves the directory.
 */
export function resolveInside(modelDir: string, path: unknown, key: string): string {
  if (typeof path !== 'string' || path === '') {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `The js_function flavor's \`${key}\` must be a non-empty relative path, got ${JSON.stringify(path)}.`);
  }
  const full = resolve(modelDir, path);
  const rel = relative(resolve(modelDir), full);
  if (isAbsolute(path) || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `The js_function flavor's \`${key}\` '${path}' points outside the model directory '${modelDir}'.`, { path: full });
  }
  return full;
}

/** A function model wrapped as MLflow's `_FunctionPythonModel`: params are dropped silently. */
export class FunctionPythonModel extends PythonModel {
  constructor(readonly func: (input: unknown) => unknown) {
    super();
  }

  predict(_context: PythonModelContext, modelInput: unknown): unknown {
    return this.func(modelInput);
  }
}

function toAsyncIterable(value: unknown, what: string): AsyncIterable<unknown> {
  if (value !== null && typeof value === 'object') {
    if (Symbol.asyncIterator in value) return value as AsyncIterable<unknown>;
    if (Symbol.iterator in value) {
      const iterable = value as Iterable<unknown>;
      return (async function* () { yield* iterable; })();
    }
  }
  throw new MlflowException('INTERNAL_ERROR', `${what} must return an iterable or async iterable, got ${typeof value}.`);
}

/** Wraps a `PythonModel` (or a function) with its context as an implementation. */
export function wrapPythonModel(model: PythonModel, context: PythonModelContext, streamable: boolean): LoadedModelV1 {
  const impl: LoadedModelV1 = {
    pythonModel: model,
    doPredict: async (data, params) => model.predict(context, data, params),
  };
  if (streamable) {
    if (typeof model.predictStream !== 'function') {
      throw new MlflowException('INTERNAL_ERROR', 'Model implementation is missing required predict_stream method.');
    }
    (impl as { doPredictStream?: LoadedModelV1['doPredictStream'] }).doPredictStream = (data, params) =>
      toAsyncIterable(model.predictStream!(context, data, params), 'predictStream');
  }
  return impl;
}

/** Wraps what a `loadPyfunc` returned (an object with `predict`, maybe `predictStream`). */
function wrapLoaderResult(result: unknown, flavor: FlavorConfig, streamable: boolean): LoadedModelV1 {
  const predictFn = typeof flavor.predict_fn === 'string' ? flavor.predict_fn : 'predict';
  const streamFn = typeof flavor.predict_stream_fn === 'string' ? flavor.predict_stream_fn : 'predictStream';
  const target = result as Record<string, unknown> | null;
  if (target === null || (typeof target !== 'object' && typeof target !== 'function') || typeof target[predictFn] !== 'function') {
    throw new MlflowException('INTERNAL_ERROR', `Model implementation is missing required ${predictFn} method.`);
  }
  const call = (name: string, data: unknown, params: unknown) =>
    (target[name] as (data: unknown, params?: unknown) => unknown).call(target, data, params);
  const impl: LoadedModelV1 = { doPredict: async (data, params) => call(predictFn, data, params) };
  if (typeof target.getRawModel === 'function') {
    (impl as { getRawModel?: () => unknown }).getRawModel = () => (target.getRawModel as () => unknown).call(target);
  }
  if (streamable) {
    if (typeof target[streamFn] !== 'function') {
      throw new MlflowException('INTERNAL_ERROR', `Model implementation is missing required ${streamFn} method.`);
    }
    (impl as { doPredictStream?: LoadedModelV1['doPredictStream'] }).doPredictStream = (data, params) =>
      toAsyncIterable(call(streamFn, data, params), streamFn);
  }
  return impl;
}

let importCounter = 0;

/** Imports a bundle; every failure becomes a coded error naming the file. */
async function importBundle(path: string, fresh: boolean): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href + (fresh ? `?instance=${++importCounter}` : '');
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new MlflowException('INTERNAL_ERROR',
      `Failed to import the model code '${path}': ${error instanceof Error ? error.message : String(error)}`, { cause: error, path });
  }
}

async function checkEntry(modelDir: string, flavor: FlavorConfig): Promise<string> {
  const entry = resolveInside(modelDir, flavor.entry, 'entry');
  try {
    if (!(await stat(entry)).isFile()) throw new Error('not a file');
  } catch (error) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `The model's code bundle '${entry}' is missing.`, { cause: error, path: entry });
  }
  if (typeof flavor.entry_sha256 === 'string' && (await fileSha256(entry)) !== flavor.entry_sha256) {
    throw new MlflowException('DATA_LOSS',
      `The model's code bundle '${entry}' is corrupted: its sha256 differs from the one recorded in MLmodel. Save the model again.`, { path: entry });
  }
  return entry;
}

function artifactsOf(modelDir: string, flavor: FlavorConfig): Record<string, string> {
  const artifacts: Record<string, string> = {};
  const entries = flavor.artifacts;
  if (entries === undefined || entries === null) return artifacts;
  if (!isPlainObject(entries)) throw new MlflowException('INVALID_PARAMETER_VALUE', 'The js_function flavor\'s `artifacts` must be a mapping.');
  for (const [name, entry] of Object.entries(entries)) {
    const path = isPlainObject(entry) ? entry.path : undefined;
    artifacts[name] = resolveInside(modelDir, path, `artifacts.${name}.path`);
  }
  return artifacts;
}

function adapt(model: unknown, context: PythonModelContext, flavor: FlavorConfig, streamable: boolean): LoadedModelV1 {
  for (const adapter of adapters) {
    const impl = adapter(model, context, flavor);
    if (impl !== undefined) return impl;
  }
  if (isPythonModel(model) || (typeof model === 'object' && model !== null && typeof (model as PythonModel).predict === 'function')) {
    return wrapPythonModel(model as PythonModel, context, streamable);
  }
  if (typeof model === 'function') return wrapPythonModel(new FunctionPythonModel(model as (input: unknown) => unknown), context, streamable);
  throw new MlflowException('INTERNAL_ERROR', `The model's code produced ${typeof model}, which is neither a PythonModel nor a function.`);
}

/** `loadContext` with load-time context; its failures become coded errors. */
async function callLoadContext(model: unknown, context: PythonModelContext): Promise<void> {
  const loadContext = (model as Partial<PythonModel> | null)?.loadContext;
  if (typeof loadContext !== 'function') return;
  try {
    await loadContext.call(model, context);
  } catch (error) {
    if (MlflowException.isInstance(error)) throw error;
    throw new MlflowException('INTERNAL_ERROR', `The model's loadContext failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

async function loadJsModel(modelDir: string, options: LoadOptions): Promise<LoadedModelV1> {
  const flavor = options.metadata.flavors[JS_FUNCTION_FLAVOR];
  if (!isPlainObject(flavor)) throw new MlflowException('RESOURCE_DOES_NOT_EXIST', 'Model does not have the "js_function" flavor');
  const nodeVersion = flavor.node_version;
  if (!options.suppressWarnings && typeof nodeVersion === 'string' && nodeVersion.split('.')[0] !== process.versions.node.split('.')[0]) {
    options.logger.warn({ saved: nodeVersion, current: process.versions.node },
      `The model was saved with Node ${nodeVersion}, which differs from the current Node ${process.versions.node}; the model may not load or predict correctly.`);
  }
  const streamable = flavor.streamable === true;
  const loaderModule = flavor.loader_module;
  const entry = await checkEntry(modelDir, flavor);
  const artifacts = artifactsOf(modelDir, flavor);
  provideHostModules();
  const context: PythonModelContext = { artifacts, modelConfig: options.modelConfig as Record<string, unknown> };
  if (loaderModule === CODE_MODEL_LOADER) {
    const url = `${pathToFileURL(entry).href}?instance=${++importCounter}`;
    const model = await runModelCode(options.modelConfig, entry, () => import(url));
    await callLoadContext(model, context);
    return adapt(model, context, flavor, streamable);
  }
  if (loaderModule === MODEL_LOADER) {
    const namespace = await importBundle(entry, false);
    const exportName = typeof flavor.export_name === 'string' ? flavor.export_name : 'default';
    const exported = namespace[exportName];
    if (typeof exported !== 'function') {
      throw new MlflowException('INTERNAL_ERROR', `The model's code bundle '${entry}' does not export '${exportName}'.`, { path: entry });
    }
    let model: unknown;
    if (flavor.model_type === 'function') {
      model = exported;
    } else {
      model = Object.create((exported as { prototype: object }).prototype) as object;
      if (typeof flavor.state === 'string') {
        const statePath = resolveInside(modelDir, flavor.state, 'state');
        let text: string;
        try {
          text = await readFile(statePath, 'utf8');
        } catch (error) {
          throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `The model state file '${statePath}' is missing.`, { cause: error, path: statePath });
        }
        Object.assign(model as object, decodeModelState(text, statePath));
      }
    }
    await callLoadContext(model, context);
    return adapt(model, context, flavor, streamable);
  }
  if (typeof loaderModule !== 'string' || loaderModule === '') {
    throw new MlflowException('INVALID_PARAMETER_VALUE', 'The js_function flavor has no `loader_module`.');
  }
  // The loader-module workflow: the bundled module exports loadPyfunc(dataPath[, modelConfig]).
  const namespace = await importBundle(entry, false);
  const loadPyfunc = namespace.loadPyfunc ?? namespace._load_pyfunc;
  if (typeof loadPyfunc !== 'function') {
    throw new MlflowException('INTERNAL_ERROR', `The loader module '${loaderModule}' (${entry}) does not export a \`loadPyfunc(dataPath)\` function.`, { path: entry });
  }
  const dataPath = flavor.data === undefined || flavor.data === null ? modelDir : resolveInside(modelDir, flavor.data, 'data');
  let result: unknown;
  try {
    result = options.modelConfig !== undefined && Object.keys(options.modelConfig).length > 0
      ? await (loadPyfunc as (path: string, config: unknown) => unknown)(dataPath, options.modelConfig)
      : await (loadPyfunc as (path: string) => unknown)(dataPath);
  } catch (error) {
    if (MlflowException.isInstance(error)) throw error;
    throw new MlflowException('INTERNAL_ERROR', `The loader module '${loaderModule}' failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return wrapLoaderResult(result, flavor, streamable);
}

/** The in-process backend of `js_function` models. */
export const jsFunctionBackend: FlavorBackendV1 = {
  specificationVersion: 'v1',
  flavorName: JS_FUNCTION_FLAVOR,
  doLoad: loadJsModel,
};
