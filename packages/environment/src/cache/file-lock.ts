/**
 * A cross-process lock file: created with O_EXCL, holding the owner's pid, host and a token,
 * its mtime refreshed while held. A lock whose owner is dead (same host) or whose heartbeat
 * stopped (another host) is broken, so a SIGKILLed holder never blocks others for long.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { MlflowException } from '@pyfunc/format';

/** Options of {@link acquireFileLock}. */
export interface FileLockOptions {
  /** Give up after this long (default 30 minutes: a cold build can be slow). */
  timeoutMs?: number;
  /** A lock from another host not refreshed for this long is stale (default 120 s). */
  staleMs?: number;
  /** How often the holder refreshes the lock (default 10 s). */
  heartbeatMs?: number;
  signal?: AbortSignal;
  /** Called once when the lock is held by someone else and we start waiting. */
  onWait?: (owner: LockOwner | undefined) => void;
}

/** Who holds a lock, as written in the lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  acquiredAt: string;
}

/** A held lock. */
export interface FileLock {
  readonly path: string;
  /** True while the lock file is still ours. */
  isHeld(): Promise<boolean>;
  release(): Promise<void>;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const value: unknown = JSON.parse(await fs.readFile(path, 'utf8'));
    if (typeof value === 'object' && value !== null && 'pid' in value && 'token' in value) return value as LockOwner;
  } catch { /* missing or being written */ }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  const owner = await readOwner(path);
  if (owner !== undefined && owner.host === hostname()) return !processAlive(owner.pid);
  try {
    const stat = await fs.stat(path);
    // an unreadable owner on our host: a writer killed between create and write
    return Date.now() - stat.mtimeMs > (owner === undefined ? Math.min(staleMs, 5_000) : staleMs);
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the lock at `path`, waiting (polling) while another live process holds it.
 * @throws {MlflowException} DEADLINE_EXCEEDED after `timeoutMs`; CANCELLED when `signal` aborts.
 */
export async function acquireFileLock(path: string, options: FileLockOptions = {}): Promise<FileLock> {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const staleMs = options.staleMs ?? 120_000;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const owner: LockOwner = {
    pid: process.pid, host: hostname(), token: randomBytes(12).toString('hex'), acquiredAt: new Date().toISOString(),
  };
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  let delay = 25;
  for (;;) {
    if (options.signal?.aborted) throw new MlflowException('CANCELLED', `Cancelled while waiting for the lock ${path}`);
    try {
      const handle = await fs.open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new MlflowException('IO_ERROR', `Could not create the lock file ${path}: ${(error as Error).message}`, { path, cause: error });
      }
    }
    if (await isStale(path, staleMs)) {
      // move the stale file aside under a unique name; only one breaker wins the rename
      const aside = `${path}.stale-${owner.token}`;
      try {
        await fs.rename(path, aside);
        await fs.rm(aside, { force: true });
      } catch { /* someone else broke it first */ }
      continue;
    }
    if (!waited) {
      waited = true;
      options.onWait?.(await readOwner(path));
    }
    if (Date.now() > deadline) {
      const holder = await readOwner(path);
      throw new MlflowException('DEADLINE_EXCEEDED',
        `Timed out after ${timeoutMs} ms waiting for the lock ${path}${holder ? ` held by pid ${holder.pid} on ${holder.host}` : ''}`, { path });
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(path, now, now).catch(() => undefined);
  }, heartbeatMs);
  heartbeat.unref();
  const isHeld = async () => (await readOwner(path))?.token === owner.token;
  return {
    path,
    isHeld,
    async release() {
      clearInterval(heartbeat);
      if (await isHeld()) await fs.rm(path, { force: true });
    },
  };
}
