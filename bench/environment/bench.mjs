#!/usr/bin/env node
// Restore time of one scikit-learn model's environment (saved by MLflow 2.22), cold (empty
// environment cache) and warm (cached), ours (uv and virtualenv managers) against
// `mlflow models prepare-env --env-manager uv|virtualenv` of both oracle lines, in one run.
// pip's and uv's download caches are warm for everyone (they persist on this machine), and
// uv is installed before timing (MLflow needs it on PATH too). Prints ratios ours/MLflow
// (below 1 is faster). Goals (issue 4): cold <= 0.5x MLflow's fastest manager; warm hit <= 50 ms.
// Not a test. Run: node bench/environment/bench.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { ensureUv, uvEnvManager, virtualenvEnvManager } = await import(
  pathToFileURL(join(root, 'packages', 'environment', 'src', 'managers-index.ts')).href);

const work = mkdtempSync(join(tmpdir(), 'pyfunc-bench-env-'));
const oraclePython = (line) => execFileSync('bash', [join(root, 'scripts', 'oracle-venv.sh'), line], { encoding: 'utf8' })
  .trim().split('\n').at(-1).split(' ')[1];
const lines = (process.env.BENCH_LINES ?? '2,3').split(',');
const modelDir = join(work, 'model');
execFileSync(oraclePython('2'), ['-c', [
  'import sys, numpy as np, mlflow.sklearn',
  'from sklearn.linear_model import LogisticRegression',
  'mlflow.sklearn.save_model(LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1]), sys.argv[1])',
].join('\n'), modelDir], { stdio: ['ignore', 'ignore', 'inherit'] });

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const results = [];
let started = performance.now();
const uv = await ensureUv({ cacheDir: join(work, 'tools') });
console.log(`uv tool environment (pip install uv from PyPI, once per cache): ${seconds(performance.now() - started)}`);

for (const [label, manager, options] of [
  ['ours uv', uvEnvManager, { uv }], ['ours virtualenv', virtualenvEnvManager, { pyenv: false }],
]) {
  const cacheDir = join(work, `cache-${manager.name}`);
  started = performance.now();
  const environment = await manager.prepare(modelDir, { ...options, cacheDir });
  const cold = performance.now() - started;
  const warmRuns = [];
  for (let i = 0; i < 20; i++) {
    started = performance.now();
    await manager.prepare(modelDir, { ...options, cacheDir });
    warmRuns.push(performance.now() - started);
  }
  warmRuns.sort((a, b) => a - b);
  results.push({ label, cold, warm: warmRuns[10], built: environment.built });
}

for (const line of lines) {
  const python = oraclePython(line);
  for (const envManager of ['uv', 'virtualenv']) {
    const label = `mlflow ${line} ${envManager}`;
    const envRoot = join(work, `mlflow${line}-${envManager}`);
    const run = () => {
      const t0 = performance.now();
      const result = spawnSync(python, ['-m', 'mlflow', 'models', 'prepare-env', '-m', modelDir, '--env-manager', envManager], {
        env: { ...process.env, MLFLOW_ENV_ROOT: envRoot, PATH: `${dirname(uv)}:${process.env.PATH}` },
        encoding: 'utf8', timeout: 20 * 60_000,
      });
      return { ms: performance.now() - t0, ok: result.status === 0, why: (result.stderr || result.stdout || '').trim().split('\n').slice(-2).join(' | ') };
    };
    const cold = run();
    if (!cold.ok) {
      results.push({ label, error: cold.why });
      continue;
    }
    const warm = run();
    results.push({ label, cold: cold.ms, warm: warm.ok ? warm.ms : undefined });
  }
}

console.log('\nrestore time (cold = empty environment cache; warm = cached):');
for (const r of results) {
  console.log(r.error ? `  ${r.label.padEnd(22)} could not run: ${r.error}`
    : `  ${r.label.padEnd(22)} cold ${seconds(r.cold).padStart(9)}   warm ${r.warm === undefined ? '   n/a' : `${r.warm.toFixed(1).padStart(8)} ms`}`);
}
const mlflowRuns = results.filter((r) => r.label.startsWith('mlflow') && !r.error);
if (mlflowRuns.length > 0) {
  const fastestCold = mlflowRuns.reduce((a, b) => (a.cold < b.cold ? a : b));
  const fastestWarm = mlflowRuns.filter((r) => r.warm !== undefined).reduce((a, b) => (a.warm < b.warm ? a : b), { warm: Infinity });
  console.log(`\nratios against MLflow's fastest (cold: ${fastestCold.label}; warm: ${fastestWarm.label ?? 'n/a'}):`);
  for (const r of results.filter((x) => x.label.startsWith('ours'))) {
    console.log(`  ${r.label.padEnd(22)} cold ${(r.cold / fastestCold.cold).toFixed(2)}x   warm ${(r.warm / fastestWarm.warm).toFixed(4)}x (${r.warm.toFixed(1)} ms)`);
  }
  for (const r of results.filter((x) => x.label.startsWith('ours'))) {
    for (const m of mlflowRuns) {
      console.log(`  ${r.label} / ${m.label}: cold ${(r.cold / m.cold).toFixed(2)}x${m.warm ? `, warm ${(r.warm / m.warm).toFixed(4)}x` : ''}`);
    }
  }
}
rmSync(work, { recursive: true, force: true });
