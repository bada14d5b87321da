import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ColSpec, Frame, MlflowException, Model, ModelSignature, Schema } from '@pyfunc/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '../src/index.js';
import { EchoModel, FailingModel, HoldsFunctionModel } from './fixtures/echo-model.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
let root: string;
let counter = 0;
const fresh = () => join(root, `model-${++counter}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pyfunc-runtime-bad-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The directory holds only what was there before: no model, no temporary build directory. */
async function expectNothingLeft(parent: string, name: string): Promise<void> {
  const left = (await readdir(parent)).filter((entry) => entry === name || entry.startsWith(`.${name}.saving-`));
  expect(left).toEqual([]);
}

describe('bad input at predict', () => {
  it('input that breaks the signature is INVALID_PARAMETER_VALUE "Failed to enforce schema of data"', async () => {
    const path = fresh();
    const signature = new ModelSignature({ inputs: new Schema([new ColSpec('double', 'x'), new ColSpec('string', 'y')]) });
    await saveModel(path, { pythonModel: new EchoModel('s'), signature });
    const model = await loadModel(path);
    await expect(model.predict(new Set([1, 2]))).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('Failed to enforce schema of data'),
    });
    await expect(model.predict({ x: [1.5], z: ['a'] })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("Model is missing inputs ['y']"),
    });
  });

  it("a model whose predict throws: MlflowException with the model's error as cause", async () => {
    const path = fresh();
    await saveModel(path, { pythonModel: new FailingModel() });
    const model = await loadModel(path);
    const error = await model.predict('x').then(() => undefined, (caught: unknown) => caught);
    expect(MlflowException.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ errorCode: 'INTERNAL_ERROR', message: expect.stringContaining('model exploded') });
    expect((error as Error).cause).toBeInstanceOf(RangeError);
  });

  it('a closed model refuses to predict', async () => {
    const path = fresh();
    await saveModel(path, { pythonModel: new EchoModel('c') });
    const model = await loadModel(path);
    await model.close();
    await expect(model.predict('x')).rejects.toMatchObject({ errorCode: 'INVALID_STATE' });
  });
});

describe('bad models at load', () => {
  it('a model file that fails to import', async () => {
    const path = fresh();
    await saveModel(path, { modelCode: join(fixtures, 'throws-at-import.ts'), inputExample: 'x' });
    process.env.PYFUNC_TEST_BREAK_IMPORT = '1';
    try {
      await expect(loadModel(path)).rejects.toMatchObject({
        errorCode: 'INTERNAL_ERROR', message: expect.stringContaining('Failed to run user code from'),
      });
    } finally {
      delete process.env.PYFUNC_TEST_BREAK_IMPORT;
    }
    const output = await (await loadModel(path)).predict('ok'); // the string example gave a [string] signature
    expect((output as Frame).toColumns()).toEqual({ 0: ['ok'] });
  });

  it('a corrupted bundle: DATA_LOSS when the checksum differs, INTERNAL_ERROR when it cannot import', async () => {
    const path = fresh();
    await saveModel(path, { pythonModel: new EchoModel('b') });
    const bundle = join(path, 'js', 'model.mjs');
    const text = await readFile(bundle, 'utf8');
    await writeFile(bundle, `${text.slice(0, text.length / 2)}\n}}}(((`);
    await expect(loadModel(path)).rejects.toMatchObject({ errorCode: 'DATA_LOSS', message: expect.stringContaining('is corrupted') });
    const metadata = await Model.load(path);
    delete metadata.flavors.js_function!.entry_sha256;
    await metadata.save(path);
    await expect(loadModel(path)).rejects.toMatchObject({ errorCode: 'INTERNAL_ERROR', message: expect.stringContaining('Failed to import the model code') });
  });

  it('an artifact or entry path outside the model directory', async () => {
    const path = fresh();
    await mkdir(join(root, 'art'), { recursive: true });
    await writeFile(join(root, 'art', 'greeting'), 'hi');
    await saveModel(path, { pythonModel: new EchoModel('a'), artifacts: { greeting: join(root, 'art', 'greeting') } });
    const metadata = await Model.load(path);
    metadata.flavors.js_function!.artifacts = { greeting: { path: '../../etc/passwd', uri: 'x' } };
    await metadata.save(path);
    await expect(loadModel(path)).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('points outside the model directory') });
    metadata.flavors.js_function!.artifacts = {};
    metadata.flavors.js_function!.entry = '/etc/hostname';
    await metadata.save(path);
    await expect(loadModel(path)).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('points outside the model directory') });
  });

  it('missing path, missing MLmodel, no loadable flavor, a Python-only model', async () => {
    await expect(loadModel(join(root, 'nope'))).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining('No such file or directory') });
    const empty = fresh();
    await mkdir(empty);
    await expect(loadModel(empty)).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: `Could not find an "MLmodel" configuration file at "${empty}"` });
    const sklearn = fresh();
    await new Model({ flavors: { sklearn: { pickled_model: 'model.pkl' } } }).save(sklearn);
    await expect(loadModel(sklearn)).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: 'Model does not have the "python_function" flavor' });
    const python = fresh();
    await new Model({ flavors: { python_function: { loader_module: 'mlflow.pyfunc.model', python_model: 'python_model.pkl' } } }).save(python);
    await expect(loadModel(python)).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining('npm install @pyfunc/python') });
    const trackingUri = pathToFileURL(join(root, 'mlruns')).href;
    await expect(loadModel('runs:/abc/model', { trackingUri })).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining("'abc'") });
    await expect(loadModel('runs:/', { trackingUri })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('Not a proper runs:/ URI') });
    await expect(loadModel('s3x://bucket/model')).rejects.toMatchObject({ message: expect.stringContaining('s3x') });
  });

  it('dstPath must exist and be a directory; the copy is what loads', async () => {
    const path = fresh();
    await saveModel(path, { pythonModel: new EchoModel('d') });
    await expect(loadModel(path, { dstPath: join(root, 'no-dst') })).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining('does not exist! Destination path') });
    await writeFile(join(root, 'a-file'), '');
    await expect(loadModel(path, { dstPath: join(root, 'a-file') })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('must be a directory!') });
    const dst = join(root, 'dst');
    await mkdir(dst);
    expect(await (await loadModel(path, { dstPath: dst })).predict('q')).toBe('q');
    expect(await readdir(dst)).toEqual([`model-${counter}`]);
  });
});

describe('bad arguments at save (runtime.md 9.1), nothing left behind', () => {
  it('an existing non-empty directory is RESOURCE_ALREADY_EXISTS and stays untouched', async () => {
    const path = fresh();
    await mkdir(path);
    await writeFile(join(path, 'keep.txt'), 'keep');
    await expect(saveModel(path, { pythonModel: new EchoModel('x') })).rejects.toMatchObject({
      errorCode: 'RESOURCE_ALREADY_EXISTS', message: `Path '${path}' already exists and is not empty`,
    });
    expect(await readdir(path)).toEqual(['keep.txt']);
  });

  it('an existing empty directory is used', async () => {
    const path = fresh();
    await mkdir(path);
    await saveModel(path, { pythonModel: new EchoModel('x') });
    expect(await readdir(path)).toContain('MLmodel');
  });

  it('conflicting workflows, neither workflow, bad python_model, bad config, both code path options', async () => {
    await expect(saveModel(fresh(), { pythonModel: new EchoModel('x'), loaderModule: join(fixtures, 'loader.ts') })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("The following sets of parameters cannot be specified together: dict_keys(['loader_module', 'data_path'])  and dict_keys(['artifacts', 'python_model'])"),
    });
    await expect(saveModel(fresh(), { dataPath: fixtures })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('Either `loader_module` or `python_model` must be specified.'),
    });
    await expect(saveModel(fresh(), { artifacts: { a: fixtures } })).rejects.toMatchObject({ message: expect.stringContaining('Either `loader_module` or `python_model`') });
    await expect(saveModel(fresh(), { pythonModel: 5 as unknown as object })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('`python_model` must be a PythonModel instance, callable object, or path to a'),
    });
    await expect(saveModel(fresh(), { pythonModel: new EchoModel('x'), modelConfig: { a: () => 1 } })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('Values in the provided ``model_config`` are of an unsupported type'),
    });
    await expect(saveModel(fresh(), { pythonModel: new EchoModel('x'), modelConfig: 5 as unknown as string })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('An invalid ``model_config`` structure was passed'),
    });
    await expect(saveModel(fresh(), { pythonModel: new EchoModel('x'), codePath: [], codePaths: [] })).rejects.toMatchObject({
      errorCode: 'INTERNAL_ERROR', message: 'Both `code_path` and `code_paths` have been specified, which is not permitted.',
    });
    await expect(saveModel(fresh(), { pythonModel: new EchoModel('x'), codePaths: 'a' as unknown as string[] })).rejects.toBeInstanceOf(TypeError);
    await expect(saveModel(fresh(), { pythonModel: new EchoModel('x'), pipRequirements: ['a'], condaEnv: {} })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('state that cannot be serialized fails at save naming the property; no half model', async () => {
    const path = fresh();
    await expect(saveModel(path, { pythonModel: new HoldsFunctionModel() })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('Failed to serialize model state at `callback`'),
    });
    await expectNothingLeft(root, `model-${counter}`);
  });

  it('a late failure (example against signature) removes the temporary directory', async () => {
    const path = fresh();
    const signature = new ModelSignature({ inputs: new Schema([new ColSpec('long', 'a')]) });
    await expect(saveModel(path, { pythonModel: new EchoModel('x'), signature, inputExample: { b: ['x'] } })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('Input example does not match the model signature'),
    });
    await expectNothingLeft(root, `model-${counter}`);
  });

  it('code that does not bundle fails at save with the file and line', async () => {
    const broken = join(root, 'broken.ts');
    await writeFile(broken, "import { setModel } from '@pyfunc/runtime';\nsetModel((x: unknown) => x;\n");
    const path = fresh();
    await expect(saveModel(path, { modelCode: broken, inputExample: 1 })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('broken.ts:2'),
    });
    const missingImport = join(root, 'missing-import.ts');
    await writeFile(missingImport, "import { nothing } from 'no-such-package-xyz';\nexport const x = nothing;\n");
    await expect(saveModel(fresh(), { modelCode: missingImport })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('no-such-package-xyz'),
    });
    await expectNothingLeft(root, `model-${counter}`);
  });

  it('artifacts with the same file name are rejected', async () => {
    await mkdir(join(root, 'a1'), { recursive: true });
    await mkdir(join(root, 'a2'), { recursive: true });
    await writeFile(join(root, 'a1', 'w.bin'), '1');
    await writeFile(join(root, 'a2', 'w.bin'), '2');
    await expect(saveModel(fresh(), { pythonModel: new EchoModel('x'), artifacts: { one: join(root, 'a1', 'w.bin'), two: join(root, 'a2', 'w.bin') } }))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("Artifacts 'one' and 'two'") });
  });
});
