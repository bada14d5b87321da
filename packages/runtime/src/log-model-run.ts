/**
 * MLflow 2.22's `Model.log` sequence (format.md 9.1): the model is saved as an artifact of a
 * run, recorded in the run's `mlflow.log-model.history` tag, and registered from the run's
 * artifact URI. Both 2.22 and 3.x servers and clients read what it writes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlflowException, Model, type Logger, type PyValue } from '@pyfunc/format';
import { getArtifactRepository, type Run, type TrackingStore } from '@pyfunc/tracking';
import {
  invalid, logModelConfigParams, modelInfoOf, registerVersion, startRun, stringValues,
  type LogModelOptions, type ModelInfo,
} from './log-model-common.js';
import { saveModel, type SaveModelOptions } from './save-model.js';

/** Logs `artifactPath` into a run (the given one, or a new one ended when done). */
export async function logModelToRun(store: TrackingStore, artifactPath: string | undefined, options: LogModelOptions,
  saveOptions: Omit<SaveModelOptions, 'mlflowModel'>, logger: Logger, started?: { run: Run; own: boolean }): Promise<ModelInfo> {
  if (typeof artifactPath !== 'string' || artifactPath === '' || artifactPath.split('/').includes('..') || artifactPath.startsWith('/')) {
    throw invalid(`The artifact path must be a non-empty relative path without '..', got ${JSON.stringify(artifactPath)}.`);
  }
  const warn = (message: string): void => logger.warn({}, message);
  let run = started?.run;
  let ownRun = started?.own ?? false;
  if (run === undefined) {
    if (options.runId !== undefined) {
      run = await store.getRun(options.runId);
    } else {
      run = await startRun(store, options);
      ownRun = true;
    }
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
    await logModelConfigParams(store, runId, options.modelConfig, warn);
    try {
      await store.recordLoggedModel(runId, model.getTagsDict());
    } catch (error) {
      if (!MlflowException.isInstance(error)) throw error;
      warn(`Logging model metadata to the tracking server has failed. The model artifacts have been logged successfully under ${run.info.artifactUri}. ` +
        `Set logging level to DEBUG via \`logging.getLogger("mlflow").setLevel(logging.DEBUG)\` to see the full traceback.`);
    }

    let registeredModelVersion: string | undefined;
    if (options.registeredModelName !== undefined) {
      const source = `${run.info.artifactUri.replace(/\/+$/, '')}/${artifactPath}`;
      const tags = stringValues(options.tags);
      const version = await registerVersion(store, options.registeredModelName, source, {
        runId, ...(tags !== undefined ? { tags } : {}), awaitFor: options.awaitRegistrationFor ?? 300, logger,
      });
      registeredModelVersion = version.version;
    }
    if (ownRun) await store.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
    return {
      ...modelInfoOf(model),
      artifactPath,
      modelUri: `runs:/${runId}/${artifactPath}`,
      runId,
      signatureDict: model.signature?.toDict() as Record<string, PyValue> | undefined,
      registeredModelVersion,
    };
  } catch (error) {
    if (ownRun) await store.updateRun(runId, { status: 'FAILED', endTime: Date.now() }).catch(() => undefined);
    throw error;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
