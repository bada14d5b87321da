import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from '../src/store/file/index.js';
import { describeTrackingStore } from '../src/testing/index.js';

const temporary: string[] = [];
async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pyfunc-file-store-'));
  temporary.push(dir);
  return join(dir, 'mlruns');
}
afterAll(async () => {
  await Promise.all(temporary.map((d) => rm(d, { recursive: true, force: true })));
});

describeTrackingStore('FileStore', async () => {
  const root = await tempRoot();
  return { store: new FileStore(root) };
}, { loggedModels: true });

describe('FileStore specifics', () => {
  it('creates the Default experiment 0 and .trash on first use, at a file: URI root', async () => {
    const root = await tempRoot();
    const store = new FileStore(`file://${root}`);
    expect(store.trackingUri).toBe(`file://${root}`);
    const experiment = await store.getExperiment('0');
    expect(experiment).toMatchObject({ experimentId: '0', name: 'Default', artifactLocation: `file://${root}/0`, lifecycleStage: 'active' });
    expect((await readdir(root)).sort()).toEqual(['.trash', '0']);
    const meta = await readFile(join(root, '0', 'meta.yaml'), 'utf8');
    expect(meta).toMatch(/^artifact_location: file:\/\/.*\/0\ncreation_time: \d+\nexperiment_id: '0'\nlast_update_time: \d+\nlifecycle_stage: active\nname: Default\n$/);
  });

  it('percent-encodes the artifact root like pathlib.as_uri', async () => {
    const root = join(await tempRoot(), 'with space');
    const store = new FileStore(root);
    expect(store.trackingUri).toBe(`file://${root.replace(' ', '%20')}`);
    expect((await store.getExperiment('0')).artifactLocation).toBe(`file://${root.replace(' ', '%20')}/0`);
  });

  it('reads legacy files: integer experiment_id, 2-field metric lines, current_stage None', async () => {
    const root = await tempRoot();
    await mkdir(join(root, '0', 'abc123', 'metrics'), { recursive: true });
    await mkdir(join(root, '.trash'), { recursive: true });
    await writeFile(join(root, '0', 'meta.yaml'), 'artifact_location: /tmp/x/0\nexperiment_id: 0\nlifecycle_stage: active\nname: Default\n');
    await writeFile(join(root, '0', 'abc123', 'meta.yaml'),
      'artifact_uri: /tmp/x/0/abc123/artifacts\nend_time: null\nexperiment_id: 0\nrun_uuid: abc123\nstart_time: 5\nuser_id: u\n');
    await writeFile(join(root, '0', 'abc123', 'metrics', 'm'), '10 1.5\n20 2.5\n');
    await mkdir(join(root, 'models', 'legacy', 'version-1'), { recursive: true });
    await writeFile(join(root, 'models', 'legacy', 'meta.yaml'), 'creation_timestamp: 1\nlast_updated_timestamp: 1\nname: legacy\n');
    await writeFile(join(root, 'models', 'legacy', 'version-1', 'meta.yaml'),
      'creation_timestamp: 1\ncurrent_stage: None\nlast_updated_timestamp: 1\nname: legacy\nsource: /m\nversion: 1\n');
    const store = new FileStore(root);
    expect((await store.getExperiment('0')).experimentId).toBe('0');
    const run = await store.getRun('abc123');
    expect(run.info).toMatchObject({ runId: 'abc123', experimentId: '0', status: 'RUNNING', lifecycleStage: 'active', runName: '' });
    expect(run.data.metrics).toEqual([{ key: 'm', value: 2.5, timestamp: 20, step: 0 }]);
    const version = await store.getModelVersion('legacy', 1);
    expect(version.currentStage).toBe('None');
    expect(await store.getModelVersionDownloadUri('legacy', '1')).toBe('/m');
    expect((await store.getLatestVersions('legacy', ['none'])).map((v) => v.version)).toEqual(['1']);
  });

  it('keeps keys with / as subdirectories, values without trailing newline, metrics as lines', async () => {
    const root = await tempRoot();
    const store = new FileStore(root);
    const run = await store.createRun({ experimentId: '0', runName: 'r', startTime: 7 });
    const runDir = join(root, '0', run.info.runId);
    await store.setTag(run.info.runId, 'a/b/c', 'v');
    await store.logParam(run.info.runId, 'p/q', '1');
    await store.logMetric(run.info.runId, { key: 'x/y', value: 3, timestamp: 100, step: 4 });
    await store.logMetric(run.info.runId, { key: 'x/y', value: 1e-5, timestamp: 101, step: 5 });
    expect(await readFile(join(runDir, 'tags', 'a', 'b', 'c'), 'utf8')).toBe('v');
    expect(await readFile(join(runDir, 'tags', 'mlflow.runName'), 'utf8')).toBe('r');
    expect(await readFile(join(runDir, 'params', 'p', 'q'), 'utf8')).toBe('1');
    expect(await readFile(join(runDir, 'metrics', 'x', 'y'), 'utf8')).toBe('100 3.0 4\n101 1e-05 5\n');
    expect((await readdir(runDir)).sort()).toEqual(['artifacts', 'meta.yaml', 'metrics', 'params', 'tags']);
    const meta = await readFile(join(runDir, 'meta.yaml'), 'utf8');
    expect(meta).toContain('deleted_time: null\n');
    expect(meta).toContain("tags: []\n");
    await store.deleteRun(run.info.runId);
    expect(await readFile(join(runDir, 'meta.yaml'), 'utf8')).toMatch(/deleted_time: \d{13}\n/);
    await expect(store.setTag(run.info.runId, 'k', 'v')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('writes the history tag as Python json.dumps, dropping flavor config', async () => {
    const root = await tempRoot();
    const store = new FileStore(root);
    const run = await store.createRun({ experimentId: '0' });
    const runId = run.info.runId;
    await store.recordLoggedModel(runId, {
      artifact_path: 'model', run_id: runId, flavors: { f: { config: { a: 1 }, ratio: 0.5, ok: true, none: null } },
      utc_time_created: 't', model_uuid: 'u', signature: { inputs: '[]' },
    });
    expect((await store.getRun(runId)).data.tags['mlflow.log-model.history']).toBe(
      `[{"artifact_path": "model", "run_id": "${runId}", "utc_time_created": "t", "model_uuid": "u", "flavors": {"f": {"ratio": 0.5, "ok": true, "none": null}}}]`);
  });

  it('validates names, keys and versions with MLflow codes', async () => {
    const store = new FileStore(await tempRoot());
    const run = await store.createRun({ experimentId: '0' });
    const runId = run.info.runId;
    const code = (p: Promise<unknown>, errorCode: string) => expect(p).rejects.toMatchObject({ errorCode });
    await code(store.getRun('../etc'), 'INVALID_PARAMETER_VALUE');
    await code(store.logParam(runId, '../x', 'v'), 'INVALID_PARAMETER_VALUE');
    await code(store.logParam(runId, 'a//b', 'v'), 'INVALID_PARAMETER_VALUE');
    await code(store.setTag(runId, 'bad*key', 'v'), 'INVALID_PARAMETER_VALUE');
    await code(store.logMetric(runId, { key: 'm', value: 1, timestamp: -1, step: 0 }), 'INVALID_PARAMETER_VALUE');
    await code(store.createExperiment('x'.repeat(501)), 'INVALID_PARAMETER_VALUE');
    await code(store.createRegisteredModel('a/b'), 'INVALID_PARAMETER_VALUE');
    await code(store.createRegisteredModel('a%b'), 'INVALID_PARAMETER_VALUE');
    await store.createRegisteredModel('m');
    await code(store.getModelVersion('m', 'one'), 'INVALID_PARAMETER_VALUE');
    await code(store.getModelVersionByAlias('m', 'nope'), 'INVALID_PARAMETER_VALUE');
    await code(store.transitionModelVersionStage('m', 1, 'Archived', true), 'INVALID_PARAMETER_VALUE');
    await code(store.getLoggedModel('m-0123'), 'RESOURCE_DOES_NOT_EXIST');
  });

  it('keeps deleted versions as Deleted_Internal, drops their aliases, and resolves models:/ sources', async () => {
    const root = await tempRoot();
    const store = new FileStore(root);
    await store.createRegisteredModel('m');
    await store.createModelVersion('m', 'file:///a');
    await store.createModelVersion('m', 'file:///b');
    await store.setRegisteredModelAlias('m', 'champ', 2);
    expect(await readFile(join(root, 'models', 'm', 'aliases', 'champ'), 'utf8')).toBe('2');
    await store.deleteModelVersion('m', 2);
    expect(await readFile(join(root, 'models', 'm', 'version-2', 'meta.yaml'), 'utf8')).toContain('current_stage: Deleted_Internal\n');
    expect(await readdir(join(root, 'models', 'm', 'aliases'))).toEqual([]);
    expect((await store.searchModelVersions()).map((v) => v.version)).toEqual(['1']);
    const v3 = await store.createModelVersion('m', 'models:/m/1');
    expect(v3.version).toBe('3');
    expect(await store.getModelVersionDownloadUri('m', 3)).toBe('file:///a');
    expect((await store.getModelVersion('m', 3)).source).toBe('models:/m/1');
  });

  it('reads 3.x logged models from <exp>/models/<model_id>', async () => {
    const root = await tempRoot();
    const store = new FileStore(root);
    await store.getExperiment('0');
    const dir = join(root, '0', 'models', 'm-abc');
    await mkdir(join(dir, 'tags'), { recursive: true });
    await mkdir(join(dir, 'params'), { recursive: true });
    await writeFile(join(dir, 'meta.yaml'), `artifact_location: file://${root}/0/models/m-abc/artifacts\ncreation_timestamp: 1\nexperiment_id: '0'\nlast_updated_timestamp: 2\nlifecycle_stage: active\nmodel_id: m-abc\nmodel_type: agent\nname: lm\nsource_run_id: null\nstatus: 2\nstatus_message: null\n`);
    await writeFile(join(dir, 'tags', 't'), 'x');
    await writeFile(join(dir, 'params', 'p'), '1');
    expect(await store.getLoggedModel('m-abc')).toEqual({
      modelId: 'm-abc', experimentId: '0', name: 'lm', artifactLocation: `file://${root}/0/models/m-abc/artifacts`,
      status: 'LOGGED_MODEL_READY', creationTimestamp: 1, lastUpdatedTimestamp: 2, sourceRunId: null, modelType: 'agent',
      tags: { t: 'x' }, params: { p: '1' }, metrics: [], statusMessage: null,
    });
    // The models/ folder is not a run.
    await expect(store.getRun('models')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });
});
