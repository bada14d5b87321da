#!/usr/bin/env node
// MLmodel load (read + parse + build Model) and write (toYaml), per file over the real-model
// corpus, ours against MLflow's Model.load / to_yaml in the same run. Prints ratios
// (ours / MLflow; below 1 is faster). Goal (issue 3): <= 0.2x.
import { execFileSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Model } from '@pyfunc/format';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const iterations = Number(process.env.BENCH_ITERATIONS ?? 200);
const corpus = join(root, 'test', 'fixtures', 'real-models');
const candidates = readdirSync(corpus).map((d) => join(corpus, d, 'MLmodel')).filter((p) => existsSync(p));

const loadable = [];
for (const path of candidates) {
  try { await Model.load(path); loadable.push(path); } catch { /* invalid files are not timed */ }
}

export async function benchFormat(lines = ['2', '3']) {
  const ours = {};
  for (const path of loadable) {
    const model = await Model.load(path);
    for (let i = 0; i < 20; i++) (await Model.load(path)).toYaml();
    let start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await Model.load(path);
    const loadUs = Number(process.hrtime.bigint() - start) / iterations / 1000;
    start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) model.toYaml();
    const writeUs = Number(process.hrtime.bigint() - start) / iterations / 1000;
    ours[path] = { load_us: loadUs, write_us: writeUs };
  }
  const results = [];
  for (const line of lines) {
    const python = execFileSync('bash', [join(root, 'scripts', 'oracle-venv.sh'), line], { encoding: 'utf8' }).trim().split(' ')[1];
    const theirs = JSON.parse(execFileSync(python, [join(root, 'bench', 'format', 'mlflow_side.py'), String(iterations)], {
      input: JSON.stringify(loadable), encoding: 'utf8', maxBuffer: 64 << 20,
    }));
    const geo = (values) => Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
    const loadRatios = loadable.map((p) => ours[p].load_us / theirs[p].load_us);
    const writeRatios = loadable.map((p) => ours[p].write_us / theirs[p].write_us);
    const sum = (o, k) => loadable.reduce((s, p) => s + o[p][k], 0);
    results.push({
      line, files: loadable.length,
      load: { ratio: geo(loadRatios), worst: Math.max(...loadRatios), oursUs: sum(ours, 'load_us') / loadable.length, mlflowUs: sum(theirs, 'load_us') / loadable.length },
      write: { ratio: geo(writeRatios), worst: Math.max(...writeRatios), oursUs: sum(ours, 'write_us') / loadable.length, mlflowUs: sum(theirs, 'write_us') / loadable.length },
    });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await benchFormat();
  for (const r of results) {
    for (const op of ['load', 'write']) {
      const x = r[op];
      console.log(`format ${op.padEnd(5)} vs mlflow ${r.line}: ours/mlflow ${x.ratio.toFixed(3)}x (geometric mean over ${r.files} files; worst file ${x.worst.toFixed(3)}x; mean ${x.oursUs.toFixed(1)} us vs ${x.mlflowUs.toFixed(1)} us)`);
    }
  }
}
