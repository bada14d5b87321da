/**
 * Starts real `mlflow models serve --env-manager local` (any package's tests) on a free loopback port, waits for it
 * with a bounded poll, and stops it by process id (its process group).
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { oraclePython, type OracleLine } from './index.js';

/** A running MLflow scoring server. */
export interface MlflowServer {
  url: string;
  stop(): Promise<void>;
}

/** A free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/**
 * MLflow 2.22's scoring app uses `FastAPI.route`, which the oracle venv's FastAPI/Starlette 1.x
 * no longer have; its contemporaneous FastAPI 0.115 / Starlette 0.46 go on PYTHONPATH for line 2.
 */
function overlayFor(line: OracleLine): string | undefined {
  if (line !== '2') return undefined;
  const dir = join(homedir(), '.cache', 'pyfunc-ts', 'http-overlay-mlflow2');
  if (!existsSync(join(dir, 'starlette'))) {
    execFileSync('python3', ['-m', 'pip', 'install', '-q', '--no-deps', '--target', dir, 'fastapi==0.115.12', 'starlette==0.46.2'],
      { stdio: 'ignore', timeout: 300_000 });
  }
  return dir;
}

/** Starts `mlflow models serve` for `modelDir`; rejects if it is not up within `timeoutMs`. */
export async function startMlflowServer(line: OracleLine, modelDir: string, options: { timeoutSeconds?: number; timeoutMs?: number } = {}): Promise<MlflowServer> {
  const python = oraclePython(line);
  const port = await freePort();
  const overlay = overlayFor(line);
  const args = ['-m', 'mlflow', 'models', 'serve', '-m', modelDir, '--env-manager', 'local', '-p', String(port), '-h', '127.0.0.1'];
  if (options.timeoutSeconds !== undefined) args.push('-t', String(options.timeoutSeconds));
  const child = spawn(python, args, {
    cwd: tmpdir(),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      PATH: `${dirname(python)}:${process.env.PATH ?? ''}`,
      ...(overlay === undefined ? {} : { PYTHONPATH: overlay }),
      MLFLOW_TRACKING_URI: `file://${join(tmpdir(), 'pyfunc-http-mlruns')}`,
    },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  let exited = false;
  child.on('exit', () => { exited = true; });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (exited || child.pid === undefined) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await gone;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (exited) throw new Error(`mlflow models serve exited early: ${stderr}`);
    try {
      const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return { url, stop };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`mlflow models serve did not answer /ping within the limit: ${stderr}`);
}
