/**
 * The REST store against real `mlflow server`s (2.22 and 3.x, SQLite backends; one serving
 * artifacts), the HTTP transport against tiny local servers (errors, retries, auth, int64),
 * and the HTTP artifact repository, read back by Python MLflow.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlflowException } from '@pyfunc/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleLines, oraclePython, type OracleLine } from '../../../test/oracle/src/index.js';
import { HttpArtifactRepository, guessMimeType, resolveMlflowArtifactsUri } from '../src/artifacts/http-repository.js';
import { MlflowHttpClient, RestStore } from '../src/store/rest/index.js';
import { describeTrackingStore } from '../src/testing/store-conformance.js';
import { freePort, startMlflowServer, type MlflowServer } from './mlflow-server.js';

// ---------------------------------------------------------------------------------------------
// Real servers, started together once for the file and stopped at the end: one per MLflow
// line, the newest line's with --serve-artifacts (two starts instead of three: starting a
// server takes 20-40 s on a busy 2-core machine). The 2.22 server keeps artifacts in a local
// --default-artifact-root, so both artifact modes are covered.

const artifactLine: OracleLine | undefined = oracleLines.at(-1);
const servers = new Map<string, Promise<MlflowServer>>();

function server(key: string): Promise<MlflowServer> {
  const found = servers.get(key === artifactLine ? 'artifacts' : key);
  if (found === undefined) throw new Error(`no server ${key}`);
  return found;
}

beforeAll(() => {
  for (const line of oracleLines) {
    if (line === artifactLine) servers.set('artifacts', startMlflowServer(line, { serveArtifacts: true }));
    else servers.set(line, startMlflowServer(line));
  }
  // Keep unhandled rejections away until a test awaits them.
  for (const started of servers.values()) started.catch(() => undefined);
});

afterAll(async () => {
  await Promise.all([...servers.values()].map(async (started) => {
    const s = await started.catch(() => undefined);
    await s?.stop();
  }));
});

/** A fast-failing client for a real server (no long backoff in tests). */
function clientFor(url: string): MlflowHttpClient {
  return new MlflowHttpClient(url, { maxRetries: 2, backoffFactorMs: 50, timeoutMs: 30_000 });
}

async function runPython(line: OracleLine, script: string, env: Record<string, string> = {}): Promise<string> {
  const child = spawn(oraclePython(line), ['-c', script], {
    cwd: tmpdir(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`python exited ${code}: ${Buffer.concat(err).toString().slice(-3000)}`);
  return Buffer.concat(out).toString('utf8');
}

for (const line of oracleLines) {
  const mode = line === artifactLine ? '--serve-artifacts' : '--default-artifact-root';
  describeTrackingStore(`REST (mlflow ${line} server, ${mode})`, async () => {
    const s = await server(line);
    return { store: new RestStore(s.url, { http: clientFor(s.url) }) };
  }, { loggedModels: line !== '2' });
}

// ---------------------------------------------------------------------------------------------
// Local fake servers for the transport.

interface Fake {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

async function fakeServer(handler: (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const srv: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, requests.length, body);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      srv.closeAllConnections();
      srv.close(() => resolve());
    }),
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}

async function rejection(promise: Promise<unknown>): Promise<MlflowException> {
  try {
    await promise;
  } catch (error) {
    expect(MlflowException.isInstance(error), `not an MlflowException: ${String(error)}`).toBe(true);
    return error as MlflowException;
  }
  throw new Error('expected a rejection');
}

describe('HTTP transport (local fake servers)', () => {
  it('sends GET fields as a query string and POST fields as a JSON body', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, { ok: true }));
    try {
      const http = new MlflowHttpClient(`${fake.url}/prefix/`);
      expect(await http.callApi('GET', 'runs/get', { run_id: 'abc', stages: ['A', 'B'] })).toEqual({ ok: true });
      await http.callApi('POST', 'runs/create', { experiment_id: '1', tags: [{ key: 'k', value: 'v' }] });
      expect(fake.requests[0]).toMatchObject({ method: 'GET', url: '/prefix/api/2.0/mlflow/runs/get?run_id=abc&stages=A&stages=B' });
      expect(fake.requests[1]).toMatchObject({ method: 'POST', url: '/prefix/api/2.0/mlflow/runs/create' });
      expect(fake.requests[1]!.headers['content-type']).toBe('application/json');
      expect(JSON.parse(fake.requests[1]!.body)).toEqual({ experiment_id: '1', tags: [{ key: 'k', value: 'v' }] });
      expect(fake.requests[0]!.headers.authorization).toBeUndefined();
    } finally {
      await fake.close();
    }
  });

  it('passes a JSON error code through (404 RESOURCE_DOES_NOT_EXIST)', async () => {
    const fake = await fakeServer((_req, res) => json(res, 404, {
      error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Run with id=abc not found",
    }));
    try {
      const store = new RestStore(fake.url, { http: new MlflowHttpClient(fake.url, { maxRetries: 3, backoffFactorMs: 1 }) });
      const error = await rejection(store.getRun('abc'));
      expect(error.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
      expect(error.message).toBe('RESOURCE_DOES_NOT_EXIST: Run with id=abc not found');
      expect(fake.requests).toHaveLength(1); // 404 is not retried
    } finally {
      await fake.close();
    }
  });

  it('maps an HTML 502 to INTERNAL_ERROR naming the status, with a bounded body snippet', async () => {
    const html = `<html><body><h1>502 Bad Gateway</h1>${'x'.repeat(5000)}</body></html>`;
    const fake = await fakeServer((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end(html);
    });
    try {
      const http = new MlflowHttpClient(fake.url, { maxRetries: 1, backoffFactorMs: 1 });
      const error = await rejection(http.callApi('GET', 'experiments/get', { experiment_id: '0' }));
      expect(error.errorCode).toBe('INTERNAL_ERROR');
      expect(error.message).toContain('502');
      expect(error.message).toContain('502 Bad Gateway');
      expect(error.message).toContain('/api/2.0/mlflow/experiments/get');
      expect(error.message.length).toBeLessThan(1000);
      expect(fake.requests).toHaveLength(2); // 502 is retried once, then reported
    } finally {
      await fake.close();
    }
  });

  it('maps non-JSON bodies by status (400 BAD_REQUEST, 404 ENDPOINT_NOT_FOUND, 401 UNAUTHENTICATED)', async () => {
    const fake = await fakeServer((req, res) => {
      const status = Number(req.url!.split('/').at(-1));
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(`status ${status}`);
    });
    try {
      const http = new MlflowHttpClient(fake.url, { maxRetries: 0 });
      expect((await rejection(http.callApi('POST', 'x/400'))).errorCode).toBe('BAD_REQUEST');
      expect((await rejection(http.callApi('GET', 'x/404'))).errorCode).toBe('ENDPOINT_NOT_FOUND');
      expect((await rejection(http.callApi('GET', 'x/401'))).errorCode).toBe('UNAUTHENTICATED');
      expect((await rejection(http.callApi('GET', 'x/403'))).errorCode).toBe('PERMISSION_DENIED');
    } finally {
      await fake.close();
    }
  });

  it('retries 503 twice, then succeeds', async () => {
    const fake = await fakeServer((_req, res, n) => {
      if (n <= 2) {
        res.writeHead(503);
        res.end('busy');
      } else {
        json(res, 200, { experiment_id: '7' });
      }
    });
    try {
      const store = new RestStore(fake.url, { http: new MlflowHttpClient(fake.url, { maxRetries: 5, backoffFactorMs: 10 }) });
      expect(await store.createExperiment('x')).toBe('7');
      expect(fake.requests).toHaveLength(3);
      // The JSON body is sent again on every attempt.
      expect(fake.requests.map((r) => JSON.parse(r.body))).toEqual([{ name: 'x' }, { name: 'x' }, { name: 'x' }]);
    } finally {
      await fake.close();
    }
  });

  it('gives up after maxRetries on a server that always answers 503 (TEMPORARILY_UNAVAILABLE)', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('Service Unavailable');
    });
    try {
      const http = new MlflowHttpClient(fake.url, { maxRetries: 3, backoffFactorMs: 10 });
      const started = Date.now();
      const error = await rejection(http.callApi('GET', 'experiments/get', { experiment_id: '0' }));
      expect(error.errorCode).toBe('TEMPORARILY_UNAVAILABLE');
      expect(error.message).toContain('503');
      expect(fake.requests).toHaveLength(4);
      // waits 0, 20, 40 ms: bounded and exponential
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    } finally {
      await fake.close();
    }
  });

  it('retries a reset connection', async () => {
    const fake = await fakeServer((req, res, n) => {
      if (n === 1) req.socket.destroy();
      else json(res, 200, {});
    });
    try {
      const http = new MlflowHttpClient(fake.url, { maxRetries: 2, backoffFactorMs: 1 });
      expect(await http.callApi('POST', 'runs/set-tag', { run_id: 'r', key: 'k', value: 'v' })).toEqual({});
      expect(fake.requests).toHaveLength(2);
    } finally {
      await fake.close();
    }
  });

  it('reports a server that is down with a coded error naming the URL, quickly', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const store = new RestStore(url, {
      http: MlflowHttpClient.fromEnv(url, { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0' }),
    });
    const started = Date.now();
    const error = await rejection(store.getExperimentByName('Default'));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.errorCode).toBe('TEMPORARILY_UNAVAILABLE');
    expect(error.message).toContain(`${url}/api/2.0/mlflow/experiments/get-by-name`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('after 3 attempts');
  });

  it('times out a server that never answers (DEADLINE_EXCEEDED)', async () => {
    const fake = await fakeServer(() => undefined);
    try {
      const http = new MlflowHttpClient(fake.url, { maxRetries: 0, timeoutMs: 200 });
      const error = await rejection(http.callApi('GET', 'experiments/get', { experiment_id: '0' }));
      expect(error.errorCode).toBe('DEADLINE_EXCEEDED');
      expect(error.message).toContain('MLFLOW_HTTP_REQUEST_TIMEOUT');
    } finally {
      await fake.close();
    }
  });

  it('sends Bearer and Basic auth (from options and from the environment)', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, {}));
    try {
      await new MlflowHttpClient(fake.url, { token: 's3cret' }).callApi('GET', 'a');
      await new MlflowHttpClient(fake.url, { username: 'ann', password: 'pä:ss' }).callApi('GET', 'b');
      await MlflowHttpClient.fromEnv(fake.url, { MLFLOW_TRACKING_TOKEN: 'envtok' }).callApi('POST', 'c', {});
      await MlflowHttpClient.fromEnv(fake.url, {
        MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p', MLFLOW_TRACKING_TOKEN: 'ignored',
      }).callApi('GET', 'd');
      const auth = fake.requests.map((r) => r.headers.authorization);
      expect(auth).toEqual([
        'Bearer s3cret',
        `Basic ${Buffer.from('ann:pä:ss', 'utf8').toString('base64')}`,
        'Bearer envtok',
        `Basic ${Buffer.from('u:p').toString('base64')}`,
      ]);
    } finally {
      await fake.close();
    }
  });

  it('reads int64 fields given as decimal strings, and non-finite metric values', async () => {
    const fake = await fakeServer((req, res) => {
      if (req.url!.includes('runs/get')) {
        json(res, 200, {
          run: {
            info: {
              run_id: 'r1', run_uuid: 'r1', experiment_id: '3', user_id: 'u', status: 'FINISHED', run_name: 'n',
              start_time: '1716200000123', end_time: '1716200009999', artifact_uri: 'mlflow-artifacts:/3/r1/artifacts',
              lifecycle_stage: 'active',
            },
            data: {
              metrics: [{ key: 'm', value: 'NaN', timestamp: '1716200000001', step: '9007199254740' },
                { key: 'inf', value: 'Infinity', timestamp: 5, step: 0 }],
              params: [{ key: 'p', value: '1' }],
              tags: [{ key: 't', value: 'v' }],
            },
          },
        });
      } else {
        json(res, 200, {
          model_version: {
            name: 'm', version: 3, creation_timestamp: '1716200000000', last_updated_timestamp: '1716200000001',
            current_stage: 'Production', source: 's', run_id: 'r1', status: 'READY', aliases: ['champ'],
          },
        });
      }
    });
    try {
      const store = new RestStore(fake.url, { http: new MlflowHttpClient(fake.url, { maxRetries: 0 }) });
      const run = await store.getRun('r1');
      expect(run.info).toEqual({
        runId: 'r1', runName: 'n', experimentId: '3', userId: 'u', status: 'FINISHED', startTime: 1716200000123,
        endTime: 1716200009999, artifactUri: 'mlflow-artifacts:/3/r1/artifacts', lifecycleStage: 'active',
      });
      expect(run.data.metrics[0]).toEqual({ key: 'm', value: Number.NaN, timestamp: 1716200000001, step: 9007199254740 });
      expect(run.data.metrics[1]!.value).toBe(Infinity);
      expect(run.data).toMatchObject({ params: { p: '1' }, tags: { t: 'v' } });
      const version = await store.getModelVersion('m', 3);
      expect(version).toMatchObject({
        version: '3', creationTimestamp: 1716200000000, lastUpdatedTimestamp: 1716200000001, aliases: ['champ'],
        description: null, userId: null,
      });
      expect(fake.requests[1]!.url).toBe('/api/2.0/mlflow/model-versions/get?name=m&version=3');
    } finally {
      await fake.close();
    }
  });

  it('sends non-finite metric values as protobuf-JSON strings and the model json as Python json.dumps of get_tags_dict()', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, {}));
    try {
      const store = new RestStore(fake.url, { http: new MlflowHttpClient(fake.url, { maxRetries: 0 }) });
      await store.logMetric('r', { key: 'k', value: Number.NaN, timestamp: 1, step: 2 });
      await store.recordLoggedModel('r', {
        run_id: 'r', artifact_path: 'model', signature: { inputs: '[]' }, flavors: { x: { a: 1.5, config: { k: 1 }, b: 'é' } },
      });
      expect(JSON.parse(fake.requests[0]!.body)).toEqual({ run_id: 'r', run_uuid: 'r', key: 'k', value: 'NaN', timestamp: 1, step: 2 });
      expect(JSON.parse(fake.requests[1]!.body)).toEqual({
        run_id: 'r', model_json: '{"run_id": "r", "artifact_path": "model", "flavors": {"x": {"a": 1.5, "b": "\\u00e9"}}}',
      });
    } finally {
      await fake.close();
    }
  });
});

describe.skipIf(spawnSync('openssl', ['version']).status !== 0)('HTTP transport over TLS (self-signed local server)', () => {
  let dir: string;
  let srv: HttpsServer;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pyfunc-tls-'));
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    expect(made.status, made.stderr.toString()).toBe(0);
    srv = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      json(res, 200, { auth: req.headers.authorization ?? null, path: req.url });
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const address = srv.address();
    url = `https://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(async () => {
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an unknown certificate, accepts it with MLFLOW_TRACKING_INSECURE_TLS or MLFLOW_TRACKING_SERVER_CERT_PATH', async () => {
    const strict = new MlflowHttpClient(url, { maxRetries: 2, backoffFactorMs: 1 });
    const error = await rejection(strict.callApi('GET', 'experiments/get', { experiment_id: '1' }));
    expect(error.message).toContain(url);
    expect(error.message).toMatch(/SELF_SIGNED|certificate/i);
    const insecure = MlflowHttpClient.fromEnv(url, { MLFLOW_TRACKING_INSECURE_TLS: 'true', MLFLOW_TRACKING_TOKEN: 't' });
    expect(await insecure.callApi('GET', 'experiments/get', { experiment_id: '1' }))
      .toEqual({ auth: 'Bearer t', path: '/api/2.0/mlflow/experiments/get?experiment_id=1' });
    const withCa = MlflowHttpClient.fromEnv(url, { MLFLOW_TRACKING_SERVER_CERT_PATH: join(dir, 'cert.pem') });
    expect(await withCa.callApi('POST', 'runs/create', { experiment_id: '1' })).toMatchObject({ path: '/api/2.0/mlflow/runs/create' });
    expect(() => MlflowHttpClient.fromEnv(url, {
      MLFLOW_TRACKING_INSECURE_TLS: 'true', MLFLOW_TRACKING_SERVER_CERT_PATH: join(dir, 'cert.pem'),
    })).toThrow(/must not be set/);
  });
});

// ---------------------------------------------------------------------------------------------
// Logged models (3.x) and their absence (2.22).

describe.skipIf(!oracleLines.includes('3'))('logged models (mlflow 3 server)', () => {
  it('reads a logged model Python created with initialize_logged_model', async () => {
    const s = await server('3');
    const out = await runPython('3', `
import json, mlflow
exp = mlflow.create_experiment("lm-exp")
with mlflow.start_run(experiment_id=exp) as run:
    m = mlflow.initialize_logged_model(name="my-model", model_type="agent", tags={"k": "v"}, params={"alpha": "0.5"}, experiment_id=exp)
print(json.dumps({"id": m.model_id, "exp": exp, "run": run.info.run_id, "uri": m.artifact_location, "status": str(m.status),
  "created": m.creation_timestamp, "name": m.name}))
`, { MLFLOW_TRACKING_URI: s.url });
    const expected = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
    const store = new RestStore(s.url, { http: clientFor(s.url) });
    const model = await store.getLoggedModel(String(expected.id));
    expect(model).toMatchObject({
      modelId: expected.id, experimentId: expected.exp, name: 'my-model', artifactLocation: expected.uri,
      sourceRunId: expected.run, modelType: 'agent', creationTimestamp: expected.created,
      tags: { k: 'v' }, params: { alpha: '0.5' },
    });
    expect(model.status).toMatch(/^LOGGED_MODEL_/);
    expect(String(expected.status)).toContain(model.status.replace('LOGGED_MODEL_', ''));
    const missing = await rejection(store.getLoggedModel('m-00000000000000000000000000000000'));
    expect(missing.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe.skipIf(!oracleLines.includes('2'))('logged models (mlflow 2.22 server)', () => {
  it('answers NOT_IMPLEMENTED: the server has no logged-models endpoint', async () => {
    const s = await server('2');
    const store = new RestStore(s.url, { http: clientFor(s.url) });
    const error = await rejection(store.getLoggedModel('m-0123456789abcdef0123456789abcdef'));
    expect(error.errorCode).toBe('NOT_IMPLEMENTED');
    expect(error.message).toContain(s.url);
  });
});

// ---------------------------------------------------------------------------------------------
// mlflow-artifacts: URIs and the HTTP artifact repository.

describe('resolveMlflowArtifactsUri', () => {
  const cases: [string, string][] = [
    ['mlflow-artifacts:/0/r/artifacts/m', 'http://127.0.0.1:5000'],
    ['mlflow-artifacts:/0/r/artifacts/m', 'http://h:5000/prefix'],
    ['mlflow-artifacts:/0/r/artifacts/m/', 'https://h:5000/prefix/'],
    ['mlflow-artifacts://other:7/x/y', 'http://h:5000/p'],
    ['mlflow-artifacts:/', 'http://h:5000/p'],
    ['mlflow-artifacts:', 'http://h:5000/p'],
    ['mlflow-artifacts:/a//b/', 'http://h:5000?x=1'],
    ['mlflow-artifacts://1234/x', 'http://h:5000'],
    ['mlflow-artifacts:/0/r', 'file:///x/mlruns'],
    ['mlflow-artifacts:/0/r', 'sqlite:///mlflow.db'],
  ];

  // One line is enough: the function is the same in 2.22 and 3.x (3.x only redacts credentials).
  it.skipIf(artifactLine === undefined)('agrees with MLflow', async () => {
    const line = artifactLine!;
    const out = await runPython(line, `
import json, sys
from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository as M
res = []
for a, t in json.loads(sys.argv[1] if len(sys.argv) > 1 else ${JSON.stringify(JSON.stringify(cases))}):
    try:
        res.append({"ok": M.resolve_uri(a, t)})
    except Exception as e:
        res.append({"error": str(e)})
print(json.dumps(res))
`);
    const expected = JSON.parse(out.trim().split('\n').at(-1)!) as ({ ok: string } | { error: string })[];
    cases.forEach(([artifactUri, trackingUri], i) => {
      const want = expected[i]!;
      if ('ok' in want) {
        expect(resolveMlflowArtifactsUri(artifactUri, trackingUri), `${artifactUri} @ ${trackingUri}`).toBe(want.ok);
      } else {
        let message = '';
        try {
          resolveMlflowArtifactsUri(artifactUri, trackingUri);
        } catch (error) {
          expect(MlflowException.isInstance(error)).toBe(true);
          message = (error as Error).message;
        }
        expect(message, `${artifactUri} @ ${trackingUri}`).not.toBe('');
        expect(message.slice(0, 60)).toBe(want.error.slice(0, 60));
      }
    });
  });
});

describe('guessMimeType', () => {
  it('uses text/plain for MLflow text files and Python guesses otherwise', () => {
    expect(guessMimeType('MLmodel')).toBe('text/plain');
    expect(guessMimeType('conda.yaml')).toBe('text/plain');
    expect(guessMimeType('requirements.txt')).toBe('text/plain');
    expect(guessMimeType('model.pkl')).toBe('application/octet-stream');
    expect(guessMimeType('plot.png')).toBe('image/png');
    expect(guessMimeType('.hidden')).toBe('application/octet-stream');
  });
});

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe.skipIf(artifactLine === undefined)('HTTP artifact repository (--serve-artifacts server)', () => {
  let s: MlflowServer;
  let store: RestStore;
  let work: string;
  beforeAll(async () => {
    s = await server('artifacts');
    store = new RestStore(s.url, { http: clientFor(s.url) });
    work = mkdtempSync(join(tmpdir(), 'pyfunc-http-artifacts-'));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('uploads, lists and downloads a model directory; Python MLflow reads it', async () => {
    const experimentId = await store.createExperiment(`artifacts-${Date.now()}`);
    const run = await store.createRun({ experimentId, startTime: Date.now() });
    expect(run.info.artifactUri).toMatch(/^mlflow-artifacts:\//);
    const root = resolveMlflowArtifactsUri(run.info.artifactUri, s.url);
    expect(root).toBe(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${run.info.artifactUri.replace(/^mlflow-artifacts:\//, '')}`);
    const repo = new HttpArtifactRepository(root, { http: clientFor(s.url) });

    const src = join(work, 'src');
    mkdirSync(join(src, 'data', 'deep'), { recursive: true });
    writeFileSync(join(src, 'MLmodel'), 'flavors:\n  python_function: {}\n');
    writeFileSync(join(src, 'data', 'deep', 'weights.bin'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256)));
    writeFileSync(join(src, 'data', 'notes ü.txt'), 'hello ✓\n');
    await repo.logArtifacts(src, 'model');
    const extra = join(work, 'extra.json');
    writeFileSync(extra, '{"a": 1}');
    await repo.logArtifact(extra);

    expect(await repo.listArtifacts()).toEqual([
      { path: 'extra.json', isDir: false, fileSize: 8 },
      { path: 'model', isDir: true },
    ]);
    expect(await repo.listArtifacts('model')).toEqual([
      { path: 'model/MLmodel', isDir: false, fileSize: Buffer.byteLength('flavors:\n  python_function: {}\n') },
      { path: 'model/data', isDir: true },
    ]);
    expect(await repo.listArtifacts('model/data/')).toEqual([
      { path: 'model/data/deep', isDir: true },
      { path: 'model/data/notes ü.txt', isDir: false, fileSize: Buffer.byteLength('hello ✓\n') },
    ]);
    expect(await repo.listArtifacts('model/MLmodel')).toEqual([]);

    const target = join(work, 'down', 'weights.bin');
    const progress: [number, number | undefined][] = [];
    await repo.downloadFile('model/data/deep/weights.bin', target, (done, total) => progress.push([done, total]));
    expect(sha(target)).toBe(sha(join(src, 'data', 'deep', 'weights.bin')));
    expect(progress.at(-1)).toEqual([300_000, 300_000]);
    expect(readdirSync(join(work, 'down'))).toEqual(['weights.bin']);
    await repo.downloadFile('model/data/notes ü.txt', join(work, 'down', 'notes.txt'));
    expect(readFileSync(join(work, 'down', 'notes.txt'), 'utf8')).toBe('hello ✓\n');

    await expect(repo.downloadFile('../x', join(work, 'x'))).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(repo.listArtifacts('/etc')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(repo.logArtifact(extra, 'a/../../b')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    const missing = await rejection(repo.downloadFile('model/nope.bin', join(work, 'down', 'nope.bin')));
    expect(missing.errorCode).toMatch(/^(RESOURCE_DOES_NOT_EXIST|ENDPOINT_NOT_FOUND|NOT_FOUND)$/);
    expect(existsSync(join(work, 'down', 'nope.bin'))).toBe(false);

    const out = await runPython(artifactLine!, `
import hashlib, json, os, mlflow
from mlflow import MlflowClient
dst = mlflow.artifacts.download_artifacts(run_id=${JSON.stringify(run.info.runId)}, artifact_path="model", dst_path=${JSON.stringify(join(work, 'py'))})
files = {}
for base, _, names in os.walk(dst):
    for n in names:
        p = os.path.join(base, n)
        files[os.path.relpath(p, dst)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
listed = [(f.path, f.is_dir, f.file_size) for f in MlflowClient().list_artifacts(${JSON.stringify(run.info.runId)})]
print(json.dumps({"files": files, "listed": listed}))
`, { MLFLOW_TRACKING_URI: s.url });
    const py = JSON.parse(out.trim().split('\n').at(-1)!) as { files: Record<string, string>; listed: unknown[] };
    expect(py.files).toEqual({
      MLmodel: sha(join(src, 'MLmodel')),
      'data/notes ü.txt': sha(join(src, 'data', 'notes ü.txt')),
      'data/deep/weights.bin': sha(join(src, 'data', 'deep', 'weights.bin')),
    });
    expect(py.listed).toEqual([['extra.json', false, 8], ['model', true, null]]);
  });
});

describe('HTTP artifact repository (local fake server)', () => {
  it('sends Content-Type by extension and the file size; rejects unsafe listed paths', async () => {
    const fake = await fakeServer((req, res) => {
      if (req.method === 'GET' && req.url!.startsWith('/api/2.0/mlflow-artifacts/artifacts?')) {
        json(res, 200, { files: [{ path: '../escape', is_dir: false, file_size: 1 }] });
      } else {
        json(res, 200, {});
      }
    });
    const work = mkdtempSync(join(tmpdir(), 'pyfunc-http-fake-'));
    try {
      const http = new MlflowHttpClient(fake.url, { maxRetries: 0 });
      const repo = new HttpArtifactRepository(`${fake.url}/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts`, { http });
      writeFileSync(join(work, 'MLmodel'), 'x: 1\n');
      writeFileSync(join(work, 'model.pkl'), Buffer.alloc(10, 1));
      await repo.logArtifact(join(work, 'MLmodel'), 'm');
      await repo.logArtifact(join(work, 'model.pkl'), 'm');
      expect(fake.requests.map((r) => [r.method, r.url, r.headers['content-type'], r.headers['content-length'], r.body.length])).toEqual([
        ['PUT', '/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/m/MLmodel', 'text/plain', '5', 5],
        ['PUT', '/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/m/model.pkl', 'application/octet-stream', '10', 10],
      ]);
      const error = await rejection(repo.listArtifacts('m'));
      expect(error.errorCode).toBe('INVALID_PARAMETER_VALUE');
      expect(fake.requests.at(-1)!.url).toBe('/api/2.0/mlflow-artifacts/artifacts?path=1%2Fr%2Fartifacts%2Fm');
    } finally {
      await fake.close();
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('leaves no partial file when a download breaks off', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '100000' });
      res.write(Buffer.alloc(1000, 2));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const work = mkdtempSync(join(tmpdir(), 'pyfunc-http-fake-'));
    try {
      const repo = new HttpArtifactRepository(`${fake.url}/api/2.0/mlflow-artifacts/artifacts/x`, {
        http: new MlflowHttpClient(fake.url, { maxRetries: 0 }),
      });
      const error = await rejection(repo.downloadFile('big.bin', join(work, 'out', 'big.bin')));
      expect(error.errorCode).toBe('INTERNAL_ERROR');
      expect(readdirSync(join(work, 'out'))).toEqual([]);
    } finally {
      await fake.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
