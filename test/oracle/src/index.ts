/**
 * Test-only access to the oracle: real MLflow from PyPI, in the cached virtualenvs built by
 * scripts/oracle-venv.sh (one per MLflow line). Cases go in as one batch per Python start.
 */
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PyValue } from '@pyfunc/format';
import { decodeTagged, encodeTagged } from './codec.js';

export { decodeTagged, encodeTagged, parseIsoDateTime } from './codec.js';

const oracleDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = join(oracleDir, '..', '..');

/** An MLflow line the oracle runs: '2' is 2.22.x, '3' the newest 3.x (pinned in requirements-mlflow*.txt). */
export type OracleLine = '2' | '3';

/** The lines every differential test runs against; `PYFUNC_ORACLE_LINES=2` narrows it. */
export const oracleLines: OracleLine[] = (process.env.PYFUNC_ORACLE_LINES ?? '2,3')
  .split(',').map((line) => line.trim()).filter((line): line is OracleLine => line === '2' || line === '3');

const pythonByLine = new Map<OracleLine, string>();

/** The Python interpreter of a line's oracle virtualenv, building it once if needed. */
export function oraclePython(line: OracleLine): string {
  const known = pythonByLine.get(line) ?? process.env[`PYFUNC_ORACLE_PYTHON_${line}`];
  if (known !== undefined) return known;
  const output = execFileSync('bash', [join(repoRoot, 'scripts', 'oracle-venv.sh'), line], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000,
  });
  const python = output.trim().split('\n').at(-1)!.split(' ')[1]!;
  pythonByLine.set(line, python);
  return python;
}

/** What MLflow answered for one case. */
export type OracleResult =
  | { ok: PyValue; error?: undefined }
  | { ok?: undefined; error: { type: string; message: string; code: string | null; trace?: string | null } };

/** Runs `cases` through `op` (an ops_<area>.py function) in one Python process. */
export async function runOracle(line: OracleLine, op: string, cases: unknown[],
  options: { timeoutMs?: number; cwd?: string; env?: Record<string, string> } = {}): Promise<OracleResult[]> {
  const python = oraclePython(line);
  // MLflow may create ./mlruns: run where that is harmless, with a scratch tracking store.
  const child = spawn(python, [join(oracleDir, 'oracle.py')], {
    cwd: options.cwd ?? tmpdir(),
    env: {
      ...process.env, PYTHONHASHSEED: '0',
      MLFLOW_TRACKING_URI: process.env.MLFLOW_TRACKING_URI ?? `file://${join(tmpdir(), 'pyfunc-oracle-mlruns')}`,
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  child.stdin.end(JSON.stringify({ op, cases: cases.map((c) => encodeTagged(c)) }));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(`oracle ${op} (mlflow ${line}) exited ${code}: ${Buffer.concat(stderr).toString().slice(-4000)}`);
  }
  const answer = JSON.parse(Buffer.concat(stdout).toString('utf8')) as { results: unknown[] };
  return answer.results.map((result) => {
    const r = result as { ok?: unknown; error?: OracleResult['error'] };
    return r.error !== undefined ? { error: r.error } : { ok: decodeTagged(r.ok) };
  });
}
