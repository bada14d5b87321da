/** Runs a batch of cases through real MLflow's spark_udf and ours, in one Python + Spark start. */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const testDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(testDir, '..', '..', '..', '..');

/** The spark line's interpreter (built by scripts/oracle-venv.sh spark). */
export function sparkPython(): string {
  if (process.env.PYFUNC_SPARK_TEST_PYTHON !== undefined) return process.env.PYFUNC_SPARK_TEST_PYTHON;
  const output = execFileSync('bash', [join(repoRoot, 'scripts', 'oracle-venv.sh'), 'spark'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 20 * 60_000,
  });
  return output.trim().split('\n').at(-1)!.split(' ')[1]!;
}

/** One case (see test/spark_cases.py). */
export interface SparkCase {
  id: string;
  model?: string;
  model_path?: string;
  data?: { schema: string; rows: unknown[][]; partitions?: number };
  args?: (string | { struct: string[] })[] | null;
  result_type?: string | null;
  params?: Record<string, unknown>;
  model_config?: Record<string, unknown>;
  extra_env?: Record<string, string>;
  env_manager?: string;
  conf?: Record<string, string>;
  impls?: ('mlflow' | 'ours')[];
  create_only?: boolean;
  jobs?: number;
  load_log?: string;
}

/** What one implementation answered. */
export interface ImplResult {
  rows?: unknown[];
  type?: string;
  error?: string;
  stage?: 'create' | 'apply' | 'collect';
  created?: boolean;
  loads?: number;
  metadata?: boolean;
}

export type CaseResults = Record<string, { mlflow?: ImplResult; ours?: ImplResult; driver_error?: string }>;

/** A fresh work directory under the temp dir. */
export function workDir(name: string): string {
  const dir = join(tmpdir(), `pyfunc-spark-${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs the cases (one SparkSession) and returns the results by case id. */
export async function runSparkCases(cases: SparkCase[], dir: string): Promise<CaseResults> {
  const python = sparkPython();
  const casesFile = join(dir, 'cases.json');
  writeFileSync(casesFile, JSON.stringify(cases));
  await new Promise<void>((resolve, reject) => {
    execFile(python, [join(testDir, 'spark_cases.py'), casesFile, dir], {
      env: { ...process.env, PYSPARK_PYTHON: python, PYSPARK_DRIVER_PYTHON: python, PYFUNC_NODE: process.execPath },
      maxBuffer: 64 << 20, timeout: 8 * 60_000,
    }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`spark_cases.py failed: ${error.message}\n${stderr.slice(-4000)}`));
      else resolve();
    });
  });
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as CaseResults;
}

/** The first line of MLflow's message inside a Spark error text (after the exception class). */
export function mlflowMessage(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const match = /MlflowException: (.*)/.exec(text);
  return match?.[1]?.trim();
}
