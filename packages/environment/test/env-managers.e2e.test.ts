// Real environments, built with real pip and uv from PyPI (the pip/uv download caches
// persist between runs; the environment cache is a temp dir per run).
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEnvManagerConformance } from '../src/testing/index.js';
import {
  EnvCache, ensureUv, getEnvName, localEnvManager, uvEnvManager, virtualenvEnvManager,
  type EnvProgressEvent,
} from '../src/managers-index.js';
import type { Logger } from '@pyfunc/format';
import { oracleLines, oraclePython, type OracleLine } from '../../../test/oracle/src/index.js';
import { resultOf, startChild } from './env-helpers.js';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'pyfunc-env-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let uvPath: Promise<string> | undefined;
const uv = () => (uvPath ??= ensureUv({ cacheDir: join(root, 'uv-tools') }));

const saved = new Map<OracleLine, string>();
const saveScript = [
  'import sys, numpy as np, mlflow.sklearn',
  'from sklearn.linear_model import LogisticRegression',
  'model = LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])',
  'mlflow.sklearn.save_model(model, sys.argv[1])',
].join('\n');
// both lines' models are saved at once before the suites (each save is a Python start), while uv installs
beforeAll(async () => {
  uv().catch(() => undefined); // awaited (and reported) where used
  await Promise.all(oracleLines.map(async (line) => {
    const dir = join(root, `sklearn-mlflow${line}`);
    await run(oraclePython(line), ['-c', saveScript, dir], { timeout: 300_000 });
    saved.set(line, dir);
  }));
}, 600_000);
/** The scikit-learn model saved by real MLflow of `line` (in beforeAll, once per run). */
function sklearnModel(line: OracleLine): string {
  const known = saved.get(line);
  if (known === undefined) throw new Error(`no model saved for MLflow ${line}`);
  return known;
}

/** A copy of the line-2 model with other environment files (small installs). */
function variant(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  cpSync(sklearnModel(oracleLines[0]!), dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}
const smallEnv = (python = '3.11.7') => `python: ${python}\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n`;
const machinePython = execFileSync('python3', ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).trim();


const venvEvents: EnvProgressEvent[] = [];
const uvEvents: EnvProgressEvent[] = [];
const buildLog: { level: string; message: string; fields: object }[] = [];
const collectingLogger: Logger = {
  debug: (fields, message) => { buildLog.push({ level: 'debug', message, fields }); },
  info: (fields, message) => { buildLog.push({ level: 'info', message, fields }); },
  warn: (fields, message) => { buildLog.push({ level: 'warn', message, fields }); },
  child: () => collectingLogger,
};

describeEnvManagerConformance('local', async () => ({
  manager: localEnvManager, modelDir: sklearnModel(oracleLines[0]!), imports: ['sklearn', 'mlflow'],
  options: { python: oraclePython(oracleLines[0]!) },
}));

for (const line of oracleLines) {
  describeEnvManagerConformance(`uv (model saved by MLflow ${line})`, async () => ({
    manager: uvEnvManager, modelDir: sklearnModel(line), imports: ['sklearn', 'mlflow', 'pandas'],
    options: { cacheDir: join(root, 'cache-uv'), uv: await uv(), onProgress: (event) => uvEvents.push(event) },
  }));
}

describeEnvManagerConformance('virtualenv', async () => ({
  manager: virtualenvEnvManager, modelDir: sklearnModel(oracleLines[0]!), imports: ['sklearn', 'mlflow'],
  options: { cacheDir: join(root, 'cache-venv'), pyenv: false, onProgress: (event) => venvEvents.push(event), logger: collectingLogger },
}));

describe('env managers, end to end', () => {
  it('installs uv from PyPI into a tool environment under the cache', async () => {
    const path = await uv();
    expect(path.startsWith(join(root, 'uv-tools', '.tools'))).toBe(true);
    expect(execFileSync(path, ['--version'], { encoding: 'utf8' })).toMatch(/^uv 0\.9\./);
    expect(await ensureUv({ cacheDir: join(root, 'uv-tools') })).toBe(path);
  });

  it('reports progress with counts from pip and uv, and the build log through the Logger', () => {
    // filled by the virtualenv conformance suite above
    const installing = venvEvents.filter((e) => e.phase === 'installing');
    expect(venvEvents.map((e) => e.phase)).toEqual(expect.arrayContaining(['resolving', 'creating', 'installing', 'done']));
    expect(installing.some((e) => e.phase === 'installing' && e.step === 'dependencies' && (e.total ?? 0) > 10)).toBe(true);
    // the build log: pip's own lines at debug, the commands at info
    expect(buildLog.some((entry) => entry.level === 'debug' && /^Successfully installed .*scikit-learn/.test(entry.message))).toBe(true);
    expect(buildLog.some((entry) => entry.level === 'info' && /pip install -r requirements\.[0-9a-f]{32}\.txt/.test(String((entry.fields as { command?: string }).command)))).toBe(true);
    // uv: resolved/installed counts
    expect(uvEvents.some((e) => e.phase === 'downloading' && (e.total ?? 0) > 10)).toBe(true);
    expect(uvEvents.some((e) => e.phase === 'installing' && e.package?.startsWith('scikit-learn=='))).toBe(true);
    const done = venvEvents.find((e) => e.phase === 'done');
    expect(done).toMatchObject({ built: true, envName: getEnvName(sklearnModel(oracleLines[0]!), { envManager: 'virtualenv' }) });
  });

  it('shares one environment between models with the same requirements, across managers', async () => {
    const copy = join(root, 'same-requirements');
    cpSync(sklearnModel(oracleLines[0]!), copy, { recursive: true });
    const cacheDir = join(root, 'cache-uv');
    const started = performance.now();
    const environment = await virtualenvEnvManager.prepare(copy, { cacheDir, pyenv: false });
    expect(environment.built).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000); // generous: no pip, no Python start
    const fromUv = await uvEnvManager.prepare(sklearnModel(oracleLines[0]!), { cacheDir, uv: await uv() });
    expect(environment.path).toBe(fromUv.path);
  });

  it('a nonexistent package: coded error naming it, with the tool\'s text; nothing half-built', async () => {
    const dir = variant('bad-package', {
      'python_env.yaml': smallEnv(machinePython), 'requirements.txt': 'six\nthis-package-does-not-exist-pyfunc==1.0',
    });
    for (const [manager, options] of [
      [virtualenvEnvManager, { pyenv: false as const }], [uvEnvManager, { uv: await uv() }],
    ] as const) {
      const cacheDir = join(root, `cache-bad-${manager.name}`);
      const error = await manager.prepare(dir, { ...options, cacheDir }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        errorCode: 'RESOURCE_DOES_NOT_EXIST', requirement: expect.stringContaining('this-package-does-not-exist-pyfunc'),
      });
      expect((error as Error).message).toMatch(manager.name === 'uv' ? /not found in the package\s+registry/ : /No matching distribution/);
      expect(readdirSync(cacheDir).filter((entry) => entry.startsWith('mlflow-'))).toEqual([]);
      expect(readdirSync(join(cacheDir, '.building'))).toEqual([]);
    }
  });

  it('a Python the machine lacks, without pyenv: a clear coded error naming it', async () => {
    const dir = variant('old-python', { 'python_env.yaml': smallEnv('3.7.1'), 'requirements.txt': 'six' });
    const cacheDir = join(root, 'cache-old-python');
    const error = await virtualenvEnvManager.prepare(dir, { cacheDir, pyenv: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringMatching(/Python 3\.7\.1 .*not installed.*pyenv/s) });
    const fromUv = await uvEnvManager.prepare(dir, { cacheDir, uv: await uv() }).catch((e: unknown) => e);
    expect(fromUv).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining('Python 3.7.1') });
    expect(readdirSync(cacheDir).filter((entry) => entry.startsWith('mlflow-'))).toEqual([]);
  });

  it('refuses a python value that is not a version before running anything', async () => {
    const dir = variant('injected', { 'python_env.yaml': 'python: "3.10; touch pwned"\ndependencies:\n- six\n' });
    for (const manager of [virtualenvEnvManager, uvEnvManager]) {
      await expect(manager.prepare(dir, { cacheDir: join(root, 'cache-injected'), uv: await uv() }))
        .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    }
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('two processes restoring the same environment build it once', async () => {
    const dir = variant('two-procs', { 'python_env.yaml': smallEnv(machinePython), 'requirements.txt': 'six' });
    const cacheDir = join(root, 'cache-two-procs');
    const first = startChild(['prepare', 'virtualenv', dir, cacheDir]);
    await first.waitFor((line) => line.phase === 'creating');
    const second = startChild(['prepare', 'virtualenv', dir, cacheDir]);
    expect([await first.done, await second.done]).toEqual([0, 0]);
    const results = [resultOf(first.lines), resultOf(second.lines)];
    expect(results.map((r) => r?.built)).toEqual([true, false]);
    expect(results[1]?.path).toBe(results[0]?.path);
    expect(second.lines.some((line) => line.phase === 'waiting')).toBe(true);
    expect(second.lines.some((line) => line.phase === 'creating')).toBe(false);
  });

  it('a build killed with SIGKILL mid-way is not taken for finished; restoring again works', async () => {
    const dir = variant('killed', { 'python_env.yaml': smallEnv(machinePython), 'requirements.txt': 'six\nsetuptools' });
    const cacheDir = join(root, 'cache-killed');
    const victim = startChild(['prepare', 'virtualenv', dir, cacheDir]);
    await victim.waitFor((line) => line.phase === 'installing' || line.phase === 'downloading');
    victim.child.kill('SIGKILL');
    await victim.done;
    const name = getEnvName(dir, { envManager: 'virtualenv' });
    expect(new EnvCache(cacheDir).lookup(name)).toBeUndefined();
    expect(existsSync(join(cacheDir, name))).toBe(false);
    // only the abandoned build (and its model mirror) remain, under .building
    const leftovers = readdirSync(join(cacheDir, '.building'));
    expect(leftovers.length).toBeGreaterThan(0);
    expect(leftovers.every((entry) => entry.startsWith(`${name}.${victim.child.pid}.`))).toBe(true);
    const environment = await virtualenvEnvManager.prepare(dir, { cacheDir, pyenv: false, lockTimeoutMs: 30_000 });
    expect(environment.built).toBe(true);
    expect((await environment.execute(['python', '-c', 'import six; print(six.__name__)'])).stdout.trim()).toBe('six');
    expect(readdirSync(join(cacheDir, '.building'))).toEqual([]);
    // the activation script names the final directory, not the build directory
    expect((await environment.execute('echo "$VIRTUAL_ENV"')).stdout.trim()).toBe(environment.path);
  });
});
