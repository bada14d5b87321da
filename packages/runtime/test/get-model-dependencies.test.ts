import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Model, type Logger } from '@pyfunc/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToModel, getModelDependencies, saveModel } from '../src/index.js';
import { EchoModel } from './fixtures/echo-model.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pyfunc-runtime-deps-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('getModelDependencies (environment.md 9)', () => {
  it("returns a saved model's requirements.txt (the MLflow pin and the user's requirements)", async () => {
    const path = join(root, 'm');
    await saveModel(path, { pythonModel: new EchoModel('x'), pipRequirements: ['pyarrow', 'pandas<3'] });
    const file = await getModelDependencies(path);
    expect(file).toBe(join(path, 'requirements.txt'));
    expect(await readFile(file, 'utf8')).toBe('mlflow==2.22.5\npyarrow\npandas<3');
  });

  it('falls back to the pip section of conda.yaml, warning about the other dependencies', async () => {
    const path = join(root, 'conda');
    const model = addToModel(new Model(), { loaderModule: 'mlflow.pyfunc.model', condaEnv: 'conda.yaml' });
    await model.save(path);
    await writeFile(join(path, 'conda.yaml'), 'dependencies:\n- python=3.10.12\n- pip<=23\n- pip:\n  - a\n  - b\n');
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn(_f, message) { warnings.push(message); }, child() { return logger; } };
    const file = await getModelDependencies(path, { logger });
    expect(await readFile(file, 'utf8')).toBe('a\nb\n');
    expect(warnings[0]).toContain('python=3.10.12, pip<=23');
    expect(await getModelDependencies(path, { format: 'conda' })).toBe(join(path, 'conda.yaml'));
    await writeFile(join(path, 'conda.yaml'), 'dependencies:\n- python=3.10.12\n');
    await expect(getModelDependencies(path)).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(getModelDependencies(path, { format: 'foo' as 'pip' })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: "Illegal format argument 'foo'." });
  });
});

describe('addToModel (format.md 3.2)', () => {
  it('writes loader_module, python_version, data, code, env, config and extra keys', () => {
    const model = addToModel(new Model(), { loaderModule: 'm', data: 'data', code: 'code', extra: { key1: 'value1', key2: 20 }, modelConfig: {} });
    expect(model.flavors.python_function).toEqual({ key1: 'value1', key2: 20, loader_module: 'm', python_version: '3.10.12', code: 'code', data: 'data' });
  });
});
