/**
 * The conformance suite every {@link TrackingStore} passes — MLflow's file store (`mlruns/`)
 * and a real `mlflow server` behind the REST store alike. Published as `@pyfunc/tracking/test`
 * (needs vitest). Every test uses names with a random suffix, so one server (or one store
 * directory) serves the whole suite and can be reused across suites.
 */
import { randomUUID } from 'node:crypto';
import { MlflowException, type ErrorCode } from '@pyfunc/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion, Run, TrackingStore } from '../types.js';

/** What the suite's `setup` returns: the store under test and how to dispose of it. */
export interface TrackingStoreFixture {
  store: TrackingStore;
  /** Called once after the suite (stop a server, remove a directory). */
  cleanup?: () => Promise<void>;
}

/** Where stores legitimately differ, and what to leave out. */
export interface TrackingStoreConformanceOptions {
  /**
   * Codes accepted for reading an alias that is not set. MLflow's file store and SQL store
   * answer `INVALID_PARAMETER_VALUE` ("Registered model alias <a> not found."), other registry
   * backends `RESOURCE_DOES_NOT_EXIST`; default: both.
   */
  missingAliasCodes?: ErrorCode[];
  /**
   * The `source` of the model versions the suite creates from a run. Default:
   * `<run artifact_uri>/model`, which both the file store and a server accept (a server checks
   * that a local source lies inside the given run's artifact directory).
   */
  modelSource?: (run: Run) => string;
  /** Leave out the registry tests (for a store without a registry). Default `false`. */
  skipRegistry?: boolean;
  /**
   * Whether the store keeps MLflow 3.x logged models. `true`: the logged-model tests run;
   * `false` (default, e.g. a 2.22 server): every logged-model call must reject with `NOT_IMPLEMENTED`.
   */
  loggedModels?: boolean;
}

/** A name no other test (or earlier suite on the same server) uses. */
function unique(prefix: string): string {
  return `${prefix}-${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** Awaits `promise`, expecting an `MlflowException` with one of `codes`; returns it. */
async function expectCode(promise: Promise<unknown>, codes: ErrorCode | ErrorCode[]): Promise<MlflowException> {
  const accepted = Array.isArray(codes) ? codes : [codes];
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a rejection with ${accepted.join(' or ')}`).toBeDefined();
  expect(MlflowException.isInstance(caught), `not an MlflowException: ${String(caught)}`).toBe(true);
  const error = caught as MlflowException;
  expect(accepted, `error code of: ${error.message}`).toContain(error.errorCode);
  return error;
}

function versionsOf(list: ModelVersion[]): string[] {
  return list.map((v) => v.version).sort((a, b) => Number(a) - Number(b));
}

/** A model dict as `Model.to_dict()` gives it, with a flavor `config` the history tag must drop. */
function modelDict(runId: string, artifactPath: string, uuid: string): Record<string, unknown> {
  return {
    run_id: runId,
    artifact_path: artifactPath,
    utc_time_created: '2025-05-20 08:15:02.118830',
    model_uuid: uuid,
    flavors: {
      python_function: {
        loader_module: 'mlflow.sklearn',
        python_version: '3.10.12',
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        config: { alpha: 1 },
      },
      sklearn: { pickled_model: 'model.pkl', sklearn_version: '1.5.2', serialization_format: 'cloudpickle', code: null },
    },
  };
}

/**
 * Registers the tracking-store conformance tests under `label`. `setup` runs once (beforeAll);
 * the store may already hold data from other suites.
 */
export function describeTrackingStore(
  label: string,
  setup: () => Promise<TrackingStoreFixture>,
  options: TrackingStoreConformanceOptions = {},
): void {
  const missingAliasCodes = options.missingAliasCodes ?? ['INVALID_PARAMETER_VALUE', 'RESOURCE_DOES_NOT_EXIST'];
  const modelSource = options.modelSource ?? ((run: Run) => `${run.info.artifactUri}/model`);

  describe(`${label} tracking store conformance`, () => {
    let fixture: TrackingStoreFixture;
    let store: TrackingStore;
    beforeAll(async () => {
      fixture = await setup();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.cleanup?.();
    });

    async function newRun(extra: { tags?: Record<string, string>; runName?: string } = {}): Promise<Run> {
      const experimentId = await store.createExperiment(unique('conformance-exp'));
      return store.createRun({ experimentId, startTime: Date.now(), userId: 'conformance', ...extra });
    }

    describe('experiments', () => {
      it('creates an experiment and reads it by id and by name', async () => {
        expect(store.trackingUri).toMatch(/^[a-z][a-z0-9+.-]*:/);
        const name = unique('exp');
        const id = await store.createExperiment(name, { tags: { team: 'ml', 'a/b': 'slash' } });
        expect(typeof id).toBe('string');
        expect(id).not.toBe('');
        const experiment = await store.getExperiment(id);
        expect(experiment).toMatchObject({ experimentId: id, name, lifecycleStage: 'active' });
        expect(experiment.artifactLocation).not.toBe('');
        expect(experiment.tags).toMatchObject({ team: 'ml', 'a/b': 'slash' });
        const byName = await store.getExperimentByName(name);
        expect(byName?.experimentId).toBe(id);
        expect(byName?.name).toBe(name);
      });

      it('refuses a duplicate name with RESOURCE_ALREADY_EXISTS', async () => {
        const name = unique('dup');
        await store.createExperiment(name);
        await expectCode(store.createExperiment(name), 'RESOURCE_ALREADY_EXISTS');
      });

      it('refuses an empty name with INVALID_PARAMETER_VALUE', async () => {
        await expectCode(store.createExperiment(''), 'INVALID_PARAMETER_VALUE');
      });

      it('answers null for an unknown name and RESOURCE_DOES_NOT_EXIST for an unknown id', async () => {
        expect(await store.getExperimentByName(unique('missing'))).toBeNull();
        await expectCode(store.getExperiment('987654321'), 'RESOURCE_DOES_NOT_EXIST');
      });
    });

    describe('runs', () => {
      it('creates a run and reads it back', async () => {
        const experimentId = await store.createExperiment(unique('runs'));
        const startTime = 1716200000123;
        const run = await store.createRun({
          experimentId, userId: 'alice', runName: 'bold-fox-123', startTime, tags: { owner: 'alice' },
        });
        expect(run.info.runId).toMatch(/^[0-9a-f]{32}$/);
        expect(run.info).toMatchObject({
          experimentId, userId: 'alice', runName: 'bold-fox-123', status: 'RUNNING', startTime,
          endTime: null, lifecycleStage: 'active',
        });
        expect(run.info.artifactUri).toContain(run.info.runId);
        expect(run.data.tags).toMatchObject({ owner: 'alice', 'mlflow.runName': 'bold-fox-123' });
        const again = await store.getRun(run.info.runId);
        expect(again.info).toEqual(run.info);
        expect(again.data.tags).toMatchObject({ owner: 'alice', 'mlflow.runName': 'bold-fox-123' });
        expect(again.data.params).toEqual({});
        expect(again.data.metrics).toEqual([]);
      });

      it('answers RESOURCE_DOES_NOT_EXIST for an unknown run', async () => {
        await expectCode(store.getRun('0123456789abcdef0123456789abcdef'), 'RESOURCE_DOES_NOT_EXIST');
      });

      it('updates status, end time and run name', async () => {
        const run = await newRun({ runName: 'first-name' });
        const endTime = (run.info.startTime ?? Date.now()) + 5000;
        const info = await store.updateRun(run.info.runId, { status: 'FINISHED', endTime });
        expect(info).toMatchObject({ runId: run.info.runId, status: 'FINISHED', endTime });
        const renamed = await store.updateRun(run.info.runId, { runName: 'second-name' });
        expect(renamed.runName).toBe('second-name');
        const read = await store.getRun(run.info.runId);
        expect(read.info).toMatchObject({ status: 'FINISHED', endTime, runName: 'second-name' });
        expect(read.data.tags['mlflow.runName']).toBe('second-name');
      });

      it('sets and overwrites tags, keys with / included', async () => {
        const run = await newRun();
        await store.setTag(run.info.runId, 'stage', 'one');
        await store.setTag(run.info.runId, 'stage', 'two');
        await store.setTag(run.info.runId, 'nested/key', 'ünïcode ✓');
        const read = await store.getRun(run.info.runId);
        expect(read.data.tags).toMatchObject({ stage: 'two', 'nested/key': 'ünïcode ✓' });
      });

      it('keeps params immutable: same value fine, another value INVALID_PARAMETER_VALUE', async () => {
        const run = await newRun();
        await store.logParam(run.info.runId, 'alpha', '0.5');
        await store.logParam(run.info.runId, 'alpha', '0.5');
        await store.logParam(run.info.runId, 'group/beta', 'x');
        await expectCode(store.logParam(run.info.runId, 'alpha', '0.7'), 'INVALID_PARAMETER_VALUE');
        await expectCode(store.logBatch(run.info.runId, { params: { alpha: '0.9' } }), 'INVALID_PARAMETER_VALUE');
        const read = await store.getRun(run.info.runId);
        expect(read.data.params).toEqual({ alpha: '0.5', 'group/beta': 'x' });
      });

      it('reports the latest value of each metric (greatest step, then timestamp)', async () => {
        const run = await newRun();
        const t = 1716200000000;
        await store.logMetric(run.info.runId, { key: 'loss', value: 1.5, timestamp: t, step: 0 });
        await store.logMetric(run.info.runId, { key: 'loss', value: 0.25, timestamp: t + 10, step: 2 });
        await store.logMetric(run.info.runId, { key: 'loss', value: 0.75, timestamp: t + 20, step: 1 });
        await store.logMetric(run.info.runId, { key: 'acc', value: 0.5, timestamp: t, step: 0 });
        await store.logMetric(run.info.runId, { key: 'acc', value: 0.625, timestamp: t + 5, step: 0 });
        const read = await store.getRun(run.info.runId);
        const metrics = Object.fromEntries(read.data.metrics.map((m) => [m.key, m]));
        expect(Object.keys(metrics).sort()).toEqual(['acc', 'loss']);
        expect(metrics.loss).toEqual({ key: 'loss', value: 0.25, timestamp: t + 10, step: 2 });
        expect(metrics.acc).toEqual({ key: 'acc', value: 0.625, timestamp: t + 5, step: 0 });
      });

      it('logs a batch of metrics, params and tags', async () => {
        const run = await newRun();
        const t = 1716200001000;
        await store.logBatch(run.info.runId, {
          metrics: [
            { key: 'rmse', value: 3, timestamp: t, step: 0 },
            { key: 'rmse', value: 2, timestamp: t + 1, step: 1 },
            { key: 'eval/r2', value: 0.875, timestamp: t, step: 0 },
          ],
          params: { n_estimators: '100', 'opt/lr': '0.01' },
          tags: { phase: 'train', 'x/y': 'z' },
        });
        const read = await store.getRun(run.info.runId);
        expect(read.data.params).toEqual({ n_estimators: '100', 'opt/lr': '0.01' });
        expect(read.data.tags).toMatchObject({ phase: 'train', 'x/y': 'z' });
        const metrics = Object.fromEntries(read.data.metrics.map((m) => [m.key, m.value]));
        expect(metrics).toEqual({ rmse: 2, 'eval/r2': 0.875 });
      });

      it('appends logged models to the mlflow.log-model.history tag', async () => {
        const run = await newRun();
        const runId = run.info.runId;
        await store.recordLoggedModel(runId, modelDict(runId, 'model', 'a'.repeat(32)));
        const first = (await store.getRun(runId)).data.tags['mlflow.log-model.history'];
        expect(first).toBeDefined();
        const firstList = JSON.parse(first!) as Record<string, unknown>[];
        expect(firstList).toHaveLength(1);
        const flavors = firstList[0]!.flavors as Record<string, Record<string, unknown>>;
        expect(flavors.python_function).not.toHaveProperty('config');
        expect(flavors.python_function).toMatchObject({ loader_module: 'mlflow.sklearn' });
        expect(flavors.sklearn).toEqual({
          pickled_model: 'model.pkl', sklearn_version: '1.5.2', serialization_format: 'cloudpickle', code: null,
        });
        expect(Object.keys(firstList[0]!)).toEqual(['run_id', 'artifact_path', 'utc_time_created', 'model_uuid', 'flavors']);

        await store.recordLoggedModel(runId, modelDict(runId, 'model2', 'b'.repeat(32)));
        const second = (await store.getRun(runId)).data.tags['mlflow.log-model.history']!;
        const secondList = JSON.parse(second) as Record<string, unknown>[];
        expect(secondList).toHaveLength(2);
        expect(secondList[0]).toEqual(firstList[0]);
        expect(secondList[1]).toMatchObject({ artifact_path: 'model2', model_uuid: 'b'.repeat(32) });
        // Python json.dumps of the list: the first element's text is kept as it was.
        expect(second.startsWith(`${first!.slice(0, -1)}, {`)).toBe(true);
      });

      it('reads the whole history of a metric', async () => {
        const run = await newRun();
        const t = 1716200002000;
        await store.logMetric(run.info.runId, { key: 'loss', value: 1, timestamp: t, step: 0 });
        await store.logBatch(run.info.runId, { metrics: [{ key: 'loss', value: 0.5, timestamp: t + 1, step: 1 }] });
        const history = await store.getMetricHistory(run.info.runId, 'loss');
        expect(history.map((m) => [m.value, m.step, m.timestamp])).toEqual([[1, 0, t], [0.5, 1, t + 1]]);
        expect(await store.getMetricHistory(run.info.runId, 'never-logged')).toEqual([]);
      });

      it('deletes a run (still readable, lifecycle deleted)', async () => {
        const run = await newRun();
        await store.deleteRun(run.info.runId);
        const read = await store.getRun(run.info.runId);
        expect(read.info.lifecycleStage).toBe('deleted');
      });
    });

    describe.skipIf(options.loggedModels !== true)('logged models (MLflow 3.x)', () => {
      it('creates a logged model with params (over one request batch) and tags, and reads it back', async () => {
        const run = await newRun();
        const params = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`p${i}`, String(i)]));
        const model = await store.createLoggedModel({
          experimentId: run.info.experimentId, name: 'my-model', sourceRunId: run.info.runId, modelType: 'agent',
          params, tags: { team: 'ml', 'a/b': 'ünï' },
        });
        expect(model.modelId).toMatch(/^m-[0-9a-f]{32}$/);
        expect(model).toMatchObject({
          experimentId: run.info.experimentId, name: 'my-model', sourceRunId: run.info.runId, modelType: 'agent',
          status: 'LOGGED_MODEL_PENDING', tags: { team: 'ml', 'a/b': 'ünï' }, params,
        });
        expect(model.artifactLocation).toContain(`models/${model.modelId}/artifacts`);
        expect(model.creationTimestamp).toEqual(expect.any(Number));
        const read = await store.getLoggedModel(model.modelId);
        expect(read).toMatchObject({ modelId: model.modelId, name: 'my-model', artifactLocation: model.artifactLocation, params });
        expect(read.tags).toEqual({ team: 'ml', 'a/b': 'ünï' });
      });

      it('generates a name when none is given; rejects a bad name, a missing experiment and a missing model', async () => {
        const experimentId = await store.createExperiment(unique('lm'));
        const model = await store.createLoggedModel({ experimentId });
        expect(model.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
        expect(model.sourceRunId).toBeNull();
        expect(model.modelType).toBeNull();
        const bad = await expectCode(store.createLoggedModel({ experimentId, name: 'a/b' }), 'INVALID_PARAMETER_VALUE');
        expect(bad.message).toContain(`Invalid model name ('a/b') provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`);
        await expectCode(store.createLoggedModel({ experimentId: '987654321' }), 'RESOURCE_DOES_NOT_EXIST');
        await expectCode(store.getLoggedModel(`m-${'0'.repeat(32)}`), 'RESOURCE_DOES_NOT_EXIST');
      });

      it('sets, overwrites and deletes tags, adds params and finalizes', async () => {
        const experimentId = await store.createExperiment(unique('lm'));
        const { modelId } = await store.createLoggedModel({ experimentId, name: 'm', tags: { a: '1' } });
        await store.setLoggedModelTags(modelId, { a: '2', b: 'x' });
        await store.logLoggedModelParams(modelId, { lr: '0.1' });
        let read = await store.getLoggedModel(modelId);
        expect(read.tags).toEqual({ a: '2', b: 'x' });
        expect(read.params).toEqual({ lr: '0.1' });
        await store.deleteLoggedModelTag(modelId, 'b');
        await expectCode(store.deleteLoggedModelTag(modelId, 'b'), 'RESOURCE_DOES_NOT_EXIST');
        const ready = await store.finalizeLoggedModel(modelId, 'LOGGED_MODEL_READY');
        expect(ready.status).toBe('LOGGED_MODEL_READY');
        read = await store.getLoggedModel(modelId);
        expect(read).toMatchObject({ status: 'LOGGED_MODEL_READY', tags: { a: '2' } });
        expect(read.lastUpdatedTimestamp).toBeGreaterThanOrEqual(read.creationTimestamp ?? 0);
      });

      it('links a model to its run (outputs with step) and attaches run metrics to it', async () => {
        const run = await newRun();
        const runId = run.info.runId;
        const { modelId } = await store.createLoggedModel({ experimentId: run.info.experimentId, name: 'linked', sourceRunId: runId });
        await store.logOutputs(runId, [{ modelId, step: 3 }]);
        const read = await store.getRun(runId);
        expect(read.outputs?.modelOutputs).toEqual([{ modelId, step: 3 }]);
        const t = 1716200003000;
        await store.logBatch(runId, { metrics: [{ key: 'acc', value: 0.75, timestamp: t, step: 3, modelId }] });
        const model = await store.getLoggedModel(modelId);
        expect(model.metrics).toEqual([expect.objectContaining({ key: 'acc', value: 0.75, timestamp: t, step: 3, modelId, runId })]);
        const found = await store.searchLoggedModels({ experimentIds: [run.info.experimentId], filter: "name = 'linked'" });
        expect(found.map((m) => m.modelId)).toEqual([modelId]);
        const bySource = await store.searchLoggedModels({ experimentIds: [run.info.experimentId], filter: `source_run_id = '${runId}'` });
        expect(bySource.map((m) => m.modelId)).toEqual([modelId]);
      });

      it.skipIf(options.skipRegistry === true)('registers models:/<model_id>: the version keeps the source, runs from the model, downloads from its files', async () => {
        const run = await newRun();
        const model = await store.createLoggedModel({ experimentId: run.info.experimentId, name: 'reg', sourceRunId: run.info.runId });
        const name = unique('model');
        await store.createRegisteredModel(name);
        const version = await store.createModelVersion(name, `models:/${model.modelId}`, { modelId: model.modelId, tags: { t: '2' } });
        expect(version).toMatchObject({ name, version: '1', source: `models:/${model.modelId}`, runId: run.info.runId, tags: { t: '2' } });
        expect(await store.getModelVersionDownloadUri(name, 1)).toBe(model.artifactLocation);
      });
    });

    describe.skipIf(options.loggedModels === true)('no logged models', () => {
      it('rejects every logged-model call with NOT_IMPLEMENTED', async () => {
        const run = await newRun();
        const id = `m-${'0'.repeat(32)}`;
        await expectCode(store.createLoggedModel({ experimentId: run.info.experimentId, name: 'm' }), 'NOT_IMPLEMENTED');
        await expectCode(store.getLoggedModel(id), 'NOT_IMPLEMENTED');
        await expectCode(store.logOutputs(run.info.runId, [{ modelId: id, step: 0 }]), 'NOT_IMPLEMENTED');
        await expectCode(store.setLoggedModelTags(id, { a: 'b' }), 'NOT_IMPLEMENTED');
        await expectCode(store.finalizeLoggedModel(id, 'LOGGED_MODEL_READY'), 'NOT_IMPLEMENTED');
      });
    });

    describe.skipIf(options.skipRegistry === true)('registry', () => {
      let run: Run;
      beforeAll(async () => {
        run = await newRun();
      });

      async function newModel(versions: number): Promise<string> {
        const name = unique('model');
        await store.createRegisteredModel(name);
        for (let i = 0; i < versions; i += 1) {
          await store.createModelVersion(name, modelSource(run), { runId: run.info.runId });
        }
        return name;
      }

      it('creates a registered model and refuses a duplicate', async () => {
        const name = unique('model');
        const created = await store.createRegisteredModel(name, { description: 'a model', tags: { team: 'ml' } });
        expect(created).toMatchObject({ name, description: 'a model', latestVersions: [], aliases: {} });
        expect(created.tags).toEqual({ team: 'ml' });
        expect(created.creationTimestamp).toEqual(expect.any(Number));
        const read = await store.getRegisteredModel(name);
        expect(read).toMatchObject({ name, description: 'a model', tags: { team: 'ml' } });
        await expectCode(store.createRegisteredModel(name), 'RESOURCE_ALREADY_EXISTS');
        await expectCode(store.createRegisteredModel(''), 'INVALID_PARAMETER_VALUE');
        await expectCode(store.getRegisteredModel(unique('missing')), 'RESOURCE_DOES_NOT_EXIST');
      });

      it('numbers versions 1..n and reads them back', async () => {
        const name = unique('model');
        await store.createRegisteredModel(name);
        const source = modelSource(run);
        const v1 = await store.createModelVersion(name, source, {
          runId: run.info.runId, tags: { k: 'v' }, description: 'first',
        });
        expect(v1).toMatchObject({
          name, version: '1', currentStage: 'None', source, runId: run.info.runId, status: 'READY',
          description: 'first', aliases: [],
        });
        expect(v1.tags).toEqual({ k: 'v' });
        const v2 = await store.createModelVersion(name, source, { runId: run.info.runId });
        expect(v2.version).toBe('2');
        const read = await store.getModelVersion(name, 1);
        expect(read).toMatchObject({ name, version: '1', currentStage: 'None', source, description: 'first' });
        expect(read.tags).toEqual({ k: 'v' });
        expect((await store.getModelVersion(name, '2')).version).toBe('2');
        expect(await store.getModelVersionDownloadUri(name, 1)).toBe(source);
        await expectCode(store.getModelVersion(name, 99), 'RESOURCE_DOES_NOT_EXIST');
        await expectCode(store.createModelVersion(unique('missing'), source, { runId: run.info.runId }), 'RESOURCE_DOES_NOT_EXIST');
      });

      it('keeps numbering after a deleted version, and latest ignores it', async () => {
        const name = await newModel(2);
        await store.deleteModelVersion(name, 2);
        await expectCode(store.getModelVersion(name, 2), 'RESOURCE_DOES_NOT_EXIST');
        expect(versionsOf(await store.getLatestVersions(name))).toEqual(['1']);
        const v3 = await store.createModelVersion(name, modelSource(run), { runId: run.info.runId });
        expect(v3.version).toBe('3');
        expect(versionsOf(await store.getLatestVersions(name))).toEqual(['3']);
        expect(versionsOf(await store.searchModelVersions({ filter: `name = '${name}'` }))).toEqual(['1', '3']);
        const model = await store.getRegisteredModel(name);
        expect(versionsOf(model.latestVersions)).toEqual(['3']);
      });

      it('transitions stages; latest per stage is the numerically greatest (10 > 9)', async () => {
        const name = await newModel(10);
        const staged9 = await store.transitionModelVersionStage(name, 9, 'Production');
        expect(staged9).toMatchObject({ version: '9', currentStage: 'Production' });
        const staged10 = await store.transitionModelVersionStage(name, 10, 'staging');
        expect(staged10.currentStage).toBe('Staging');
        await store.transitionModelVersionStage(name, 2, 'Staging');
        expect(versionsOf(await store.getLatestVersions(name, ['Staging']))).toEqual(['10']);
        expect(versionsOf(await store.getLatestVersions(name, ['Production']))).toEqual(['9']);
        expect(versionsOf(await store.getLatestVersions(name, ['None']))).toEqual(['8']);
        expect(await store.getLatestVersions(name, ['Archived'])).toEqual([]);
        const all = await store.getLatestVersions(name);
        expect(Object.fromEntries(all.map((v) => [v.currentStage, v.version])))
          .toEqual({ None: '8', Staging: '10', Production: '9' });

        // archive_existing_versions moves the other Production versions to Archived.
        await store.transitionModelVersionStage(name, 10, 'Production', true);
        expect((await store.getModelVersion(name, 9)).currentStage).toBe('Archived');
        expect((await store.getModelVersion(name, 10)).currentStage).toBe('Production');
        expect((await store.getModelVersion(name, 2)).currentStage).toBe('Staging');
        await expectCode(store.transitionModelVersionStage(name, 1, 'Bogus'), 'INVALID_PARAMETER_VALUE');
      });

      it('sets, reads and deletes aliases', async () => {
        const name = await newModel(2);
        await store.setRegisteredModelAlias(name, 'champion', 2);
        await store.setRegisteredModelAlias(name, 'challenger', '1');
        const byAlias = await store.getModelVersionByAlias(name, 'champion');
        expect(byAlias).toMatchObject({ name, version: '2' });
        expect(byAlias.aliases).toContain('champion');
        expect((await store.getModelVersion(name, 1)).aliases).toEqual(['challenger']);
        expect((await store.getRegisteredModel(name)).aliases).toEqual({ champion: '2', challenger: '1' });
        // Moving an alias to another version.
        await store.setRegisteredModelAlias(name, 'champion', 1);
        expect((await store.getModelVersionByAlias(name, 'champion')).version).toBe('1');
        expect((await store.getModelVersion(name, 2)).aliases).toEqual([]);
        await store.deleteRegisteredModelAlias(name, 'champion');
        await expectCode(store.getModelVersionByAlias(name, 'champion'), missingAliasCodes);
        expect((await store.getRegisteredModel(name)).aliases).toEqual({ challenger: '1' });
      });

      it('rejects invalid alias names with INVALID_PARAMETER_VALUE', async () => {
        const name = await newModel(1);
        for (const alias of ['latest', 'LATEST', 'v1', 'V12', 'has space', 'a/b', 'dot.ted', 'x'.repeat(256)]) {
          await expectCode(store.setRegisteredModelAlias(name, alias, 1), 'INVALID_PARAMETER_VALUE');
        }
        await expectCode(store.setRegisteredModelAlias(name, 'ok-alias', 5), 'RESOURCE_DOES_NOT_EXIST');
        await store.setRegisteredModelAlias(name, 'Ok_alias-2', 1);
        expect((await store.getModelVersionByAlias(name, 'Ok_alias-2')).version).toBe('1');
      });

      it('searches registered models and versions with simple filters', async () => {
        const prefix = unique('search');
        await store.createRegisteredModel(`${prefix}-a`);
        await store.createRegisteredModel(`${prefix}-b`);
        await store.createModelVersion(`${prefix}-a`, modelSource(run), { runId: run.info.runId });
        const exact = await store.searchRegisteredModels({ filter: `name = '${prefix}-a'` });
        expect(exact.map((m) => m.name)).toEqual([`${prefix}-a`]);
        expect(versionsOf(exact[0]!.latestVersions)).toEqual(['1']);
        const like = await store.searchRegisteredModels({ filter: `name LIKE '${prefix}-%'` });
        expect(like.map((m) => m.name).sort()).toEqual([`${prefix}-a`, `${prefix}-b`]);
        const versions = await store.searchModelVersions({ filter: `name = '${prefix}-a'` });
        expect(versions.map((v) => [v.name, v.version])).toEqual([[`${prefix}-a`, '1']]);
        const byRun = await store.searchModelVersions({ filter: `run_id = '${run.info.runId}'` });
        expect(byRun.some((v) => v.name === `${prefix}-a`)).toBe(true);
      });

      it('deletes a registered model', async () => {
        const name = await newModel(1);
        await store.deleteRegisteredModel(name);
        await expectCode(store.getRegisteredModel(name), 'RESOURCE_DOES_NOT_EXIST');
        await expectCode(store.getModelVersion(name, 1), 'RESOURCE_DOES_NOT_EXIST');
      });
    });
  });
}
