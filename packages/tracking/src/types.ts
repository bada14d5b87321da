/**
 * The entities of MLflow's tracking and registry APIs, in camelCase, and the one interface
 * (`TrackingStore`) that the file store (`mlruns/`) and the REST store (a tracking server)
 * both implement. Values follow MLflow's REST JSON (format.md 7.7) with these choices:
 * - timestamps are milliseconds since the epoch as `number` (they fit exactly below 2^53);
 * - tags and params are plain string maps, metrics a list of the latest value per key;
 * - a registered model version's `version` is a decimal string, as in REST.
 */

export type LifecycleStage = 'active' | 'deleted';

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** Integer code of each run status as the file store writes it (`status: 3`). */
export const runStatusCode: Record<RunStatus, number> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number | null;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface Metric {
  key: string;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
  /** MLflow 3.x: the logged model this value is attached to. */
  modelId?: string | null;
  /** MLflow 3.x: the run that logged it (logged-model metrics). */
  runId?: string | null;
  /** MLflow 3.x: the dataset the value was computed on. */
  datasetName?: string | null;
  datasetDigest?: string | null;
}

export interface RunData {
  /** The latest value of each metric (greatest step, then timestamp, then value, as MLflow). */
  metrics: Metric[];
  params: Record<string, string>;
  tags: Record<string, string>;
}

/** MLflow 3.x: a logged model recorded as an output of a run, at a step (`runs/outputs`). */
export interface LoggedModelOutput {
  modelId: string;
  step: number;
}

export interface Run {
  info: RunInfo;
  data: RunData;
  /** MLflow 3.x: the logged models the run produced (absent when the store has none to report). */
  outputs?: { modelOutputs: LoggedModelOutput[] };
}

/** Model stages of the (deprecated, still served) stage workflow. */
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface ModelVersion {
  name: string;
  /** Decimal string, as in MLflow's REST API. */
  version: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  userId: string | null;
  currentStage: string;
  description: string | null;
  source: string;
  runId: string | null;
  status: ModelVersionStatus;
  statusMessage: string | null;
  tags: Record<string, string>;
  runLink: string | null;
  aliases: string[];
  /** MLflow 3.x: the logged model this version was registered from. */
  modelId?: string | null;
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  description: string | null;
  /** The latest version in each stage, as MLflow's `latest_versions`. */
  latestVersions: ModelVersion[];
  tags: Record<string, string>;
  /** alias → version (decimal string). */
  aliases: Record<string, string>;
}

/** Status of an MLflow 3.x logged model, as REST names it. */
export type LoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED';

/** MLflow 3.x logged model (`GET /api/2.0/mlflow/logged-models/<id>`). */
export interface LoggedModel {
  /** `m-` and 32 lowercase hex digits. */
  modelId: string;
  experimentId: string;
  name: string;
  /** Where the model's files live (the MLmodel's `artifact_path`). */
  artifactLocation: string;
  status: LoggedModelStatus | (string & {});
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  sourceRunId: string | null;
  modelType: string | null;
  tags: Record<string, string>;
  params: Record<string, string>;
  /** The latest value of each metric (per dataset), with `modelId` and `runId` set. */
  metrics?: Metric[];
  statusMessage?: string | null;
}

/** What `createLoggedModel` takes (MLflow's `create_logged_model`). */
export interface CreateLoggedModelOptions {
  experimentId: string;
  /** Default: a random name as MLflow generates run names. */
  name?: string;
  sourceRunId?: string | null;
  modelType?: string | null;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

export interface CreateRunOptions {
  experimentId: string;
  userId?: string;
  runName?: string;
  /** Milliseconds since the epoch; default now. */
  startTime?: number;
  tags?: Record<string, string>;
}

export interface UpdateRunOptions {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

export interface LogBatch {
  metrics?: Metric[];
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

export interface CreateModelVersionOptions {
  runId?: string;
  tags?: Record<string, string>;
  runLink?: string;
  description?: string;
  /** MLflow 3.x servers only. */
  modelId?: string;
}

export interface SearchOptions {
  /** MLflow's filter grammar; the file store understands `name = '…'`, `name LIKE '…'`, `run_id = '…'`, joined by AND. */
  filter?: string;
  maxResults?: number;
}

/**
 * One interface over MLflow's tracking and registry stores. Every method rejects with
 * `MlflowException` carrying MLflow's error code (`RESOURCE_DOES_NOT_EXIST`,
 * `INVALID_PARAMETER_VALUE`, `RESOURCE_ALREADY_EXISTS`, …).
 */
export interface TrackingStore {
  /** The tracking URI this store talks to (`file:///…/mlruns` or `http://…`). */
  readonly trackingUri: string;

  // Experiments
  createExperiment(name: string, options?: { artifactLocation?: string; tags?: Record<string, string> }): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** `null` when no experiment has that name. */
  getExperimentByName(name: string): Promise<Experiment | null>;

  // Runs
  createRun(options: CreateRunOptions): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRun(runId: string, options: UpdateRunOptions): Promise<RunInfo>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  logParam(runId: string, key: string, value: string): Promise<void>;
  logMetric(runId: string, metric: Metric): Promise<void>;
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  /**
   * Record a logged model on its run: appends the model dict (MLmodel `to_dict()` without
   * flavor `config`s, format.md 9.2) to the `mlflow.log-model.history` tag — `POST runs/log-model`
   * on a server.
   */
  recordLoggedModel(runId: string, modelDict: Record<string, unknown>): Promise<void>;
  deleteRun(runId: string): Promise<void>;

  // Registry
  createRegisteredModel(name: string, options?: { tags?: Record<string, string>; description?: string }): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  searchRegisteredModels(options?: SearchOptions): Promise<RegisteredModel[]>;
  deleteRegisteredModel(name: string): Promise<void>;
  createModelVersion(name: string, source: string, options?: CreateModelVersionOptions): Promise<ModelVersion>;
  getModelVersion(name: string, version: string | number): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: string | number): Promise<void>;
  /** With no stages: the latest version in each stage (format.md 8.4). */
  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]>;
  searchModelVersions(options?: SearchOptions): Promise<ModelVersion[]>;
  transitionModelVersionStage(name: string, version: string | number, stage: string, archiveExistingVersions?: boolean): Promise<ModelVersion>;
  setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void>;
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  /** `storage_location` if set, else `source` (format.md 7.4). */
  getModelVersionDownloadUri(name: string, version: string | number): Promise<string>;

  /** Every logged value of one metric (MLflow's `get_metric_history`), in store order. */
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;

  // MLflow 3.x logged models; stores without them (a 2.x server) reject with NOT_IMPLEMENTED.
  /** Creates a logged model in `LOGGED_MODEL_PENDING` with a new `m-<32 hex>` id. */
  createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel>;
  /** Adds params to a logged model (`POST logged-models/<id>/params`). */
  logLoggedModelParams(modelId: string, params: Record<string, string>): Promise<void>;
  /** Sets (overwrites) tags of a logged model (`PATCH logged-models/<id>/tags`). */
  setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void>;
  /** Removes a tag of a logged model; a missing tag is `RESOURCE_DOES_NOT_EXIST`. */
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  /** Sets the final status (`PATCH logged-models/<id>`) and returns the model. */
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  /** Records logged models as outputs of a run at a step (`POST runs/outputs`). */
  logOutputs(runId: string, models: LoggedModelOutput[]): Promise<void>;
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  /**
   * Logged models of the given experiments (all pages), optionally filtered: `name = '…'`,
   * `source_run_id = '…'` (the clauses MLflow's own `runs:/` resolution uses).
   */
  searchLoggedModels(options: SearchLoggedModelsOptions): Promise<LoggedModel[]>;
}

export interface SearchLoggedModelsOptions {
  experimentIds: string[];
  /** MLflow's logged-model filter grammar; the file store understands `name` and `source_run_id` clauses joined by AND. */
  filter?: string;
  maxResults?: number;
}

/** One entry of an artifact listing (paths are POSIX, relative to the repository root). */
export interface ArtifactFileInfo {
  path: string;
  isDir: boolean;
  /** Bytes; files only. */
  fileSize?: number;
}

/** Progress of a download or upload: bytes and files done so far, and totals where known. */
export interface TransferProgress {
  file: string;
  bytesDone: number;
  bytesTotal?: number;
  filesDone: number;
  filesTotal?: number;
}

export type ProgressCallback = (progress: TransferProgress) => void;

/** A place artifacts live: a local directory, a tracking server's artifact proxy, or a plugin's store. */
export interface ArtifactRepository {
  /** The URI this repository is rooted at. */
  readonly rootUri: string;
  /** Direct children of `path` (relative to the root; '' or undefined for the root). */
  listArtifacts(path?: string): Promise<ArtifactFileInfo[]>;
  /** Download one file to `localPath` (its parent directories are created). */
  downloadFile(remotePath: string, localPath: string, onProgress?: (bytesDone: number, bytesTotal?: number) => void): Promise<void>;
  /** Upload one local file into `artifactPath` (a directory relative to the root; default the root). */
  logArtifact(localFile: string, artifactPath?: string): Promise<void>;
  /** Upload a local directory's contents into `artifactPath`. */
  logArtifacts(localDir: string, artifactPath?: string): Promise<void>;
}
