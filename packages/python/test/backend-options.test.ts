/**
 * The runtime's own `loadModel` reaches the Python backend's options through `backendOptions`
 * (no ambient state): once @pyfunc/python is imported, `loadModel(uri, { backendOptions })` from
 * @pyfunc/runtime chooses the interpreter, the environment manager and the workers.
 */
import { describe, expect, it } from 'vitest';
import { MlflowException } from '@pyfunc/format';
import { loadModel as runtimeLoadModel } from '@pyfunc/runtime';
import { oraclePython } from '../../../test/oracle/src/index.js';
import '../src/index.js';
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
