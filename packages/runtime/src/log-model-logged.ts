/**
 * MLflow 3.x's `Model.log` sequence (format.md 9.4, mlflow-3.md 3.1–3.2): the model becomes a
 * *logged model* (`m-<32 hex>`) whose files live at its own artifact location, linked to its run
 * (if any) as an output at a step, finalized `READY` (or `UPLOAD_FAILED`), and registered from
 * `models:/<model_id>`. No `mlflow.log-model.history` tag is written.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MlflowException, Model, dumpsPythonJson, parsePythonJson, type Logger, type PyValue,
} from '@pyfunc/format';
import {
  FileStore, getArtifactRepository, type LoggedModel, type Metric, type Run, type TrackingStore,
} from '@pyfunc/tracking';
import { isChatModel } from './chat/chat-model.js';
import {
  contextTags, experimentIdFor, logModelConfigParams, modelInfoOf, registerVersion, stringValues,
  type LogModelOptions, type ModelInfo,
} from './log-model-common.js';
import { saveModel, type SaveModelOptions } from './save-model.js';

const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';
const MODEL_IS_EXTERNAL_TAG = 'mlflow.model.isExternal';
/** Metrics per `log_batch` request (MLflow's batch limit). */
const METRICS_PER_BATCH = 1000;

/** The run a 3.x model is logged from, and whether `logModel` started it (and so ends it). */
export interface RunState {
  run: Run;
  own: boolean;
}

/**
 * The flavor label MLflow 3.x computes for a pyfunc model (`_get_pyfunc_model_flavor_name`):
 * `pyfunc.ModelFromCode` for models from code, `pyfunc.ChatModel` for chat models,
 * `pyfunc.CustomPythonModel` for other `PythonModel` instances, else `pyfunc` (loader modules,
 * and — as in MLflow, where a function is not a `PythonModel` — function models). MLflow 3.17
 * records it for telemetry only: it is not stored with the logged model.
 */
export function pyfuncModelFlavorName(options: Pick<SaveModelOptions, 'pythonModel' | 'modelCode'>): string {
  const { pythonModel, modelCode } = options;
  if (modelCode !== undefined || typeof pythonModel === 'string') return 'pyfunc.ModelFromCode';
  if (pythonModel === undefined || pythonModel === null || typeof pythonModel === 'function') return 'pyfunc';
  if (isChatModel(pythonModel)) return 'pyfunc.ChatModel';
  return 'pyfunc.CustomPythonModel';
}

/**
 * Creates the logged model (or, with `modelId`, fetches it) as `Model.log` does: params = the
 * given params overlaid by the run's params, tags = the context tags overlaid by the given
 * tags, all values stringified. A store without logged models rejects with `NOT_IMPLEMENTED`.
 */
export async function createOrGetLoggedModel(store: TrackingStore, name: string | undefined, options: LogModelOptions,
  run: Run | undefined): Promise<LoggedModel> {
  if (options.modelId !== undefined) return store.getLoggedModel(options.modelId);
  const experimentId = run?.info.experimentId ?? await experimentIdFor(store, options);
  return store.createLoggedModel({
    experimentId,
    ...(name !== undefined ? { name } : {}),
    sourceRunId: run?.info.runId ?? null,
    modelType: options.modelType ?? null,
    params: { ...stringValues(options.params), ...(run?.data.params ?? {}) },
    tags: { ...contextTags(), ...stringValues(options.tags) },
  });
}

/** Re-logs the run's metrics of `step` (those without a model yet) with the model id attached. */
async function attachStepMetrics(store: TrackingStore, modelId: string, runId: string, step: number): Promise<void> {
  const keys = (await store.getRun(runId)).data.metrics.map((m) => m.key);
  const metrics: Metric[] = [];
  for (const key of keys) {
    for (const metric of await store.getMetricHistory(runId, key)) {
      if (metric.step === step && !metric.modelId) metrics.push({ ...metric, modelId, runId });
    }
  }
  for (let i = 0; i < metrics.length; i += METRICS_PER_BATCH) {
    await store.logBatch(runId, { metrics: metrics.slice(i, i + METRICS_PER_BATCH) });
  }
}

/**
 * Appends the new version to the logged model's `mlflow.modelVersions` tag, as MLflow's client
 * does after registering (a 3.x server has already added its own entry: the client appends
 * anyway). The version is written as the registry answered it: a string from a server, a
 * number from the file store.
 */
async function recordModelVersion(store: TrackingStore, modelId: string, name: string, version: string, logger: Logger): Promise<void> {
  try {
    const model = await store.getLoggedModel(modelId);
    const existing = model.tags[MODEL_VERSIONS_TAG];
    const list: PyValue[] = existing !== undefined && existing !== '' ? parsePythonJson(existing) as PyValue[] : [];
    list.push({ name, version: store instanceof FileStore ? Number(version) : version });
    await store.setLoggedModelTags(modelId, { [MODEL_VERSIONS_TAG]: dumpsPythonJson(list) });
  } catch (error) {
    if (!(MlflowException.isInstance(error) && error.errorCode === 'RESOURCE_DOES_NOT_EXIST')) throw error;
    logger.warn({ modelId }, `Unable to update logged model tags for model ID '${modelId}': the logged model does not exist in the current ` +
      'workspace. No model version link will be recorded on the logged model.');
  }
}

/** Saves, uploads, links, finalizes and registers `model`; ends a run `logModel` started. */
export async function logModelToLoggedModel(store: TrackingStore, model: LoggedModel, options: LogModelOptions,
  saveOptions: Omit<SaveModelOptions, 'mlflowModel'>, logger: Logger, runState: RunState | undefined): Promise<ModelInfo> {
  const warn = (message: string): void => logger.warn({}, message);
  const runId = runState?.run.info.runId;
  const step = options.step ?? 0;
  const { modelId } = model;
  logger.debug({ modelId, flavor: pyfuncModelFlavorName(saveOptions) }, 'Logging a logged model.');
  const temp = await mkdtemp(join(tmpdir(), 'pyfunc-log-model-'));
  try {
    let saved: Model;
    try {
      if (runId !== undefined) {
        await store.logOutputs(runId, [{ modelId, step }]);
        await attachStepMetrics(store, modelId, runId, step);
      }
      const localPath = join(temp, 'model');
      const mlflowModel = new Model({ artifactPath: model.artifactLocation, modelUuid: modelId, runId: runId ?? null, modelId });
      await saveModel(localPath, { ...saveOptions, mlflowModel });
      saved = await Model.load(localPath);
      await getArtifactRepository(model.artifactLocation, { trackingUri: store.trackingUri }).logArtifacts(localPath);
      if (model.tags[MODEL_IS_EXTERNAL_TAG]?.toLowerCase() === 'true') await store.deleteLoggedModelTag(modelId, MODEL_IS_EXTERNAL_TAG);
      if (runId !== undefined) await logModelConfigParams(store, runId, options.modelConfig, warn);
    } catch (error) {
      await store.finalizeLoggedModel(modelId, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => undefined);
      throw error;
    }
    await store.finalizeLoggedModel(modelId, 'LOGGED_MODEL_READY');

    let registeredModelVersion: string | undefined;
    if (options.registeredModelName !== undefined) {
      const tags = stringValues(options.tags);
      const version = await registerVersion(store, options.registeredModelName, `models:/${modelId}`, {
        modelId, ...(tags !== undefined ? { tags } : {}), awaitFor: options.awaitRegistrationFor ?? 300, logger,
      });
      registeredModelVersion = version.version;
      await recordModelVersion(store, modelId, version.name, version.version, logger);
    }
    if (runState?.own === true && runId !== undefined) await store.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
    return {
      ...modelInfoOf(saved),
      artifactPath: model.artifactLocation,
      modelUri: `models:/${modelId}`,
      runId,
      signatureDict: undefined,
      registeredModelVersion,
      modelId,
      name: model.name,
      params: model.params,
      tags: model.tags,
      metrics: model.metrics ?? [],
      creationTimestamp: model.creationTimestamp,
    };
  } catch (error) {
    if (runState?.own === true && runId !== undefined) {
      await store.updateRun(runId, { status: 'FAILED', endTime: Date.now() }).catch(() => undefined);
    }
    throw error;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
