/**
 * The oracle's Python processes: long-lived `oracle.py --serve` processes (one request line in,
 * one answer line out) pooled by interpreter, working directory and environment, or one process per batch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const oracleScript = join(dirname(fileURLToPath(import.meta.url)), '..', 'oracle.py');

/** Options of `runOracle` (index.ts). */
export interface OracleOptions {
  /** Kills the oracle (and fails the call) after this long; default 300 s. */
  timeoutMs?: number;
  /** Working directory of the Python process (default: the temp dir). */
  cwd?: string;
  /** Extra environment variables of the Python process. */
  env?: Record<string, string>;
  /** A Python process of its own that ends after this batch (default: a shared, long-lived one). */
  fresh?: boolean;
}

/** One long-lived `oracle.py --serve` process: one JSON request line in, one answer line out. */
interface OracleProcess {
  child: ChildProcess;
  stderr: () => string;
  /** Set once the process has exited (or was killed). */
  exited: boolean;
  /** Waiters for the next answer line (one batch at a time per process). */
  pending?: { resolve: (line: string) => void; reject: (error: Error) => void };
  /** Ends the process once it has been idle a while (a test file's gaps are shorter). */
  idleTimer?: NodeJS.Timeout;
}

/** How long an idle serving process waits for another batch before it is ended. */
const IDLE_MS = 45_000;

/** Idle serving processes by (line, cwd, env): a busy one is never shared, a new one starts instead. */
const idle = new Map<string, OracleProcess[]>();

function oracleEnv(options: OracleOptions): NodeJS.ProcessEnv {
  return {
    ...process.env, PYTHONHASHSEED: '0',
    MLFLOW_TRACKING_URI: process.env.MLFLOW_TRACKING_URI ?? `file://${join(tmpdir(), 'pyfunc-oracle-mlruns')}`,
    ...options.env,
  };
}

/** Lets Node exit while an idle process waits (it ends at end of its input, i.e. with Node). */
function setRef(child: ChildProcess, ref: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as (({ ref?: () => void; unref?: () => void }) | null)[]) {
    if (ref) handle?.ref?.(); else handle?.unref?.();
  }
}

function startServing(python: string, options: OracleOptions): OracleProcess {
  // MLflow may create ./mlruns: run where that is harmless, with a scratch tracking store.
  const child = spawn(python, [oracleScript, '--serve'], {
    cwd: options.cwd ?? tmpdir(), env: oracleEnv(options), stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let buffer = '';
  const proc: OracleProcess = { child, stderr: () => stderr, exited: false };
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-8000); });
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const answer = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const waiter = proc.pending;
      proc.pending = undefined;
      waiter?.resolve(answer);
    }
  });
  child.stdin!.on('error', () => { /* reported through 'close' */ });
  child.on('close', (code, signal) => {
    proc.exited = true;
    const waiter = proc.pending;
    proc.pending = undefined;
    waiter?.reject(new Error(`exited ${code ?? signal}: ${stderr.slice(-4000)}`));
  });
  return proc;
}

/** Sends one request line to an idle serving process of `python` (starting one if none is idle); resolves with the answer line. */
export async function runServed(python: string, request: string, options: OracleOptions): Promise<string> {
  const key = JSON.stringify([python, options.cwd ?? null, options.env ?? {}]);
  const pool = idle.get(key) ?? [];
  idle.set(key, pool);
  let proc = pool.pop();
  while (proc !== undefined && proc.exited) proc = pool.pop();
  proc ??= startServing(python, options);
  const serving = proc;
  clearTimeout(serving.idleTimer);
  setRef(serving.child, true);
  const answer = new Promise<string>((resolve, reject) => { serving.pending = { resolve, reject }; });
  const timer = setTimeout(() => serving.child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  serving.child.stdin!.write(`${request}\n`);
  try {
    const text = await answer;
    pool.push(serving);
    serving.idleTimer = setTimeout(() => {
      const at = pool.indexOf(serving);
      if (at >= 0) pool.splice(at, 1);
      serving.child.stdin!.end();
    }, IDLE_MS);
    serving.idleTimer.unref();
    return text;
  } finally {
    clearTimeout(timer);
    setRef(serving.child, false);
  }
}

/** Runs one request in a Python process of its own; resolves with its output. */
export function runOnce(python: string, request: string, options: OracleOptions): Promise<string> {
  const child = spawn(python, [oracleScript], {
    cwd: options.cwd ?? tmpdir(), env: oracleEnv(options), stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  child.stdin.end(request);
  return new Promise((resolve, reject) => child.on('close', (code) => {
    clearTimeout(timer);
    if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
    else reject(new Error(`exited ${code}: ${Buffer.concat(stderr).toString().slice(-4000)}`));
  }));
}

