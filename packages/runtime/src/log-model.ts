/**
 * `logModel`: save a model into a run of an MLflow tracking store (a server or `mlruns/`),
 * record it on the run and optionally register it — MLflow 2.22's `Model.log` sequence
 * (format.md 9.1), which both 2.22 and 3.x servers and clients read.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MlflowException,
  Model,
  isPlainObject,
  loadMlflowYaml,
  pyStr,
  silentLogger,
  type FlavorConfig,
  type ModelSignature,
  type PyValue,
  type SavedInputExampleInfo,
} from '@pyfunc/format';
import {
  getArtifactRepository,
  getTrackingStore,
  type ModelVersion,
  type TrackingStore,
} from '@pyfunc/tracking';
import { saveModel, type SaveModelOptions } from './save-model.js';

/** Options of {@link logModel}: those of `saveModel` plus where to log and register. */
export interface LogModelOptions extends Omit<SaveModelOptions, 'mlflowModel'> {
  /** Register the logged model under this name (created if missing) and wait for the version. */
  registeredModelName?: string;
  /** Log into this run; default: a new run (ended `FINISHED` once logged, `FAILED` on error). */
  runId?: string;
  /** The experiment of a new run: by id; default `MLFLOW_EXPERIMENT_ID`, else `0`. */
  experimentId?: string;
  /** The experiment of a new run: by name (created if missing); default `MLFLOW_EXPERIMENT_NAME`. */
  experimentName?: string;
  /** Name of a new run; default: the store picks one as MLflow does. */
  runName?: string;
  /** Tracking URI; default `MLFLOW_TRACKING_URI`, else `./mlruns`. Ignored when `store` is given. */
  trackingUri?: string;
  /** The store to log to (for plugins and tests). */
  store?: TrackingStore;
  /** Seconds to wait for the registered version to become `READY`; default 300. */
  awaitRegistrationFor?: number;
  /** Tags of the registered model version. */
  tags?: Record<string, string>;
}

/** What `logModel` returns: MLflow's `ModelInfo` (format.md 9.3) in camelCase. */
export interface ModelInfo {
  artifactPath: string;
  flavors: Record<string, FlavorConfig>;
  /** `runs:/<run_id>/<artifact_path>`. */
  modelUri: string;
  modelUuid: string | undefined;
  runId: string;
  savedInputExampleInfo: SavedInputExampleInfo | undefined;
  signature: ModelSignature | undefined;
  /** Deprecated in MLflow; `signature.toDict()`. */
  signatureDict: Record<string, PyValue> | undefined;
  utcTimeCreated: string | undefined;
  mlflowVersion: string | undefined;
  metadata: Record<string, PyValue> | undefined;
  /** The registered version, when `registeredModelName` was given. */
  registeredModelVersion: string | undefined;
  envVars: string[] | undefined;
  prompts: string[] | undefined;
}

const invalid = (message: string) => new MlflowException('INVALID_PARAMETER_VALUE', message);

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The experiment a new run goes to (MLflow's `_get_experiment_id`, env vars included). */
async function experimentIdFor(store: TrackingStore, options: LogModelOptions): Promise<string> {
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

/** Nested config keys joined with `/` (MLflow's `_flatten_nested_params(..., sep="/")`), values as Python's `str`. */
function flattenParams(config: Record<string, unknown>, prefix = ''): Record<string, string> {
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
 * Saves a model (everything `saveModel` takes) as an artifact of an MLflow run and returns its
 * `ModelInfo`; with `registeredModelName`, registers it as a new version of that model.
 * `artifactPath` is the model's directory inside the run's artifacts (MLflow's `artifact_path`).
 */
export async function logModel(artifactPath: string, options: LogModelOptions): Promise<ModelInfo> {
  if (typeof artifactPath !== 'string' || artifactPath === '' || artifactPath.split('/').includes('..') || artifactPath.startsWith('/')) {
    throw invalid(`The artifact path must be a non-empty relative path without '..', got ${JSON.stringify(artifactPath)}.`);
  }
  if (typeof options !== 'object' || options === null) throw new TypeError('logModel(artifactPath, options) needs an options object.');
  const {
    registeredModelName, runId: givenRunId, experimentId: _experimentId, experimentName: _experimentName, runName, trackingUri,
    store: givenStore, awaitRegistrationFor = 300, tags, ...saveOptions
  } = options;
  const logger = options.logger ?? silentLogger;
  const warn = (message: string) => logger.warn({}, message);
  const store = givenStore ?? getTrackingStore(trackingUri);

  let run;
  let ownRun = false;
  if (givenRunId !== undefined) {
    run = await store.getRun(givenRunId);
  } else {
    const experimentId = await experimentIdFor(store, options);
    run = await store.createRun({
      experimentId,
      userId: userInfo().username,
      ...(runName !== undefined ? { runName } : {}),
      tags: {
        'mlflow.user': userInfo().username,
        'mlflow.source.name': process.argv[1] ?? 'node',
        'mlflow.source.type': 'LOCAL',
        ...(runName !== undefined ? { 'mlflow.runName': runName } : {}),
      },
    });
    ownRun = true;
  }
  const runId = run.info.runId;
  const temp = await mkdtemp(join(tmpdir(), 'pyfunc-log-model-'));
  try {
    const localPath = join(temp, 'model');
    const mlflowModel = new Model({ artifactPath, runId });
    await saveModel(localPath, { ...saveOptions, mlflowModel });
    const model = await Model.load(localPath);
    if (model.signature === undefined && model.savedInputExampleInfo === undefined) {
      warn('Model logged without a signature and input example. Please set `input_example` parameter when logging the model ' +
        'to auto infer the model signature.');
    }
    const repository = getArtifactRepository(run.info.artifactUri, { trackingUri: store.trackingUri });
    await repository.logArtifacts(localPath, artifactPath);

    const config = await configForParams(options.modelConfig, warn);
    if (config !== undefined && Object.keys(config).length > 0) {
      try {
        await store.logBatch(runId, { params: flattenParams(config) });
      } catch (error) {
        warn(`Failed to log model config as params: ${messageOf(error)}`);
      }
    }
    try {
      await store.recordLoggedModel(runId, model.getTagsDict());
    } catch (error) {
      if (!MlflowException.isInstance(error)) throw error;
      warn(`Logging model metadata to the tracking server has failed. The model artifacts have been logged successfully under ${run.info.artifactUri}. ` +
        `Set logging level to DEBUG via \`logging.getLogger("mlflow").setLevel(logging.DEBUG)\` to see the full traceback.`);
    }

    let registeredModelVersion: string | undefined;
    if (registeredModelName !== undefined) {
      try {
        await store.createRegisteredModel(registeredModelName);
      } catch (error) {
        if (!(MlflowException.isInstance(error) && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
        logger.info({}, `Registered model '${registeredModelName}' already exists. Creating a new version of this model...`);
      }
      const source = `${run.info.artifactUri.replace(/\/+$/, '')}/${artifactPath}`;
      const created = await store.createModelVersion(registeredModelName, source, { runId, ...(tags !== undefined ? { tags } : {}) });
      const ready = await awaitReady(store, created, awaitRegistrationFor);
      registeredModelVersion = ready.version;
      logger.info({}, `Created version '${ready.version}' of model '${registeredModelName}'.`);
    }
    if (ownRun) await store.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
    return {
      artifactPath,
      flavors: model.flavors,
      modelUri: `runs:/${runId}/${artifactPath}`,
      modelUuid: model.modelUuid,
      runId,
      savedInputExampleInfo: model.savedInputExampleInfo,
      signature: model.signature,
      signatureDict: model.signature?.toDict() as Record<string, PyValue> | undefined,
      utcTimeCreated: model.utcTimeCreated,
      mlflowVersion: model.mlflowVersion,
      metadata: model.metadata,
      registeredModelVersion,
      envVars: model.envVars,
      prompts: model.prompts,
    };
  } catch (error) {
    if (ownRun) await store.updateRun(runId, { status: 'FAILED', endTime: Date.now() }).catch(() => undefined);
    throw error;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
