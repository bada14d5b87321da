import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MlflowException } from './mlflow-exception.js';
import { dumpsPythonJson } from './python-json.js';
import {
  PyDate,
  PyDateTime,
  copyPyValue,
  formatPythonFloat,
  isPlainObject,
  isPyFloat,
  type PyValue,
} from './py-values.js';
import { ModelSignature } from './signature/index.js';
import { dumpMlflowYaml, loadMlflowYaml } from './yaml/index.js';

/** The name of the file that describes a model directory. */
export const MLMODEL_FILE_NAME = 'MLmodel';

/** The MLflow version this package writes as `mlflow_version` in new models (the 2.22 line). */
export const MLFLOW_COMPAT_VERSION = '2.22.5';

/** A flavor's configuration: the mapping under `flavors.<name>`. */
export type FlavorConfig = Record<string, PyValue>;

/** `saved_input_example_info` (format.md 6.1). */
export interface SavedInputExampleInfo {
  artifact_path: string;
  type: string;
  pandas_orient?: string;
  serving_input_path?: string;
  params?: string;
  format?: string;
  [key: string]: PyValue | undefined;
}

/** What `new Model(...)` takes; every key optional, defaults as MLflow's `Model()`. */
export interface ModelInit {
  artifactPath?: string | null;
  runId?: string | null;
  utcTimeCreated?: string | Date | PyDateTime | null;
  flavors?: Record<string, FlavorConfig>;
  signature?: ModelSignature | null;
  savedInputExampleInfo?: SavedInputExampleInfo | null;
  /** `null` writes `model_uuid: null`; absent generates a new `uuid4().hex`. */
  modelUuid?: string | null;
  /** `null` omits the key; absent writes {@link MLFLOW_COMPAT_VERSION}. */
  mlflowVersion?: string | null;
  metadata?: Record<string, PyValue> | null;
  modelSizeBytes?: number | null;
  resources?: Record<string, PyValue> | null;
  envVars?: string[] | null;
  authPolicy?: Record<string, PyValue> | null;
  prompts?: string[] | null;
  databricksRuntime?: string | null;
  /** **3.x** logged-model id; written only when set (2.22 files have no `model_id`). */
  modelId?: string | null;
  /** Keys this package does not know, kept and written back as they are. */
  extra?: Record<string, PyValue>;
}

/** Which MLflow's `Model.to_dict()` {@link Model.toDict} reproduces (`2` = 2.22, `3` = 3.x). */
export interface ToDictOptions {
  mlflow?: '2' | '3';
}

/** Passed to the constructor by {@link Model.fromDict}: build nothing, the document follows. */
const EMPTY: ModelInit = Object.freeze({});

const SIGNATURE_FLAG_KEYS = ['is_signature_from_type_hint', 'type_hint_from_example'] as const;

/** Keys whose values must be mappings (or null) when present. */
const MAPPING_KEYS = ['saved_input_example_info', 'metadata', 'resources', 'auth_policy'] as const;
/** Keys whose values must be strings (or null) when present. */
const STRING_KEYS = ['run_id', 'artifact_path', 'model_uuid', 'mlflow_version', 'databricks_runtime', 'model_id'] as const;
/** Keys whose values must be lists of strings (or null) when present. */
const STRING_LIST_KEYS = ['env_vars', 'prompts'] as const;

/** The signature as read from a file, to write it back unchanged while it is unchanged. */
interface ReadSignature {
  signature: ModelSignature;
  raw: PyValue;
  canonical: string;
}

/**
 * The MLmodel file: a model's flavors, signature, input example and metadata, as MLflow's
 * `mlflow.models.Model`.
 *
 * A model read from a file keeps the file's keys in their order, unknown keys included, and
 * writes back the same data: `Model.load(dir).toYaml()` is the file's own bytes whenever the
 * file is what PyYAML writes for its data. New models get MLflow 2.22's defaults.
 */
export class Model {
  /** The document, in key order; the `signature` key's value lives in {@link #signature}. */
  readonly #doc = new Map<string, PyValue>();
  #signature: ModelSignature | undefined;
  #readSignature: ReadSignature | undefined;

  constructor(init: ModelInit = {}) {
    if (init === EMPTY) return;
    const set = (key: string, value: PyValue | undefined) => {
      if (value !== undefined) this.#doc.set(key, value);
    };
    set('run_id', init.runId ?? undefined);
    set('artifact_path', init.artifactPath ?? undefined);
    this.utcTimeCreated = init.utcTimeCreated ?? PyDateTime.now();
    set('flavors', (init.flavors ?? {}) as PyValue);
    set('model_uuid', init.modelUuid === undefined ? randomUUID().replaceAll('-', '') : init.modelUuid);
    set('mlflow_version', init.mlflowVersion === undefined ? MLFLOW_COMPAT_VERSION : init.mlflowVersion ?? undefined);
    set('prompts', init.prompts ?? null);
    set('model_id', init.modelId ?? undefined);
    for (const [key, value] of Object.entries(init.extra ?? {})) set(key, value);
    set('databricks_runtime', init.databricksRuntime ?? undefined);
    if (init.signature) this.signature = init.signature;
    set('saved_input_example_info', (init.savedInputExampleInfo ?? undefined) as PyValue | undefined);
    set('metadata', init.metadata ?? undefined);
    set('resources', init.resources ?? undefined);
    set('model_size_bytes', init.modelSizeBytes ?? undefined);
    set('auth_policy', init.authPolicy ?? undefined);
    set('env_vars', init.envVars ?? undefined);
  }

  /**
   * Reads `<dir>/MLmodel`, or the MLmodel file itself when `path` names it.
   * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when there is no MLmodel file;
   *   INVALID_PARAMETER_VALUE when it is not valid YAML or not a valid MLmodel document.
   */
  static async load(path: string): Promise<Model> {
    const { filePath, text } = readMlmodelFile(path);
    return Model.fromYaml(text, { path: filePath });
  }

  /**
   * Parses MLmodel YAML text (PyYAML `safe_load` semantics).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE naming `options.path`.
   */
  static fromYaml(text: string, options: { path?: string } = {}): Model {
    return Model.fromDict(loadMlflowYaml(text, options), options);
  }

  /**
   * Builds a model from the mapping an MLmodel file holds (snake_case keys, as on disk).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when a key has the wrong type.
   */
  static fromDict(dict: unknown, options: { path?: string } = {}): Model {
    const where = options.path === undefined ? 'MLmodel' : `MLmodel file ${options.path}`;
    const fail = (message: string, cause?: unknown): never => {
      throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid ${where}: ${message}`,
        { path: options.path, cause });
    };
    if (!isPlainObject(dict)) {
      fail(`expected a mapping of MLmodel keys, got ${describe(dict)}`);
    }
    const source = dict as Record<string, PyValue>;
    validateDocument(source, fail);
    const model = new Model(EMPTY);
    model.#initFromDocument(copyPyValue(source), fail);
    return model;
  }

  #initFromDocument(source: Record<string, PyValue>, fail: (message: string, cause?: unknown) => never): void {
    const rawSignature = source.signature;
    for (const [key, value] of Object.entries(source)) this.#doc.set(key, value);
    if (isPlainObject(rawSignature)) {
      let signature: ModelSignature;
      try {
        signature = ModelSignature.fromDict(rawSignature);
      } catch (error) {
        const reason = MlflowException.isInstance(error) ? error.message : String(error);
        return fail(`its signature cannot be read: ${reason}`, error);
      }
      const hint = source.is_signature_from_type_hint;
      const fromExample = source.type_hint_from_example;
      if (typeof hint === 'boolean') signature.isSignatureFromTypeHint = hint;
      if (typeof fromExample === 'boolean') signature.typeHintFromExample = fromExample;
      this.#signature = signature;
      this.#readSignature = { signature, raw: rawSignature, canonical: signatureFingerprint(signature) };
    }
  }

  // ----- known keys -------------------------------------------------------------------------

  /** `run_id`: the run the model was logged to; undefined when not logged. */
  get runId(): string | undefined { return this.#string('run_id'); }
  set runId(value: string | null | undefined) { this.#put('run_id', value ?? undefined); }

  /** `artifact_path`: the run-relative path (2.x) or artifact location (3.x) of a logged model. */
  get artifactPath(): string | undefined { return this.#string('artifact_path'); }
  set artifactPath(value: string | null | undefined) { this.#put('artifact_path', value ?? undefined); }

  /** `utc_time_created` as Python's `str(datetime)`, e.g. `2024-01-12 05:17:31.634689`. */
  get utcTimeCreated(): string | undefined {
    const value = this.#doc.get('utc_time_created');
    return value === undefined || value === null ? undefined : pythonStr(value);
  }
  set utcTimeCreated(value: string | Date | PyDateTime | null | undefined) {
    if (value instanceof Date) value = PyDateTime.fromDate(value).toString();
    else if (value instanceof PyDateTime) value = value.toString();
    this.#put('utc_time_created', value ?? undefined);
  }

  /** `flavors`: flavor name → configuration. Mutating the returned object changes the model. */
  get flavors(): Record<string, FlavorConfig> {
    let flavors = this.#doc.get('flavors');
    if (!isPlainObject(flavors)) {
      flavors = {};
      this.#doc.set('flavors', flavors);
    }
    return flavors as Record<string, FlavorConfig>;
  }
  set flavors(value: Record<string, FlavorConfig>) { this.#put('flavors', value as PyValue); }

  /** `signature` with its two flags; undefined when the model has none. */
  get signature(): ModelSignature | undefined { return this.#signature; }
  set signature(value: ModelSignature | null | undefined) {
    this.#signature = value ?? undefined;
    if (value === null || value === undefined) {
      this.#doc.delete('signature');
      for (const key of SIGNATURE_FLAG_KEYS) this.#doc.delete(key);
      return;
    }
    if (!this.#doc.has('signature')) this.#doc.set('signature', null);
    for (const key of SIGNATURE_FLAG_KEYS) if (!this.#doc.has(key)) this.#doc.set(key, false);
  }

  /** `saved_input_example_info` (format.md 6.1). */
  get savedInputExampleInfo(): SavedInputExampleInfo | undefined {
    return this.#mapping('saved_input_example_info') as SavedInputExampleInfo | undefined;
  }
  set savedInputExampleInfo(value: SavedInputExampleInfo | null | undefined) {
    this.#put('saved_input_example_info', (value ?? undefined) as PyValue | undefined);
  }

  /** `model_uuid`: 32 hex characters (2.x) or the logged-model id (3.x). */
  get modelUuid(): string | undefined { return this.#string('model_uuid'); }
  set modelUuid(value: string | null | undefined) { this.#put('model_uuid', value === undefined ? undefined : value); }

  /** `mlflow_version`: the version of the MLflow that wrote the model. */
  get mlflowVersion(): string | undefined { return this.#string('mlflow_version'); }
  set mlflowVersion(value: string | null | undefined) { this.#put('mlflow_version', value ?? undefined); }

  /** `metadata`: the user's own YAML-serialisable data. */
  get metadata(): Record<string, PyValue> | undefined { return this.#mapping('metadata'); }
  set metadata(value: Record<string, PyValue> | null | undefined) { this.#put('metadata', value ?? undefined); }

  /** `model_size_bytes` (format.md 1). */
  get modelSizeBytes(): number | undefined {
    const value = this.#doc.get('model_size_bytes');
    return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
  }
  set modelSizeBytes(value: number | null | undefined) { this.#put('model_size_bytes', value ?? undefined); }

  /** `resources` (Databricks resources a model depends on). */
  get resources(): Record<string, PyValue> | undefined { return this.#mapping('resources'); }
  set resources(value: Record<string, PyValue> | null | undefined) { this.#put('resources', value ?? undefined); }

  /** `env_vars`: allow-listed environment variables the model read at log time. */
  get envVars(): string[] | undefined { return this.#list('env_vars'); }
  set envVars(value: string[] | null | undefined) { this.#put('env_vars', value ?? undefined); }

  /** `auth_policy`. */
  get authPolicy(): Record<string, PyValue> | undefined { return this.#mapping('auth_policy'); }
  set authPolicy(value: Record<string, PyValue> | null | undefined) { this.#put('auth_policy', value ?? undefined); }

  /** `prompts`: prompt URIs such as `prompts:/name/1`. */
  get prompts(): string[] | undefined { return this.#list('prompts'); }
  set prompts(value: string[] | null | undefined) { this.#put('prompts', value === undefined ? undefined : value); }

  /** `databricks_runtime`. */
  get databricksRuntime(): string | undefined { return this.#string('databricks_runtime'); }
  set databricksRuntime(value: string | null | undefined) { this.#put('databricks_runtime', value ?? undefined); }

  /** **3.x** `model_id`: the logged-model id `m-<32 hex>`. */
  get modelId(): string | undefined { return this.#string('model_id'); }
  set modelId(value: string | null | undefined) { this.#put('model_id', value === undefined ? undefined : value); }

  /** Keys this package does not know, in file order. */
  get extra(): Record<string, PyValue> {
    const extra: Record<string, PyValue> = {};
    for (const [key, value] of this.#doc) if (!KNOWN_KEYS.has(key)) extra[key] = value;
    return extra;
  }

  // snake_case aliases: the MLmodel keys as MLflow's Python attributes name them.
  /** Alias of {@link runId}. */
  get run_id(): string | undefined { return this.runId; }
  /** Alias of {@link artifactPath}. */
  get artifact_path(): string | undefined { return this.artifactPath; }
  /** Alias of {@link utcTimeCreated}. */
  get utc_time_created(): string | undefined { return this.utcTimeCreated; }
  /** Alias of {@link savedInputExampleInfo}. */
  get saved_input_example_info(): SavedInputExampleInfo | undefined { return this.savedInputExampleInfo; }
  /** Alias of {@link modelUuid}. */
  get model_uuid(): string | undefined { return this.modelUuid; }
  /** Alias of {@link mlflowVersion}. */
  get mlflow_version(): string | undefined { return this.mlflowVersion; }
  /** Alias of {@link modelSizeBytes}. */
  get model_size_bytes(): number | undefined { return this.modelSizeBytes; }
  /** Alias of {@link envVars}. */
  get env_vars(): string[] | undefined { return this.envVars; }
  /** Alias of {@link authPolicy}. */
  get auth_policy(): Record<string, PyValue> | undefined { return this.authPolicy; }
  /** Alias of {@link databricksRuntime}. */
  get databricks_runtime(): string | undefined { return this.databricksRuntime; }
  /** Alias of {@link modelId}. */
  get model_id(): string | undefined { return this.modelId; }

  // ----- operations -------------------------------------------------------------------------

  /**
   * Adds (or replaces) a flavor, as MLflow's `add_flavor(name, **params)`; returns the model.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for an empty name.
   */
  addFlavor(name: string, params: FlavorConfig = {}): this {
    if (typeof name !== 'string' || name === '') {
      throw new MlflowException('INVALID_PARAMETER_VALUE', 'A flavor name must be a non-empty string.');
    }
    this.flavors[name] = params;
    return this;
  }

  /** The input schema of the signature, if any (MLflow's `get_input_schema`). */
  getInputSchema(): ModelSignature['inputs'] { return this.#signature?.inputs; }
  /** The output schema of the signature, if any (MLflow's `get_output_schema`). */
  getOutputSchema(): ModelSignature['outputs'] { return this.#signature?.outputs; }
  /** The params schema of the signature, if any (MLflow's `get_params_schema`). */
  getParamsSchema(): ModelSignature['params'] { return this.#signature?.params; }

  /**
   * The MLmodel mapping. By default the data this model holds, keys in file order, so that a
   * model read from a file gives back exactly the data read. With `{ mlflow: '2' | '3' }`, what
   * MLflow 2.22 / 3.x's `Model.to_dict()` gives for it instead (MLflow adds `prompts: null`,
   * `model_uuid: null`, 3.x `model_id: null`, stringifies `utc_time_created`, reorders keys).
   */
  toDict(options: ToDictOptions = {}): Record<string, PyValue> {
    const own = this.#ownDict();
    return options.mlflow === undefined ? own : mlflowToDict(own, options.mlflow, this.#signature);
  }

  /** What MLflow records about this model on its run: {@link modelTagsDict} of `toDict(options)`. */
  getTagsDict(options: ToDictOptions = { mlflow: '2' }): Record<string, PyValue> {
    return modelTagsDict(this.toDict(options));
  }

  /** The MLmodel file's text, as PyYAML's `safe_dump(d, default_flow_style=False)` writes it. */
  toYaml(options: ToDictOptions = {}): string {
    return dumpMlflowYaml(this.toDict(options));
  }

  /** The MLmodel mapping as Python's `json.dumps` writes it (MLflow's `to_json`). */
  toJson(options: ToDictOptions = {}): string {
    return dumpsPythonJson(stringifyDates(this.toDict(options)));
  }

  /** The YAML text; MLflow's `str(model)`. */
  toString(): string {
    return this.toYaml();
  }

  /**
   * Writes `MLmodel` into `path` (a directory, created if missing, or a path ending in
   * `MLmodel`) atomically: a temporary file renamed into place, so a failure leaves the old file
   * (or none), never half a file.
   * @throws {MlflowException} IO_ERROR when the file cannot be written.
   */
  async save(path: string): Promise<string> {
    const filePath = basename(path) === MLMODEL_FILE_NAME ? path : join(path, MLMODEL_FILE_NAME);
    const text = this.toYaml(); // serialise first: a model that cannot be written touches nothing
    await writeFileAtomic(filePath, text);
    return filePath;
  }

  #ownDict(): Record<string, PyValue> {
    const dict: Record<string, PyValue> = {};
    const signature = this.#signature;
    const unchanged = signature !== undefined && this.#readSignature?.signature === signature &&
      this.#readSignature.canonical === signatureFingerprint(signature);
    for (const [key, value] of this.#doc) {
      if (key === 'signature' && signature !== undefined) {
        dict[key] = unchanged ? copyPyValue(this.#readSignature!.raw) : signature.toDict() as PyValue;
      } else if (key === 'is_signature_from_type_hint' && signature !== undefined && !unchanged) {
        dict[key] = signature.isSignatureFromTypeHint;
      } else if (key === 'type_hint_from_example' && signature !== undefined && !unchanged) {
        dict[key] = signature.typeHintFromExample;
      } else {
        dict[key] = copyPyValue(value);
      }
    }
    return dict;
  }

  #put(key: string, value: PyValue | undefined): void {
    if (value === undefined) this.#doc.delete(key);
    else this.#doc.set(key, value);
  }

  #string(key: string): string | undefined {
    const value = this.#doc.get(key);
    return value === undefined || value === null ? undefined : typeof value === 'string' ? value : pythonStr(value);
  }

  #mapping(key: string): Record<string, PyValue> | undefined {
    const value = this.#doc.get(key);
    return isPlainObject(value) ? (value as Record<string, PyValue>) : undefined;
  }

  #list(key: string): string[] | undefined {
    const value = this.#doc.get(key);
    return Array.isArray(value) ? (value as string[]) : undefined;
  }
}

const KNOWN_KEYS = new Set([
  'run_id', 'artifact_path', 'utc_time_created', 'flavors', 'signature', 'saved_input_example_info',
  'model_uuid', 'mlflow_version', 'metadata', 'prompts', 'model_size_bytes', 'resources', 'env_vars',
  'auth_policy', 'databricks_runtime', 'model_id', ...SIGNATURE_FLAG_KEYS,
]);

function signatureFingerprint(signature: ModelSignature): string {
  return JSON.stringify([signature.toDict(), signature.isSignatureFromTypeHint, signature.typeHintFromExample]);
}

/** The checks MLflow's reader makes, and those its loaders rely on, with clear messages. */
function validateDocument(doc: Record<string, PyValue>, fail: (message: string) => never): void {
  if (!('flavors' in doc)) fail('it has no `flavors` key, so it does not describe a model');
  const flavors = doc.flavors;
  if (flavors !== null && !isPlainObject(flavors)) {
    fail(`\`flavors\` must be a mapping of flavor name to configuration, got ${describe(flavors)}`);
  }
  for (const [name, config] of Object.entries((flavors ?? {}) as Record<string, PyValue>)) {
    if (config !== null && !isPlainObject(config)) {
      fail(`the configuration of flavor \`${name}\` must be a mapping, got ${describe(config)}`);
    }
  }
  if ('signature' in doc && doc.signature !== null && !isPlainObject(doc.signature)) {
    fail(`\`signature\` must be a mapping with keys inputs, outputs and params, got ${describe(doc.signature)}`);
  }
  for (const key of MAPPING_KEYS) {
    if (key in doc && doc[key] !== null && !isPlainObject(doc[key])) {
      fail(`\`${key}\` must be a mapping, got ${describe(doc[key])}`);
    }
  }
  for (const key of STRING_KEYS) {
    const value = doc[key];
    if (key in doc && value !== null && typeof value !== 'string' && typeof value !== 'number') {
      fail(`\`${key}\` must be a string, got ${describe(value)}`);
    }
  }
  for (const key of STRING_LIST_KEYS) {
    const value = doc[key];
    if (key in doc && value !== null && !(Array.isArray(value) && value.every((item) => typeof item === 'string'))) {
      fail(`\`${key}\` must be a list of strings, got ${describe(value)}`);
    }
  }
  const size = doc.model_size_bytes;
  if ('model_size_bytes' in doc && size !== null && !(typeof size === 'bigint' ||
    (typeof size === 'number' && Number.isInteger(size) && !isPyFloat(size, doc, 'model_size_bytes')))) {
    fail(`\`model_size_bytes\` must be an integer, got ${describe(size)}`);
  }
  for (const key of SIGNATURE_FLAG_KEYS) {
    if (isPlainObject(doc.signature) && key in doc && typeof doc[key] !== 'boolean') {
      fail(`\`${key}\` must be true or false, got ${describe(doc[key])}`);
    }
  }
  const utc = doc.utc_time_created;
  if (Array.isArray(utc) || isPlainObject(utc)) {
    fail(`\`utc_time_created\` must be a timestamp string, got ${describe(utc)}`);
  }
}

/** `Model.__init__` parameters: keys MLflow does not keep as free-form extras. */
const INIT_KEYS = new Set([
  'run_id', 'artifact_path', 'utc_time_created', 'flavors', 'signature', 'saved_input_example_info',
  'model_uuid', 'mlflow_version', 'metadata', 'model_size_bytes', 'resources', 'env_vars', 'auth_policy',
  'prompts',
]);

/** MLflow's `Model.from_dict(d).to_dict()` for the data `own` (see {@link Model.toDict}). */
function mlflowToDict(own: Record<string, PyValue>, line: '2' | '3', signature: ModelSignature | undefined): Record<string, PyValue> {
  const out: Record<string, PyValue> = {};
  const present = (key: string) => own[key] !== undefined && own[key] !== null;
  if (present('run_id')) out.run_id = own.run_id!;
  if (present('artifact_path')) out.artifact_path = own.artifact_path!;
  const utc = own.utc_time_created;
  out.utc_time_created = utc === undefined || utc === null || utc === '' || utc === 0 || utc === false
    ? PyDateTime.now().toString() : pythonStr(utc);
  out.flavors = own.flavors ?? {};
  out.model_uuid = own.model_uuid ?? null;
  if (present('mlflow_version')) out.mlflow_version = own.mlflow_version!;
  out.prompts = own.prompts ?? null;
  if (line === '3') out.model_id = own.model_id ?? null;
  const signatureIsMapping = signature !== undefined;
  for (const [key, value] of Object.entries(own)) {
    if (INIT_KEYS.has(key) || (line === '3' && key === 'model_id')) continue;
    if (signatureIsMapping && (SIGNATURE_FLAG_KEYS as readonly string[]).includes(key)) continue;
    out[key] = value;
  }
  if (signature !== undefined) {
    out.signature = signature.toDict() as PyValue;
    out.is_signature_from_type_hint = signature.isSignatureFromTypeHint;
    out.type_hint_from_example = signature.typeHintFromExample;
  }
  for (const key of ['saved_input_example_info', 'metadata', 'resources', 'model_size_bytes', 'auth_policy', 'env_vars']) {
    if (present(key)) out[key] = own[key]!;
  }
  return out;
}

/** Python's `str()` of a value read from YAML. */
function pythonStr(value: PyValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null) return 'None';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isInteger(value) && Number.isSafeInteger(value) ? String(value) : formatPythonFloat(value);
  if (value instanceof PyDateTime || value instanceof PyDate) return value.toString();
  return String(value);
}

function stringifyDates(value: PyValue): PyValue {
  if (value instanceof PyDateTime || value instanceof PyDate) return value.toString();
  if (Array.isArray(value)) return value.map(stringifyDates);
  if (isPlainObject(value)) {
    const copy = copyPyValue(value);
    for (const [key, item] of Object.entries(copy)) (copy as Record<string, PyValue>)[key] = stringifyDates(item);
    return copy;
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  if (value instanceof PyDateTime || value instanceof PyDate) return `the timestamp ${value.toString()}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Reads `<path>/MLmodel`, or `path` itself when it is the file. Synchronous reads: an MLmodel
 * file is small, and one read costs microseconds where the promise API's open/stat/read/close
 * round trips through the thread pool cost hundreds.
 */
function readMlmodelFile(path: string): { filePath: string; text: string } {
  if (typeof path !== 'string' || path === '') {
    throw new MlflowException('INVALID_PARAMETER_VALUE', 'Model.load needs a path to a model directory or MLmodel file.');
  }
  const local = path.startsWith('file://') ? decodeURIComponent(new URL(path).pathname) : path;
  const trimmed = local.length > 1 ? local.replace(/\/+$/, '') : local;
  const notFound = (filePath: string, cause: unknown) => new MlflowException('RESOURCE_DOES_NOT_EXIST',
    `Could not find an "${MLMODEL_FILE_NAME}" configuration file at "${filePath}"`, { path: filePath, cause });
  const inDirectory = join(trimmed, MLMODEL_FILE_NAME);
  try {
    return { filePath: inDirectory, text: readFileSync(inDirectory, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') {
      try {
        return { filePath: trimmed, text: readFileSync(trimmed, 'utf8') };
      } catch (fileError) {
        throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Could not read the "${MLMODEL_FILE_NAME}" file at "${trimmed}": ${(fileError as Error).message}`,
          { path: trimmed, cause: fileError });
      }
    }
    if (code === 'ENOENT') throw notFound(existsSync(trimmed) ? inDirectory : trimmed, error);
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Could not read the "${MLMODEL_FILE_NAME}" file at "${inDirectory}": ${(error as Error).message}`,
      { path: inDirectory, cause: error });
  }
}

/**
 * Writes a file through a temporary sibling and a rename, so readers see the old file or the
 * whole new one, never a part.
 * @throws {MlflowException} IO_ERROR naming the path.
 */
export async function writeFileAtomic(filePath: string, content: string | Uint8Array): Promise<void> {
  const temporary = join(dirname(filePath), `.${basename(filePath)}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  try {
    await mkdir(dirname(filePath), { recursive: true });
    await writeFile(temporary, content, { flag: 'wx' });
    await rename(temporary, filePath);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new MlflowException('IO_ERROR', `Could not write ${filePath}: ${(error as Error).message}`,
      { path: filePath, cause: error });
  }
}

const TAG_KEYS = new Set(['run_id', 'artifact_path', 'utc_time_created', 'model_uuid']);

/**
 * MLflow's `Model.get_tags_dict()` over an MLmodel dict — what a run records about a logged model
 * (the entries of the `mlflow.log-model.history` tag): `run_id`, `artifact_path`,
 * `utc_time_created`, `model_uuid` as present, in the dict's order, then `flavors` with each
 * flavor's `config` left out. Values are copied with their float marks.
 */
export function modelTagsDict(modelDict: Record<string, unknown>): Record<string, PyValue> {
  const tags: Record<string, PyValue> = {};
  for (const [key, value] of Object.entries(modelDict)) {
    if (TAG_KEYS.has(key) && value !== undefined) tags[key] = copyPyValue(value as PyValue);
  }
  const flavors: Record<string, PyValue> = {};
  if (isPlainObject(modelDict.flavors)) {
    for (const [name, config] of Object.entries(modelDict.flavors as Record<string, PyValue>)) {
      const copied = copyPyValue(config);
      if (isPlainObject(copied)) delete (copied as Record<string, PyValue>).config;
      flavors[name] = copied;
    }
  }
  tags.flavors = flavors;
  return tags;
}
