#!/usr/bin/env node
// Per-call overhead of PyFuncModel.predict on a trivial model (identity), 1 row and 100k rows:
// ours (a TypeScript PythonModel saved with saveModel, loaded with loadModel; schema enforcement
// on) against MLflow's PyFuncModel.predict on the equivalent Python PythonModel (saved and loaded
// by the oracle Python in the same run). Prints ratios ours/MLflow (below 1 is faster). Not a test.
// Usage: node bench/runtime/predict-bench.mjs [lines=2,3]   (BENCH_ROWS, BENCH_REPEATS_SMALL/LARGE)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runtimeDir = join(root, 'packages', 'runtime');
const lines = (process.argv[2] ?? '2,3').split(',');
const rows = Number(process.env.BENCH_ROWS ?? 100_000);
const repeatsSmall = Number(process.env.BENCH_REPEATS_SMALL ?? 2000);
const repeatsLarge = Number(process.env.BENCH_REPEATS_LARGE ?? 200);

const dir = mkdtempSync(join(tmpdir(), 'predict-bench-'));
try {
  // the built runtime (its saveModel writes the Node runner that sits next to its dist files)
  const runtime = await import(pathToFileURL(join(runtimeDir, 'dist', 'index.js')).href);
  const { Frame, makeColumn } = await import(pathToFileURL(join(runtimeDir, 'node_modules', '@pyfunc', 'format', 'dist', 'index.js')).href);

  const code = join(dir, 'identity-model.ts');
  writeFileSync(code, [
    "import { PythonModel, setModel } from '@pyfunc/runtime';",
    'class Identity extends PythonModel { predict(_context: unknown, input: unknown) { return input; } }',
    'setModel(new Identity());',
  ].join('\n'));
  const frameOf = (n) => new Frame([
    makeColumn('x', Float64Array.from({ length: n }, (_, i) => i + 0.5), 'float64'),
    makeColumn('y', Float64Array.from({ length: n }, (_, i) => i * 2 + 0.5), 'float64'),
  ]);
  const modelDir = join(dir, 'model');
  await runtime.saveModel(modelDir, { modelCode: code, inputExample: frameOf(1) });
  const model = await runtime.loadModel(modelDir);

  const time = async (frame, repeats) => {
    for (let i = 0; i < 5; i++) await model.predict(frame);
    const start = process.hrtime.bigint();
    for (let i = 0; i < repeats; i++) await model.predict(frame);
    return Number(process.hrtime.bigint() - start) / repeats / 1e9;
  };
  const ours = { one_row: await time(frameOf(1), repeatsSmall), many_rows: await time(frameOf(rows), repeatsLarge) };

  const fmt = (seconds) => (seconds < 1e-3 ? `${(seconds * 1e6).toFixed(1)} µs` : `${(seconds * 1e3).toFixed(2)} ms`);
  for (const line of lines) {
    const python = execFileSync('bash', [join(root, 'scripts', 'oracle-venv.sh'), line], { encoding: 'utf8' }).trim().split('\n').at(-1).split(' ')[1];
    const request = { op: 'runtime.bench_predict', cases: [{ rows, repeats_small: Math.min(repeatsSmall, 500), repeats_large: repeatsLarge }] };
    const answer = JSON.parse(execFileSync(python, [join(root, 'test', 'oracle', 'oracle.py')], {
      input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['pipe', 'pipe', 'ignore'],
    }));
    const result = answer.results[0];
    if (result.error) throw new Error(`MLflow ${line}: ${result.error.message}`);
    const pairs = Object.fromEntries(result.ok.$dict.map(([key, value]) => [key, Number(value.$float ?? value)]));
    console.log(`predict, identity PythonModel with a 2-column double signature (MLflow ${line})`);
    for (const [label, name] of [['one_row', '1 row'], ['many_rows', `${rows} rows`]]) {
      console.log(`  ${name.padEnd(12)} ours ${fmt(ours[label]).padStart(10)}  mlflow ${fmt(pairs[label]).padStart(10)}  ours/mlflow ${(ours[label] / pairs[label]).toFixed(3)}×`);
    }
  }
  await model.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
