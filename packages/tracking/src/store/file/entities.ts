/**
 * Conversions between the file store's `meta.yaml` dictionaries (MLflow 2.22 layout, format.md
 * 8.2–8.4) and the package's entities.
 */
import { MlflowException, formatPythonFloat, type PyValue } from '@pyfunc/format';
import type { Experiment, LifecycleStage, LoggedModel, Metric, ModelVersion, ModelVersionStatus, RunInfo, RunStatus } from '../../types.js';
import { runStatusCode } from '../../types.js';

type Meta = Record<string, PyValue>;

function str(value: PyValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : String(value);
}

function num(value: PyValue | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

function stage(value: PyValue | undefined): LifecycleStage {
  return value === 'deleted' ? 'deleted' : 'active';
}

const statusByCode = new Map<number, RunStatus>(Object.entries(runStatusCode).map(([k, v]) => [v, k as RunStatus]));

/** `RunStatus.to_string` of a stored status (an int; a name is accepted too); missing → RUNNING. */
export function runStatusFromMeta(value: PyValue | undefined): RunStatus {
  if (value === undefined || value === null) return 'RUNNING';
  if (typeof value === 'string' && value in runStatusCode) return value as RunStatus;
  const status = statusByCode.get(Number(value));
  if (status === undefined) {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `Could not get string corresponding to run status ${String(value)}`);
  }
  return status;
}

/** The experiment of an experiment `meta.yaml` (integer ids of old files read as strings). */
export function experimentFromMeta(meta: Meta, tags: Record<string, string>): Experiment {
  return {
    experimentId: str(meta.experiment_id) ?? '',
    name: str(meta.name) ?? '',
    artifactLocation: str(meta.artifact_location) ?? '',
    lifecycleStage: stage(meta.lifecycle_stage),
    creationTime: num(meta.creation_time),
    lastUpdateTime: num(meta.last_update_time),
    tags,
  };
}

/** The run info of a run `meta.yaml`. */
export function runInfoFromMeta(meta: Meta): RunInfo {
  const runId = str(meta.run_id) ?? str(meta.run_uuid) ?? '';
  return {
    runId,
    runName: str(meta.run_name) ?? '',
    experimentId: str(meta.experiment_id) ?? '',
    userId: str(meta.user_id) ?? '',
    status: runStatusFromMeta(meta.status),
    startTime: num(meta.start_time),
    endTime: num(meta.end_time),
    artifactUri: str(meta.artifact_uri) ?? '',
    lifecycleStage: stage(meta.lifecycle_stage),
  };
}

/**
 * The run `meta.yaml` MLflow 2.22 writes for `info` (legacy placeholders included); keys of
 * `previous` this layout does not know (written by newer MLflow) are kept.
 */
export function runInfoToMeta(info: RunInfo, previous?: Meta): Record<string, unknown> {
  const meta: Record<string, unknown> = { ...(previous ?? {}) };
  delete meta.deleted_time;
  Object.assign(meta, {
    artifact_uri: info.artifactUri,
    end_time: info.endTime,
    entry_point_name: '',
    experiment_id: info.experimentId,
    lifecycle_stage: info.lifecycleStage,
    run_id: info.runId,
    run_name: info.runName,
    run_uuid: info.runId,
    source_name: '',
    source_type: 4,
    source_version: '',
    start_time: info.startTime,
    status: runStatusCode[info.status],
    tags: [],
    user_id: info.userId,
  });
  return meta;
}

/** Python's `float(text)` for a metric value. */
function parseFloatPy(text: string): number {
  const lower = text.trim().toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return Number.NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  const value = Number(lower.replaceAll('_', ''));
  if (lower === '' || Number.isNaN(value)) throw new Error(`could not convert string to float: '${text}'`);
  return value;
}

/** One metrics-file line: `<timestamp> <value> [<step>]` (2-field legacy lines have step 0). */
export function metricFromLine(key: string, line: string, experimentId: string): Metric {
  const parts = line.trim().split(' ');
  // 3.x appends the dataset name and digest when a metric has them (5 fields)
  if (parts.length !== 2 && parts.length !== 3 && parts.length !== 5) {
    throw new MlflowException('INTERNAL_ERROR',
      `Metric '${key}' is malformed; persisted metric data contained ${parts.length} fields. Expected 2 or 3 fields. Experiment id: ${experimentId}`);
  }
  try {
    const timestamp = Number.parseInt(parts[0]!, 10);
    const step = parts.length >= 3 ? Number.parseInt(parts[2]!, 10) : 0;
    if (Number.isNaN(timestamp) || Number.isNaN(step)) throw new Error(`invalid literal for int() in '${line.trim()}'`);
    const metric: Metric = { key, value: parseFloatPy(parts[1]!), timestamp, step };
    if (parts.length === 5) Object.assign(metric, { datasetName: parts[3]!, datasetDigest: parts[4]! });
    return metric;
  } catch (error) {
    throw new MlflowException('INTERNAL_ERROR', `Metric '${key}' is malformed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * One line of a 3.x logged model's metric file: `<timestamp> <value> <step> <run_id>` and, with a
 * dataset, `<dataset_name> <dataset_digest>` (MLflow's `_get_model_metric_from_line`).
 */
export function modelMetricFromLine(modelId: string, key: string, line: string): Metric {
  const parts = line.trim().split(' ');
  if (parts.length !== 4 && parts.length !== 6) {
    throw new MlflowException('INTERNAL_ERROR',
      `Metric '${key}' is malformed; persisted metric data contained ${parts.length} fields. Expected 4 or 6 fields.`);
  }
  const timestamp = Number.parseInt(parts[0]!, 10);
  const step = Number.parseInt(parts[2]!, 10);
  if (Number.isNaN(timestamp) || Number.isNaN(step)) {
    throw new MlflowException('INTERNAL_ERROR', `Metric '${key}' is malformed: invalid literal for int() in '${line.trim()}'`);
  }
  return {
    key, value: parseFloatPy(parts[1]!), timestamp, step, modelId, runId: parts[3]!,
    datasetName: parts.length === 6 ? parts[4]! : null, datasetDigest: parts.length === 6 ? parts[5]! : null,
  };
}

/** The line MLflow 3.x appends to a logged model's metric file. */
export function modelMetricToLine(metric: Metric, runId: string): string {
  const dataset = metric.datasetName && metric.datasetDigest ? ` ${metric.datasetName} ${metric.datasetDigest}` : '';
  return `${metric.timestamp} ${formatPythonFloat(metric.value)} ${metric.step} ${runId}${dataset}\n`;
}

/** The line MLflow appends for a metric (`f"{timestamp} {value} {step}\n"`, value a Python float; 3.x adds a dataset). */
export function metricToLine(metric: Metric): string {
  const dataset = metric.datasetName && metric.datasetDigest ? ` ${metric.datasetName} ${metric.datasetDigest}` : '';
  return `${metric.timestamp} ${formatPythonFloat(metric.value)} ${metric.step}${dataset}\n`;
}

/** The latest of several values of one metric: greatest (step, timestamp, value), as MLflow. */
export function latestMetric(metrics: Metric[]): Metric {
  let best = metrics[0]!;
  for (const m of metrics.slice(1)) {
    if (m.step > best.step || (m.step === best.step && (m.timestamp > best.timestamp
      || (m.timestamp === best.timestamp && (m.value > best.value || Number.isNaN(best.value)))))) {
      best = m;
    }
  }
  return best;
}

/** The stored form of a model version (`version` an int, `storage_location` beside `source`). */
export interface StoredModelVersion {
  meta: Meta;
  version: ModelVersion;
  storageLocation: string | null;
}

/** A model version from its `meta.yaml`, its tag files and the aliases pointing to it. */
export function modelVersionFromMeta(meta: Meta, tags: Record<string, string>, aliases: string[]): StoredModelVersion {
  const version: ModelVersion = {
    name: str(meta.name) ?? '',
    version: str(meta.version) ?? '',
    creationTimestamp: num(meta.creation_timestamp),
    lastUpdatedTimestamp: num(meta.last_updated_timestamp),
    userId: str(meta.user_id),
    currentStage: str(meta.current_stage) ?? 'None',
    description: str(meta.description),
    source: str(meta.source) ?? '',
    runId: str(meta.run_id),
    status: (str(meta.status) ?? 'READY') as ModelVersionStatus,
    statusMessage: str(meta.status_message),
    tags,
    runLink: str(meta.run_link),
    aliases,
  };
  if (meta.model_id !== undefined) version.modelId = str(meta.model_id);
  return { meta, version, storageLocation: str(meta.storage_location) };
}

/** The version `meta.yaml` MLflow 2.22 writes; unknown keys of `previous` are kept. */
export function modelVersionToMeta(version: ModelVersion, storageLocation: string | null, previous?: Meta): Record<string, unknown> {
  const meta: Record<string, unknown> = { ...(previous ?? {}) };
  Object.assign(meta, {
    aliases: version.aliases,
    creation_timestamp: version.creationTimestamp,
    current_stage: version.currentStage,
    description: version.description,
    last_updated_timestamp: version.lastUpdatedTimestamp,
    name: version.name,
    run_id: version.runId,
    run_link: version.runLink,
    source: version.source,
    status: version.status,
    status_message: version.statusMessage,
    storage_location: storageLocation,
    user_id: version.userId,
    version: Number(version.version),
  });
  if (version.modelId !== undefined) meta.model_id = version.modelId;
  return meta;
}

/** Status names by the integer the file store writes (`LoggedModelStatus.to_int`). */
export const loggedModelStatus = ['LOGGED_MODEL_STATUS_UNSPECIFIED', 'LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'];

/** A 3.x logged model from `<exp>/models/<model_id>/meta.yaml` and its tag, param and metric files. */
export function loggedModelFromMeta(meta: Meta, tags: Record<string, string>, params: Record<string, string>,
  metrics: Metric[] = []): LoggedModel {
  const status = meta.status;
  return {
    modelId: str(meta.model_id) ?? '',
    experimentId: str(meta.experiment_id) ?? '',
    name: str(meta.name) ?? '',
    artifactLocation: str(meta.artifact_location) ?? '',
    status: typeof status === 'number' ? loggedModelStatus[status] ?? String(status) : str(status) ?? 'LOGGED_MODEL_READY',
    creationTimestamp: num(meta.creation_timestamp),
    lastUpdatedTimestamp: num(meta.last_updated_timestamp),
    sourceRunId: str(meta.source_run_id),
    modelType: str(meta.model_type),
    tags,
    params,
    metrics,
    statusMessage: str(meta.status_message),
  };
}

/**
 * The `meta.yaml` of a logged model as MLflow 3.x persists it (`to_dictionary()` without tags,
 * params and metrics; status as its integer). `lifecycleStage` is written on creation only:
 * MLflow's later rewrites (finalize) leave it out.
 */
export function loggedModelToMeta(model: LoggedModel, lifecycleStage?: string): Record<string, unknown> {
  const status = loggedModelStatus.indexOf(model.status);
  const meta: Record<string, unknown> = {
    artifact_location: model.artifactLocation,
    creation_timestamp: model.creationTimestamp,
    experiment_id: model.experimentId,
    last_updated_timestamp: model.lastUpdatedTimestamp,
    model_id: model.modelId,
    model_type: model.modelType,
    name: model.name,
    source_run_id: model.sourceRunId,
    status: status >= 0 ? status : 0,
    status_message: model.statusMessage ?? null,
  };
  if (lifecycleStage !== undefined) meta.lifecycle_stage = lifecycleStage;
  return meta;
}
