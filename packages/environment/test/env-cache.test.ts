import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV_COMPLETE_MARKER, EnvCache, acquireFileLock, defaultEnvCacheDir } from '../src/managers-index.js';
import { resultOf, startChild } from './env-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'pyfunc-env-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('EnvCache', () => {
  it('defaults to $PYFUNC_ENV_CACHE, else ~/.cache/pyfunc-ts/envs', () => {
    expect(defaultEnvCacheDir({ PYFUNC_ENV_CACHE: '/x/envs' })).toBe('/x/envs');
    expect(defaultEnvCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/pyfunc-ts/envs');
  });

  it('builds once, renames into place, then reuses', async () => {
    const cache = new EnvCache(join(root, 'a'));
    let builds = 0;
    const build = async (dir: string) => {
      builds += 1;
      const { mkdir } = await import('node:fs/promises');
      await mkdir(join(dir, 'bin'), { recursive: true });
      // an activation script with the build path in it is rewritten to the final path
      writeFileSync(join(dir, 'bin', 'activate'), `VIRTUAL_ENV='${dir}'\n`);
    };
    const first = await cache.getOrBuild('mlflow-abc', build);
    expect(first).toEqual({ path: join(root, 'a', 'mlflow-abc'), built: true });
    expect(readFileSync(join(first.path, 'bin', 'activate'), 'utf8')).toBe(`VIRTUAL_ENV='${first.path}'\n`);
    expect(existsSync(join(first.path, ENV_COMPLETE_MARKER))).toBe(true);
    expect(await cache.getOrBuild('mlflow-abc', build)).toEqual({ path: first.path, built: false });
    expect(builds).toBe(1);
    expect(readdirSync(join(root, 'a', '.building'))).toEqual([]);
  });

  it('removes a failed build and leaves nothing behind', async () => {
    const cache = new EnvCache(join(root, 'b'));
    await expect(cache.getOrBuild('mlflow-fail', async (dir) => {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(dir, { recursive: true });
      writeFileSync(join(dir, 'half'), 'x');
      throw new Error('install failed');
    })).rejects.toThrow('install failed');
    expect(cache.lookup('mlflow-fail')).toBeUndefined();
    expect(readdirSync(join(root, 'b')).sort()).toEqual(['.building']);
    expect(readdirSync(join(root, 'b', '.building'))).toEqual([]);
  });

  it('never takes a directory without the marker for a finished environment', async () => {
    const cache = new EnvCache(join(root, 'c'));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(root, 'c', 'mlflow-half', 'bin'), { recursive: true });
    expect(cache.lookup('mlflow-half')).toBeUndefined();
    const entry = await cache.getOrBuild('mlflow-half', async (dir) => { await mkdir(dir, { recursive: true }); });
    expect(entry.built).toBe(true);
    expect(existsSync(join(entry.path, 'bin'))).toBe(false);
  });

  it('refuses names that are not plain directory names', async () => {
    await expect(new EnvCache(root).getOrBuild('../escape', async () => undefined))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });
});

describe('cross-process lock', () => {
  it('breaks the lock of a dead holder and times out on a live one', async () => {
    const path = join(root, 'x.lock');
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), token: 't', acquiredAt: '' }));
    const lock = await acquireFileLock(path, { timeoutMs: 2_000 });
    expect(await lock.isHeld()).toBe(true);
    await expect(acquireFileLock(path, { timeoutMs: 300 })).rejects.toMatchObject({ errorCode: 'DEADLINE_EXCEEDED' });
    await lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('two processes getting the same entry build it once', async () => {
    const dir = join(root, 'procs');
    const first = startChild(['cache', dir, 'mlflow-shared', '1500']);
    await first.waitFor((line) => line.phase === 'building');
    const second = startChild(['cache', dir, 'mlflow-shared', '1500']);
    expect(await first.done).toBe(0);
    expect(await second.done).toBe(0);
    const results = [resultOf(first.lines), resultOf(second.lines)];
    expect(results.map((r) => r?.built)).toEqual([true, false]);
    expect(results[0]?.path).toBe(results[1]?.path);
    expect(second.lines.some((line) => line.phase === 'waiting' && line.ownerPid === first.child.pid)).toBe(true);
    expect(second.lines.some((line) => line.phase === 'building')).toBe(false);
  });

  it('a SIGKILLed build leaves nothing taken for finished; the next one rebuilds', async () => {
    const dir = join(root, 'killed');
    const victim = startChild(['cache', dir, 'mlflow-killed', '60000']);
    await victim.waitFor((line) => line.phase === 'building');
    victim.child.kill('SIGKILL');
    await victim.done;
    const cache = new EnvCache(dir);
    expect(cache.lookup('mlflow-killed')).toBeUndefined();
    expect(existsSync(join(dir, 'mlflow-killed'))).toBe(false);
    expect(readdirSync(join(dir, '.building'))).toHaveLength(1); // the abandoned build, not yet collected
    const entry = await cache.getOrBuild('mlflow-killed', async (d) => {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(d, { recursive: true });
    }, { lockTimeoutMs: 10_000 });
    expect(entry.built).toBe(true);
    expect(readdirSync(join(dir, '.building'))).toEqual([]);
  });
});
