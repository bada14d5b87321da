#!/usr/bin/env node
// bench/http: the scoring server against `mlflow models serve` and a raw node:http server, one
// run, printed as a table and ratios (issue 7, benchmarks 9 and 10). Not a test: no pass/fail.
//  9. the same scikit-learn model, 1-row JSON requests at 1, 8 and 32 connections: ours
//     (@pyfunc/http + @pyfunc/python) against `mlflow models serve --env-manager local` of
//     2.20 (Flask + gunicorn), 2.22 and 3.x (FastAPI + uvicorn), each with its default worker
//     count and the others tried for 2 cores; the best of each is the one with the highest
//     throughput at 32 connections. Ours is also measured with dynamic batching (`batching` of
//     serve(): concurrent 1-row requests scored in one predict), and the best of all our rows is
//     the one compared.
// 10. a trivial TypeScript model served by @pyfunc/http against a raw node:http hello-world.
// Every server runs in its own process (server.mjs for ours and node:http); autocannon runs
// alone in this process. On a 2-core machine autocannon itself takes most of a core, so every
// number here is "what is left of 2 cores"; the ratios are what to read. `cpu/req` is the CPU
// time of the server's whole process group (Node + Python workers, or MLflow's) per answered
// request, read from /proc: it depends less on what else runs on the machine than req/s does.
// Latencies are autocannon's whole milliseconds; `load` is the 1-minute load average after a row
// (other work on the machine skews that row). `errors` counts socket errors, timeouts and non-2xx.
// Env: BENCH_SECONDS (default 5) per measured run, after a 1 s warm-up; BENCH_ONLY=9 or 10;
// BENCH_ROUNDS (default 3): item 10 alternates the two servers this many times and keeps the median;
// BENCH_WORKERS_OURS (default "1,2,3"), BENCH_WORKERS_MLFLOW (default "1,2,4");
// BENCH_WORKERS_BATCHED (default "1,3"): our worker counts measured with batching (maxBatchSize
// BENCH_BATCH_SIZE, default 32; "" skips those rows);
// BENCH_MLFLOW (default "2.20,2.22,3").
// Run: pnpm --filter @pyfunc/http... build && node bench/http/bench.mjs
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const autocannon = createRequire(join(repo, 'packages', 'adapters', 'http', 'package.json'))('autocannon');
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const only = process.env.BENCH_ONLY;
const list = (name, fallback) => (process.env[name] ?? fallback).split(',').map((item) => item.trim()).filter(Boolean);
const connectionsList = [1, 8, 32];
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (runs) => [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)];
const children = new Set();

function killGroup(child, signal = 'SIGTERM') {
  try { process.kill(-child.pid, signal); } catch { /* gone */ }
}
process.on('exit', () => { for (const child of children) killGroup(child, 'SIGKILL'); });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

/** Stops a server's process group: SIGTERM, then SIGKILL after 5 s. */
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) { children.delete(child); return; }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL'); // leftovers of the group (uvicorn/gunicorn workers)
  children.delete(child);
}

/** CPU seconds (user + system) used so far by every process of a process group (Linux /proc; 0 elsewhere). */
function groupCpuSeconds(pgid) {
  let ticks = 0;
  let entries = [];
  try { entries = readdirSync('/proc'); } catch { return 0; }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${entry}/stat`, 'utf8'); } catch { continue; }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

function load(url, connections, body, duration = seconds) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration, method: 'POST', headers: { 'content-type': 'application/json' }, body }, (error, result) => {
      if (error) reject(error);
      else resolve({ rps: result['2xx'] / result.duration, total: result.requests.total, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts });
    });
  });
}

/** One measured run, with the server's CPU time per request (all processes of its group). */
async function measureOnce(server, connections, body) {
  const before = groupCpuSeconds(server.pid);
  const result = await load(`${server.url}/invocations`, connections, body);
  const cpu = groupCpuSeconds(server.pid) - before;
  return { ...result, cpuUs: result.total > 0 ? (cpu * 1e6) / result.total : NaN };
}

/** Warm-up, then one measured run per connection count. */
async function measure(server, body) {
  await load(`${server.url}/invocations`, 8, body, 1);
  const results = new Map();
  for (const connections of connectionsList) results.set(connections, await measureOnce(server, connections, body));
  return results;
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `node server.mjs ...` and waits for its READY line. */
async function startNode(args) {
  const child = spawn(process.execPath, [join(here, 'server.mjs'), ...args], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server.mjs ${args.join(' ')} did not start in 180 s`)), 180_000);
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) { clearTimeout(timer); resolve(line.slice(6).split(' ')); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server.mjs ${args.join(' ')} exited with ${code}`)); });
  });
  return { url: ready[0], pid: child.pid, note: ready.slice(1).join(' '), stop: () => stopChild(child) };
}

function oraclePython(line) {
  const out = execFileSync('bash', [join(repo, 'scripts', 'oracle-venv.sh'), line], { encoding: 'utf8' });
  return out.trim().split('\n').at(-1).split(' ')[1];
}

/** MLflow 2.20 (the last Flask + gunicorn scoring server) in a cached venv, built with the oracle's uv. */
function mlflow220Python() {
  const pins = ['mlflow==2.20.4', 'scikit-learn==1.9.1', 'pandas==2.3.3', 'numpy==2.4.6'];
  const env = join(homedir(), '.cache', 'pyfunc-ts', 'bench', 'mlflow2.20');
  const marker = join(env, '.complete');
  if (!existsSync(marker) || !existsSync(join(env, 'bin', 'python'))) {
    oraclePython('3'); // makes sure the oracle's uv tool exists
    const uvTool = join(homedir(), '.cache', 'pyfunc-ts', 'oracle', 'uv-tool', 'bin', 'python');
    rmSync(env, { recursive: true, force: true });
    mkdirSync(dirname(env), { recursive: true });
    execFileSync(uvTool, ['-m', 'uv', 'venv', '--quiet', '--python', 'python3', env], { stdio: 'inherit' });
    execFileSync(uvTool, ['-m', 'uv', 'pip', 'install', '--quiet', '--python', join(env, 'bin', 'python'), ...pins], { stdio: 'inherit', env: { ...process.env, VIRTUAL_ENV: env } });
    writeFileSync(marker, `${pins.join('\n')}\n`);
  }
  return join(env, 'bin', 'python');
}

/** MLflow 2.22's scoring app needs a FastAPI that still has `app.route` (< 0.116 / starlette < 0.47). */
function mlflow222Overlay() {
  const overlay = join(homedir(), '.cache', 'pyfunc-ts', 'http-overlay-mlflow2');
  if (!existsSync(join(overlay, 'starlette'))) {
    execFileSync('python3', ['-m', 'pip', 'install', '-q', '--no-deps', '--target', overlay, 'fastapi==0.115.12', 'starlette==0.46.2'], { stdio: 'ignore' });
  }
  return overlay;
}

async function startMlflow(version, modelDir, workers) {
  const python = version === '2.20' ? mlflow220Python() : oraclePython(version === '2.22' ? '2' : '3');
  const port = await freePort();
  const args = ['-m', 'mlflow', 'models', 'serve', '-m', modelDir, '--env-manager', 'local', '-p', String(port), '-h', '127.0.0.1'];
  if (workers !== 'default') args.push('-w', String(workers));
  const child = spawn(python, args, {
    detached: true, stdio: 'ignore', cwd: tmpdir(),
    env: { ...process.env, PATH: `${dirname(python)}:${process.env.PATH}`, ...(version === '2.22' ? { PYTHONPATH: mlflow222Overlay() } : {}) },
  });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/ping`)).status === 200) return { url, pid: child.pid, stop: () => stopChild(child) };
    } catch { /* not up */ }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await stopChild(child);
  throw new Error(`mlflow ${version} (${workers} workers) did not start`);
}

const pad = (value, width) => String(value).padStart(width);
const ratio = (value) => `${value.toFixed(2)}×`;

function printTable(rows) {
  const head = ['server', 'workers', ...connectionsList.flatMap((c) => [`${c}c req/s`, `${c}c p50`, `${c}c p99`, `${c}c cpu/req`]), 'errors', 'load'];
  const widths = head.map((cell, index) => Math.max(cell.length, ...rows.map((row) => rowCells(row)[index].length)));
  const line = (cells) => `  ${cells.map((cell, index) => (index < 2 ? cell.padEnd(widths[index]) : pad(cell, widths[index]))).join('  ')}`;
  console.log(line(head));
  for (const row of rows) console.log(line(rowCells(row)));
}

function rowCells(row) {
  const cells = [row.name, String(row.workers)];
  let errors = 0;
  for (const connections of connectionsList) {
    const result = row.results.get(connections);
    cells.push(result.rps.toFixed(0), `${result.p50}ms`, `${result.p99}ms`, `${result.cpuUs.toFixed(0)}µs`);
    errors += result.errors;
  }
  cells.push(String(errors), row.load === undefined ? '' : row.load.toFixed(1));
  return cells;
}

function printRatios(label, ours, theirs) {
  const parts = connectionsList.map((connections) => {
    const a = ours.results.get(connections);
    const b = theirs.results.get(connections);
    const latency = (x, y) => (x === 0 && y === 0 ? 'both <1ms' : ratio(x / Math.max(y, 1)));
    return `${connections}c: throughput ${ratio(a.rps / b.rps)}, p50 ${latency(a.p50, b.p50)}, p99 ${latency(a.p99, b.p99)}, cpu/req ${ratio(a.cpuUs / b.cpuUs)}`;
  });
  console.log(`  ${label} (${ours.name} w=${ours.workers} / ${theirs.name} w=${theirs.workers}): ${parts.join(' | ')}`);
}

const ourBatched = 'pyfunc serve+batch';
const best = (rows) => rows.reduce((top, row) => (row.results.get(32).rps > top.results.get(32).rps ? row : top));
console.log(`bench/http: ${seconds} s per run, node ${process.version}, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);

// ---- 10: trivial TypeScript model vs raw node:http
if (only === undefined || only === '10') {
  console.log('\n-- 10. trivial TypeScript model: @pyfunc/http serve() vs raw node:http (each in its own process)');
  const body = '{"inputs": [1]}';
  // both up at once, runs alternating, the median of BENCH_ROUNDS rounds: other load on the machine hits both alike
  const servers = [await startNode(['raw']), await startNode(['ts'])];
  const rows = [{ name: 'node:http', workers: 1, results: new Map() }, { name: 'pyfunc serve', workers: 1, results: new Map() }];
  try {
    for (const server of servers) await load(`${server.url}/invocations`, 8, body, 1);
    for (const connections of connectionsList) {
      const runs = [[], []];
      for (let round = 0; round < rounds; round++) {
        for (const index of [0, 1]) runs[index].push(await measureOnce(servers[index], connections, body));
      }
      for (const index of [0, 1]) rows[index].results.set(connections, median(runs[index]));
    }
  } finally {
    for (const server of servers) await server.stop();
  }
  printTable(rows);
  printRatios('ours / node:http', rows[1], rows[0]);
  const at = connectionsList.map((c) => rows[1].results.get(c).rps / rows[0].results.get(c).rps);
  console.log(`  goal ≥ 0.70× throughput: ${at.map(ratio).join(', ')} at ${connectionsList.join(', ')} connections`);
}

// ---- 9: the same scikit-learn model
if (only === undefined || only === '9') {
  console.log('\n-- 9. scikit-learn LinearRegression, 1-row JSON: @pyfunc/http + @pyfunc/python vs mlflow models serve --env-manager local');
  const root = mkdtempSync(join(tmpdir(), 'pyfunc-bench-http-'));
  const modelDir = join(root, 'sk');
  const python3 = oraclePython('3');
  // cloudpickle: MLflow 3's default (skops) cannot be loaded by 2.x
  execFileSync(python3, ['-c', [
    'import sys, mlflow, numpy as np, pandas as pd',
    'from sklearn.linear_model import LinearRegression',
    'from mlflow.models import infer_signature',
    'X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) ** 0.5})',
    'm = LinearRegression().fit(X, 2 * X.a + X.b)',
    'mlflow.sklearn.save_model(m, sys.argv[1], signature=infer_signature(X, m.predict(X)), serialization_format="cloudpickle")',
  ].join('\n'), modelDir], { stdio: 'ignore', cwd: root });
  const body = '{"dataframe_split": {"columns": ["a", "b"], "data": [[1.5, 2.5]]}}';
  const expected = '{"predictions": [5.500000000000007]}';
  /** Checks the answer; true when the server closes the connection after each answer (gunicorn's sync workers). */
  const check = async (name, url) => {
    const response = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = await response.text();
    if (answer !== expected) throw new Error(`${name} answered ${answer}, expected ${expected}`);
    return response.headers.get('connection') === 'close';
  };
  const rows = [];
  try {
    for (const workers of ['default', ...list('BENCH_WORKERS_OURS', '1,2,3')]) {
      if (rows.some((row) => row.size === Number(workers))) continue; // the default size, measured already
      const server = await startNode(['python', modelDir, python3, workers]);
      const size = Number(/workers=(\d+)/.exec(server.note)?.[1]);
      try {
        await check('pyfunc serve', server.url);
        const row = { name: 'pyfunc serve', workers: workers === 'default' ? `${size} (default)` : String(size), size, results: await measure(server, body), load: loadavg()[0] };
        rows.push(row);
        console.log(`  measured ${row.name} w=${row.workers}`);
      } finally {
        await server.stop();
      }
    }
    const batchSize = Number(process.env.BENCH_BATCH_SIZE ?? 32);
    for (const workers of list('BENCH_WORKERS_BATCHED', '1,3')) {
      const server = await startNode(['python', modelDir, python3, workers, String(batchSize)]);
      const size = Number(/workers=(\d+)/.exec(server.note)?.[1]);
      try {
        await check('pyfunc serve (batching)', server.url);
        const row = { name: ourBatched, workers: String(size), size, results: await measure(server, body), load: loadavg()[0] };
        rows.push(row);
        console.log(`  measured ${row.name} w=${row.workers} (maxBatchSize ${batchSize})`);
      } finally {
        await server.stop();
      }
    }
    for (const version of list('BENCH_MLFLOW', '2.20,2.22,3')) {
      const name = `mlflow ${version === '3' ? '3.17' : version}`;
      for (const workers of ['default', ...list('BENCH_WORKERS_MLFLOW', '1,2,4').filter((w) => w !== '1')]) {
        const server = await startMlflow(version, modelDir, workers);
        try {
          const closes = await check(name, server.url);
          const row = { name: closes ? `${name}*` : name, workers: workers === 'default' ? '1 (default)' : workers, results: await measure(server, body), load: loadavg()[0] };
          rows.push(row);
          console.log(`  measured ${row.name} w=${row.workers}`);
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  printTable(rows);
  if (rows.some((row) => row.name.endsWith('*'))) {
    console.log('  * answers `Connection: close` (no keep-alive): autocannon reconnects after every answer, counts each close in');
    console.log('    `errors` and its latencies for such a server are not meaningful (req/s counts 2xx answers and is)');
  }
  const isOurs = (row) => row.name === 'pyfunc serve' || row.name === ourBatched;
  const ours = rows.filter(isOurs);
  const theirs = rows.filter((row) => !isOurs(row));
  const oursDefault = ours[0];
  const oursBest = best(ours);
  for (const name of [...new Set(theirs.map((row) => row.name))]) {
    const group = theirs.filter((row) => row.name === name);
    // (a `*` server's latency ratios are printed but not meaningful, see above)
    printRatios(`best vs best ${name}`, oursBest, best(group));
    printRatios(`default vs default ${name}`, oursDefault, group[0]);
  }
  const top = best(theirs);
  const a = oursBest.results.get(32);
  const b = top.results.get(32);
  const throughputRatio = a.rps / b.rps;
  const p99Ratio = a.p99 / Math.max(b.p99, 1);
  const verdict = (met) => (met ? 'met' : 'NOT met');
  console.log(`  goals at 32 connections, the best of ours (${oursBest.name} w=${oursBest.workers}) against the best of them (${top.name} w=${top.workers}): ` +
    `throughput ${ratio(throughputRatio)} (goal ≥ 3×: ${verdict(throughputRatio >= 3)}), p99 ${ratio(p99Ratio)} (goal ≤ 0.5×: ${verdict(p99Ratio <= 0.5)})`);
}
console.log(`\nload average at the end ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
process.exit(0);
