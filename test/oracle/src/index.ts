/**
 * Test-only access to the oracle: real MLflow from PyPI, in the cached virtualenvs built by
 * scripts/oracle-venv.sh (one per MLflow line). Cases go in as one batch per Python start.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PyValue } from '@pyfunc/format';
import { decodeTagged, encodeTagged } from './codec.js';
import { runOnce, runServed, type OracleOptions } from './oracle-process.js';

export { decodeTagged, encodeTagged, parseIsoDateTime } from './codec.js';
export type { OracleOptions } from './oracle-process.js';

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

/**
 * Runs `cases` through `op` (an ops_<area>.py function). Batches with the same line, `cwd` and
 * `env` share one long-lived Python process (one `import mlflow` per test file, not per call;
 * concurrent batches get processes of their own); `fresh: true` (or PYFUNC_ORACLE_FRESH=1) runs
 * the batch in a Python process started for it alone.
 */
export async function runOracle(line: OracleLine, op: string, cases: unknown[], options: OracleOptions = {}): Promise<OracleResult[]> {
  const request = JSON.stringify({ op, cases: cases.map((c) => encodeTagged(c)) });
  const fresh = options.fresh === true || process.env.PYFUNC_ORACLE_FRESH === '1';
  const python = oraclePython(line);
  let text: string;
  try {
    text = await (fresh ? runOnce(python, request, options) : runServed(python, request, options));
  } catch (error) {
    throw new Error(`oracle ${op} (mlflow ${line}) ${(error as Error).message}`);
  }
  const answer = JSON.parse(text) as { results?: unknown[]; fatal?: string };
  if (answer.results === undefined) throw new Error(`oracle ${op} (mlflow ${line}) failed: ${answer.fatal ?? text.slice(0, 2000)}`);
  return answer.results.map((result) => {
    const r = result as { ok?: unknown; error?: OracleResult['error'] };
    return r.error !== undefined ? { error: r.error } : { ok: decodeTagged(r.ok) };
  });
}
