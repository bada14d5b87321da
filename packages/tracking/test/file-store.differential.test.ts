/**
 * The file store against real MLflow (2.22 and 3.x) on the same `mlruns` directory: what this
 * store writes Python's MlflowClient reads, what Python writes this store reads, and the
 * `meta.yaml` bytes match. MLflow 3.x refuses the file store unless MLFLOW_ALLOW_FILE_STORE=true.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { oracleLines, runOracle, type OracleLine } from '../../../test/oracle/src/index.js';
import { FileStore } from '../src/store/file/index.js';

const env = { MLFLOW_ALLOW_FILE_STORE: 'true' };
const temporary: string[] = [];
async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pyfunc-file-diff-'));
  temporary.push(dir);
  return join(dir, 'mlruns');
}
afterAll(async () => {
  await Promise.all(temporary.map((d) => rm(d, { recursive: true, force: true })));
});

async function oracle(line: OracleLine, op: string, input: Record<string, unknown>): Promise<any> {
  const [result] = await runOracle(line, `tracking.${op}`, [input], { env: { ...env, MLFLOW_TRACKING_URI: `file://${input.root as string}` } });
  if (result!.error !== undefined) throw new Error(`${op}: ${result!.error.message}\n${result!.error.trace ?? ''}`);
  return result!.ok;
}

const modelDict = (runId: string, path: string, uuid: string): Record<string, unknown> => ({
  run_id: runId,
  artifact_path: path,
  utc_time_created: '2025-05-20 08:15:02.118830',
  flavors: {
    python_function: { loader_module: 'mlflow.sklearn', python_version: '3.10.12', config: { a: 1 }, env: { conda: 'conda.yaml' } },
  },
  model_uuid: uuid,
  mlflow_version: '2.22.5',
});

describe.each(oracleLines)('file store against MLflow %s', (line) => {
  // One Python start writes both Python-side stores (and reads the first back).
  let python: { root: string; minimalRoot: string; written: any } | undefined;
  const pythonStores = async (): Promise<{ root: string; minimalRoot: string; written: any }> => {
    if (python === undefined) {
      const root = await tempRoot();
      const minimalRoot = await tempRoot();
      const written = await oracle(line, 'write_both', {
        root, minimal_root: minimalRoot, experiment: 'py-exp', run_name: 'py-run', model: 'py-model',
      });
      python = { root, minimalRoot, written };
    }
    return python;
  };

  it('writes a store that MlflowClient reads', async () => {
    const root = await tempRoot();
    const store = new FileStore(root);
    const experimentId = await store.createExperiment('exp-ü', { tags: { team: 'ml', 'a/b': 'slash' } });
    const run = await store.createRun({ experimentId, runName: 'bold-fox-1', userId: 'alice', startTime: 1716200000123 });
    const runId = run.info.runId;
    await store.logParam(runId, 'alpha', '0.5');
    await store.logBatch(runId, {
      params: { 'group/beta': 'x' },
      metrics: [
        { key: 'loss', value: 1.5, timestamp: 1716200000000, step: 0 },
        { key: 'loss', value: 0.25, timestamp: 1716200000010, step: 2 },
        { key: 'eval/acc', value: 1, timestamp: 1716200000000, step: 0 },
      ],
      tags: { 'nested/key': 'ünïcode ✓' },
    });
    await store.recordLoggedModel(runId, modelDict(runId, 'model', 'a'.repeat(32)));
    await store.recordLoggedModel(runId, modelDict(runId, 'model2', 'b'.repeat(32)));
    await store.updateRun(runId, { status: 'FINISHED', endTime: 1716200000999 });
    const source = `${run.info.artifactUri}/model`;
    await store.createRegisteredModel('iris', { description: 'desc', tags: { k: 'v' } });
    for (let i = 0; i < 3; i += 1) await store.createModelVersion('iris', source, { runId });
    await store.deleteModelVersion('iris', 2);
    await store.setRegisteredModelAlias('iris', 'champion', 3);
    await store.transitionModelVersionStage('iris', 1, 'Production');
    const history = (await store.getRun(runId)).data.tags['mlflow.log-model.history']!;

    const seen = await oracle(line, 'read_store', { root, experiments: ['exp-ü'], runs: [runId], models: ['iris'] });
    expect(seen.default_experiment).toEqual({ name: 'Default', experiment_id: '0' });
    expect(seen.experiments['exp-ü']).toMatchObject({
      experiment_id: experimentId, name: 'exp-ü', lifecycle_stage: 'active', tags: { team: 'ml', 'a/b': 'slash' },
      artifact_location: `file://${root}/${experimentId}`,
    });
    const r = seen.runs[runId];
    expect(r).toMatchObject({
      run_id: runId, run_name: 'bold-fox-1', experiment_id: experimentId, user_id: 'alice', status: 'FINISHED',
      start_time: 1716200000123, end_time: 1716200000999, lifecycle_stage: 'active', artifact_uri: run.info.artifactUri,
      params: { alpha: '0.5', 'group/beta': 'x' },
      metrics: { loss: 0.25, 'eval/acc': 1 },
    });
    expect(r.history.loss).toEqual([[1716200000000, 1.5, 0], [1716200000010, 0.25, 2]]);
    expect(r.tags).toMatchObject({ 'mlflow.runName': 'bold-fox-1', 'nested/key': 'ünïcode ✓', 'mlflow.log-model.history': history });
    const parsed = JSON.parse(r.tags['mlflow.log-model.history']);
    expect(parsed).toHaveLength(2);
    expect(Object.keys(parsed[0])).toEqual(['run_id', 'artifact_path', 'utc_time_created', 'model_uuid', 'flavors']);
    expect(parsed[0].flavors.python_function).toEqual({ loader_module: 'mlflow.sklearn', python_version: '3.10.12', env: { conda: 'conda.yaml' } });

    const m = seen.models.iris;
    expect(m).toMatchObject({ name: 'iris', description: 'desc', tags: { k: 'v' }, aliases: { champion: '3' } });
    expect(m.versions.map((v: any) => [v.version, v.current_stage, v.source, v.run_id, v.status]))
      .toEqual([['1', 'Production', source, runId, 'READY'], ['3', 'None', source, runId, 'READY']]);
    expect(m.versions[1].aliases).toEqual(['champion']);
    expect(m.latest).toEqual({ Production: '1', None: '3' });
    expect(m.latest_versions).toEqual(['1', '3']);
    expect(m.by_alias).toEqual({ champion: '3' });
    expect(m.download_uri).toEqual({ 1: source, 3: source });
    const ours = await store.getRegisteredModel('iris');
    expect(m.last_updated_timestamp).toBe(ours.lastUpdatedTimestamp);
    expect(m.creation_timestamp).toBe(ours.creationTimestamp);
  });

  it('reads a store that Python MLflow wrote', async () => {
    const { root, written } = await pythonStores();
    const seen = written.seen;
    const store = new FileStore(`file://${root}`);

    const experiment = await store.getExperimentByName('py-exp');
    const pyExp = seen.experiments['py-exp'];
    expect(experiment).toEqual({
      experimentId: pyExp.experiment_id, name: 'py-exp', artifactLocation: pyExp.artifact_location,
      lifecycleStage: 'active', creationTime: pyExp.creation_time, lastUpdateTime: pyExp.last_update_time, tags: pyExp.tags,
    });
    expect((await store.getExperiment('0')).name).toBe('Default');

    const run = await store.getRun(written.run_id);
    const pyRun = seen.runs[written.run_id];
    expect(run.info).toEqual({
      runId: pyRun.run_id, runName: pyRun.run_name, experimentId: pyRun.experiment_id, userId: pyRun.user_id,
      status: pyRun.status, startTime: pyRun.start_time, endTime: pyRun.end_time, artifactUri: pyRun.artifact_uri,
      lifecycleStage: pyRun.lifecycle_stage,
    });
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.params).toEqual(pyRun.params);
    expect(run.data.tags).toEqual(pyRun.tags);
    expect(run.data.tags['nested/key']).toBe('ünïcode ✓');
    expect(Object.fromEntries(run.data.metrics.map((x) => [x.key, x.value]))).toEqual(pyRun.metrics);
    expect(run.data.metrics.find((x) => x.key === 'legacy')).toEqual({ key: 'legacy', value: 3.5, timestamp: 1716200000000, step: 0 });
    expect((await store.getMetricHistory(written.run_id, 'loss')).map((x) => [x.timestamp, x.value, x.step])).toEqual(pyRun.history.loss);

    const pyModel = seen.models['py-model'];
    const model = await store.getRegisteredModel('py-model');
    expect(model).toMatchObject({
      name: 'py-model', description: pyModel.description, tags: pyModel.tags, aliases: pyModel.aliases,
      creationTimestamp: pyModel.creation_timestamp, lastUpdatedTimestamp: pyModel.last_updated_timestamp,
    });
    expect(model.latestVersions.map((v) => v.version).sort()).toEqual(pyModel.latest_versions);
    const versions = (await store.searchModelVersions({ filter: "name = 'py-model'" }))
      .sort((a, b) => Number(a.version) - Number(b.version));
    expect(versions.map((v) => ({
      name: v.name, version: v.version, current_stage: v.currentStage, source: v.source, run_id: v.runId, status: v.status,
      description: v.description, tags: v.tags, aliases: v.aliases, creation_timestamp: v.creationTimestamp,
      last_updated_timestamp: v.lastUpdatedTimestamp,
    }))).toEqual(pyModel.versions);
    const latest = await store.getLatestVersions('py-model');
    expect(Object.fromEntries(latest.map((v) => [v.currentStage, v.version]))).toEqual(pyModel.latest);
    expect((await store.getModelVersionByAlias('py-model', 'champion')).version).toBe(pyModel.by_alias.champion);
    expect(await store.getModelVersionDownloadUri('py-model', 3)).toBe(pyModel.download_uri['3']);
    await expect(store.getModelVersion('py-model', 2)).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    // Numbering continues after the deleted version, in the Python-written store.
    expect((await store.createModelVersion('py-model', written.source, { runId: written.run_id })).version).toBe('4');
    const after = await oracle(line, 'read_store', { root, models: ['py-model'] });
    expect(after.models['py-model'].latest).toEqual({ Production: '1', None: '4' });
  });

  it('writes meta.yaml files byte-identical to MLflow (ids, times, paths normalised)', async () => {
    const { minimalRoot: pyRoot, written: both } = await pythonStores();
    const written = both.minimal;
    const ourRoot = await tempRoot();
    const store = new FileStore(ourRoot);
    const experimentId = await store.createExperiment('exp-ü');
    const run = await store.createRun({ experimentId, runName: 'r1', userId: written.user, startTime: 1716200000123 });
    await store.updateRun(run.info.runId, { status: 'FINISHED', endTime: 1716200000999 });
    await store.createRegisteredModel('iris');
    await store.createModelVersion('iris', `${run.info.artifactUri}/model`, { runId: run.info.runId });

    const files = (exp: string, runId: string): string[] => [
      '0/meta.yaml', `${exp}/meta.yaml`, `${exp}/${runId}/meta.yaml`, 'models/iris/meta.yaml', 'models/iris/version-1/meta.yaml',
    ];
    const normalise = (text: string, root: string, exp: string, runId: string): string => text
      .replaceAll(root, '<root>').replaceAll(exp, '<exp>').replaceAll(runId, '<run>').replace(/\b\d{13}\b/g, '<time>');
    // 3.x writes extra keys (workspace, trace_location, deployment jobs, model_id) and drops
    // run_uuid and version aliases; compare on the keys both write.
    const line3Only = /^(workspace|trace_location|effective_trace_archival_retention|deployment_job_id|deployment_job_state|model_id): .*\n/gm;
    const ours: string[] = [];
    const theirs: string[] = [];
    for (const [a, b] of files(experimentId, run.info.runId).map((f, i) => [f, files(written.experiment_id, written.run_id)[i]!])) {
      ours.push(normalise(await readFile(join(ourRoot, a!), 'utf8'), ourRoot, experimentId, run.info.runId));
      theirs.push(normalise(await readFile(join(pyRoot, b!), 'utf8'), pyRoot, written.experiment_id, written.run_id));
    }
    if (line === '2') {
      expect(ours).toEqual(theirs);
    } else {
      const strip = (t: string): string => t.replace(line3Only, '').replace(/^(run_uuid: .*|aliases: \[\])\n/gm, '');
      expect(ours.map(strip)).toEqual(theirs.map(strip));
    }
    expect(ours[2]).toContain('status: 3\n');
    expect(ours[2]).not.toContain('deleted_time');
    expect(ours[4]).toContain('current_stage: None\n');
  });
});
