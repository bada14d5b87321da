/**
 * `logModel`: save a model into an MLflow tracking store (a server or `mlruns/`) and optionally
 * register it — MLflow 3.x's logged-model sequence (format.md 9.4) when the store keeps logged
 * models, else MLflow 2.22's run-artifact sequence (9.1), which 2.22 and 3.x both read.
 */
import { MlflowException, silentLogger } from '@pyfunc/format';
import { FileStore, getTrackingStore, type LoggedModel, type Run } from '@pyfunc/tracking';
import { invalid, startRun, type LogModelOptions, type ModelInfo } from './log-model-common.js';
import { createOrGetLoggedModel, logModelToLoggedModel, type RunState } from './log-model-logged.js';
import { logModelToRun } from './log-model-run.js';

export type { LogModelOptions, ModelInfo } from './log-model-common.js';
export { pyfuncModelFlavorName } from './log-model-logged.js';

/** Options that are `logModel`'s own, not `saveModel`'s. */
const LOG_ONLY_KEYS = [
  'name', 'artifactPath', 'loggedModel', 'registeredModelName', 'runId', 'experimentId', 'experimentName', 'runName',
  'trackingUri', 'store', 'awaitRegistrationFor', 'tags', 'params', 'modelType', 'step', 'modelId',
] as const;

/**
 * MLflow 3.x's rules for `name` and the deprecated `artifact_path`; the name to use. The
 * positional first argument is the issue's `logModel(artifactPath | name, options)`: the
 * artifact path of the 2.22 sequence or the name of the 3.x one, so it draws no warning; the
 * `artifactPath` option is the deprecated spelling and does.
 */
function resolveName(positional: string | undefined, options: LogModelOptions, warn: (message: string) => void): string | undefined {
  if (positional !== undefined && options.artifactPath !== undefined && positional !== options.artifactPath) {
    throw invalid(`The artifact path was given twice with different values ('${positional}' and '${options.artifactPath}').`);
  }
  const artifactPath = positional ?? options.artifactPath;
  if (options.name !== undefined && artifactPath !== undefined) {
    throw invalid('Both `artifact_path` (deprecated) and `name` parameters were specified. Please only specify `name`.');
  }
  if (options.artifactPath !== undefined) warn('`artifact_path` is deprecated. Please use `name` instead.');
  return options.name ?? artifactPath;
}

function isNotImplemented(error: unknown): boolean {
  return MlflowException.isInstance(error) && error.errorCode === 'NOT_IMPLEMENTED';
}

/**
 * Logs a model (everything `saveModel` takes) to an MLflow tracking store and returns its
 * `ModelInfo`; with `registeredModelName`, registers it as a new version of that model.
 *
 * - MLflow 3.x sequence (a 3.x server, or `loggedModel: true`): creates a logged model named
 *   `name` (or reuses `modelId`), uploads the files to its artifact location, links it to the
 *   run (`runId`, or a new run when `runName` is given; none otherwise) at `step`, and registers
 *   `models:/<model_id>`. `modelUri` is `models:/<model_id>`.
 * - MLflow 2.22 sequence (a 2.x server, a file store unless `loggedModel: true`, or
 *   `loggedModel: false`): the files go to `<run artifacts>/<name>` of `runId` or a new run;
 *   `modelUri` is `runs:/<run_id>/<name>`.
 *
 * `logModel(nameOrArtifactPath, options)` takes the name positionally; giving `name` (or the
 * deprecated `artifactPath` option, which warns) as well is `INVALID_PARAMETER_VALUE` with MLflow's message.
 */
export async function logModel(options: LogModelOptions): Promise<ModelInfo>;
export async function logModel(nameOrArtifactPath: string, options: LogModelOptions): Promise<ModelInfo>;
export async function logModel(first: string | LogModelOptions, second?: LogModelOptions): Promise<ModelInfo> {
  const positional = typeof first === 'string' || second !== undefined ? first as string : undefined;
  const options = (second ?? (typeof first === 'object' ? first : undefined)) as LogModelOptions | undefined;
  if (typeof options !== 'object' || options === null) throw new TypeError('logModel(options) needs an options object.');
  if (positional !== undefined && typeof positional !== 'string') {
    throw invalid(`The artifact path must be a string, got ${JSON.stringify(positional)}.`);
  }
  const logger = options.logger ?? silentLogger;
  const name = resolveName(positional, options, (message) => logger.warn({}, message));
  if (options.step !== undefined && !Number.isSafeInteger(options.step)) {
    throw invalid(`The step must be an integer, got ${JSON.stringify(options.step)}.`);
  }
  const saveOptions: Record<string, unknown> = { ...options };
  for (const key of LOG_ONLY_KEYS) delete saveOptions[key];
  const store = options.store ?? getTrackingStore(options.trackingUri);

  // 2.22 unless asked otherwise for a file store (MLflow 3 deprecates it for writing); else probe
  const mode = options.loggedModel ?? (store instanceof FileStore ? false : undefined);
  if (mode === false) {
    if (options.modelId !== undefined) throw invalid('`modelId` needs the logged-model (MLflow 3.x) sequence.');
    return logModelToRun(store, name, options, saveOptions, logger);
  }

  let runState: RunState | undefined;
  if (options.runId !== undefined) runState = { run: await store.getRun(options.runId), own: false };
  else if (options.runName !== undefined) runState = { run: await startRun(store, options), own: true };
  let model: LoggedModel;
  try {
    model = await createOrGetLoggedModel(store, name, options, runState?.run);
  } catch (error) {
    if (mode === undefined && options.modelId === undefined && isNotImplemented(error)) {
      logger.debug({ trackingUri: store.trackingUri }, 'The store keeps no logged models: logging with the MLflow 2.22 sequence.');
      return logModelToRun(store, name, options, saveOptions, logger, runState);
    }
    if (runState?.own === true) await endFailed(store, runState.run);
    throw error;
  }
  return logModelToLoggedModel(store, model, options, saveOptions, logger, runState);
}

async function endFailed(store: { updateRun: (id: string, o: { status: 'FAILED'; endTime: number }) => Promise<unknown> }, run: Run): Promise<void> {
  await store.updateRun(run.info.runId, { status: 'FAILED', endTime: Date.now() }).catch(() => undefined);
}
