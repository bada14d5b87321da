#!/usr/bin/env node
// bench/http: the scoring server against `mlflow models serve`, one run, printed as ratios.
//  9. the same scikit-learn model, 1-row JSON requests at 1, 8 and 32 connections: ours against
//     MLflow 2.22 and 3.x (uvicorn) with 1 and 2 workers (needs @pyfunc/python for our side);
// 10. a trivial TypeScript model served by @pyfunc/http against a raw node:http hello-world.
// Not a test: no pass/fail. BENCH_SECONDS (default 5) sets each run's length.
// Run: pnpm --filter @pyfunc/http build && node bench/http/bench.mjs
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const httpDir = join(repo, 'packages', 'adapters', 'http');
const requireHttp = createRequire(join(httpDir, 'package.json'));
const autocannon = requireHttp('autocannon');
const http = await import(pathToFileURL(join(httpDir, 'dist', 'index.js')).href);
const runtime = await import(pathToFileURL(join(repo, 'packages', 'runtime', 'dist', 'index.js')).href);
const format = await import(pathToFileURL(join(repo, 'packages', 'format', 'dist', 'index.js')).href);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connectionsList = [1, 8, 32];

function load(url, connections, body) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, method: 'POST', headers: { 'content-type': 'application/json' }, body }, (error, result) => {
      if (error) reject(error);
      else resolve({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx });
    });
  });
}

const fmt = (value) => `${value.toFixed(2)}×`;
function report(label, ours, theirs) {
  console.log(`${label}: throughput ours/${theirs.name} ${fmt(ours.rps / theirs.rps)} (${ours.rps.toFixed(0)} vs ${theirs.rps.toFixed(0)} req/s), ` +
    `p50 ${fmt(ours.p50 / Math.max(theirs.p50, 0.001))}, p99 ${fmt(ours.p99 / Math.max(theirs.p99, 0.001))}` +
    (ours.errors + theirs.errors > 0 ? ` [errors: ours ${ours.errors}, theirs ${theirs.errors}]` : ''));
}

function oraclePython(line) {
  const out = execFileSync('bash', [join(repo, 'scripts', 'oracle-venv.sh'), line], { encoding: 'utf8' });
  return out.trim().split('\n').at(-1).split(' ')[1];
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startMlflow(line, modelDir, workers) {
  const python = oraclePython(line);
  const port = await freePort();
  const overlay = join(homedir(), '.cache', 'pyfunc-ts', 'http-overlay-mlflow2');
  if (line === '2' && !existsSync(join(overlay, 'starlette'))) {
    execFileSync('python3', ['-m', 'pip', 'install', '-q', '--no-deps', '--target', overlay, 'fastapi==0.115.12', 'starlette==0.46.2'], { stdio: 'ignore' });
  }
  const child = spawn(python, ['-m', 'mlflow', 'models', 'serve', '-m', modelDir, '--env-manager', 'local', '-p', String(port), '-h', '127.0.0.1', '-w', String(workers)], {
    detached: true, stdio: 'ignore', cwd: tmpdir(),
    env: { ...process.env, PATH: `${dirname(python)}:${process.env.PATH}`, ...(line === '2' ? { PYTHONPATH: overlay } : {}) },
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } };
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/ping`)).status === 200) return { url, stop };
    } catch { /* not up */ }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  stop();
  throw new Error(`mlflow ${line} did not start`);
}

// ---- 10: trivial TypeScript model vs raw node:http
{
  console.log('-- 10. trivial TypeScript model: @pyfunc/http vs raw node:http');
  const model = new runtime.PyFuncModel(new format.Model({ flavors: { js_function: {} } }), { doPredict: async (data) => data });
  const ours = await http.serve(model, { port: 0, handleSignals: false, shutdownGraceSeconds: 2 });
  const answer = '{"predictions": [1]}';
  const raw = createServer((request, response) => {
    request.resume();
    request.on('end', () => { response.writeHead(200, { 'content-type': 'application/json' }); response.end(answer); });
  });
  await new Promise((resolve) => raw.listen(0, '127.0.0.1', resolve));
  const rawUrl = `http://127.0.0.1:${raw.address().port}/invocations`;
  for (const connections of connectionsList) {
    const mine = await load(`${ours.url}/invocations`, connections, '{"inputs": [1]}');
    const theirs = await load(rawUrl, connections, '{"inputs": [1]}');
    report(`  ${connections} conn`, mine, { ...theirs, name: 'node:http' });
  }
  await ours.close();
  await new Promise((resolve) => raw.close(resolve));
}

// ---- 9: the same scikit-learn model
{
  console.log('-- 9. scikit-learn LinearRegression, 1-row JSON: @pyfunc/http vs mlflow models serve');
  let python;
  try {
    python = await import(pathToFileURL(join(repo, 'packages', 'python', 'dist', 'index.js')).href);
  } catch {
    python = undefined;
  }
  if (python?.backend === undefined) {
    console.log('  SKIPPED: @pyfunc/python does not export `backend` yet, so our server cannot run a Python model; ' +
      'a TypeScript stand-in would not be the same model. Re-run once @pyfunc/python is ready.');
  } else {
    const root = mkdtempSync(join(tmpdir(), 'pyfunc-bench-http-'));
    const modelDir = join(root, 'sk');
    execFileSync(oraclePython('3'), ['-c', [
      'import sys, mlflow, numpy as np, pandas as pd',
      'from sklearn.linear_model import LinearRegression',
      'from mlflow.models import infer_signature',
      'X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) ** 0.5})',
      'm = LinearRegression().fit(X, 2 * X.a + X.b)',
      'mlflow.sklearn.save_model(m, sys.argv[1], signature=infer_signature(X, m.predict(X)))',
    ].join('\n'), modelDir], { stdio: 'ignore', cwd: root });
    const body = '{"dataframe_split": {"columns": ["a", "b"], "data": [[1.5, 2.5]]}}';
    // --env-manager local: the worker runs in the interpreter that has MLflow (the oracle's 3.x venv)
    const model = await python.loadPythonModel(modelDir, { envManager: 'local', python: oraclePython('3'), workers: 1 });
    const ours = await http.serve(model, { port: 0, handleSignals: false, shutdownGraceSeconds: 2, workers: 1 });
    console.log(`  ours up at ${ours.url}: ${await (await fetch(`${ours.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text()}`);
    const results = new Map();
    for (const connections of connectionsList) results.set(connections, await load(`${ours.url}/invocations`, connections, body));
    await ours.close();
    await model.close();
    for (const line of ['2', '3']) {
      for (const workers of [1, 2]) {
        const server = await startMlflow(line, modelDir, workers);
        try {
          console.log(`  mlflow ${line}.x up: ${await (await fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text()}`);
          for (const connections of connectionsList) {
            const theirs = await load(`${server.url}/invocations`, connections, body);
            report(`  mlflow ${line}.x, ${workers} worker(s), ${connections} conn`, results.get(connections), { ...theirs, name: 'mlflow' });
          }
        } finally {
          server.stop();
        }
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
}
