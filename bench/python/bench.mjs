// Benchmark of @pyfunc/python against MLflow inside Python (one run, printed as ratios).
//   node bench/python/bench.mjs [--line 3] [--rows 1000000] [--big-runs 5] [--cold-runs 3]
// Needs `pnpm --filter @pyfunc/python build` and the oracle virtualenvs (scripts/oracle-venv.sh).
// 1. 1-row latency p50/p99: Node -> worker -> predict, minus Python's own predict time on 1 row.
// 2. 1M-row throughput: rows/s through the worker vs `load_model(...).predict` in Python (best of --big-runs).
// 3. Cold start: load + first predict from Node vs Python's own import (numpy, pandas, mlflow) +
//    load_model + predict; medians of --cold-runs (3) alternating samples.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Frame } from '@pyfunc/format';
import { loadModel, workerPids } from '../../packages/python/dist/index.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const line = opt('line', '3');
const rows = Number(opt('rows', '1000000'));
const bigRuns = Number(opt('big-runs', '5')); // best of, on each side
const python = execFileSync('bash', [join(import.meta.dirname, '..', '..', 'scripts', 'oracle-venv.sh'), line], { encoding: 'utf8' })
  .trim().split('\n').at(-1).split(' ')[1];
const dir = mkdtempSync(join(tmpdir(), 'pyfunc-bench-'));
const modelDir = join(dir, 'model');

function seeded(seed) {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
const random = seeded(42);
const columns = (n) => Object.fromEntries(['f0', 'f1', 'f2', 'f3'].map((name) => [name, Float64Array.from({ length: n }, () => random() * 4 - 2)]));

// the model, and the data files Python reads for its side of the comparison
const big = columns(rows);
const one = columns(1);
for (const [name, values] of Object.entries(big)) writeFileSync(join(dir, `${name}.bin`), values);
for (const [name, values] of Object.entries(one)) writeFileSync(join(dir, `${name}.one.bin`), values);
// t0 is taken before numpy/pandas are imported: they are part of what importing mlflow.pyfunc costs,
// and the worker on the Node side pays for them too (the interpreter's own start-up is excluded)
const script = `
import sys, time, json, os
t0 = time.perf_counter()
import numpy as np, pandas as pd
d = sys.argv[1]
mode = sys.argv[2]
import mlflow.pyfunc, mlflow.sklearn
if mode == "save":
    from sklearn.linear_model import LogisticRegression
    rng = np.random.default_rng(0)
    x = pd.DataFrame({f"f{i}": rng.normal(size=500) for i in range(4)})
    y = (x.f0 + x.f1 > 0).astype(int)
    mlflow.sklearn.save_model(LogisticRegression().fit(x, y), os.path.join(d, "model"), pip_requirements=["scikit-learn"])
    sys.exit(0)
cols = ["f0", "f1", "f2", "f3"]
one = pd.DataFrame({c: np.fromfile(os.path.join(d, c + ".one.bin"), dtype="<f8") for c in cols})
m = mlflow.pyfunc.load_model(os.path.join(d, "model"), suppress_warnings=True)
m.predict(one)
cold = time.perf_counter() - t0
if mode == "cold":
    print(json.dumps({"cold": cold}))
    sys.exit(0)
big = pd.DataFrame({c: np.fromfile(os.path.join(d, c + ".bin"), dtype="<f8") for c in cols})
ts = []
for _ in range(300):
    t = time.perf_counter(); m.predict(one); ts.append(time.perf_counter() - t)
ts.sort()
bt = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter(); m.predict(big); bt.append(time.perf_counter() - t)
print(json.dumps({"cold": cold, "p50": ts[len(ts)//2], "p99": ts[int(len(ts)*0.99)], "big": min(bt)}))
`;
writeFileSync(join(dir, 'bench.py'), script);
execFileSync(python, [join(dir, 'bench.py'), dir, 'save'], { stdio: 'ignore' });
const py = JSON.parse(execFileSync(python, [join(dir, 'bench.py'), dir, 'run', String(bigRuns)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').at(-1));

const oneFrame = Frame.fromColumns(one);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const runPython = (mode) => JSON.parse(execFileSync(python, [join(dir, 'bench.py'), dir, mode, String(bigRuns)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').at(-1));
async function nodeCold() {
  const t0 = performance.now();
  const loaded = await loadModel(modelDir, { envManager: 'local', python, workers: 1, suppressWarnings: true });
  await loaded.predict(oneFrame);
  const seconds = (performance.now() - t0) / 1000;
  return { loaded, seconds };
}
// cold start: a few samples of each side, alternating (one sample is mostly noise on a busy machine)
const coldRuns = Number(opt('cold-runs', '3'));
const pyColds = [py.cold];
const nodeColds = [];
let model;
for (let i = 0; i < coldRuns; i++) {
  const { loaded, seconds } = await nodeCold();
  nodeColds.push(seconds);
  if (i < coldRuns - 1) await loaded.close();
  else model = loaded;
  if (pyColds.length < coldRuns) pyColds.push(runPython('cold').cold);
}
const cold = median(nodeColds);
py.cold = median(pyColds);
const ts = [];
for (let i = 0; i < 300; i++) {
  const t = performance.now();
  await model.predict(oneFrame);
  ts.push((performance.now() - t) / 1000);
}
ts.sort((a, b) => a - b);
const bigFrame = Frame.fromColumns(big);
const bt = [];
for (let i = 0; i < bigRuns; i++) {
  const t = performance.now();
  await model.predict(bigFrame);
  bt.push((performance.now() - t) / 1000);
}
await model.close();
// sustained: the default pool with two requests in flight per worker (rows/s over all of them)
const pool = await loadModel(modelDir, { envManager: 'local', python, suppressWarnings: true });
const poolSize = workerPids(pool).length;
await Promise.all(workerPids(pool).map(() => pool.predict(bigFrame)));
const sustainedRequests = Math.max(8, 4 * poolSize);
let started = 0;
const st = performance.now();
await Promise.all(Array.from({ length: 2 * poolSize }, async () => {
  while (started < sustainedRequests) { started++; await pool.predict(bigFrame); }
}));
const sustained = (sustainedRequests * rows) / ((performance.now() - st) / 1000);
await pool.close();
const node = { cold, p50: ts[150], p99: ts[Math.floor(300 * 0.99)], big: Math.min(...bt) };
const us = (s) => `${(s * 1e6).toFixed(0)} µs`;
console.log(`MLflow ${line}, scikit-learn LogisticRegression, 4 float columns`);
console.log(`1-row latency  node p50 ${us(node.p50)} p99 ${us(node.p99)} | python p50 ${us(py.p50)} p99 ${us(py.p99)} | overhead p50 ${us(node.p50 - py.p50)} (goal <= 300 µs)`);
console.log(`${rows} rows     node ${(rows / node.big / 1e6).toFixed(2)} M rows/s | python ${(rows / py.big / 1e6).toFixed(2)} M rows/s | ratio ${(py.big / node.big).toFixed(2)}x (goal >= 0.8x)`);
console.log(`${rows} rows     sustained, default pool of ${poolSize} workers, ${2 * poolSize} in flight: ${(sustained / 1e6).toFixed(2)} M rows/s | ratio ${(sustained * py.big / rows).toFixed(2)}x of one Python process`);
console.log(`cold start     node ${node.cold.toFixed(2)} s | python ${py.cold.toFixed(2)} s | ratio ${(node.cold / py.cold).toFixed(2)}x (goal <= 1.0x; medians of ${coldRuns})`);
