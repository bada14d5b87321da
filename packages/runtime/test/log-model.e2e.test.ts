// logModel against MLflow's file store and a real `mlflow server` (2.22 and 3.x): what Node
// logs and registers, Python MLflow's client sees — the run, its artifacts, the history tag,
// the registered version and its alias (issue 8 item 5, format.md 9) — and Node loads it back
// through runs:/, models:/<name>/<version>, models:/<name>@<alias> and models:/<name>/latest.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelSignature, MlflowException, Schema, ColSpec } from '@pyfunc/format';
import { getTrackingStore, type TrackingStore } from '@pyfunc/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleLines, runOracle, type OracleLine } from '../../../test/oracle/src/index.js';
import { startMlflowServer, type MlflowServer } from '../../tracking/test/mlflow-server.js';
import { loadModel, logModel } from '../src/index.js';
import { EchoModel } from './fixtures/echo-model.js';

let root: string;
/** Both lines' servers start at once, while the file-store tests run (each start takes seconds of Python). */
const servers = new Map<OracleLine, Promise<MlflowServer>>();
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pyfunc-log-model-'));
  for (const line of oracleLines) {
    const server = startMlflowServer(line, { serveArtifacts: true });
    server.catch(() => undefined); // awaited (and reported) by the server describe
    servers.set(line, server);
  }
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((server) => server.then((s) => s.stop(), () => undefined)));
  await rm(root, { recursive: true, force: true });
});

const signature = new ModelSignature({ inputs: new Schema([new ColSpec('string', 'text')]) });

type Backend = { label: string; trackingUri: () => string; env: Record<string, string> };

// the oracle's environment is the same for both backends, so one oracle process serves a line
const oracleEnv = { MLFLOW_ALLOW_FILE_STORE: 'true' };

function backendsFor(line: OracleLine): { backend: Backend; start: () => Promise<void> }[] {
  let fileUri = '';
  let serverUrl = '';
  return [
    {
      backend: { label: 'file store', trackingUri: () => fileUri, env: oracleEnv },
      start: async () => {
        fileUri = pathToFileURL(join(root, `mlruns-${line}`)).href;
      },
    },
    {
      backend: { label: 'mlflow server --serve-artifacts', trackingUri: () => serverUrl, env: oracleEnv },
      start: async () => {
        serverUrl = (await servers.get(line)!).url;
      },
    },
  ];
}

describe.each(oracleLines)('MLflow %s', (line) => {
  // The 2.22 sequence: asked for on a 3.x server (which would get a logged model by default,
  // see log-model-logged.e2e.test.ts); a 2.22 server is detected (no logged-models endpoint).
  const mode = line === '2' ? {} : { loggedModel: false };
  describe.each(backendsFor(line))('$backend.label', ({ backend, start }) => {
    let store: TrackingStore;
    beforeAll(async () => {
      await start();
      store = getTrackingStore(backend.trackingUri());
    }, 180_000);

    it('a model logged and registered from Node is seen by Python MLflow, and loads back from every URI form', async () => {
      const name = `node-model-${line}-${Math.random().toString(36).slice(2, 8)}`;
      const first = await logModel('model', {
        ...mode, store, pythonModel: new EchoModel('logged'), signature, inputExample: { text: ['hi'] },
        modelConfig: { temperature: 0.5, retrieval: { k: 3, enabled: true } },
        registeredModelName: name,
      });
      expect(first.modelUri).toBe(`runs:/${first.runId}/model`);
      expect(first.registeredModelVersion).toBe('1');
      expect(first.flavors).toHaveProperty('js_function');
      // a second model in the same run appends to the history tag
      const second = await logModel('second', { ...mode, store, runId: first.runId, pythonModel: new EchoModel('two'), signature });
      expect(second.registeredModelVersion).toBeUndefined();
      await store.setRegisteredModelAlias(name, 'champion', '1');

      const [seen] = await runOracle(line, 'logmodel.inspect', [{
        tracking_uri: backend.trackingUri(), run_id: first.runId, artifact_path: 'model', name, alias: 'champion',
      }], { env: backend.env, timeoutMs: 120_000 });
      if (seen!.error) throw new Error(`${seen!.error.type}: ${seen!.error.message}`);
      const python = seen!.ok as Record<string, any>;
      expect(python.status).toBe('FINISHED');
      // model config flattened into run params with '/' (format.md 9.1 step 8)
      expect(python.params).toEqual({ temperature: '0.5', 'retrieval/k': '3', 'retrieval/enabled': 'True' });
      expect(python.history).toHaveLength(2);
      expect(python.history[0]).toMatchObject({ run_id: first.runId, artifact_path: 'model', model_uuid: first.modelUuid,
        utc_time_created: first.utcTimeCreated });
      expect(Object.keys(python.history[0])).toEqual(['run_id', 'artifact_path', 'utc_time_created', 'model_uuid', 'flavors']);
      // the flavor's model config stays in MLmodel but is left out of the tag
      expect(python.history[0].flavors.js_function).toBeDefined();
      expect(python.history[0].flavors.js_function.config).toBeUndefined();
      expect(first.flavors.js_function!.config).toEqual({ temperature: 0.5, retrieval: { k: 3, enabled: true } });
      expect(python.history[1]).toMatchObject({ artifact_path: 'second', model_uuid: second.modelUuid });
      expect(python.artifacts).toEqual(expect.arrayContaining(['model/', 'model/MLmodel', 'model/js/model.mjs', 'second/', 'second/MLmodel']));
      expect(python.model_info).toMatchObject({
        run_id: first.runId, artifact_path: 'model', model_uuid: first.modelUuid, utc_time_created: first.utcTimeCreated,
        signature: signature.toDict(),
      });
      expect(python.version).toMatchObject({ name, version: '1', run_id: first.runId, status: 'READY', current_stage: 'None', aliases: ['champion'] });
      expect(python.version.source).toBe(`${python.artifact_uri}/model`);
      expect(python.alias_version.version).toBe('1');
      expect(python.latest).toEqual(['1']);
      expect(python.downloaded).toEqual(expect.arrayContaining(['MLmodel', 'registered_model_meta']));
      // MLflow's own file store hands alias lookups an int version, so Python writes `model_version: 1` there
      // (a server answers a string); either way it names this model's version 1.
      expect(python.registered_model_meta).toMatch(new RegExp(`^model_name: ${name}\nmodel_version: ('1'|1)\n$`));

      // …and Node loads it back through each URI form, predicting the same
      for (const uri of [first.modelUri, `models:/${name}/1`, `models:/${name}@champion`, `models:/${name}/latest`, `models:/${name}/None`]) {
        const dst = await mkdtemp(join(root, 'dl-'));
        const model = await loadModel(uri, { dstPath: dst, trackingUri: backend.trackingUri() });
        expect(await model.predict({ text: ['a'] })).toBeDefined();
        expect(model.metadata.runId).toBe(first.runId);
        // runs:/<id>/model lands in <dst>/model; a models:/ root downloads into <dst> itself (MLflow's split, format.md 7.2)
        const written = await readdir(dst);
        const modelDir = written.includes('MLmodel') ? dst : join(dst, written[0]!);
        expect(await readdir(modelDir)).toContain('MLmodel');
        if (uri.startsWith('models:/')) {
          expect(await readFile(join(modelDir, 'registered_model_meta'), 'utf8')).toBe(`model_name: ${name}\nmodel_version: '1'\n`);
        }
      }
    });

    it('bad input: a missing run and a missing registered version are RESOURCE_DOES_NOT_EXIST, a bad artifact path INVALID_PARAMETER_VALUE', async () => {
      await expect(logModel('model', { ...mode, store, runId: 'f'.repeat(32), pythonModel: new EchoModel('x') }))
        .rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
      await expect(loadModel(`models:/never-registered-${line}/1`, { dstPath: root, trackingUri: backend.trackingUri() }))
        .rejects.toSatisfy((error: unknown) => MlflowException.isInstance(error) && error.errorCode === 'RESOURCE_DOES_NOT_EXIST');
      for (const path of ['', '../escape', '/abs']) {
        await expect(logModel(path, { ...mode, store, pythonModel: new EchoModel('x') })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      }
    });
  });
});
