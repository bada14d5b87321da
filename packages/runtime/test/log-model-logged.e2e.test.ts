// logModel's MLflow 3.x sequence (format.md 9.4, mlflow-3.md 3.1–3.4) against a real MLflow 3
// `mlflow server` and MLflow 3's file store: a model logged from Node with `name` is what
// Python MLflow 3 sees as a logged model (get_logged_model, models:/<model_id> loads and
// predicts, runs:/<run>/<name> resolves, the registered version's source is models:/<model_id>),
// and ModelInfo has the fields Python's own log_model returns for the same options.
// One server for the whole file; every Python look-up of a case goes in one oracle call.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ColSpec, Frame, MlflowException, ModelSignature, Schema } from '@pyfunc/format';
import { FileStore, RestStore, type TrackingStore } from '@pyfunc/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleLines, runOracle } from '../../../test/oracle/src/index.js';
import { startMlflowServer, type MlflowServer } from '../../tracking/test/mlflow-server.js';
import { loadModel, logModel, pyfuncModelFlavorName, type ModelInfo } from '../src/index.js';
import { EchoChatModel } from './chat-echo-model.js';
import { EchoModel } from './fixtures/echo-model.js';
import { recordingLogger } from './fixtures/recording-logger.js';

const hasLine3 = oracleLines.includes('3');
const signature = new ModelSignature({ inputs: new Schema([new ColSpec('string', 'text')]) });
const MODEL_ID = /^m-[0-9a-f]{32}$/;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pyfunc-log-model-3x-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function inspect(trackingUri: string, testCase: Record<string, unknown>, env: Record<string, string> = {}): Promise<Record<string, any>> {
  const [seen] = await runOracle('3', 'logmodel.inspect_logged', [{ tracking_uri: trackingUri, ...testCase }], { env, timeoutMs: 120_000 });
  if (seen!.error) throw new Error(`${seen!.error.type}: ${seen!.error.message}`);
  return seen!.ok as Record<string, any>;
}

/** A run with a param and metrics at two steps, as a training script leaves it before logging. */
async function trainedRun(store: TrackingStore, experimentId = '0'): Promise<string> {
  const run = await store.createRun({ experimentId, runName: 'train' });
  const t = Date.now();
  await store.logBatch(run.info.runId, {
    params: { p_run: 'r1' },
    metrics: [{ key: 'acc', value: 0.5, timestamp: t, step: 0 }, { key: 'acc', value: 0.75, timestamp: t + 1, step: 1 }],
  });
  return run.info.runId;
}

const camel = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
function shape(value: unknown): string {
  if (value === undefined || value === null) return 'none';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return 'list';
  return Object.getPrototypeOf(value) === Object.prototype ? 'dict' : 'object';
}

describe.skipIf(!hasLine3)('MLflow 3 server (--serve-artifacts)', () => {
  let server: MlflowServer;
  let store: TrackingStore;
  beforeAll(async () => {
    server = await startMlflowServer('3', { serveArtifacts: true });
    store = new RestStore(server.url);
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('a model logged with name is a logged model Python MLflow 3 reads, loads, predicts, resolves and registered', async () => {
    const runId = await trainedRun(store);
    const registered = `node-3x-${Math.random().toString(36).slice(2, 8)}`;
    const info = await logModel({
      store, name: 'model', runId, pythonModel: new EchoModel('logged'), signature,
      params: { a: 1, p_run: 'given' }, tags: { t: 2 }, modelType: 'agent', modelConfig: { x: { y: 1 } },
      registeredModelName: registered,
    });
    expect(info.modelId).toMatch(MODEL_ID);
    const id = info.modelId!;
    expect(info).toMatchObject({
      name: 'model', modelUri: `models:/${id}`, modelUuid: id, runId, registeredModelVersion: '1',
      artifactPath: `mlflow-artifacts:/0/models/${id}/artifacts`, signatureDict: undefined, metrics: [],
      // the run's params win over the given ones (MLflow 3.17's Model.log)
      params: { a: '1', p_run: 'r1' },
    });
    expect(info.tags).toMatchObject({ t: '2', 'mlflow.source.type': 'LOCAL', 'mlflow.user': expect.any(String) });
    expect(info.creationTimestamp).toEqual(expect.any(Number));

    const python = await inspect(server.url, { model_id: id, run_id: runId, name: 'model', registered, predict: { text: ['hi', 'there'] } });
    expect(python.logged_model).toMatchObject({
      model_id: id, name: 'model', experiment_id: '0', source_run_id: runId, params: { a: '1', p_run: 'r1' },
      artifact_location: info.artifactPath, status: 'READY', model_type: 'agent',
    });
    expect(python.logged_model.tags).toMatchObject({ t: '2', 'mlflow.source.type': 'LOCAL' });
    // the server and the client each add the version (as MLflow's own client does against a server)
    expect(JSON.parse(python.logged_model.tags['mlflow.modelVersions'])).toEqual([
      { name: registered, version: 1 }, { name: registered, version: '1' },
    ]);
    // the run's metrics at the model's step are attached to the model
    expect(python.logged_model.metrics).toEqual([{ key: 'acc', value: 0.5, step: 0, run_id: runId, model_id: id }]);
    expect(python.model_info).toEqual({ model_id: id, model_uuid: id, artifact_path: info.artifactPath, run_id: runId,
      model_uri: `models:/${id}`, name: 'model' });
    expect(python.predicted).toEqual({ text: ['hi', 'there'] });
    expect(python.run.outputs).toEqual([{ model_id: id, step: 0 }]);
    expect(python.run.params).toEqual({ p_run: 'r1', 'x/y': '1' });
    expect(python.run.tags).not.toHaveProperty('mlflow.log-model.history');
    expect(python.runs_uri_files).toEqual(expect.arrayContaining(['MLmodel', 'js', 'python_env.yaml']));
    expect(python.runs_uri_model_id).toBe(id);
    expect(python.version).toMatchObject({ source: `models:/${id}`, run_id: runId, tags: { t: '2' }, status: 'READY' });
    expect(python.version_model_id).toBe(id);

    // …and Node loads it back through models:/<model_id>, runs:/<run>/<name> and the registry
    for (const uri of [`models:/${id}`, `runs:/${runId}/model`, `models:/${registered}/1`]) {
      const model = await loadModel(uri, { dstPath: await mkdtemp(join(root, 'dl-')), trackingUri: server.url });
      const predicted = (await model.predict({ text: ['a'] })) as Frame;
      expect([predicted.columnNames, predicted.numRows]).toEqual([['text'], 1]);
      expect(model.metadata.modelId).toBe(id);
    }
  });

  it('ModelInfo has the fields and value shapes of Python log_model with the same options; both names fail alike', async () => {
    const options = { name: 'shaped', params: { a: 1 }, tags: { t: 2 }, model_type: 'agent', registered_model_name: 'py-shaped' };
    const [py, both] = await runOracle('3', 'logmodel.log_python', [
      { tracking_uri: server.url, ...options, run_params: { p_run: 'r1' }, run_metrics: [['acc', 0.5, 0]] },
      { tracking_uri: server.url, name: 'm', artifact_path: 'm' },
    ], { timeoutMs: 120_000 });
    if (py!.error) throw new Error(py!.error.message);
    const python = py!.ok as Record<string, { shape: string; value?: unknown }>;
    const runId = await trainedRun(store);
    const node = await logModel({
      store, runId, pythonModel: new EchoModel('x'), name: 'shaped', params: { a: 1 }, tags: { t: 2 }, modelType: 'agent',
      registeredModelName: 'node-shaped',
    });
    const pyKeys = Object.keys(python).filter((k) => !k.startsWith('__')).map(camel).sort();
    // signatureDict stays (undefined) for 2.22 compatibility; MLflow 3 dropped signature_dict
    expect(Object.keys(node).filter((k) => k !== 'signatureDict').sort()).toEqual(pyKeys);
    for (const [key, { shape: pyShape }] of Object.entries(python)) {
      if (key.startsWith('__') || key === 'registered_model_version') continue;
      const value = node[camel(key) as keyof ModelInfo];
      // Python's signature is a ModelSignature object, flavors a dict, as Node's
      expect([key, shape(value)]).toEqual([key, pyShape]);
    }
    expect(String(node.registeredModelVersion)).toBe(String(python.registered_model_version!.value));
    expect(node.params).toEqual(python.params!.value);
    // Python's git context tags (the oracle script lives in a git checkout) are not written from Node
    expect(Object.keys(node.tags!).sort()).toEqual(Object.keys(python.tags!.value as object).filter((k) => !k.startsWith('mlflow.source.git.')).sort());
    expect(node.metrics).toEqual(python.metrics!.value);
    expect(node.modelUri).toMatch(/^models:\/m-[0-9a-f]{32}$/);
    expect(python.model_uri!.value).toMatch(/^models:\/m-[0-9a-f]{32}$/);
    expect(node.artifactPath.replace(node.modelId!, '<id>')).toBe((python.artifact_path!.value as string).replace(python.model_id!.value as string, '<id>'));
    expect(node.name).toBe(python.name!.value);

    // both names: MLflow's code and message
    expect(both!.error).toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    const error = await logModel({ store, name: 'm', artifactPath: 'm', pythonModel: new EchoModel('x') }).catch((e: unknown) => e);
    expect(MlflowException.isInstance(error)).toBe(true);
    expect((error as MlflowException).errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(both!.error!.message).toContain((error as MlflowException).message);
    await expect(logModel('m', { store, name: 'm', pythonModel: new EchoModel('x') })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('the artifactPath option warns and names the model (the positional name does not); no run: none is created; modelId reuses a logged model', async () => {
    const positional = recordingLogger();
    const named = await logModel('positional', { store, pythonModel: new EchoModel('positional'), logger: positional });
    expect(named.name).toBe('positional');
    expect(positional.warnings).not.toContain('`artifact_path` is deprecated. Please use `name` instead.');
    const logger = recordingLogger();
    const info = await logModel({ store, artifactPath: 'legacy', pythonModel: new EchoModel('legacy'), logger });
    expect(logger.warnings).toContain('`artifact_path` is deprecated. Please use `name` instead.');
    expect(info).toMatchObject({ name: 'legacy', runId: undefined, modelUri: `models:/${info.modelId}` });
    const model = await store.getLoggedModel(info.modelId!);
    expect(model).toMatchObject({ name: 'legacy', sourceRunId: null, status: 'LOGGED_MODEL_READY' });

    const again = await logModel({ store, modelId: info.modelId!, pythonModel: new EchoModel('v2'), params: { ignored: 1 } });
    expect(again.modelId).toBe(info.modelId);
    expect(again.params).toEqual({});
    await expect(logModel({ store, modelId: `m-${'0'.repeat(32)}`, pythonModel: new EchoModel('x') }))
      .rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    // a store without logged models (a 2.x server answers NOT_IMPLEMENTED) gets the 2.22 sequence
    const old = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'createLoggedModel') return () => Promise.reject(new MlflowException('NOT_IMPLEMENTED', 'no logged models'));
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const legacy = await logModel({ store: old, name: 'model', pythonModel: new EchoModel('x') });
    expect(legacy.modelUri).toBe(`runs:/${legacy.runId}/model`);
    expect(legacy.modelId).toBeUndefined();
    expect(JSON.parse((await store.getRun(legacy.runId!)).data.tags['mlflow.log-model.history']!)).toHaveLength(1);
    await expect(logModel({ store: old, name: 'model', loggedModel: true, pythonModel: new EchoModel('x') }))
      .rejects.toMatchObject({ errorCode: 'NOT_IMPLEMENTED' });
  });
});

describe.skipIf(!hasLine3)('MLflow 3 file store', () => {
  it('loggedModel: true writes MLflow 3\'s models/<model_id> layout that Python MLflow 3 reads; the default stays 2.22', async () => {
    const trackingUri = pathToFileURL(join(root, 'mlruns')).href;
    const store = new FileStore(trackingUri);
    const runId = await trainedRun(store);
    const info = await logModel({
      store, loggedModel: true, name: 'model', runId, pythonModel: new EchoModel('file'), signature,
      params: { a: 1 }, tags: { t: 2 }, step: 1, registeredModelName: 'file-reg',
    });
    const id = info.modelId!;
    expect(id).toMatch(MODEL_ID);
    expect(info.artifactPath).toBe(`${trackingUri}/0/models/${id}/artifacts`);
    expect((await readdir(join(root, 'mlruns', '0', 'models', id))).sort()).toEqual(['artifacts', 'meta.yaml', 'metrics', 'params', 'tags']);

    const python = await inspect(trackingUri, { model_id: id, run_id: runId, name: 'model', registered: 'file-reg' },
      { MLFLOW_ALLOW_FILE_STORE: 'true' });
    expect(python.logged_model).toMatchObject({
      model_id: id, name: 'model', source_run_id: runId, params: { a: '1', p_run: 'r1' }, artifact_location: info.artifactPath,
      status: 'READY', metrics: [{ key: 'acc', value: 0.75, step: 1, run_id: runId, model_id: id }],
    });
    expect(JSON.parse(python.logged_model.tags['mlflow.modelVersions'])).toEqual([{ name: 'file-reg', version: 1 }]);
    expect(python.run.outputs).toEqual([{ model_id: id, step: 1 }]);
    expect(python.runs_uri_model_id).toBe(id);
    expect(python.version).toMatchObject({ source: `models:/${id}`, run_id: runId, model_id: id, tags: { t: '2' } });
    expect(python.version_model_id).toBe(id);

    const byDefault = await logModel({ store, name: 'plain', pythonModel: new EchoModel('x') });
    expect(byDefault.modelUri).toBe(`runs:/${byDefault.runId}/plain`);
    expect(byDefault.modelId).toBeUndefined();
  });

  it('labels flavors as MLflow 3 does for telemetry', () => {
    expect(pyfuncModelFlavorName({ pythonModel: new EchoModel('x') })).toBe('pyfunc.CustomPythonModel');
    expect(pyfuncModelFlavorName({ pythonModel: new EchoChatModel() })).toBe('pyfunc.ChatModel');
    expect(pyfuncModelFlavorName({ pythonModel: 'model.ts' })).toBe('pyfunc.ModelFromCode');
    expect(pyfuncModelFlavorName({ modelCode: 'model.ts' })).toBe('pyfunc.ModelFromCode');
    expect(pyfuncModelFlavorName({ pythonModel: (x: unknown) => x })).toBe('pyfunc');
    expect(pyfuncModelFlavorName({})).toBe('pyfunc');
  });
});
