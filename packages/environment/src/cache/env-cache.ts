/**
 * The content-addressed cache of built environments: `<root>/<name>` where `name` is the
 * MLflow environment name (a hash of the python env and its requirements, environment.md
 * 10.6), so models with the same requirements share one environment.
 *
 * Builds run in `<root>/.building/<name>.<pid>.<random>` under a cross-process lock and are
 * renamed into place only when complete, with a marker file inside; a directory without the
 * marker is never taken for a finished environment.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { MlflowException, silentLogger, type Logger } from '@pyfunc/format';
import { acquireFileLock, type LockOwner } from './file-lock.js';

const hostTag = createHash('sha1').update(hostname()).digest('hex').slice(0, 8);

/** The file written into a finished environment; its presence means "complete". */
export const ENV_COMPLETE_MARKER = '.pyfunc-env.json';

/**
 * `$PYFUNC_ENV_CACHE`, else `$XDG_CACHE_HOME/pyfunc-ts/envs`, else `~/.cache/pyfunc-ts/envs`.
 */
export function defaultEnvCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PYFUNC_ENV_CACHE) return env.PYFUNC_ENV_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pyfunc-ts', 'envs');
}

/** Options of {@link EnvCache.getOrBuild}. */
export interface GetOrBuildOptions {
  logger?: Logger;
  signal?: AbortSignal;
  /** Called when another process is building the same environment and we wait for it. */
  onWait?: (owner: LockOwner | undefined) => void;
  lockTimeoutMs?: number;
  /**
   * Build at the final path instead of a temporary one (environments that cannot move, such
   * as conda's); completeness is still only the marker, and a failed build is removed.
   */
  inPlace?: boolean;
  /** Written into the marker file. */
  metadata?: Record<string, unknown>;
}

/** What {@link EnvCache.getOrBuild} returns. */
export interface CacheEntry {
  path: string;
  /** False when an existing environment was reused. */
  built: boolean;
}

async function rewriteVenvPaths(dir: string, from: string, to: string): Promise<void> {
  // venv and pip write absolute paths into activation scripts and script shebangs
  const candidates: string[] = [join(dir, 'pyvenv.cfg')];
  try {
    for (const entry of await fs.readdir(join(dir, 'bin'), { withFileTypes: true })) {
      if (entry.isFile()) candidates.push(join(dir, 'bin', entry.name));
    }
  } catch { /* no bin/: not a venv */ }
  const needle = Buffer.from(from);
  for (const file of candidates) {
    let content: Buffer;
    try {
      const stat = await fs.stat(file);
      if (stat.size > 4 * 1024 * 1024) continue;
      content = await fs.readFile(file);
    } catch { continue; }
    if (content.subarray(0, 8192).includes(0) || !content.includes(needle)) continue;
    const text = content.toString('utf8').split(from).join(to);
    const stat = await fs.stat(file);
    const temp = `${file}.relocate-${randomBytes(4).toString('hex')}`;
    await fs.writeFile(temp, text, { mode: stat.mode });
    await fs.rename(temp, file);
  }
}

/** A directory of built environments keyed by environment name. */
export class EnvCache {
  constructor(readonly root: string = defaultEnvCacheDir()) {}

  /** Where the environment `name` lives (finished or not). */
  pathOf(name: string): string {
    return join(this.root, name);
  }

  /** The path of the finished environment `name`, or undefined. One `stat`, no locking. */
  lookup(name: string): string | undefined {
    const path = this.pathOf(name);
    return existsSync(join(path, ENV_COMPLETE_MARKER)) ? path : undefined;
  }

  /**
   * Returns the finished environment `name`, building it with `build(dir)` when missing.
   * Concurrent callers (other processes included) wait for one build.
   * @throws {MlflowException} whatever `build` throws, after removing its directory;
   * DEADLINE_EXCEEDED or CANCELLED while waiting for the lock.
   */
  async getOrBuild(name: string, build: (dir: string) => Promise<void>, options: GetOrBuildOptions = {}): Promise<CacheEntry> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid environment name: ${JSON.stringify(name)}`);
    }
    const logger = options.logger ?? silentLogger;
    const found = this.lookup(name);
    if (found !== undefined) return { path: found, built: false };
    const buildingDir = join(this.root, '.building');
    await fs.mkdir(buildingDir, { recursive: true });
    const lock = await acquireFileLock(join(this.root, `${name}.lock`), {
      timeoutMs: options.lockTimeoutMs, signal: options.signal, onWait: options.onWait,
    });
    try {
      const after = this.lookup(name);
      if (after !== undefined) return { path: after, built: false };
      await this.removeAbandoned(name, logger);
      const finalPath = this.pathOf(name);
      if (existsSync(finalPath)) {
        logger.warn({ path: finalPath }, 'removing an unfinished environment directory');
        await fs.rm(finalPath, { recursive: true, force: true });
      }
      const dir = options.inPlace ? finalPath
        : join(buildingDir, `${name}.${process.pid}.${hostTag}.${randomBytes(4).toString('hex')}`);
      try {
        await build(dir);
        if (options.signal?.aborted) throw new MlflowException('CANCELLED', `Cancelled while building ${name}`);
        if (!options.inPlace) await rewriteVenvPaths(dir, dir, finalPath);
        await fs.writeFile(join(dir, ENV_COMPLETE_MARKER), `${JSON.stringify({
          name, createdAt: new Date().toISOString(), ...options.metadata,
        }, null, 2)}\n`);
        if (!options.inPlace) await fs.rename(dir, finalPath);
      } catch (error) {
        logger.warn({ path: dir }, 'environment build failed; removing its directory');
        await fs.rm(dir, { recursive: true, force: true });
        throw error;
      }
      return { path: finalPath, built: true };
    } finally {
      await lock.release();
    }
  }

  /** Removes build directories of `name` left by processes that died (called under the lock). */
  private async removeAbandoned(name: string, logger: Logger): Promise<void> {
    const buildingDir = join(this.root, '.building');
    for (const entry of await fs.readdir(buildingDir).catch(() => [] as string[])) {
      if (!entry.startsWith(`${name}.`)) continue;
      const [pidText, host] = entry.slice(name.length + 1).split('.');
      const pid = Number(pidText);
      if (host !== hostTag || !Number.isInteger(pid)) continue;
      let alive = true;
      try { process.kill(pid, 0); } catch (error) { alive = (error as NodeJS.ErrnoException).code === 'EPERM'; }
      if (!alive || pid === process.pid) {
        logger.info({ path: join(buildingDir, entry) }, 'removing an abandoned environment build');
        await fs.rm(join(buildingDir, entry), { recursive: true, force: true });
      }
    }
  }
}
