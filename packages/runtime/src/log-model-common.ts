/**
 * What both logging sequences of `logModel` share (format.md 9): the experiment of a new run,
 * the source tags MLflow's context providers add, model config as run params, the wait for a
 * registered version, and `ModelInfo` built from a saved `Model`.
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MlflowException,
  isPlainObject,
  loadMlflowYaml,
  pyStr,
  type FlavorConfig,
  type Logger,
  type Model,
  type ModelSignature,
  type PyValue,
  type SavedInputExampleInfo,
} from '@pyfunc/format';
import type { Metric, ModelVersion, TrackingStore } from '@pyfunc/tracking';
import type { SaveModelOptions } from './save-model.js';

/** Options of {@link logModel}: those of `saveModel` plus where to log and register. */
export interface LogModelOptions extends Omit<SaveModelOptions, 'mlflowModel'> {
  /**
   * The model's name (MLflow 3.x `name`): the logged model's name, and in the 2.22 sequence
   * its directory inside the run's artifacts. 3.x names may not contain `/ : . % " '`.
   */
  name?: string;
  /**
   * Deprecated alias of `name` (MLflow's `artifact_path`): a warning is logged; giving both is
   * `INVALID_PARAMETER_VALUE`. Same as the first argument of `logModel(artifactPath, options)`.
   */
  artifactPath?: string;
  /**
   * Which logging sequence: `true` MLflow 3.x's logged model (format.md 9.4), `false` MLflow
   * 2.22's run artifact (9.1). Default: 3.x when the store keeps logged models (a 3.x server;
   * a 2.x server answers 404 and the 2.22 sequence is used), 2.22 for a file store (`mlruns/`).
   */
  loggedModel?: boolean;
  /** Register the logged model under this name (created if missing) and wait for the version. */
  registeredModelName?: string;
  /** Log into this run. Default 2.22: a new run (ended `FINISHED`, or `FAILED` on error); 3.x: no run unless `runName` is given. */
  runId?: string;
  /** The experiment of a new run or run-less 3.x model: by id; default `MLFLOW_EXPERIMENT_ID`, else `0`. */
  experimentId?: string;
  /** The experiment by name (created if missing); default `MLFLOW_EXPERIMENT_NAME`. */
  experimentName?: string;
  /** Name of a new run (in the 3.x sequence: asks for one); default: the store picks one as MLflow does. */
  runName?: string;
  /** Tracking URI; default `MLFLOW_TRACKING_URI`, else `./mlruns`. Ignored when `store` is given. */
  trackingUri?: string;
  /** The store to log to (for plugins and tests). */
  store?: TrackingStore;
  /** Seconds to wait for the registered version to become `READY`; default 300. */
  awaitRegistrationFor?: number;
  /**
   * Tags, values stringified as Python's `str`. As in MLflow 3.x they go to the logged model
   * and to the registered version; the 2.22 sequence has no logged model, so there they are
   * the registered version's tags only (their meaning before 3.x support).
   */
  tags?: Record<string, unknown>;
  /** 3.x: params of the logged model (stringified); the run's params are added and win on a clash, as in MLflow. */
  params?: Record<string, unknown>;
  /** 3.x: a free-form type of the logged model (`model_type`, e.g. `agent`). */
  modelType?: string;
  /** 3.x: the step the model is recorded at on its run; run metrics of that step are attached to it. Default 0. */
  step?: number;
  /** 3.x: log into this existing logged model instead of creating one (`params`, `tags`, `modelType` are then not used). */
  modelId?: string;
}

/** What `logModel` returns: MLflow's `ModelInfo` (format.md 9.3) in camelCase. */
export interface ModelInfo {
  /** 2.22: the path inside the run's artifacts; 3.x: the logged model's artifact location (a URI). */
  artifactPath: string;
  flavors: Record<string, FlavorConfig>;
  /** 2.22: `runs:/<run_id>/<artifact_path>`; 3.x: `models:/<model_id>`. */
  modelUri: string;
  /** 3.x: the model id. */
  modelUuid: string | undefined;
  /** The run the model was logged into (3.x: none when no run was used). */
  runId: string | undefined;
  savedInputExampleInfo: SavedInputExampleInfo | undefined;
  signature: ModelSignature | undefined;
  /** Deprecated in MLflow and gone in 3.x (undefined in the 3.x sequence); `signature.toDict()`. */
  signatureDict: Record<string, PyValue> | undefined;
  utcTimeCreated: string | undefined;
  mlflowVersion: string | undefined;
  metadata: Record<string, PyValue> | undefined;
  /** The registered version, when `registeredModelName` was given. */
  registeredModelVersion: string | undefined;
  envVars: string[] | undefined;
  prompts: string[] | undefined;
  /** 3.x: the logged model's id (`m-<32 hex>`). */
  modelId?: string;
  /** 3.x: the logged model's name. */
  name?: string;
  /** 3.x: the logged model's params, tags and metrics as the model was created (before finalizing). */
  params?: Record<string, string>;
  tags?: Record<string, string>;
  metrics?: Metric[];
  /** 3.x: milliseconds since the epoch. */
  creationTimestamp?: number | null;
}

export const invalid = (message: string): MlflowException => new MlflowException('INVALID_PARAMETER_VALUE', message);

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? '';
  }
}

/** The tags MLflow's default context providers add to runs and logged models (user, source). */
export function contextTags(): Record<string, string> {
  return {
    'mlflow.user': currentUser(),
    'mlflow.source.name': process.argv[1] ?? 'node',
    'mlflow.source.type': 'LOCAL',
  };
}

/** Values as Python's `str` (MLflow stringifies logged-model params and tags). */
export function stringValues(values: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, typeof value === 'string' ? value : pyStr(value)]));
}

/** The experiment a new run goes to (MLflow's `_get_experiment_id`, env vars included). */
export async function experimentIdFor(store: TrackingStore, options: LogModelOptions): Promise<string> {
  if (options.experimentId !== undefined) return options.experimentId;
  const name = options.experimentName ?? process.env.MLFLOW_EXPERIMENT_NAME;
  const envId = process.env.MLFLOW_EXPERIMENT_ID;
  if (name !== undefined && name !== '') {
    const experiment = await store.getExperimentByName(name);
    if (experiment === null) return store.createExperiment(name);
    if (envId !== undefined && envId !== '' && envId !== experiment.experimentId && options.experimentName === undefined) {
      throw invalid(`The provided MLFLOW_EXPERIMENT_ID environment variable value \`${envId}\` does not match the experiment ID ` +
        `\`${experiment.experimentId}\` for experiment name \`${name}\``);
    }
    return experiment.experimentId;
  }
  return envId !== undefined && envId !== '' ? envId : '0';
}

/** Starts a run in the experiment of `options` with the context tags, as MLflow's fluent `start_run`. */
export async function startRun(store: TrackingStore, options: LogModelOptions) {
  const experimentId = await experimentIdFor(store, options);
  const { runName } = options;
  return store.createRun({
    experimentId,
    userId: currentUser(),
    ...(runName !== undefined ? { runName } : {}),
    tags: { ...contextTags(), ...(runName !== undefined ? { 'mlflow.runName': runName } : {}) },
  });
}

/** Nested config keys joined with `/` (MLflow's `_flatten_nested_params(..., sep="/")`), values as Python's `str`. */
export function flattenParams(config: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const name = prefix === '' ? key : `${prefix}/${key}`;
    if (isPlainObject(value)) Object.assign(out, flattenParams(value as Record<string, unknown>, name));
    else out[name] = pyStr(value);
  }
  return out;
}

/** The model config as a dict for run params, or undefined (a file that cannot be read is a warning, as in MLflow). */
async function configForParams(modelConfig: LogModelOptions['modelConfig'], warn: (message: string) => void): Promise<Record<string, unknown> | undefined> {
  if (modelConfig === undefined || modelConfig === null) return undefined;
  if (typeof modelConfig !== 'string' && !(modelConfig instanceof URL)) return modelConfig;
  const path = modelConfig instanceof URL ? fileURLToPath(modelConfig) : resolve(modelConfig);
  const extension = extname(path).toLowerCase();
  try {
    if (extension === '.json') return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    if (extension === '.yaml' || extension === '.yml') {
      const value = loadMlflowYaml(await readFile(path, 'utf8'), { path });
      return isPlainObject(value) ? value as Record<string, unknown> : undefined;
    }
    warn(`Unsupported file format for model config: ${path}. Failed to load model config.`);
  } catch (error) {
    warn(`Failed to load model config from ${path}: ${messageOf(error)}`);
  }
  return undefined;
}

/** Logs the flattened model config as params of the run (format.md 9.1 step 8); failures are warnings. */
export async function logModelConfigParams(store: TrackingStore, runId: string, modelConfig: LogModelOptions['modelConfig'],
  warn: (message: string) => void): Promise<void> {
  const config = await configForParams(modelConfig, warn);
  if (config === undefined || Object.keys(config).length === 0) return;
  try {
    await store.logBatch(runId, { params: flattenParams(config) });
  } catch (error) {
    warn(`Failed to log model config as params: ${messageOf(error)}`);
  }
}

async function awaitReady(store: TrackingStore, version: ModelVersion, seconds: number): Promise<ModelVersion> {
  const deadline = Date.now() + seconds * 1000;
  let current = version;
  while (current.status === 'PENDING_REGISTRATION') {
    if (Date.now() >= deadline) {
      throw new MlflowException('INVALID_STATE',
        `Exceeded max wait time for model name: ${version.name} version: ${version.version} to become READY. Status: ${current.status} Wait Time: ${seconds}`);
    }
    await new Promise((done) => setTimeout(done, Math.min(1000, Math.max(50, deadline - Date.now()))));
    current = await store.getModelVersion(version.name, version.version);
  }
  if (current.status === 'FAILED_REGISTRATION') {
    throw new MlflowException('INVALID_STATE',
      `Model version creation failed for model name: ${version.name} version: ${version.version} with status: ${current.status} and message: ${current.statusMessage ?? ''}`);
  }
  return current;
}

/**
 * Registers `source` as a new version of `name` (the registered model is created when missing)
 * and waits for it to be `READY` (MLflow's `_register_model`).
 */
export async function registerVersion(store: TrackingStore, name: string, source: string,
  options: { runId?: string; modelId?: string; tags?: Record<string, string>; awaitFor: number; logger: Logger }): Promise<ModelVersion> {
  try {
    await store.createRegisteredModel(name);
    options.logger.info({}, `Successfully registered model '${name}'.`);
  } catch (error) {
    if (!(MlflowException.isInstance(error) && (error.errorCode === 'RESOURCE_ALREADY_EXISTS' || error.errorCode === 'ALREADY_EXISTS'))) throw error;
    options.logger.info({}, `Registered model '${name}' already exists. Creating a new version of this model...`);
  }
  const created = await store.createModelVersion(name, source, {
    ...(options.runId !== undefined ? { runId: options.runId } : {}),
    ...(options.modelId !== undefined ? { modelId: options.modelId } : {}),
    ...(options.tags !== undefined ? { tags: options.tags } : {}),
  });
  const ready = await awaitReady(store, created, options.awaitFor);
  options.logger.info({}, `Created version '${ready.version}' of model '${name}'.`);
  return ready;
}

/** The `ModelInfo` fields every sequence takes from the saved `Model` (MLflow's `get_model_info`). */
export function modelInfoOf(model: Model): Omit<ModelInfo, 'artifactPath' | 'modelUri' | 'runId' | 'registeredModelVersion' | 'signatureDict'> {
  return {
    flavors: model.flavors,
    modelUuid: model.modelUuid,
    savedInputExampleInfo: model.savedInputExampleInfo,
    signature: model.signature,
    utcTimeCreated: model.utcTimeCreated,
    mlflowVersion: model.mlflowVersion,
    metadata: model.metadata,
    envVars: model.envVars,
    prompts: model.prompts,
  };
}
