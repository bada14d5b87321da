/**
 * MLflow's local file store (`mlruns/`, format.md 8) as a {@link TrackingStore}: experiments,
 * runs, params, metrics, tags, the `mlflow.log-model.history` tag and the model registry, in
 * the layout and YAML dialect MLflow 2.22 writes and MLflow 2.x and 3.x read.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import {
  MlflowException, dumpsPythonJson, modelTagsDict, parsePythonJson, pyRepr, silentLogger,
  type Logger, type PyValue,
} from '@pyfunc/format';
import type {
  CreateLoggedModelOptions, CreateModelVersionOptions, CreateRunOptions, Experiment, LogBatch, LoggedModel,
  LoggedModelOutput, LoggedModelStatus, Metric, ModelVersion, RegisteredModel, Run, RunInfo, SearchOptions, TrackingStore,
  UpdateRunOptions,
} from '../../types.js';
import { runStatusCode, type SearchLoggedModelsOptions } from '../../types.js';
import { compare, parseFilter } from './search-filter.js';
import {
  experimentFromMeta, latestMetric, loggedModelFromMeta, loggedModelStatus, loggedModelToMeta, metricFromLine, metricToLine,
  modelMetricFromLine, modelMetricToLine, runInfoFromMeta, runInfoToMeta,
} from './entities.js';
import {
  appendLine, appendToUriPath, exists, fileUriToPath, isDirectory, listKeyFiles, listSubdirs, makeDir, move, remove,
  pathToFileUri, readMeta, readText, resolveUriIfLocal, writeAtomic, writeMeta,
} from './files.js';
import { generateExperimentId, generateLoggedModelId, generateRunId, generateRunName } from './names.js';
import { FileRegistry } from './registry.js';
import {
  MAX_ENTITIES_PER_BATCH, MAX_ENTITY_KEY_LENGTH, MAX_EXPERIMENT_TAG_KEY_LENGTH, MAX_EXPERIMENT_TAG_VAL_LENGTH,
  MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH, MAX_PARAM_VAL_LENGTH, MAX_TAG_VAL_LENGTH, validateExperimentId,
  validateExperimentName, validateKeyName, validateLength, validateMetric, validateRunId,
} from './validation.js';

/** Options of {@link FileStore}. */
export interface FileStoreOptions {
  /** Where warnings go (truncated values); default silent. */
  logger?: Logger;
  /** Default artifact root URI of new experiments; default the store root's `file:` URI. */
  artifactRootUri?: string;
}

const TRASH = '.trash';
const MODELS = 'models';
const DEFAULT_EXPERIMENT_ID = '0';
const OUTPUTS = 'outputs';
const RUN_NAME_TAG = 'mlflow.runName';
const HISTORY_TAG = 'mlflow.log-model.history';
/** Experiment subdirectories that are not runs. */
const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces', 'models']);

function notFound(message: string): MlflowException {
  return new MlflowException('RESOURCE_DOES_NOT_EXIST', message);
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? '';
  }
}

/** The run `meta.yaml` MLflow finds for a run id: its directory and experiment directory name. */
interface RunLocation {
  experimentId: string;
  runDir: string;
  meta: Record<string, PyValue>;
  info: RunInfo;
}

/**
 * The file store. `root` is the `mlruns` directory as a path or `file:` URI; it is created on
 * first use with the `Default` experiment `0` and `.trash/`, as MLflow does.
 */
export class FileStore implements TrackingStore {
  /** `file://` URI of the store root. */
  readonly trackingUri: string;
  /** Absolute path of the store root. */
  readonly rootDirectory: string;
  readonly #artifactRootUri: string;
  readonly #logger: Logger;
  readonly #registry: FileRegistry;
  #ready: Promise<void> | undefined;

  constructor(root: string, options: FileStoreOptions = {}) {
    if (typeof root !== 'string' || root === '') {
      throw MlflowException.invalidParameterValue('A file store needs a root directory path or file: URI.');
    }
    if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(root) && !root.startsWith('file:')) {
      throw MlflowException.invalidParameterValue(`Not a file store URI: '${root}'. Use a path or a file: URI.`);
    }
    this.rootDirectory = join(fileUriToPath(root));
    if (!this.rootDirectory.startsWith('/')) this.rootDirectory = join(process.cwd(), this.rootDirectory);
    this.trackingUri = pathToFileUri(this.rootDirectory);
    this.#artifactRootUri = options.artifactRootUri !== undefined ? resolveUriIfLocal(options.artifactRootUri) : this.trackingUri;
    this.#logger = (options.logger ?? silentLogger).child({ store: 'file', root: this.rootDirectory });
    this.#registry = new FileRegistry(this.rootDirectory, this.#logger, () => this.#init(), (id) => this.getLoggedModel(id));
  }

  /** Creates the root with experiment `0` and `.trash/` when missing (MLflow's constructor). */
  #init(): Promise<void> {
    this.#ready ??= (async () => {
      if (!(await exists(this.rootDirectory))) {
        await makeDir(this.rootDirectory);
        await this.#createExperimentWithId('Default', DEFAULT_EXPERIMENT_ID, undefined, undefined);
      } else if (!(await isDirectory(this.rootDirectory))) {
        throw new MlflowException('INVALID_PARAMETER_VALUE', `'${this.rootDirectory}' is not a directory.`, { path: this.rootDirectory });
      }
      await makeDir(join(this.rootDirectory, TRASH));
    })();
    this.#ready.catch(() => { this.#ready = undefined; });
    return this.#ready;
  }

  // ----- experiments -----

  async #experimentDirs(): Promise<{ id: string; dir: string }[]> {
    const active = (await listSubdirs(this.rootDirectory)).filter((d) => d !== TRASH && d !== MODELS)
      .map((id) => ({ id, dir: join(this.rootDirectory, id) }));
    const trash = (await listSubdirs(join(this.rootDirectory, TRASH)))
      .map((id) => ({ id, dir: join(this.rootDirectory, TRASH, id) }));
    return [...active, ...trash];
  }

  async #experimentPath(experimentId: string): Promise<string | undefined> {
    for (const parent of [this.rootDirectory, join(this.rootDirectory, TRASH)]) {
      const dir = join(parent, experimentId);
      if (await isDirectory(dir)) return dir;
    }
    return undefined;
  }

  async #readTagDir(dir: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    for (const key of await listKeyFiles(dir)) tags[key] = (await readText(join(dir, key))) ?? '';
    return tags;
  }

  async #readExperiment(experimentId: string, dir: string): Promise<Experiment | undefined> {
    const meta = await readMeta(dir);
    if (meta === undefined) return undefined;
    const experiment = experimentFromMeta(meta, await this.#readTagDir(join(dir, 'tags')));
    if (experiment.experimentId !== experimentId) {
      this.#logger.warn({ experimentId, recorded: experiment.experimentId }, 'Experiment ID mismatch; experiment ignored.');
      return undefined;
    }
    return experiment;
  }

  async #createExperimentWithId(name: string, experimentId: string, artifactLocation: string | undefined,
    tags: Record<string, string> | undefined): Promise<string> {
    const location = artifactLocation ? resolveUriIfLocal(artifactLocation) : appendToUriPath(this.#artifactRootUri, experimentId);
    const dir = join(this.rootDirectory, experimentId);
    await makeDir(dir);
    const now = Date.now();
    await writeMeta(dir, {
      artifact_location: location,
      creation_time: now,
      experiment_id: experimentId,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
    });
    for (const [key, value] of Object.entries(tags ?? {})) await this.#writeExperimentTag(dir, key, value);
    return experimentId;
  }

  async #writeExperimentTag(dir: string, key: string, value: string): Promise<void> {
    validateKeyName(key, 'key', 'Tag');
    validateLength('key', MAX_EXPERIMENT_TAG_KEY_LENGTH, key);
    validateLength('value', MAX_EXPERIMENT_TAG_VAL_LENGTH, value ?? '');
    await writeAtomic(join(dir, 'tags', key), value ?? '', dir);
  }

  async createExperiment(name: string, options: { artifactLocation?: string; tags?: Record<string, string> } = {}): Promise<string> {
    await this.#init();
    validateExperimentName(name);
    if (options.artifactLocation?.startsWith('runs:')) {
      throw MlflowException.invalidParameterValue(`Artifact location cannot be a runs:/ URI. Given: '${options.artifactLocation}'`);
    }
    const existing = await this.getExperimentByName(name);
    if (existing !== null) {
      throw new MlflowException('RESOURCE_ALREADY_EXISTS', existing.lifecycleStage === 'deleted'
        ? `Experiment '${existing.name}' already exists in deleted state. You can restore the experiment, or permanently delete the experiment from the .trash folder (under tracking server's root folder) in order to use this experiment name again.`
        : `Experiment '${existing.name}' already exists.`);
    }
    for (const [key, value] of Object.entries(options.tags ?? {})) {
      validateKeyName(key, 'key', 'Tag');
      validateLength('key', MAX_EXPERIMENT_TAG_KEY_LENGTH, key);
      validateLength('value', MAX_EXPERIMENT_TAG_VAL_LENGTH, value ?? '');
    }
    let experimentId = generateExperimentId();
    while (await this.#experimentPath(experimentId) !== undefined) experimentId = generateExperimentId();
    return this.#createExperimentWithId(name, experimentId, options.artifactLocation, options.tags);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    await this.#init();
    const id = String(experimentId ?? DEFAULT_EXPERIMENT_ID);
    validateExperimentId(id);
    const dir = await this.#experimentPath(id);
    if (dir === undefined) throw notFound(`Could not find experiment with ID ${id}`);
    const experiment = await this.#readExperiment(id, dir);
    if (experiment === undefined) throw notFound(`Experiment '${id}' does not exist.`);
    return experiment;
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    await this.#init();
    for (const { id, dir } of await this.#experimentDirs()) {
      let experiment: Experiment | undefined;
      try {
        experiment = await this.#readExperiment(id, dir);
      } catch (error) {
        this.#logger.warn({ experimentId: id, error: (error as Error).message }, 'Malformed experiment skipped.');
        continue;
      }
      if (experiment?.name === name) return experiment;
    }
    return null;
  }

  /** Marks an experiment deleted (and its active runs) and moves it to `.trash/`. */
  async deleteExperiment(experimentId: string): Promise<void> {
    await this.#init();
    if (String(experimentId) === DEFAULT_EXPERIMENT_ID) {
      throw new MlflowException('INVALID_PARAMETER_VALUE',
        `Cannot delete the default experiment '${DEFAULT_EXPERIMENT_ID}'. This is an internally reserved experiment.`);
    }
    validateExperimentId(experimentId);
    const dir = join(this.rootDirectory, experimentId);
    if (!(await isDirectory(dir))) throw notFound(`Could not find experiment with ID ${experimentId}`);
    const meta = (await readMeta(dir)) ?? {};
    const now = Date.now();
    for (const runId of await this.#runDirNames(dir)) {
      const runDir = join(dir, runId);
      const runMeta = await readMeta(runDir).catch(() => undefined);
      if (runMeta === undefined) continue;
      const info = runInfoFromMeta(runMeta);
      if (info.lifecycleStage !== 'active') continue;
      await writeMeta(runDir, { ...runInfoToMeta({ ...info, lifecycleStage: 'deleted' }, runMeta), deleted_time: now });
    }
    await writeMeta(dir, { ...meta, lifecycle_stage: 'deleted', last_update_time: now });
    await move(dir, join(this.rootDirectory, TRASH, experimentId));
  }

  // ----- runs -----

  async #runDirNames(experimentDir: string): Promise<string[]> {
    return (await listSubdirs(experimentDir)).filter((d) => !RESERVED_EXPERIMENT_FOLDERS.has(d));
  }

  async #findRun(runId: string): Promise<RunLocation> {
    validateRunId(runId);
    await this.#init();
    if (RESERVED_EXPERIMENT_FOLDERS.has(runId)) throw notFound(`Run '${runId}' not found`);
    for (const { id, dir } of await this.#experimentDirs()) {
      const runDir = join(dir, runId);
      if (!(await isDirectory(runDir))) continue;
      const meta = await readMeta(runDir);
      if (meta === undefined) {
        throw new MlflowException('INVALID_STATE', `Run '${runId}' metadata is in invalid state.`);
      }
      const info = runInfoFromMeta(meta);
      if (info.experimentId !== id) {
        throw new MlflowException('INVALID_STATE', `Run '${runId}' metadata is in invalid state.`);
      }
      return { experimentId: id, runDir, meta, info };
    }
    throw notFound(`Run '${runId}' not found`);
  }

  async #activeRun(runId: string): Promise<RunLocation> {
    const run = await this.#findRun(runId);
    if (run.info.lifecycleStage !== 'active') {
      throw MlflowException.invalidParameterValue(`The run ${runId} must be in 'active' lifecycle_stage.`);
    }
    return run;
  }

  async #readRun(location: RunLocation): Promise<Run> {
    const { runDir, info, experimentId } = location;
    const metrics: Metric[] = [];
    for (const key of await listKeyFiles(join(runDir, 'metrics'))) {
      const text = (await readText(join(runDir, 'metrics', key))) ?? '';
      const values = text.split('\n').filter((line) => line.trim() !== '').map((line) => metricFromLine(key, line, experimentId));
      if (values.length === 0) throw new MlflowException('INTERNAL_ERROR', `Metric '${key}' is malformed. No data found.`);
      metrics.push(latestMetric(values));
    }
    const params = await this.#readTagDir(join(runDir, 'params'));
    const tags = await this.#readTagDir(join(runDir, 'tags'));
    const runName = info.runName !== '' ? info.runName : tags[RUN_NAME_TAG] ?? '';
    const run: Run = { info: { ...info, runName }, data: { metrics, params, tags } };
    // 3.x: outputs/<model_id>/meta.yaml per logged model the run produced
    const outputsDir = join(runDir, OUTPUTS);
    if (await isDirectory(outputsDir)) {
      const modelOutputs: LoggedModelOutput[] = [];
      for (const sub of await listSubdirs(outputsDir)) {
        const meta = await readMeta(join(outputsDir, sub));
        if (meta === undefined || meta.destination_type !== 'MODEL_OUTPUT') continue;
        modelOutputs.push({ modelId: String(meta.destination_id), step: Number(meta.step ?? 0) });
      }
      run.outputs = { modelOutputs };
    }
    return run;
  }

  async createRun(options: CreateRunOptions): Promise<Run> {
    await this.#init();
    const experiment = await this.getExperiment(options.experimentId ?? DEFAULT_EXPERIMENT_ID);
    if (experiment.lifecycleStage !== 'active') {
      throw new MlflowException('INVALID_STATE', `Could not create run under non-active experiment with ID ${experiment.experimentId}.`);
    }
    const tags = { ...(options.tags ?? {}) };
    const tagName = tags[RUN_NAME_TAG];
    if (options.runName && tagName && options.runName !== tagName) {
      throw MlflowException.invalidParameterValue(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${options.runName}', mlflow.runName='${tagName}').`);
    }
    for (const [key, value] of Object.entries(tags)) {
      validateKeyName(key, 'key', 'Tag');
      validateLength('key', MAX_ENTITY_KEY_LENGTH, key);
      tags[key] = validateLength('value', MAX_TAG_VAL_LENGTH, value ?? '', this.#logger, true);
    }
    const runName = options.runName || tagName || generateRunName();
    if (!tagName) tags[RUN_NAME_TAG] = runName;
    const runId = generateRunId();
    const info: RunInfo = {
      runId,
      runName,
      experimentId: experiment.experimentId,
      userId: options.userId ?? currentUser(),
      status: 'RUNNING',
      startTime: options.startTime ?? Date.now(),
      endTime: null,
      artifactUri: appendToUriPath(experiment.artifactLocation, runId, 'artifacts'),
      lifecycleStage: 'active',
    };
    const experimentDir = (await this.#experimentPath(experiment.experimentId))!;
    const runDir = join(experimentDir, runId);
    await makeDir(runDir);
    await writeMeta(runDir, { ...runInfoToMeta(info), deleted_time: null });
    for (const sub of ['metrics', 'params', 'artifacts']) await makeDir(join(runDir, sub));
    for (const [key, value] of Object.entries(tags)) await writeAtomic(join(runDir, 'tags', key), value, runDir);
    return this.getRun(runId);
  }

  async getRun(runId: string): Promise<Run> {
    return this.#readRun(await this.#findRun(runId));
  }

  async updateRun(runId: string, options: UpdateRunOptions): Promise<RunInfo> {
    if (options.status !== undefined && !(options.status in runStatusCode)) {
      throw MlflowException.invalidParameterValue(`Invalid run status: ${String(options.status)}`);
    }
    const run = await this.#activeRun(runId);
    const info: RunInfo = {
      ...run.info,
      status: options.status ?? run.info.status,
      endTime: options.endTime ?? run.info.endTime,
      runName: options.runName || run.info.runName,
    };
    if (options.runName) await writeAtomic(join(run.runDir, 'tags', RUN_NAME_TAG), options.runName, run.runDir);
    await writeMeta(run.runDir, runInfoToMeta(info, run.meta));
    return info;
  }

  async #setTag(run: RunLocation, key: string, value: string): Promise<void> {
    await writeAtomic(join(run.runDir, 'tags', key), value, run.runDir);
    if (key === RUN_NAME_TAG) {
      await writeMeta(run.runDir, runInfoToMeta({ ...run.info, runName: value }, run.meta));
      run.info = { ...run.info, runName: value };
    }
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    validateRunId(runId);
    validateKeyName(key, 'key', 'Tag');
    validateLength('key', MAX_ENTITY_KEY_LENGTH, key);
    const checked = validateLength('value', MAX_TAG_VAL_LENGTH, value ?? '', this.#logger, true);
    await this.#setTag(await this.#activeRun(runId), key, checked);
  }

  /** Removes a run tag; a missing tag is `RESOURCE_DOES_NOT_EXIST`. */
  async deleteTag(runId: string, key: string): Promise<void> {
    const run = await this.#activeRun(runId);
    validateKeyName(key, 'key', 'Tag');
    const path = join(run.runDir, 'tags', key);
    if (!(await exists(path))) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    await remove(path);
  }

  async #logParam(run: RunLocation, key: string, value: string): Promise<void> {
    const path = join(run.runDir, 'params', key);
    const current = await readText(path);
    if (current !== undefined) {
      if (current !== value) {
        throw MlflowException.invalidParameterValue(`Changing param values is not allowed. Param with key='${key}' was already logged with value='${current}' for run ID='${run.info.runId}'. Attempted logging new value '${value}'.`);
      }
      return;
    }
    await writeAtomic(path, value, run.runDir);
  }

  #checkParam(key: string, value: string, path = ''): [string, string] {
    validateKeyName(key, path === '' ? 'key' : `${path}.key`);
    return [validateLength('Param key', MAX_ENTITY_KEY_LENGTH, key),
      validateLength('Param value', MAX_PARAM_VAL_LENGTH, String(value ?? ''), this.#logger, true)];
  }

  async logParam(runId: string, key: string, value: string): Promise<void> {
    validateRunId(runId);
    const [k, v] = this.#checkParam(key, value);
    await this.#logParam(await this.#activeRun(runId), k, v);
  }

  async logMetric(runId: string, metric: Metric): Promise<void> {
    validateRunId(runId);
    validateMetric(metric.key, metric.value, metric.timestamp, metric.step ?? 0);
    const run = await this.#activeRun(runId);
    await appendLine(join(run.runDir, 'metrics', metric.key), metricToLine({ ...metric, step: metric.step ?? 0 }));
    if (metric.modelId) await this.#logModelMetric(metric.modelId, runId, { ...metric, step: metric.step ?? 0 });
  }

  /** 3.x: a metric with a model id also goes to `<exp>/models/<model_id>/metrics/<key>` with the run id. */
  async #logModelMetric(modelId: string, runId: string, metric: Metric): Promise<void> {
    const { dir } = await this.#findLoggedModel(modelId);
    await appendLine(join(dir, 'metrics', metric.key), modelMetricToLine(metric, runId));
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    validateRunId(runId);
    const metrics = batch.metrics ?? [];
    const params = Object.entries(batch.params ?? {});
    const tags = Object.entries(batch.tags ?? {});
    metrics.forEach((m, i) => validateMetric(m.key, m.value, m.timestamp, m.step ?? 0, `metrics[${i}]`));
    const checkedParams = params.map(([k, v], i) => this.#checkParam(k, v, `params[${i}]`));
    const checkedTags = tags.map(([k, v], i): [string, string] => {
      validateKeyName(k, `tags[${i}].key`, 'Tag');
      return [validateLength(`tags[${i}].key`, MAX_ENTITY_KEY_LENGTH, k),
        validateLength(`tags[${i}].value`, MAX_TAG_VAL_LENGTH, v ?? '', this.#logger, true)];
    });
    const limit = (entity: string, max: number, n: number): void => {
      if (n > max) {
        throw MlflowException.invalidParameterValue(`A batch logging request can contain at most ${max} ${entity}. Got ${n} ${entity}. Please split up ${entity} across multiple requests and try again.`);
      }
    };
    limit('metrics', MAX_METRICS_PER_BATCH, metrics.length);
    limit('params', MAX_PARAMS_TAGS_PER_BATCH, params.length);
    limit('tags', MAX_PARAMS_TAGS_PER_BATCH, tags.length);
    limit('metrics, params, and tags', MAX_ENTITIES_PER_BATCH, metrics.length + params.length + tags.length);
    const run = await this.#activeRun(runId);
    // MLflow's file store wraps failures here as INTERNAL_ERROR; a changed param keeps its
    // INVALID_PARAMETER_VALUE (as a tracking server answers) so callers can tell it apart.
    for (const [key, value] of checkedParams) await this.#logParam(run, key, value);
    for (const metric of metrics) {
      await appendLine(join(run.runDir, 'metrics', metric.key), metricToLine({ ...metric, step: metric.step ?? 0 }));
      if (metric.modelId) await this.#logModelMetric(metric.modelId, runId, { ...metric, step: metric.step ?? 0 });
    }
    for (const [key, value] of checkedTags) await this.#setTag(run, key, value);
  }

  async recordLoggedModel(runId: string, modelDict: Record<string, unknown>): Promise<void> {
    validateRunId(runId);
    const run = await this.#activeRun(runId);
    const entry = modelTagsDict(modelDict);
    const path = join(run.runDir, 'tags', HISTORY_TAG);
    const previous = await readText(path);
    let list: PyValue[] = [];
    if (previous !== undefined) {
      const parsed = parsePythonJson(previous, { path });
      if (!Array.isArray(parsed)) {
        throw new MlflowException('INTERNAL_ERROR', `Tag ${HISTORY_TAG} of run ${runId} is not a JSON list.`, { path });
      }
      list = parsed;
    }
    list.push(entry);
    await writeAtomic(path, dumpsPythonJson(list), run.runDir);
  }

  async deleteRun(runId: string): Promise<void> {
    const run = await this.#findRun(runId);
    await writeMeta(run.runDir, { ...runInfoToMeta({ ...run.info, lifecycleStage: 'deleted' }, run.meta), deleted_time: Date.now() });
  }

  /** Restores a deleted run (lifecycle `active`, no `deleted_time`). */
  async restoreRun(runId: string): Promise<void> {
    const run = await this.#findRun(runId);
    await writeMeta(run.runDir, runInfoToMeta({ ...run.info, lifecycleStage: 'active' }, run.meta));
  }

  /** Every logged value of one metric, in file order. */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateRunId(runId);
    validateKeyName(key, 'name', 'Metric');
    const run = await this.#findRun(runId);
    const text = await readText(join(run.runDir, 'metrics', key));
    if (text === undefined) return [];
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => metricFromLine(key, l, run.experimentId));
  }

  // ----- registry -----

  createRegisteredModel(name: string, options?: { tags?: Record<string, string>; description?: string }): Promise<RegisteredModel> {
    return this.#registry.createRegisteredModel(name, options);
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.#registry.getRegisteredModel(name);
  }

  searchRegisteredModels(options?: SearchOptions): Promise<RegisteredModel[]> {
    return this.#registry.searchRegisteredModels(options);
  }

  deleteRegisteredModel(name: string): Promise<void> {
    return this.#registry.deleteRegisteredModel(name);
  }

  createModelVersion(name: string, source: string, options?: CreateModelVersionOptions): Promise<ModelVersion> {
    return this.#registry.createModelVersion(name, source, options);
  }

  getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    return this.#registry.getModelVersion(name, version);
  }

  deleteModelVersion(name: string, version: string | number): Promise<void> {
    return this.#registry.deleteModelVersion(name, version);
  }

  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    return this.#registry.getLatestVersions(name, stages);
  }

  searchModelVersions(options?: SearchOptions): Promise<ModelVersion[]> {
    return this.#registry.searchModelVersions(options);
  }

  transitionModelVersionStage(name: string, version: string | number, stage: string, archiveExistingVersions = false): Promise<ModelVersion> {
    return this.#registry.transitionModelVersionStage(name, version, stage, archiveExistingVersions);
  }

  setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void> {
    return this.#registry.setRegisteredModelAlias(name, alias, version);
  }

  deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    return this.#registry.deleteRegisteredModelAlias(name, alias);
  }

  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.#registry.getModelVersionByAlias(name, alias);
  }

  getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    return this.#registry.getModelVersionDownloadUri(name, version);
  }

  // ----- 3.x logged models (MLflow 3's layout: <exp>/models/<model_id>/{meta.yaml,tags,params,metrics}) -----

  /** The directory of a logged model (deleted ones count as missing unless `allowDeleted`). */
  async #findLoggedModel(modelId: string, allowDeleted = false): Promise<{ dir: string; experimentId: string; meta: Record<string, PyValue> }> {
    await this.#init();
    if (typeof modelId !== 'string' || !/^[\w-]+$/.test(modelId)) {
      throw MlflowException.invalidParameterValue(`Invalid logged model ID: '${String(modelId)}'`);
    }
    for (const { id, dir } of await this.#experimentDirs()) {
      const modelDir = join(dir, MODELS, modelId);
      if (!(await isDirectory(modelDir))) continue;
      const meta = await readMeta(modelDir);
      if (meta === undefined || (!allowDeleted && meta.lifecycle_stage === 'deleted')) break;
      if (String(meta.experiment_id) !== id) {
        throw new MlflowException('INVALID_STATE', `Model '${modelId}' metadata is in invalid state.`);
      }
      return { dir: modelDir, experimentId: id, meta };
    }
    throw notFound(`Model '${modelId}' not found`);
  }

  /** The latest value per metric and dataset of a logged model's metric files (MLflow's grouping). */
  async #readModelMetrics(modelId: string, modelDir: string): Promise<Metric[]> {
    const out: Metric[] = [];
    for (const key of await listKeyFiles(join(modelDir, 'metrics'))) {
      const text = (await readText(join(modelDir, 'metrics', key))) ?? '';
      const values = text.split('\n').filter((line) => line.trim() !== '').map((line) => modelMetricFromLine(modelId, key, line));
      if (values.length === 0) throw new MlflowException('INTERNAL_ERROR', `Metric '${key}' is malformed. No data found.`);
      const groups = new Map<string, Metric[]>();
      for (const value of values) {
        const group = `${value.datasetName ?? ''}\u0000${value.datasetDigest ?? ''}`;
        groups.set(group, [...(groups.get(group) ?? []), value]);
      }
      for (const group of groups.values()) out.push(latestMetric(group));
    }
    return out;
  }

  async #readLoggedModel(modelId: string, modelDir: string, meta: Record<string, PyValue>): Promise<LoggedModel> {
    return loggedModelFromMeta(meta, await this.#readTagDir(join(modelDir, 'tags')),
      await this.#readTagDir(join(modelDir, 'params')), await this.#readModelMetrics(modelId, modelDir));
  }

  #checkLoggedModelParams(params: Record<string, string>): [string, string][] {
    return Object.entries(params).map(([key, value]) => {
      validateKeyName(key, 'key');
      validateLength('Param key', MAX_ENTITY_KEY_LENGTH, key);
      return [key, validateLength('Param value', MAX_PARAM_VAL_LENGTH, String(value ?? ''))];
    });
  }

  /** Writes a logged model in MLflow 3's file-store layout (status `LOGGED_MODEL_PENDING`). */
  async createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel> {
    await this.#init();
    const { name } = options;
    if (name !== undefined && name !== null) {
      const bad = ['/', ':', '.', '%', '"', "'"];
      if (name === '' || bad.some((c) => name.includes(c))) {
        throw MlflowException.invalidParameterValue(`Invalid model name (${pyRepr(name)}) provided. Model name must be a non-empty string ` +
          `and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`);
      }
    }
    const experimentId = String(options.experimentId ?? DEFAULT_EXPERIMENT_ID);
    const experiment = await this.getExperiment(experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw new MlflowException('INVALID_STATE', `Could not create model under non-active experiment with ID ${experimentId}.`);
    }
    const params = this.#checkLoggedModelParams(options.params ?? {});
    const tags = Object.entries(options.tags ?? {}).map(([key, value]): [string, string] => {
      validateKeyName(key, 'key', 'Tag');
      return [key, String(value ?? '')];
    });
    const modelId = generateLoggedModelId();
    const now = Date.now();
    const model: LoggedModel = {
      modelId,
      experimentId,
      name: name ?? generateRunName(),
      artifactLocation: appendToUriPath(experiment.artifactLocation, MODELS, modelId, 'artifacts'),
      status: 'LOGGED_MODEL_PENDING',
      creationTimestamp: now,
      lastUpdatedTimestamp: now,
      sourceRunId: options.sourceRunId ?? null,
      modelType: options.modelType ?? null,
      tags: {},
      params: {},
      statusMessage: null,
    };
    const dir = join((await this.#experimentPath(experimentId))!, MODELS, modelId);
    await makeDir(dir);
    await writeMeta(dir, loggedModelToMeta(model, 'active'));
    await makeDir(join(dir, 'metrics'));
    await makeDir(join(dir, 'params'));
    for (const [key, value] of params) await writeAtomic(join(dir, 'params', key), value, dir);
    for (const [key, value] of tags) await writeAtomic(join(dir, 'tags', key), value, dir);
    return this.getLoggedModel(modelId);
  }

  async logLoggedModelParams(modelId: string, params: Record<string, string>): Promise<void> {
    const checked = this.#checkLoggedModelParams(params);
    const { dir } = await this.#findLoggedModel(modelId);
    for (const [key, value] of checked) await writeAtomic(join(dir, 'params', key), value, dir);
  }

  async setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void> {
    const { dir } = await this.#findLoggedModel(modelId);
    for (const [key, value] of Object.entries(tags)) {
      validateKeyName(key, 'key', 'Tag');
      await writeAtomic(join(dir, 'tags', key), String(value ?? ''), dir);
    }
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    validateKeyName(key, 'key', 'Tag');
    const { dir } = await this.#findLoggedModel(modelId);
    const path = join(dir, 'tags', key);
    if (!(await exists(path))) throw notFound(`No tag with key ${pyRepr(key)} found for model with ID ${pyRepr(modelId)}.`);
    await remove(path);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    if (!loggedModelStatus.includes(status)) throw MlflowException.invalidParameterValue(`Unknown model status: ${String(status)}`);
    const { dir, meta } = await this.#findLoggedModel(modelId);
    const model = loggedModelFromMeta(meta, {}, {});
    // MLflow rewrites the file from the entity: lifecycle_stage is not kept
    await writeMeta(dir, loggedModelToMeta({ ...model, status, lastUpdatedTimestamp: Date.now() }));
    return this.getLoggedModel(modelId);
  }

  async logOutputs(runId: string, models: LoggedModelOutput[]): Promise<void> {
    validateRunId(runId);
    const run = await this.#activeRun(runId);
    for (const { modelId, step } of models) {
      if (typeof modelId !== 'string' || !/^[\w-]+$/.test(modelId)) {
        throw MlflowException.invalidParameterValue(`Invalid logged model ID: '${String(modelId)}'`);
      }
      const dir = join(run.runDir, OUTPUTS, modelId);
      if (await exists(dir)) continue;
      await makeDir(dir);
      // MLflow writes the model id as both source and destination
      await writeMeta(dir, {
        destination_id: modelId, destination_type: 'MODEL_OUTPUT', source_id: modelId, source_type: 'RUN_OUTPUT', step, tags: {},
      });
    }
  }

  /**
   * Reads a logged model of this store (`<exp>/models/<model_id>/`); deleted or missing ones are
   * `RESOURCE_DOES_NOT_EXIST`.
   */
  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    const { dir, meta } = await this.#findLoggedModel(modelId);
    return this.#readLoggedModel(modelId, dir, meta);
  }

  /** Logged models under the given experiments (not deleted), filtered by `name` / `source_run_id`. */
  async searchLoggedModels(options: SearchLoggedModelsOptions): Promise<LoggedModel[]> {
    await this.#init();
    const clauses = parseFilter(options.filter, LOGGED_MODEL_FILTER_KEYS);
    const out: LoggedModel[] = [];
    for (const experimentId of options.experimentIds) {
      const experimentDir = await this.#experimentPath(experimentId);
      if (experimentDir === undefined) continue;
      for (const modelId of await listSubdirs(join(experimentDir, MODELS))) {
        const modelDir = join(experimentDir, MODELS, modelId);
        const meta = await readMeta(modelDir);
        if (meta === undefined || meta.lifecycle_stage === 'deleted') continue;
        const model = await this.#readLoggedModel(modelId, modelDir, meta);
        const fields: Record<string, string | null> = { name: model.name, source_run_id: model.sourceRunId, model_id: model.modelId };
        if (clauses.every((clause) => compare(clause.type === 'tag' ? model.tags[clause.key] : fields[clause.key], clause.comparator, clause.value))) {
          out.push(model);
        }
      }
    }
    out.sort((a, b) => (b.creationTimestamp ?? 0) - (a.creationTimestamp ?? 0));
    return options.maxResults !== undefined ? out.slice(0, options.maxResults) : out;
  }
}

const LOGGED_MODEL_FILTER_KEYS: ReadonlySet<string> = new Set(['name', 'source_run_id', 'model_id']);

