// Rows/second of ours against MLflow's spark_udf on the same job; prints the ratio.
// Usage (after `pnpm --filter @pyfunc/spark build`): node bench/spark/bench.mjs [rows] [partitions] [rounds]
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const [rows = '400000', partitions = '8', rounds = '3'] = process.argv.slice(2);
const python = execFileSync('bash', [join(repoRoot, 'scripts', 'oracle-venv.sh'), 'spark'], { encoding: 'utf8' })
  .trim().split('\n').at(-1).split(' ')[1];
const work = join(tmpdir(), 'pyfunc-spark-bench');
mkdirSync(work, { recursive: true });
const output = execFileSync(python, [join(here, 'bench_udf.py'), work, rows, partitions, rounds], {
  encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, PYSPARK_PYTHON: python, PYSPARK_DRIVER_PYTHON: python, PYFUNC_NODE: process.execPath },
});
const result = JSON.parse(output.trim().split('\n').at(-1));
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`rows=${rows} partitions=${partitions} (local[2], sklearn LogisticRegression, result_type=long)`);
console.log(`mlflow spark_udf: ${fmt(result.mlflow.rows_per_second)} rows/s (${result.mlflow.seconds.toFixed(2)} s)`);
console.log(`ours:             ${fmt(result.ours.rows_per_second)} rows/s (${result.ours.seconds.toFixed(2)} s)`);
console.log(`ours/mlflow ${(result.ours.rows_per_second / result.mlflow.rows_per_second).toFixed(2)}×`);
