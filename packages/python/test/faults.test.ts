/**
 * Transport and fault behaviour of the Python workers: printing models, crashes, kills,
 * timeouts, abandoned streams, orphans, and bad input (load failures, missing Python, an
 * environment that cannot be built). Runs on the newest oracle line only: this is the worker's
 * plumbing, not MLflow behaviour.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frame, MlflowException, type Logger } from '@pyfunc/format';
import type { PyFuncModel } from '@pyfunc/runtime';
import { oracleLines, oraclePython } from '../../../test/oracle/src/index.js';
import { PythonError, loadModel, workerPids } from '../src/index.js';
import { saveModels } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const line = oracleLines.at(-1)!;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pids.every((pid) => !alive(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: (_fields, message) => { lines.push(`info ${message}`); },
    warn: (_fields, message) => { lines.push(`warn ${message}`); },
    child: () => logger,
  };
  return logger;
}

const action = (name: string, arg = 0): Frame => Frame.fromColumns({ action: [name], arg: [arg] }, { dtypes: { arg: 'float64' } });

describe(`Python workers (MLflow ${line})`, () => {
  let paths: Record<string, string>;
  let python: string;
  let faulty: PyFuncModel;
  const logLines: string[] = [];

  beforeAll(async () => {
    python = oraclePython(line);
    paths = await saveModels(line, ['faulty', 'printer', 'bad_load', 'chat']);
    faulty = await loadModel(paths.faulty!, { envManager: 'local', python, workers: 2, requestTimeoutMs: 4000, suppressWarnings: true, logger: recordingLogger(logLines) });
  });

  afterAll(async () => {
    const pids = workerPids(faulty);
    await faulty?.close();
    expect(await waitGone(pids)).toBe(true);
  });

  it('a model that prints to stdout and stderr does not break the transport; its output reaches the logger', async () => {
    const lines: string[] = [];
    const model = await loadModel(paths.printer!, { envManager: 'local', python, workers: 1, suppressWarnings: true, logger: recordingLogger(lines) });
    try {
      const input = Frame.fromColumns({ x: [1, 2, 3], s: ['a', 'b', 'c'] });
      for (let i = 0; i < 3; i++) {
        const out = (await model.predict(input)) as Frame;
        expect(out.toColumns()).toEqual({ x: [1, 2, 3], s: ['a', 'b', 'c'] });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(lines.some((l) => l.startsWith('info hello from stdout'))).toBe(true);
      expect(lines.some((l) => l.includes('binary-ish noise') && l.startsWith('warn'))).toBe(true);
      expect(lines.some((l) => l.includes('raw fd 1 bytes'))).toBe(true);
    } finally {
      await model.close();
    }
  });

  it('the JSON debugging transport gives the same answers as the binary one', async () => {
    const input = Frame.fromColumns({ i: BigInt64Array.from([1n, 2n ** 62n]), f: Float64Array.from([0.1, NaN]), s: ['ü', null], b: [new Uint8Array([0, 255]), null] });
    const models = await Promise.all((['json', 'binary'] as const).map((transport) =>
      loadModel(paths.printer!, { envManager: 'local', python, workers: 1, suppressWarnings: true, transport })));
    try {
      const [viaJson, viaBinary] = await Promise.all(models.map(async (model) => ((await model.predict(input)) as Frame)));
      expect(viaJson!.columns.map((c) => c.dtype)).toEqual(['int64', 'float64', 'object', 'object']);
      expect(viaJson!.toColumns()).toEqual(viaBinary!.toColumns());
      expect(viaJson!.toColumns().i).toEqual([1, 2n ** 62n]);
    } finally {
      await Promise.all(models.map((model) => model.close()));
    }
  });

  it('a crashing worker fails only its request, with a coded error, and is replaced', async () => {
    const before = workerPids(faulty);
    expect(before).toHaveLength(2);
    const [crash, ok1, ok2] = await Promise.allSettled([
      faulty.predict(action('crash')),
      faulty.predict(action('ok')),
      faulty.predict(action('ok')),
    ]);
    expect(crash.status).toBe('rejected');
    const error = (crash as PromiseRejectedResult).reason as MlflowException;
    expect(MlflowException.isInstance(error)).toBe(true);
    expect(error.errorCode).toBe('INTERNAL_ERROR');
    expect(error.message).toMatch(/exited with code 7/);
    expect(ok1.status).toBe('fulfilled');
    expect(ok2.status).toBe('fulfilled');
    // the pool is back to two live workers, one of them new
    const end = Date.now() + 30_000;
    while (Date.now() < end && (workerPids(faulty).length < 2)) await new Promise((resolve) => setTimeout(resolve, 100));
    const after = workerPids(faulty);
    expect(after).toHaveLength(2);
    expect(after.filter((pid) => !before.includes(pid))).toHaveLength(1);
    const pids = await Promise.all([1, 2, 3, 4].map(async () => ((await faulty.predict(action('ok'))) as Frame).toColumns().pid![0]));
    for (const pid of pids) expect(after).toContain(pid);
  });

  it('a worker killed from outside fails its request and is replaced', async () => {
    const pending = faulty.predict(action('sleep', 3));
    await new Promise((resolve) => setTimeout(resolve, 800));
    const holding = workerPids(faulty);
    for (const pid of holding) process.kill(pid, 'SIGKILL');
    await expect(pending).rejects.toMatchObject({ errorCode: 'INTERNAL_ERROR', message: expect.stringMatching(/killed by SIGKILL/) });
    const out = (await faulty.predict(action('ok'))) as Frame;
    expect(holding).not.toContain(Number(out.toColumns().pid![0]));
  });

  it('a request past the timeout fails with DEADLINE_EXCEEDED; the others finish; the worker restarts', async () => {
    const started = Date.now();
    const [slow, fast] = await Promise.allSettled([faulty.predict(action('sleep', 60)), faulty.predict(action('ok'))]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(slow.status).toBe('rejected');
    expect((slow as PromiseRejectedResult).reason).toMatchObject({ errorCode: 'DEADLINE_EXCEEDED' });
    expect(fast.status).toBe('fulfilled');
    expect(((await faulty.predict(action('ok'))) as Frame).numRows).toBe(1);
  });

  it("a Python exception comes back with its type and traceback; the worker stays", async () => {
    const pids = workerPids(faulty);
    const error = await faulty.predict(action('raise')).catch((e: unknown) => e) as MlflowException;
    expect(error.errorCode).toBe('INTERNAL_ERROR');
    expect(error.message).toBe('ValueError: bad value from the model');
    expect((error.cause as PythonError).traceback).toMatch(/Traceback[\s\S]*bad value from the model/);
    expect(workerPids(faulty)).toEqual(pids);
  });

  it('predictStream yields chunks as the generator does, and an abandoned stream frees its worker', async () => {
    const model = await loadModel(paths.chat!, { envManager: 'local', python, workers: 1, suppressWarnings: true });
    try {
      const words: string[] = [];
      for await (const chunk of model.predictStream({ messages: [{ role: 'user', content: 'a b c d' }] })) {
        words.push((chunk as { choices: { delta: { content: string } }[] }).choices[0]!.delta.content);
      }
      expect(words).toEqual(['a', 'b', 'c', 'd']);
      for await (const chunk of model.predictStream({ messages: [{ role: 'user', content: 'x y z' }] })) {
        expect(chunk).toBeDefined();
        break;
      }
      const answer = (await model.predict({ messages: [{ role: 'user', content: 'abc' }] })) as { choices: { message: { content: string } }[] };
      expect(answer.choices[0]!.message.content).toBe('cba');
    } finally {
      await model.close();
    }
  });

  it('close() ends the workers; later calls fail with INVALID_STATE', async () => {
    const model = await loadModel(paths.printer!, { envManager: 'local', python, workers: 2, suppressWarnings: true });
    const pids = workerPids(model);
    expect(pids.every(alive)).toBe(true);
    await model.close();
    expect(await waitGone(pids, 5000)).toBe(true);
    await expect(model.predict(Frame.fromColumns({ x: [1] }))).rejects.toMatchObject({ errorCode: 'INVALID_STATE' });
  });

  it('a SIGKILLed Node process leaves no Python workers behind', async () => {
    if (!existsSync(join(here, '..', 'dist', 'index.js'))) {
      execFileSync('npx', ['tsup'], { cwd: join(here, '..'), stdio: 'ignore' });
    }
    const child = spawn(process.execPath, [join(here, 'fixtures', 'hold-model.mjs'), paths.printer!, python], { stdio: ['ignore', 'pipe', 'pipe'] });
    const pids = await new Promise<number[]>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(JSON.parse(text) as number[]);
      });
      child.on('exit', (code) => reject(new Error(`holder exited ${String(code)}`)));
    });
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitGone(pids, 10_000)).toBe(true);
  });

  it('a model that fails to load in Python: the traceback reaches the coded error', async () => {
    const error = await loadModel(paths.bad_load!, { envManager: 'local', python, workers: 1 }).catch((e: unknown) => e) as MlflowException;
    expect(MlflowException.isInstance(error)).toBe(true);
    expect(error.errorCode).toBe('INTERNAL_ERROR');
    expect(error.message).toContain('RuntimeError: load_context exploded on purpose');
    expect(error.message).toContain('Traceback');
    expect((error.cause as PythonError).pythonType).toBe('RuntimeError');
  });

  it('a missing Python interpreter is RESOURCE_DOES_NOT_EXIST', async () => {
    await expect(loadModel(paths.printer!, { envManager: 'local', python: '/nonexistent/python3.99', workers: 1 }))
      .rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining('/nonexistent/python3.99') });
  });

  it('an interpreter without MLflow fails to load with the ImportError', async () => {
    const error = await loadModel(paths.printer!, { envManager: 'local', python: 'python3', workers: 1 }).catch((e: unknown) => e) as MlflowException;
    expect(error.errorCode).toBe('INTERNAL_ERROR');
    expect(error.message).toMatch(/ModuleNotFoundError|No module named/);
  });

  it('an environment that cannot be built is a coded error, and nothing is started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyfunc-badenv-'));
    execFileSync('cp', ['-r', paths.printer!, join(dir, 'model')]);
    writeFileSync(join(dir, 'model', 'python_env.yaml'), 'python: 2.1.0\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n');
    const error = await loadModel(join(dir, 'model'), { envManager: 'virtualenv', python, workers: 1, envCacheDir: join(dir, 'cache') })
      .catch((e: unknown) => e) as MlflowException;
    expect(MlflowException.isInstance(error)).toBe(true);
    expect(['RESOURCE_DOES_NOT_EXIST', 'NOT_IMPLEMENTED', 'INVALID_PARAMETER_VALUE', 'INTERNAL_ERROR']).toContain(error.errorCode);
  });

  it('bad options are INVALID_PARAMETER_VALUE', async () => {
    await expect(loadModel(paths.printer!, { envManager: 'docker' as never, python }))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(loadModel(paths.printer!, { envManager: 'local', python, workers: 0 }))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });
});
