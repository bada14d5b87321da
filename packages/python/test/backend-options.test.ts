/**
 * The runtime's own `loadModel` reaches the Python backend's options through `backendOptions`
 * (no ambient state): once @pyfunc/python is imported, `loadModel(uri, { backendOptions })` from
 * @pyfunc/runtime chooses the interpreter, the environment manager and the workers.
 */
import { describe, expect, it } from 'vitest';
import { MlflowException } from '@pyfunc/format';
import { loadModel as runtimeLoadModel } from '@pyfunc/runtime';
import { oraclePython } from '../../../test/oracle/src/index.js';
import { availableParallelism } from 'node:os';
import { loadModel } from '../src/index.js';
import { THREAD_VARIABLES, threadLimits } from '../src/worker-pool.js';
import { saveModels } from './helpers.js';

describe('backendOptions of the runtime loadModel (MLflow 3)', () => {
  it('reach the Python backend: a wrong interpreter, a wrong manager, and a working load', async () => {
    const { identity } = await saveModels('3', ['identity']);
    const missing = await runtimeLoadModel(identity!, { backendOptions: { python: '/nonexistent/python3' } }).catch((error: unknown) => error);
    expect(MlflowException.isInstance(missing) && missing.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(String((missing as Error).message)).toContain("'/nonexistent/python3'");

    const manager = await runtimeLoadModel(identity!, { backendOptions: { envManager: 'pip' } }).catch((error: unknown) => error);
    expect(MlflowException.isInstance(manager) && manager.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(String((manager as Error).message)).toContain("Must be one of ['local', 'conda', 'virtualenv', 'uv']");

    const model = await runtimeLoadModel(identity!, { suppressWarnings: true, backendOptions: { python: oraclePython('3'), workers: 1, somethingElse: true } });
    try {
      expect(await model.predict([1, 'a'])).toEqual([1, 'a']);
    } finally {
      await model.close();
    }
  }, 120_000);
});

describe('native thread pools of the workers (MLflow 3)', () => {
  it('each of several workers gets its share of the cores; a variable already set and a single worker are left alone', async () => {
    const { environ } = await saveModels('3', ['environ']);
    const names = [...THREAD_VARIABLES];
    const share = String(Math.max(1, Math.floor(availableParallelism() / 2)));
    const saved = process.env.MKL_NUM_THREADS;
    process.env.MKL_NUM_THREADS = '7';
    try {
      const pair = await loadModel(environ!, { python: oraclePython('3'), workers: 2, suppressWarnings: true });
      try {
        const seen = await pair.predict({ name: names }) as Record<string, string | null>;
        for (const name of names) expect(seen[name], name).toBe(name === 'MKL_NUM_THREADS' ? '7' : (process.env[name] || share));
      } finally {
        await pair.close();
      }
    } finally {
      if (saved === undefined) delete process.env.MKL_NUM_THREADS; else process.env.MKL_NUM_THREADS = saved;
    }
    const single = await loadModel(environ!, { python: oraclePython('3'), workers: 1, suppressWarnings: true });
    try {
      const seen = await single.predict({ name: names }) as Record<string, string | null>;
      for (const name of names) expect(seen[name], name).toBe(process.env[name] ?? null);
    } finally {
      await single.close();
    }
  }, 120_000);

  it('threadLimits splits the cores, at least one thread each', () => {
    expect(threadLimits(1, 8, {})).toEqual({});
    expect(threadLimits(2, 8, {}).OMP_NUM_THREADS).toBe('4');
    expect(threadLimits(3, 2, {}).OPENBLAS_NUM_THREADS).toBe('1');
    expect(threadLimits(2, 2, { OMP_NUM_THREADS: '2' })).not.toHaveProperty('OMP_NUM_THREADS');
    expect(Object.keys(threadLimits(2, 2, {}))).toEqual([...THREAD_VARIABLES]);
  });
});
