/**
 * `saveModel` and `addToModel` (runtime.md 4.5–4.9, 5, 6, 7, 9, 11.4–11.6): TypeScript models
 * saved as self-contained model directories with a `js_function` flavor.
 */
import { cp, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  MlflowException,
  Model,
  ModelSignature,
  inferOutputSchema,
  inferParamSchema,
  inferSchema,
  isInputExampleWithParams,
  isPlainObject,
  loadMlflowYaml,
  saveInputExample,
  silentLogger,
  writeFileAtomic,
  type FlavorConfig,
  type InputExample,
  type Logger,
  type PyValue,
} from '@pyfunc/format';
import { bundleModelCode } from './bundle.js';
import { enforceParams, enforceSchema } from './enforcement/index.js';
import {
  CODE_MODEL_LOADER,
  FunctionPythonModel,
  JS_FUNCTION_FLAVOR,
  MODEL_LOADER,
  RUNTIME_VERSION,
  hostExportNames,
  provideHostModules,
} from './js-function-flavor.js';
import { encodeModelState } from './model-state.js';
import { writePythonFunctionFlavor } from './python-flavor.js';
import { isPythonModel, type PythonModel, type PythonModelContext } from './python-model.js';
import { runModelCode } from './set-model.js';
import { signatureFromTypes, type ModelTypes } from './type-descriptor.js';

/** A function model: one parameter, the input. */
export type ModelFunction = (modelInput: never) => unknown;

/** Options of {@link saveModel}: MLflow's `save_model` arguments in camelCase. */
export interface SaveModelOptions {
  /**
   * The model: a `PythonModel` instance, a one-argument function, or the path of a code file
   * that calls `setModel()` (models from code, as MLflow's `python_model="model.py"`).
   */
  pythonModel?: PythonModel | ModelFunction | object | string;
  /** The path of a code file that calls `setModel()`; same as passing the path as `pythonModel`. */
  modelCode?: string;
  /**
   * The module (path or `file:` URL, e.g. `import.meta.url`) that exports the class of
   * `pythonModel` or the function itself; instead, a class may declare `static moduleUrl`.
   */
  moduleUrl?: string | URL;
  /** Loader-module workflow: path of a module exporting `loadPyfunc(dataPath[, modelConfig])`. */
  loaderModule?: string;
  /** Loader-module workflow: file or directory copied to `data/<basename>`. */
  dataPath?: string;
  /** Artifact name → local path or `file:` URI; copied to `artifacts/<basename>`. */
  artifacts?: Record<string, string>;
  /** The signature; `false` turns off inference from the input example. */
  signature?: ModelSignature | false | null;
  /** The input example (use `withParams(data, params)` for an example with params). */
  inputExample?: InputExample | null;
  /** The model config: a dict, or a YAML/JSON file path (read at save time). */
  modelConfig?: Record<string, unknown> | string | URL | null;
  /** Files or directories copied to `code/<basename>`. */
  codePaths?: string[];
  /** Deprecated alias of `codePaths`. */
  codePath?: string[];
  /** Free-form metadata written to MLmodel. */
  metadata?: Record<string, unknown> | null;
  /** Python requirements for the model's Python side (written to requirements.txt). */
  pipRequirements?: string[] | string;
  /** Extra Python requirements, added to the defaults. */
  extraPipRequirements?: string[] | string;
  /** A conda environment (dict or file path); exclusive with the two above. */
  condaEnv?: Record<string, unknown> | string;
  /** Whether the model streams; default: the model defines `predictStream`. */
  streamable?: boolean;
  /** A `Model` to fill (run id, artifact path), MLflow's `mlflow_model`. */
  mlflowModel?: Model;
  /** Declared input/output types (instead of a class's `static types`). */
  types?: ModelTypes;
  /** Receives MLflow's save-time warnings. */
  logger?: Logger;
}

const KNOWN_OPTIONS = new Set(['pythonModel', 'modelCode', 'moduleUrl', 'loaderModule', 'dataPath', 'artifacts', 'signature',
  'inputExample', 'modelConfig', 'codePaths', 'codePath', 'metadata', 'pipRequirements', 'extraPipRequirements', 'condaEnv',
  'streamable', 'mlflowModel', 'types', 'logger']);

/** The entry bundle's location inside the model directory. */
export const BUNDLE_PATH = 'js/model.mjs';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function invalid(message: string, options?: { cause?: unknown; path?: string }): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', message, options);
}

function isJsonSerializable(value: unknown, seen = new Set<object>()): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return true;
  if (typeof value === 'bigint') return true;
  if (typeof value !== 'object' || value === undefined) return false;
  if (seen.has(value)) return false;
  seen.add(value);
  const ok = Array.isArray(value)
    ? value.every((item) => isJsonSerializable(item, seen))
    : isPlainObject(value) && Object.values(value).every((item) => isJsonSerializable(item, seen));
  seen.delete(value);
  return ok;
}

/** runtime.md 9.1 step 2: the model config as a dict (a file read). */
async function validateModelConfig(modelConfig: SaveModelOptions['modelConfig']): Promise<Record<string, unknown> | undefined> {
  if (modelConfig === undefined || modelConfig === null || modelConfig === '') return undefined;
  if (typeof modelConfig === 'string' || modelConfig instanceof URL) {
    const path = resolve(modelConfig instanceof URL ? fileURLToPath(modelConfig) : modelConfig);
    let text: string;
    try {
      if (!(await stat(path)).isFile()) throw new Error('not a file');
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw invalid(`An invalid \`model_config\` file was passed. The provided \`model_config\` file '${path}'is not a valid file path.`, { cause: error, path });
    }
    let value: PyValue;
    try {
      value = loadMlflowYaml(text, { path });
    } catch (error) {
      throw invalid(`The provided \`model_config\` file '${path}' is not a valid YAML file: ${messageOf(error)}`, { cause: error, path });
    }
    if (value === null) return undefined;
    if (!isPlainObject(value)) throw invalid(`The provided \`model_config\` file '${path}' is not a valid YAML file: it does not hold a mapping.`, { path });
    return value as Record<string, unknown>;
  }
  if (!isPlainObject(modelConfig)) {
    throw invalid('An invalid ``model_config`` structure was passed. ``model_config`` must be a valid file path or of type ``dict`` with string keys.');
  }
  if (!isJsonSerializable(modelConfig)) {
    throw invalid('Values in the provided ``model_config`` are of an unsupported type. Only JSON-serializable data types can be provided as values.');
  }
  return Object.keys(modelConfig).length === 0 ? undefined : modelConfig;
}

async function isNonEmptyDirOrFile(path: string): Promise<'missing' | 'empty' | 'busy'> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return 'busy';
    return (await readdir(path)).length === 0 ? 'empty' : 'busy';
  } catch {
    return 'missing';
  }
}

/** runtime.md 6.1 step 1. */
async function resolveCodeFile(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    if ((await stat(absolute)).isFile()) return absolute;
  } catch { /* reported below */ }
  const hint = extname(absolute) === '' ? ` Perhaps you meant '${absolute}.ts'?` : '';
  throw invalid(`The provided model path '${absolute}' does not exist. Ensure the file path is valid and try again.${hint}`, { path: absolute });
}

function reprValue(value: unknown): string {
  if (value === undefined || value === null) return 'None';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return `<function ${value.name || 'anonymous'}>`;
  if (typeof value === 'object') return `<${(value.constructor as { name?: string } | undefined)?.name ?? 'object'} object>`;
  return String(value);
}

/** runtime.md 5.1: PythonModel, object with `predict`, or one-argument function. */
function validatePythonModel(model: unknown, options: SaveModelOptions): void {
  const isModelObject = isPythonModel(model) ||
    (typeof model === 'object' && model !== null && typeof (model as { predict?: unknown }).predict === 'function');
  if (!isModelObject && typeof model !== 'function') {
    throw invalid('`python_model` must be a PythonModel instance, callable object, or path to a script that uses set_model() to set a PythonModel instance or callable object.');
  }
  if (typeof model === 'function') {
    if (model.length !== 1) {
      throw invalid(`When \`python_model\` is a callable object, it must accept exactly one argument. Found ${model.length} arguments.`);
    }
    if (options.inputExample == null && options.pipRequirements == null && options.extraPipRequirements == null) {
      throw new MlflowException('INTERNAL_ERROR',
        'If `python_model` is a callable object, at least one of `input_example`, `pip_requirements`, or `extra_pip_requirements` must be specified.');
    }
  }
}

/** The module that defines an object model's class (or a function model): option, or `static moduleUrl`. */
function moduleOf(model: object, options: SaveModelOptions): string | undefined {
  const declared = options.moduleUrl ??
    (typeof model === 'function' ? (model as { moduleUrl?: unknown }).moduleUrl : (model.constructor as { moduleUrl?: unknown } | undefined)?.moduleUrl);
  if (declared === undefined || declared === null) return undefined;
  if (declared instanceof URL) return declared.protocol === 'file:' ? fileURLToPath(declared) : undefined;
  if (typeof declared !== 'string') return undefined;
  return declared.startsWith('file:') ? fileURLToPath(declared) : resolve(declared);
}

async function importSource(path: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (first) {
    try {
      return (await import(path)) as Record<string, unknown>;
    } catch {
      throw new MlflowException('INTERNAL_ERROR', `Failed to import code model from ${path}. Error: ${messageOf(first)}`, { cause: first, path });
    }
  }
}

/** The export of `module` that is `target` (by identity, else by name). */
function exportNameOf(namespace: Record<string, unknown>, target: unknown): string | undefined {
  for (const [name, value] of Object.entries(namespace)) if (value === target) return name;
  const name = (target as { name?: unknown }).name;
  if (typeof name === 'string' && name !== '' && typeof namespace[name] === 'function') return name;
  return undefined;
}

function noModuleError(kind: string): MlflowException {
  return invalid(`Cannot save this ${kind} as a self-contained model: JavaScript cannot serialize code, so the model's module ` +
    'must be bundled. Export it from a module and pass that module as `moduleUrl` (e.g. `moduleUrl: import.meta.url`), ' +
    'or declare `static moduleUrl = import.meta.url` on the class, or save the model from code: a file that calls ' +
    '`setModel(model)`, passed as `modelCode`.');
}

async function copyArtifacts(dir: string, artifacts: Record<string, string>): Promise<Record<string, PyValue>> {
  if (!isPlainObject(artifacts)) throw invalid('`artifacts` must be a dict of artifact name to local path or file: URI.');
  const entries: Record<string, PyValue> = {};
  const byBasename = new Map<string, string>();
  for (const [name, uri] of Object.entries(artifacts)) {
    if (typeof uri !== 'string' || uri === '') throw invalid(`Artifact '${name}' must be a local path or file: URI, got ${JSON.stringify(uri)}.`);
    let local: string;
    if (uri.startsWith('file:')) local = fileURLToPath(uri.startsWith('file://') ? uri : `file://${uri.slice(5)}`);
    else if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(uri)) {
      throw invalid(`Artifact '${name}' has URI '${uri}': only local paths and file: URIs can be saved without @pyfunc/tracking (npm install @pyfunc/tracking).`);
    } else local = resolve(uri);
    try {
      await stat(local);
    } catch (error) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Artifact '${name}' does not exist: '${local}'.`, { cause: error, path: local });
    }
    const base = basename(local);
    const other = byBasename.get(base);
    if (other !== undefined) {
      throw invalid(`Artifacts '${other}' and '${name}' have the same file name '${base}' and would overwrite each other in artifacts/; rename one.`);
    }
    byBasename.set(base, name);
    await mkdir(join(dir, 'artifacts'), { recursive: true });
    await cp(local, join(dir, 'artifacts', base), { recursive: true });
    entries[name] = { path: `artifacts/${base}`, uri };
  }
  return entries;
}

async function copyCodePaths(dir: string, codePaths: string[]): Promise<void> {
  for (const path of codePaths) {
    const source = resolve(path);
    try {
      await cp(source, join(dir, 'code', basename(source)), {
        recursive: true,
        filter: (item) => !['__pycache__', 'node_modules'].includes(basename(item)),
      });
    } catch (error) {
      throw invalid(`Failed to copy the specified code path '${path}' into the model artifacts. It appears that your code path includes file(s) that cannot be copied. Please specify a code path that does not include such files and try again.`, { cause: error, path });
    }
  }
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directorySize(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** Runs the model on the example as `predict` would and infers the signature (format.md 5.11). */
async function inferFromExample(model: PythonModel, context: PythonModelContext, example: InputExample, logger: Logger): Promise<ModelSignature | undefined> {
  const [data, params] = isInputExampleWithParams(example) ? [example[0], example[1]] : [example, undefined];
  try {
    const inputSchema = inferSchema(data, { logger });
    const paramsSchema = params === undefined || Object.keys(params).length === 0 ? undefined : inferParamSchema(params, { logger });
    const enforced = enforceSchema(data, inputSchema);
    const enforcedParams = enforceParams(params as Record<string, unknown> | undefined, paramsSchema);
    const prediction = await model.predict(context, enforced, enforcedParams);
    const outputs = inferOutputSchema(prediction, inputSchema, { logger });
    return new ModelSignature({ inputs: inputSchema, outputs, params: paramsSchema });
  } catch (error) {
    logger.warn({ error: messageOf(error) }, `Failed to infer model signature from input example, error: ${messageOf(error)}`);
    return undefined;
  }
}

/** runtime.md 4.5 step 6: an explicit signature validates the example like a predict input. */
function validateExample(signature: ModelSignature, example: InputExample): void {
  const [data, params] = isInputExampleWithParams(example) ? [example[0], example[1]] : [example, undefined];
  try {
    if (signature.inputs !== undefined) enforceSchema(data, signature.inputs);
    enforceParams(params as Record<string, unknown> | undefined, signature.params);
  } catch (error) {
    throw invalid(`Input example does not match the model signature. Error: ${messageOf(error)}`, { cause: error });
  }
}

/** Options of {@link addToModel} (MLflow's `add_to_model` arguments in camelCase). */
export interface AddToModelOptions {
  loaderModule: string;
  data?: string | null;
  code?: string | null;
  condaEnv?: string | null;
  pythonEnv?: string | null;
  modelConfig?: Record<string, unknown> | null;
  modelCodePath?: string | null;
  /** `python_version` to record; default {@link DEFAULT_PYTHON_VERSION}. */
  pythonVersion?: string;
  /** Extra flavor keys, copied verbatim. */
  extra?: FlavorConfig;
}

/** The Python version recorded in `python_function` flavors written from TypeScript (MLflow 2.22's minimum major.minor). */
export const DEFAULT_PYTHON_VERSION = '3.10.12';

/**
 * Adds the `python_function` flavor to a model (format.md 3.2): extra keys, `loader_module`,
 * `python_version`, `code`/`data` when truthy, `env` for the given files, `config` and
 * `model_code_path` when truthy. Touches no file, validates nothing; returns the model.
 */
export function addToModel(model: Model, options: AddToModelOptions): Model {
  const flavor: FlavorConfig = { ...(options.extra ?? {}) };
  flavor.loader_module = options.loaderModule;
  flavor.python_version = options.pythonVersion ?? DEFAULT_PYTHON_VERSION;
  if (options.code) flavor.code = options.code;
  if (options.data) flavor.data = options.data;
  const env: Record<string, PyValue> = {};
  if (options.condaEnv) env.conda = options.condaEnv;
  if (options.pythonEnv) env.virtualenv = options.pythonEnv;
  if (Object.keys(env).length > 0) flavor.env = env;
  if (options.modelConfig && Object.keys(options.modelConfig).length > 0) flavor.config = options.modelConfig as PyValue;
  if (options.modelCodePath) flavor.model_code_path = options.modelCodePath;
  return model.addFlavor('python_function', flavor);
}

/** The chat hook: the chat helper may install a function that prepares ChatModel saves. */
export interface SaveHook {
  /** True when the hook handles this model. */
  matches(model: unknown): boolean;
  /** Checks the options and returns the signature / example / metadata to use, and the loader_module. */
  prepare(model: unknown, options: SaveModelOptions, context: PythonModelContext): Promise<{
    signature?: ModelSignature; inputExample?: InputExample | Record<string, unknown>; metadata?: Record<string, unknown>; loaderModule?: string;
  }>;
}

const saveHooks: SaveHook[] = [];

/** Registers a save hook (used by `ChatModel`). */
export function registerSaveHook(hook: SaveHook): void {
  if (!saveHooks.includes(hook)) saveHooks.push(hook);
}

/**
 * Saves a TypeScript model as an MLflow model directory (runtime.md 9.1 order of checks): the
 * model's code bundled into `js/model.mjs`, a `js_function` flavor, signature, input example,
 * artifacts, config. Built in a temporary sibling directory renamed into place, so a failure
 * leaves nothing behind.
 * @throws {MlflowException} RESOURCE_ALREADY_EXISTS when `path` exists and is not empty;
 *   INVALID_PARAMETER_VALUE for conflicting or invalid arguments, code that cannot be bundled,
 *   state that cannot be serialized, an example that breaks the signature; INTERNAL_ERROR
 *   where MLflow raises without a code. `TypeError` for argument misuse MLflow reports as one.
 */
export async function saveModel(path: string, options: SaveModelOptions): Promise<void> {
  if (typeof options !== 'object' || options === null) throw new TypeError('saveModel(path, options) needs an options object.');
  const logger = options.logger ?? silentLogger;
  // 1. environment exclusivity
  const envArgs = [options.condaEnv, options.pipRequirements, options.extraPipRequirements].filter((value) => value != null);
  if (envArgs.length > 1) {
    throw invalid('Only one of `conda_env`, `pip_requirements`, and `extra_pip_requirements` can be specified');
  }
  // 2. model config
  const modelConfig = await validateModelConfig(options.modelConfig);
  // 3. target directory
  if (typeof path !== 'string' || path === '') throw invalid(`The model path must be a non-empty string, got ${JSON.stringify(path)}.`);
  const target = resolve(path);
  const targetState = await isNonEmptyDirOrFile(target);
  if (targetState === 'busy') {
    throw new MlflowException('RESOURCE_ALREADY_EXISTS', `Path '${target}' already exists and is not empty`, { path: target });
  }
  // 4. python model
  let codeFile: string | undefined;
  if (options.modelCode !== undefined && options.modelCode !== null) {
    if (options.pythonModel !== undefined && options.pythonModel !== null) {
      throw invalid('Pass the model either as `pythonModel` or as `modelCode`, not both.');
    }
    if (typeof options.modelCode !== 'string') throw invalid('`modelCode` must be the path of a code file that calls setModel().');
    codeFile = await resolveCodeFile(options.modelCode);
  }
  let pythonModel: unknown = options.pythonModel ?? undefined;
  if (typeof pythonModel === 'string') {
    codeFile = await resolveCodeFile(pythonModel);
    pythonModel = undefined;
  } else if (pythonModel !== undefined && pythonModel !== null) {
    validatePythonModel(pythonModel, options);
  }
  // 5. unknown options
  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key));
  if (unknown.length > 0) throw new TypeError(`saveModel() got unexpected options: ${unknown.join(', ')}`);
  // 6. code paths
  if (options.codePath != null && options.codePaths != null) {
    throw new MlflowException('INTERNAL_ERROR', 'Both `code_path` and `code_paths` have been specified, which is not permitted.');
  }
  if (options.codePath != null) {
    logger.warn({}, 'The `code_path` argument is replaced by `code_paths` and is deprecated as of MLflow version 2.12.0. This argument will be removed in a future release of MLflow.');
  }
  const codePaths = options.codePaths ?? options.codePath ?? undefined;
  if (codePaths !== undefined && !Array.isArray(codePaths)) {
    throw new TypeError(`Argument code_path should be a list, not ${typeof codePaths}`);
  }
  // 7. workflow sets
  const hasModel = pythonModel !== undefined || codeFile !== undefined;
  const setA = { loader_module: options.loaderModule ?? null, data_path: options.dataPath ?? null };
  const setB = { artifacts: options.artifacts ?? null, python_model: hasModel ? (codeFile ?? pythonModel) : null };
  const anyA = Object.values(setA).some((value) => value !== null);
  const anyB = Object.values(setB).some((value) => value !== null);
  if (anyA && anyB) {
    const show = (set: Record<string, unknown>) => `{${Object.entries(set).map(([key, value]) => `'${key}': ${reprValue(value)}`).join(', ')}}`;
    throw invalid("The following sets of parameters cannot be specified together: dict_keys(['loader_module', 'data_path'])  and " +
      "dict_keys(['artifacts', 'python_model']). All parameters in one set must be `None`. Instead, found the following values: " +
      `${show(setA)} and ${show(setB)}`);
  }
  if (setA.loader_module === null && !hasModel) {
    throw invalid('Either `loader_module` or `python_model` must be specified. A `loader_module` should be a python module. A `python_model` should be a subclass of PythonModel');
  }
  if (options.signature !== undefined && options.signature !== null && options.signature !== false && !(options.signature instanceof ModelSignature)) {
    throw invalid('`signature` must be a ModelSignature (or false to disable inference).');
  }

  await mkdir(dirname(target), { recursive: true });
  const dir = await mkdtemp(join(dirname(target), `.${basename(target)}.saving-`));
  try {
    const model = options.mlflowModel ?? new Model();
    const flavor: FlavorConfig = {};
    let signature: ModelSignature | undefined = options.signature instanceof ModelSignature ? options.signature : undefined;
    let inputExample: InputExample | undefined = options.inputExample ?? undefined;
    let metadataOverride: Record<string, unknown> | undefined;
    let streamable = options.streamable;
    const hostExports = hostExportNames();
    provideHostModules();

    if (options.loaderModule !== undefined && options.loaderModule !== null) {
      // Loader-module workflow (runtime.md 7.1).
      if (typeof options.loaderModule !== 'string') throw invalid('`loaderModule` must be the path of a module exporting loadPyfunc(dataPath).');
      const loaderFile = await resolveCodeFile(options.loaderModule);
      const bundle = await bundleModelCode(loaderFile, join(dir, BUNDLE_PATH), hostExports);
      flavor.loader_module = basename(loaderFile, extname(loaderFile));
      flavor.entry = BUNDLE_PATH;
      flavor.entry_sha256 = bundle.sha256;
      if (options.dataPath != null) {
        const source = resolve(options.dataPath);
        try {
          await stat(source);
        } catch (error) {
          throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `The data path '${source}' does not exist.`, { cause: error, path: source });
        }
        await mkdir(join(dir, 'data'), { recursive: true });
        await cp(source, join(dir, 'data', basename(source)), { recursive: true });
        flavor.data = `data/${basename(source)}`;
      }
      streamable = streamable ?? false;
      if (signature !== undefined && inputExample !== undefined) validateExample(signature, inputExample);
      if (signature !== undefined && inputExample === undefined) {
        logger.warn({}, 'An input example was not provided when logging the model. To ensure the model signature functions correctly, specify the `input_example` parameter. See https://mlflow.org/docs/latest/model/signatures.html#model-input-example for more details about the benefits of using input_example.');
      }
    } else {
      // PythonModel / function / models from code (runtime.md 4.5, 5, 6).
      let object: unknown;
      if (codeFile !== undefined) {
        await copyFile(codeFile, join(dir, basename(codeFile)));
        const bundle = await bundleModelCode(codeFile, join(dir, BUNDLE_PATH), hostExports);
        const bundlePath = join(dir, BUNDLE_PATH);
        object = await runModelCode(modelConfig, codeFile, () => import(`${pathToFileURL(bundlePath).href}?save=${Date.now()}`));
        validatePythonModel(object, options);
        flavor.loader_module = CODE_MODEL_LOADER;
        flavor.model_code_path = codeFile;
        flavor.entry = BUNDLE_PATH;
        flavor.entry_sha256 = bundle.sha256;
      } else {
        object = pythonModel;
        const modulePath = moduleOf(object as object, options);
        const kind = typeof object === 'function' ? 'function' : 'model object';
        if (modulePath === undefined) throw noModuleError(kind);
        const exported = typeof object === 'function' ? object : (object as object).constructor;
        const namespace = await importSource(modulePath);
        const exportName = exportNameOf(namespace, exported);
        if (exportName === undefined) {
          throw invalid(`The module '${modulePath}' does not export ${typeof object === 'function' ? 'the function' : 'the class'} ` +
            `'${(exported as { name?: string }).name ?? 'anonymous'}'. Export it (by name) so the saved model can find it when it loads.`);
        }
        let state: string | undefined;
        if (typeof object !== 'function') state = encodeModelState(object as object); // fails before anything heavy
        const bundle = await bundleModelCode(modulePath, join(dir, BUNDLE_PATH), hostExports);
        const check = (await import(`${pathToFileURL(join(dir, BUNDLE_PATH)).href}?save=${Date.now()}`)) as Record<string, unknown>;
        if (typeof check[exportName] !== 'function') {
          throw invalid(`The bundle of '${modulePath}' does not export '${exportName}'; export it from the module itself (not only through a re-export of another package).`);
        }
        flavor.loader_module = MODEL_LOADER;
        flavor.entry = BUNDLE_PATH;
        flavor.entry_sha256 = bundle.sha256;
        flavor.export_name = exportName;
        flavor.model_type = typeof object === 'function' ? 'function' : 'python_model';
        if (state !== undefined) {
          await writeFileAtomic(join(dir, 'model_state.json'), state);
          flavor.state = 'model_state.json';
        }
      }
      const asModel: PythonModel = typeof object === 'function'
        ? new FunctionPythonModel(object as (input: unknown) => unknown)
        : object as PythonModel;
      if (streamable === undefined) streamable = typeof object !== 'function' && typeof (object as PythonModel).predictStream === 'function';
      if (options.artifacts !== undefined && options.artifacts !== null) {
        flavor.artifacts = await copyArtifacts(dir, options.artifacts);
      }
      const saveContext: PythonModelContext = {
        artifacts: Object.fromEntries(Object.entries(options.artifacts ?? {}).map(([name, uri]) => [name, uri])),
        modelConfig: modelConfig as Record<string, unknown>,
      };
      if (typeof (asModel as Partial<PythonModel>).loadContext === 'function') {
        try {
          await asModel.loadContext!(saveContext);
        } catch (error) {
          if (MlflowException.isInstance(error)) throw error;
          throw new MlflowException('INTERNAL_ERROR', `The model's loadContext failed at save time: ${messageOf(error)}`, { cause: error });
        }
      }
      const hook = saveHooks.find((candidate) => candidate.matches(object));
      if (hook !== undefined) {
        const prepared = await hook.prepare(object, options, saveContext);
        signature = prepared.signature ?? signature;
        inputExample = (prepared.inputExample as InputExample | undefined) ?? inputExample;
        metadataOverride = prepared.metadata;
        if (prepared.loaderModule !== undefined) flavor.chat_loader = prepared.loaderModule;
        streamable = options.streamable ?? true;
      } else {
        const types = options.types ?? (typeof object === 'function'
          ? (object as { types?: ModelTypes }).types
          : ((object as object).constructor as { types?: ModelTypes } | undefined)?.types);
        const hintSignature = types === undefined ? undefined : signatureFromTypes(types, logger);
        if (hintSignature !== undefined) {
          if (signature !== undefined && !signature.equals(hintSignature)) {
            logger.warn({}, `Provided signature does not match the signature inferred from the Python model's \`predict\` function type hint. Signature inferred from type hint will be used:\n${JSON.stringify(hintSignature.toDict())}\nRemove the \`signature\` parameter or ensure it matches the inferred signature. In a future release, this warning will become an exception, and the signature must align with the type hint.`);
          }
          signature = hintSignature;
        } else if (signature !== undefined) {
          if (inputExample !== undefined) validateExample(signature, inputExample);
          else {
            logger.warn({}, 'An input example was not provided when logging the model. To ensure the model signature functions correctly, specify the `input_example` parameter. See https://mlflow.org/docs/latest/model/signatures.html#model-input-example for more details about the benefits of using input_example.');
          }
        } else if (options.signature !== false && inputExample !== undefined) {
          signature = await inferFromExample(asModel, saveContext, inputExample, logger);
        }
      }
    }

    if (inputExample !== undefined) {
      model.savedInputExampleInfo = await saveInputExample(dir, inputExample);
    }
    if (signature !== undefined) model.signature = signature;
    const metadata = options.metadata ?? metadataOverride;
    if (metadata !== undefined && metadata !== null) model.metadata = metadata as Record<string, PyValue>;

    flavor.code = null;
    if (modelConfig !== undefined) flavor.config = modelConfig as PyValue;
    flavor.streamable = streamable === true;
    flavor.env = { npm: 'js/package.json' };
    flavor.node_version = process.versions.node;
    flavor.runtime_version = RUNTIME_VERSION;
    // The python_function flavor: Python MLflow runs the model through Node (runtime.md 11.5).
    await writePythonFunctionFlavor(dir, model, {
      streamable: streamable === true,
      ...(flavor.artifacts !== undefined ? { artifacts: flavor.artifacts } : {}),
      ...(modelConfig !== undefined ? { modelConfig } : {}),
      ...(options.condaEnv != null ? { condaEnv: options.condaEnv } : {}),
      ...(options.pipRequirements != null ? { pipRequirements: options.pipRequirements } : {}),
      ...(options.extraPipRequirements != null ? { extraPipRequirements: options.extraPipRequirements } : {}),
      logger,
    });
    const size = await directorySize(dir);
    if (size > 0) model.modelSizeBytes = size;
    if (codePaths !== undefined && codePaths.length > 0) {
      await copyCodePaths(dir, codePaths);
      flavor.code = 'code';
    }
    model.addFlavor(JS_FUNCTION_FLAVOR, flavor);
    await writeFileAtomic(join(dir, 'js', 'package.json'), `${JSON.stringify({
      private: true, type: 'module', dependencies: { '@pyfunc/runtime': `^${RUNTIME_VERSION}` }, engines: { node: `>=${process.versions.node.split('.')[0]}` },
    }, null, 2)}\n`);
    await model.save(dir);
    if (targetState === 'empty') await rmdir(target);
    await rename(dir, target);
  } catch (error) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}
