/**
 * REST JSON (snake_case, protobuf-JSON conventions) → the package's camelCase entities.
 * int64 fields arrive as JSON numbers from MLflow's server and as decimal strings from
 * protobuf-JSON writers; both are accepted.
 */
import type {
  Experiment, LifecycleStage, LoggedModel, Metric, ModelVersion, ModelVersionStatus, RegisteredModel, Run,
  RunInfo, RunStatus,
} from '../../types.js';

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Json : {};
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

function strOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : String(value);
}

/** An int64 field (number or decimal string) as a number; `null` when absent. */
export function int64(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A double field: numbers, and the protobuf-JSON strings `"NaN"`, `"Infinity"`, `"-Infinity"`. */
export function double(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return Number.NaN;
}

/** `[{key, value}]` → `{key: value}`. */
export function keyValues(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list(value)) out[str(item.key)] = str(item.value);
  return out;
}

/** `{key: value}` → `[{key, value}]`. */
export function toKeyValues(map: Record<string, string> | undefined): { key: string; value: string }[] | undefined {
  return map === undefined ? undefined : Object.entries(map).map(([key, value]) => ({ key, value }));
}

/** A metric value as protobuf JSON accepts it (non-finite doubles as strings). */
export function doubleToJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

function stage(value: unknown): LifecycleStage {
  return value === 'deleted' ? 'deleted' : 'active';
}

export function toExperiment(value: unknown): Experiment {
  const e = obj(value);
  return {
    experimentId: str(e.experiment_id),
    name: str(e.name),
    artifactLocation: str(e.artifact_location),
    lifecycleStage: stage(e.lifecycle_stage),
    creationTime: int64(e.creation_time),
    lastUpdateTime: int64(e.last_update_time),
    tags: keyValues(e.tags),
  };
}

export function toRunInfo(value: unknown): RunInfo {
  const i = obj(value);
  return {
    runId: str(i.run_id ?? i.run_uuid),
    runName: str(i.run_name),
    experimentId: str(i.experiment_id),
    userId: str(i.user_id),
    status: (str(i.status) || 'RUNNING') as RunStatus,
    startTime: int64(i.start_time),
    endTime: int64(i.end_time),
    artifactUri: str(i.artifact_uri),
    lifecycleStage: stage(i.lifecycle_stage),
  };
}

export function toMetric(value: unknown): Metric {
  const m = obj(value);
  const metric: Metric = { key: str(m.key), value: double(m.value), timestamp: int64(m.timestamp) ?? 0, step: int64(m.step) ?? 0 };
  // 3.x servers add these (to logged-model metrics and re-logged run metrics)
  if (m.model_id !== undefined && m.model_id !== null) metric.modelId = str(m.model_id);
  if (m.run_id !== undefined && m.run_id !== null) metric.runId = str(m.run_id);
  if (m.dataset_name !== undefined && m.dataset_name !== null) metric.datasetName = str(m.dataset_name);
  if (m.dataset_digest !== undefined && m.dataset_digest !== null) metric.datasetDigest = str(m.dataset_digest);
  return metric;
}

export function toRun(value: unknown): Run {
  const r = obj(value);
  const data = obj(r.data);
  const run: Run = {
    info: toRunInfo(r.info),
    data: { metrics: list(data.metrics).map(toMetric), params: keyValues(data.params), tags: keyValues(data.tags) },
  };
  // 3.x: `outputs: {model_outputs: [{model_id, step}]}` (an empty message when the run has none)
  if (r.outputs !== undefined && r.outputs !== null) {
    run.outputs = {
      modelOutputs: list(obj(r.outputs).model_outputs).map((o) => ({ modelId: str(obj(o).model_id), step: int64(obj(o).step) ?? 0 })),
    };
  }
  return run;
}

export function toModelVersion(value: unknown): ModelVersion {
  const v = obj(value);
  const version: ModelVersion = {
    name: str(v.name),
    version: str(v.version),
    creationTimestamp: int64(v.creation_timestamp),
    lastUpdatedTimestamp: int64(v.last_updated_timestamp),
    userId: strOrNull(v.user_id),
    currentStage: str(v.current_stage) || 'None',
    description: strOrNull(v.description),
    source: str(v.source),
    runId: strOrNull(v.run_id),
    status: (str(v.status) || 'READY') as ModelVersionStatus,
    statusMessage: strOrNull(v.status_message),
    tags: keyValues(v.tags),
    runLink: strOrNull(v.run_link),
    aliases: Array.isArray(v.aliases) ? v.aliases.map(str) : [],
  };
  if (v.model_id !== undefined) version.modelId = strOrNull(v.model_id);
  return version;
}

export function toRegisteredModel(value: unknown): RegisteredModel {
  const m = obj(value);
  const aliases: Record<string, string> = {};
  for (const a of list(m.aliases)) aliases[str(a.alias)] = str(a.version);
  return {
    name: str(m.name),
    creationTimestamp: int64(m.creation_timestamp),
    lastUpdatedTimestamp: int64(m.last_updated_timestamp),
    description: strOrNull(m.description),
    latestVersions: list(m.latest_versions).map(toModelVersion),
    tags: keyValues(m.tags),
    aliases,
  };
}

export function toLoggedModel(value: unknown): LoggedModel {
  const model = obj(value);
  const info = obj(model.info);
  const data = obj(model.data);
  return {
    modelId: str(info.model_id),
    experimentId: str(info.experiment_id),
    name: str(info.name),
    artifactLocation: str(info.artifact_uri),
    status: str(info.status) || 'LOGGED_MODEL_PENDING',
    creationTimestamp: int64(info.creation_timestamp_ms),
    lastUpdatedTimestamp: int64(info.last_updated_timestamp_ms),
    // a server answers "" for an unset source run or model type
    sourceRunId: strOrNull(info.source_run_id) || null,
    modelType: strOrNull(info.model_type) || null,
    tags: keyValues(info.tags),
    params: keyValues(data.params ?? info.params),
    metrics: list(data.metrics).map(toMetric),
    statusMessage: strOrNull(info.status_message),
  };
}
