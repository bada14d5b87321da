/**
 * Test helper: a real `mlflow server` from an oracle virtualenv, on a free loopback port, with
 * a SQLite backend in a fresh temporary directory. Both lines serve artifacts by default
 * (`--serve-artifacts` defaults to true in 2.22 and 3.x), so the helper passes
 * `--no-serve-artifacts --default-artifact-root <dir>/artifacts` unless artifact serving is asked for,
 * then `--serve-artifacts --artifacts-destination <dir>/mlartifacts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { oraclePython, type OracleLine } from '../../../test/oracle/src/index.js';

/** A running server. */
export interface MlflowServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The temporary directory holding `mlflow.db` and the artifacts. */
  dir: string;
  /** The server's combined output so far (for failure messages). */
  log(): string;
  /** Kills the server's whole process group and waits for it; removes `dir`. */
  stop(): Promise<void>;
}

/** A free loopback TCP port (bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts `mlflow server` of `line` and waits (at most `readyTimeoutMs`, default 180 s) until
 * `GET /api/2.0/mlflow/experiments/get-by-name?experiment_name=Default` answers 200.
 */
export async function startMlflowServer(line: OracleLine,
  options: { serveArtifacts?: boolean; readyTimeoutMs?: number } = {}): Promise<MlflowServer> {
  const python = oraclePython(line);
  const mlflowBin = join(dirname(python), 'mlflow');
  const dir = mkdtempSync(join(tmpdir(), `pyfunc-mlflow${line}-server-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const artifactArgs = options.serveArtifacts === true
    ? ['--serve-artifacts', '--artifacts-destination', join(dir, 'mlartifacts')]
    : ['--no-serve-artifacts', '--default-artifact-root', join(dir, 'artifacts')];
  const child = spawn(mlflowBin, [
    'server', '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`, ...artifactArgs,
    '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
  ], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // 3.x starts huey job consumers (7 processes) unless job execution is off; tests need none.
    env: { ...process.env, MLFLOW_TRACKING_URI: '', PYTHONUNBUFFERED: '1', MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' },
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
    await exited(child);
    clearTimeout(timer);
    // Workers may outlive the master for a moment.
    killGroup(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
  const probe = `${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`mlflow ${line} server exited early (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    try {
      const response = await fetch(probe, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) break;
      await response.body?.cancel();
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mlflow ${line} server not ready at ${url} within the time limit:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return { url, dir, log: () => output, stop };
}
