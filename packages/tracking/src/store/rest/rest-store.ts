/**
 * `TrackingStore` over a tracking server's REST API (`<tracking_uri>/api/2.0/mlflow/…`,
 * format.md 7.7), the way MLflow's `RestStore` and registry `RestStore` call it.
 */
import { MlflowException, dumpsPythonJson, modelTagsDict } from '@pyfunc/format';
import type {
  CreateLoggedModelOptions, CreateModelVersionOptions, CreateRunOptions, Experiment, LogBatch, LoggedModel,
  LoggedModelOutput, LoggedModelStatus, Metric, ModelVersion, RegisteredModel, Run, RunInfo, SearchOptions, TrackingStore,
  UpdateRunOptions, SearchLoggedModelsOptions } from '../../types.js';
import {
  doubleToJson, toExperiment, toKeyValues, toLoggedModel, toMetric, toModelVersion, toRegisteredModel, toRun, toRunInfo,
} from './convert.js';
import { MlflowHttpClient } from './http-client.js';

type Json = Record<string, unknown>;

/** Page size asked of the server when searching (MLflow's registered-model search maximum). */
const SEARCH_PAGE_SIZE = 1000;
/** Params per logged-model request (MLflow's `MLFLOW_CREATE_LOGGED_MODEL_PARAMS_BATCH_SIZE` and `…_LOG_…` defaults). */
const LOGGED_MODEL_PARAMS_BATCH = 100;

function metricJson(metric: Metric): Json {
  const json: Json = { key: metric.key, value: doubleToJson(metric.value), timestamp: metric.timestamp, step: metric.step };
  // 3.x fields, only when set (a 2.x server rejects none of them, but sends none either)
  if (metric.modelId) json.model_id = metric.modelId;
  if (metric.datasetName) json.dataset_name = metric.datasetName;
  if (metric.datasetDigest) json.dataset_digest = metric.datasetDigest;
  return json;
}

function versionString(version: string | number): string {
  return String(version);
}

/** Options of {@link RestStore}. */
export interface RestStoreOptions {
  /** The HTTP client; default `MlflowHttpClient.fromEnv(trackingUri)`. */
  http?: MlflowHttpClient;
}

/** A tracking and registry store backed by an MLflow tracking server. */
export class RestStore implements TrackingStore {
  readonly trackingUri: string;
  /** The HTTP client all calls go through. */
  readonly http: MlflowHttpClient;

  constructor(trackingUri: string, options: RestStoreOptions = {}) {
    this.trackingUri = trackingUri.replace(/\/+$/, '');
    this.http = options.http ?? MlflowHttpClient.fromEnv(this.trackingUri);
  }

  private call<T = Json>(method: string, endpoint: string, fields?: Json): Promise<T> {
    return this.http.callApi<T>(method, endpoint, fields === undefined ? undefined : dropUndefined(fields));
  }

  // Experiments

  async createExperiment(name: string, options: { artifactLocation?: string; tags?: Record<string, string> } = {}): Promise<string> {
    const answer = await this.call<{ experiment_id?: unknown }>('POST', 'experiments/create', {
      name, artifact_location: options.artifactLocation, tags: toKeyValues(options.tags),
    });
    return String(answer.experiment_id ?? '');
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const answer = await this.call<{ experiment?: unknown }>('GET', 'experiments/get', { experiment_id: experimentId });
    return toExperiment(answer.experiment);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    try {
      const answer = await this.call<{ experiment?: unknown }>('GET', 'experiments/get-by-name', { experiment_name: name });
      return toExperiment(answer.experiment);
    } catch (error) {
      if (MlflowException.isInstance(error) && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw error;
    }
  }

  // Runs

  async createRun(options: CreateRunOptions): Promise<Run> {
    const answer = await this.call<{ run?: unknown }>('POST', 'runs/create', {
      experiment_id: options.experimentId,
      user_id: options.userId,
      run_name: options.runName,
      start_time: options.startTime ?? Date.now(),
      tags: toKeyValues(options.tags),
    });
    return toRun(answer.run);
  }

  async getRun(runId: string): Promise<Run> {
    const answer = await this.call<{ run?: unknown }>('GET', 'runs/get', { run_id: runId, run_uuid: runId });
    return toRun(answer.run);
  }

  async updateRun(runId: string, options: UpdateRunOptions): Promise<RunInfo> {
    const answer = await this.call<{ run_info?: unknown }>('POST', 'runs/update', {
      run_id: runId, run_uuid: runId, status: options.status, end_time: options.endTime, run_name: options.runName,
    });
    return toRunInfo(answer.run_info);
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'runs/set-tag', { run_id: runId, run_uuid: runId, key, value });
  }

  async logParam(runId: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'runs/log-parameter', { run_id: runId, run_uuid: runId, key, value });
  }

  async logMetric(runId: string, metric: Metric): Promise<void> {
    await this.call('POST', 'runs/log-metric', { run_id: runId, run_uuid: runId, ...metricJson(metric) });
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    await this.call('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: (batch.metrics ?? []).map(metricJson),
      params: toKeyValues(batch.params) ?? [],
      tags: toKeyValues(batch.tags) ?? [],
    });
  }

  async recordLoggedModel(runId: string, modelDict: Record<string, unknown>): Promise<void> {
    await this.call('POST', 'runs/log-model', { run_id: runId, model_json: dumpsPythonJson(modelTagsDict(modelDict)) });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.call('POST', 'runs/delete', { run_id: runId });
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    for (;;) {
      const answer = await this.call<{ metrics?: unknown[]; next_page_token?: string }>('GET', 'metrics/get-history', {
        run_id: runId, run_uuid: runId, metric_key: key, page_token: pageToken,
      });
      out.push(...(answer.metrics ?? []).map(toMetric));
      if (!answer.next_page_token) return out;
      pageToken = answer.next_page_token;
    }
  }

  // Registry

  async createRegisteredModel(name: string, options: { tags?: Record<string, string>; description?: string } = {}): Promise<RegisteredModel> {
    const answer = await this.call<{ registered_model?: unknown }>('POST', 'registered-models/create', {
      name, tags: toKeyValues(options.tags), description: options.description,
    });
    return toRegisteredModel(answer.registered_model);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const answer = await this.call<{ registered_model?: unknown }>('GET', 'registered-models/get', { name });
    return toRegisteredModel(answer.registered_model);
  }

  async searchRegisteredModels(options: SearchOptions = {}): Promise<RegisteredModel[]> {
    const items = await this.searchPages('registered-models/search', 'registered_models', options);
    return items.map(toRegisteredModel);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.call('DELETE', 'registered-models/delete', { name });
  }

  async createModelVersion(name: string, source: string, options: CreateModelVersionOptions = {}): Promise<ModelVersion> {
    const answer = await this.call<{ model_version?: unknown }>('POST', 'model-versions/create', {
      name,
      source,
      run_id: options.runId,
      tags: toKeyValues(options.tags),
      run_link: options.runLink,
      description: options.description,
      model_id: options.modelId,
    });
    return toModelVersion(answer.model_version);
  }

  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    const answer = await this.call<{ model_version?: unknown }>('GET', 'model-versions/get', { name, version: versionString(version) });
    return toModelVersion(answer.model_version);
  }

  async deleteModelVersion(name: string, version: string | number): Promise<void> {
    await this.call('DELETE', 'model-versions/delete', { name, version: versionString(version) });
  }

  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    const answer = await this.call<{ model_versions?: unknown[] }>('POST', 'registered-models/get-latest-versions', {
      name, stages: stages !== undefined && stages.length > 0 ? stages : undefined,
    });
    return (answer.model_versions ?? []).map(toModelVersion);
  }

  async searchModelVersions(options: SearchOptions = {}): Promise<ModelVersion[]> {
    const items = await this.searchPages('model-versions/search', 'model_versions', options);
    return items.map(toModelVersion);
  }

  async transitionModelVersionStage(name: string, version: string | number, stage: string,
    archiveExistingVersions = false): Promise<ModelVersion> {
    const answer = await this.call<{ model_version?: unknown }>('POST', 'model-versions/transition-stage', {
      name, version: versionString(version), stage, archive_existing_versions: archiveExistingVersions,
    });
    return toModelVersion(answer.model_version);
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version: versionString(version) });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', { name, alias });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const answer = await this.call<{ model_version?: unknown }>('GET', 'registered-models/alias', { name, alias });
    return toModelVersion(answer.model_version);
  }

  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    const answer = await this.call<{ artifact_uri?: unknown }>('GET', 'model-versions/get-download-uri', {
      name, version: versionString(version),
    });
    return String(answer.artifact_uri ?? '');
  }

  // MLflow 3.x logged models

  /** A 3.x call: a server without the endpoint (2.x answers a plain 404) becomes NOT_IMPLEMENTED. */
  private async call3<T = Json>(method: string, endpoint: string, fields: Json | undefined, what: string): Promise<T> {
    try {
      return await this.call<T>(method, endpoint, fields);
    } catch (error) {
      if (MlflowException.isInstance(error) && error.errorCode === 'ENDPOINT_NOT_FOUND') {
        throw new MlflowException('NOT_IMPLEMENTED',
          `The tracking server at ${this.trackingUri} does not serve logged models (an MLflow 3.x server is needed to ${what})`,
          { cause: error });
      }
      throw error;
    }
  }

  async createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel> {
    const params = Object.entries(options.params ?? {});
    const answer = await this.call3<{ model?: unknown }>('POST', 'logged-models', {
      experiment_id: options.experimentId,
      name: options.name,
      model_type: options.modelType ?? undefined,
      source_run_id: options.sourceRunId ?? undefined,
      params: params.slice(0, LOGGED_MODEL_PARAMS_BATCH).map(([key, value]) => ({ key, value })),
      tags: toKeyValues(options.tags) ?? [],
    }, 'create a logged model');
    const model = toLoggedModel(answer.model);
    if (params.length <= LOGGED_MODEL_PARAMS_BATCH) return model;
    await this.logLoggedModelParams(model.modelId, Object.fromEntries(params.slice(LOGGED_MODEL_PARAMS_BATCH)));
    return this.getLoggedModel(model.modelId);
  }

  async logLoggedModelParams(modelId: string, params: Record<string, string>): Promise<void> {
    const entries = Object.entries(params);
    for (let i = 0; i < entries.length; i += LOGGED_MODEL_PARAMS_BATCH) {
      await this.call3('POST', `logged-models/${encodeURIComponent(modelId)}/params`, {
        model_id: modelId,
        params: entries.slice(i, i + LOGGED_MODEL_PARAMS_BATCH).map(([key, value]) => ({ key, value })),
      }, `log params of logged model '${modelId}'`);
    }
  }

  async setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void> {
    await this.call3('PATCH', `logged-models/${encodeURIComponent(modelId)}/tags`, { tags: toKeyValues(tags) ?? [] },
      `tag logged model '${modelId}'`);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.call3('DELETE', `logged-models/${encodeURIComponent(modelId)}/tags/${encodeURIComponent(key)}`, undefined,
      `untag logged model '${modelId}'`);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    const answer = await this.call3<{ model?: unknown }>('PATCH', `logged-models/${encodeURIComponent(modelId)}`,
      { model_id: modelId, status }, `finalize logged model '${modelId}'`);
    return toLoggedModel(answer.model);
  }

  async logOutputs(runId: string, models: LoggedModelOutput[]): Promise<void> {
    await this.call3('POST', 'runs/outputs', {
      run_id: runId, models: models.map((m) => ({ model_id: m.modelId, step: m.step })),
    }, `record outputs of run '${runId}'`);
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    const answer = await this.call3<{ model?: unknown }>('GET', `logged-models/${encodeURIComponent(modelId)}`, undefined,
      `resolve model id '${modelId}'`);
    return toLoggedModel(answer.model);
  }

  async searchLoggedModels(options: SearchLoggedModelsOptions): Promise<LoggedModel[]> {
    const out: LoggedModel[] = [];
    let pageToken: string | undefined;
    for (;;) {
      let answer: { models?: unknown[]; next_page_token?: string };
      try {
        answer = await this.call('POST', 'logged-models/search', {
          experiment_ids: options.experimentIds,
          ...(options.filter !== undefined ? { filter: options.filter } : {}),
          ...(pageToken !== undefined ? { page_token: pageToken } : {}),
        });
      } catch (error) {
        // a 2.x server has no logged models: nothing to find
        if (MlflowException.isInstance(error) && error.errorCode === 'ENDPOINT_NOT_FOUND') return out;
        throw error;
      }
      out.push(...(answer.models ?? []).map(toLoggedModel));
      if (options.maxResults !== undefined && out.length >= options.maxResults) return out.slice(0, options.maxResults);
      if (!answer.next_page_token) return out;
      pageToken = answer.next_page_token;
    }
  }

  /** Follows `next_page_token` until `maxResults` items (or all) are read. */
  private async searchPages(endpoint: string, key: string, options: SearchOptions): Promise<unknown[]> {
    const out: unknown[] = [];
    const limit = options.maxResults;
    let pageToken: string | undefined;
    for (;;) {
      const pageSize = limit === undefined ? SEARCH_PAGE_SIZE : Math.min(SEARCH_PAGE_SIZE, limit - out.length);
      const answer = await this.call<Json>('GET', endpoint, {
        filter: options.filter, max_results: pageSize, page_token: pageToken,
      });
      const items = answer[key];
      if (Array.isArray(items)) out.push(...items);
      const next = answer.next_page_token;
      if (typeof next !== 'string' || next === '' || (limit !== undefined && out.length >= limit)) break;
      pageToken = next;
    }
    return limit === undefined ? out : out.slice(0, limit);
  }
}

function dropUndefined(fields: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}
