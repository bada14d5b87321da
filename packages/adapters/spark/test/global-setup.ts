/** Builds what the Spark tests need on a fresh machine: the spark oracle virtualenv and dist/. */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(packageDir, '..', '..', '..');

export default function setup(): void {
  // dist/spark-worker.js is what the Python shim starts on executors
  execFileSync('npx', ['tsup'], { cwd: packageDir, stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  const output = execFileSync('bash', [join(repoRoot, 'scripts', 'oracle-venv.sh'), 'spark'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 20 * 60_000,
  });
  process.env.PYFUNC_SPARK_TEST_PYTHON = output.trim().split('\n').at(-1)!.split(' ')[1]!;
}
