import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ColSpec, Frame, Model, ModelSignature, Schema, withParams } from '@pyfunc/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FunctionPythonModel,
  JS_FUNCTION_FLAVOR,
  MODEL_LOADER,
  PYTHON_LOADER_MODULE,
  T,
  loadModel,
  saveModel,
  type PyFuncModel,
} from '../src/index.js';
import { EchoModel, FailingModel, HoldsFunctionModel, StreamModel, double } from './fixtures/echo-model.js';
import { recordingLogger } from './fixtures/recording-logger.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
let root: string;
let counter = 0;
const fresh = () => join(root, `model-${++counter}`);

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pyfunc-runtime-save-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('PythonModel subclass', () => {
  let path: string;
  let model: PyFuncModel;
  beforeAll(async () => {
    path = fresh();
    const artifactDir = join(root, 'artifact-src');
    await mkdir(join(artifactDir, 'deep', 'er'), { recursive: true });
    await writeFile(join(artifactDir, 'greeting.txt'), 'hello ');
    await writeFile(join(artifactDir, 'deep', 'er', 'note.txt'), 'nested');
    await saveModel(path, {
      pythonModel: new EchoModel('L1'),
      artifacts: { greeting: join(artifactDir, 'greeting.txt'), tree: join(artifactDir, 'deep') },
      modelConfig: { temperature: 0.5, timeout: 300 },
      metadata: { team: 'ts' },
    });
    model = await loadModel(path);
  });
  afterAll(() => model.close());

  it('writes a js_function flavor with a bundle, state, artifacts and config', async () => {
    const files = (await readdir(path)).sort();
    // js/ holds the bundle (and the python_function flavor's Node runner); code/, conda.yaml,
    // python_env.yaml and requirements.txt are the python_function flavor's (runtime.md 11.5)
    expect(files).toEqual(['MLmodel', 'artifacts', 'code', 'conda.yaml', 'js', 'model_state.json', 'python_env.yaml', 'requirements.txt']);
    expect((await readdir(join(path, 'js'))).sort()).toEqual(['model.mjs', 'package.json', 'runner.mjs']);
    expect(await readdir(join(path, 'code'))).toEqual(['pyfunc_node_loader.py', 'pyfunc_wire.py']);
    const metadata = await Model.load(path);
    const flavor = metadata.flavors[JS_FUNCTION_FLAVOR]!;
    expect(flavor).toMatchObject({
      loader_module: MODEL_LOADER, entry: 'js/model.mjs', export_name: 'EchoModel', model_type: 'python_model',
      state: 'model_state.json', streamable: false, code: null, config: { temperature: 0.5, timeout: 300 },
      artifacts: { greeting: { path: 'artifacts/greeting.txt' }, tree: { path: 'artifacts/deep' } },
      node_version: process.versions.node, env: { npm: 'js/package.json' },
    });
    expect(typeof flavor.runtime_version).toBe('string');
    expect(metadata.metadata).toEqual({ team: 'ts' });
    expect(metadata.modelSizeBytes).toBeGreaterThan(0);
  });

  it('restores state without running the constructor, then calls loadContext with artifact paths', async () => {
    expect(await model.predict('world')).toBe('hello world');
    const probe = await model.predict({ probe: true }) as Record<string, unknown>;
    expect(probe).toEqual({ label: 'L1', big: (2n ** 60n).toString(), config: { temperature: 0.5, timeout: 300 }, artifacts: ['greeting', 'tree'] });
    const unwrapped = model.unwrapPythonModel() as EchoModel;
    expect(unwrapped.constructor.name).toBe('EchoModel'); // the bundle's own copy of the class
    expect(Object.getPrototypeOf(Object.getPrototypeOf(unwrapped)).constructor.name).toBe('PythonModel');
    expect(unwrapped.calls).toBe(2);
    const nested = await readFile(join(path, 'artifacts', 'deep', 'er', 'note.txt'), 'utf8');
    expect(nested).toBe('nested');
  });

  it('exposes metadata, modelConfig, loaderModule and a repr', () => {
    expect(model.modelConfig).toEqual({ temperature: 0.5, timeout: 300 });
    // MLflow's loader_module is python_function's: the Node loader of runtime.md 11.5
    expect(model.loaderModule).toBe(PYTHON_LOADER_MODULE);
    expect(model.toString()).toBe(`mlflow.pyfunc.loaded_model:\n  flavor: ${PYTHON_LOADER_MODULE}\n`);
    expect(model.metadata.flavors.js_function!.loader_module).toBe(MODEL_LOADER);
    expect(model.metadata.flavors.js_function).toBeDefined();
  });

  it('without a params schema, params are dropped with a warning (runtime.md 2.2)', async () => {
    const logger = recordingLogger();
    const loaded = await loadModel(path, { logger });
    expect(await loaded.predict('a', { suffix: '!' })).toBe('hello a');
    expect(logger.warnings.join()).toContain('This model does not define a params schema');
  });

  it('is not streamable: the first next() fails, the call does not', async () => {
    const stream = model.predictStream('x');
    await expect(collect(stream)).rejects.toMatchObject({ errorCode: 'INTERNAL_ERROR', message: 'This model does not support predict_stream method.' });
  });
});

describe('model config at load (runtime.md 1.3)', () => {
  let path: string;
  beforeAll(async () => {
    path = fresh();
    await saveModel(path, { pythonModel: new EchoModel('cfg'), modelConfig: { timeout: 300, use_gpu: true } });
  });

  it('overrides existing keys only, with a warning for the others', async () => {
    const logger = recordingLogger();
    const model = await loadModel(path, { modelConfig: { timeout: 400, invalid_key: 1 }, logger });
    expect(model.modelConfig).toEqual({ timeout: 400, use_gpu: true });
    expect((await model.predict({ probe: 1 }) as { config: unknown }).config).toEqual({ timeout: 400, use_gpu: true });
    expect(logger.warnings.join('\n')).toContain('Argument(s) invalid_key were ignored since they are not valid keys');
  });

  it('reads a YAML file and MLFLOW_PYFUNC_INFERENCE_CONFIG, load-time keys winning', async () => {
    const file = join(root, 'override.yaml');
    await writeFile(file, 'timeout: 7\n');
    process.env.MLFLOW_PYFUNC_INFERENCE_CONFIG = '{"timeout": 5, "use_gpu": false}';
    try {
      const model = await loadModel(path, { modelConfig: file });
      expect(model.modelConfig).toEqual({ timeout: 7, use_gpu: false });
    } finally {
      delete process.env.MLFLOW_PYFUNC_INFERENCE_CONFIG;
    }
  });

  it('a missing config file is INVALID_PARAMETER_VALUE', async () => {
    await expect(loadModel(path, { modelConfig: join(root, 'missing.yaml') }))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'is not a valid file path.") });
  });

  it('a model saved without config ignores overrides and sees no config', async () => {
    const bare = fresh();
    await saveModel(bare, { pythonModel: new EchoModel('bare') });
    const logger = recordingLogger();
    const model = await loadModel(bare, { modelConfig: { timeout: 1 }, logger });
    expect(model.modelConfig).toEqual({});
    expect((await model.predict({ probe: 1 }) as { config: unknown }).config).toBeNull();
    expect(logger.warnings[0]).toContain("flavor doesn't accept model configuration");
  });
});

describe('function models (runtime.md 5)', () => {
  it('infers the signature by running the function on the example', async () => {
    const path = fresh();
    await saveModel(path, { pythonModel: double, inputExample: [1, 2, 3] });
    const metadata = await Model.load(path);
    expect(metadata.signature?.toDict()).toEqual({
      inputs: '[{"type": "long", "required": true}]',
      outputs: '[{"type": "long", "name": 0, "required": true}]', // the frame the function got back
      params: null,
    });
    const model = await loadModel(path);
    expect(model.unwrapPythonModel()).toBeInstanceOf(FunctionPythonModel);
    const result = await model.predict([4, 5]);
    expect(result).toBeDefined();
  });

  it('rejects functions without exactly one parameter, and missing example/requirements', async () => {
    await expect(saveModel(fresh(), { pythonModel: (a: unknown, b: unknown) => [a, b], inputExample: 1 }))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('Found 2 arguments.') });
    await expect(saveModel(fresh(), { pythonModel: () => 1, inputExample: 1 }))
      .rejects.toMatchObject({ message: expect.stringContaining('Found 0 arguments.') });
    await expect(saveModel(fresh(), { pythonModel: (x: unknown) => x }))
      .rejects.toMatchObject({ errorCode: 'INTERNAL_ERROR', message: expect.stringContaining('at least one of `input_example`') });
  });

  it('a closure without a module fails at save time with what to do', async () => {
    const path = fresh();
    await expect(saveModel(path, { pythonModel: (x: unknown) => x, pipRequirements: ['pandas'] }))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('moduleUrl: import.meta.url') });
    await expect(readdir(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('declared types give the type-hint signature', async () => {
    const path = fresh();
    const upper = Object.assign((input: unknown) => (input as string[]).map((s) => s.toUpperCase()), {
      moduleUrl: import.meta.url, types: { input: T.list(T.string), output: T.list(T.string) },
    });
    await expect(saveModel(path, { pythonModel: upper, pipRequirements: ['x'] }))
      .rejects.toMatchObject({ message: expect.stringContaining('does not export') });
  });
});

describe('signature determination (runtime.md 4.5)', () => {
  it('an explicit signature validates the example', async () => {
    const signature = new ModelSignature({ inputs: new Schema([new ColSpec('string')]) });
    await expect(saveModel(fresh(), { pythonModel: new EchoModel('s'), signature, inputExample: 123 }))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('Input example does not match the model signature.') });
    const logger = recordingLogger();
    const path = fresh();
    await saveModel(path, { pythonModel: new EchoModel('s'), signature, logger });
    expect(logger.warnings[0]).toContain('An input example was not provided');
    expect((await Model.load(path)).signature?.toDict().inputs).toBe('[{"type": "string", "required": true}]');
  });

  it('declared types win over an explicit signature, with a warning', async () => {
    class Typed extends EchoModel {
      static types = { input: T.list(T.string), output: T.list(T.string) };
    }
    const logger = recordingLogger();
    const path = fresh();
    const signature = new ModelSignature({ inputs: new Schema([new ColSpec('long')]) });
    await saveModel(path, { pythonModel: new Typed('t'), moduleUrl: fileURLToPath(new URL('./fixtures/typed-model.ts', import.meta.url)), signature, logger })
      .catch((error: unknown) => { throw error; });
    const saved = await Model.load(path);
    expect(saved.signature?.isSignatureFromTypeHint).toBe(true);
    expect(saved.signature?.toDict().inputs).toBe('[{"type": "string", "required": true}]');
    expect(logger.warnings.join()).toContain('Provided signature does not match');
    const model = await loadModel(path);
    expect(await model.predict(['a', 'b'])).toEqual(['a', 'b']); // no schema enforcement: the list itself
  });

  it('infers from an example with params, and enforces params at predict', async () => {
    const path = fresh();
    await saveModel(path, { pythonModel: new EchoModel('p'), inputExample: withParams(['hi'], { suffix: '?' }) });
    const saved = await Model.load(path);
    expect(saved.signature?.params?.toDict()).toEqual([{ name: 'suffix', type: 'string', default: '?', shape: null }]);
    const model = await loadModel(path);
    expect(model.inputExample).toEqual(['hi']);
    const out = await model.predict(['a']);
    expect(out).toBeInstanceOf(Frame);
  });
});

describe('streaming', () => {
  it('a class with predictStream is streamable; a list with one element is unwrapped', async () => {
    const path = fresh();
    await saveModel(path, { pythonModel: new StreamModel() });
    expect((await Model.load(path)).flavors.js_function!.streamable).toBe(true);
    const model = await loadModel(path);
    expect(await collect(model.predictStream('ab'))).toEqual(['a', 'b']);
    expect(await collect(model.predictStream(['xy']))).toEqual(['x', 'y']);
    await expect(collect(model.predictStream(['a', 'b']))).rejects.toMatchObject({ message: expect.stringContaining("'predict_stream' requires single input") });
  });

  it('params from the example become the params schema; defaults and overrides reach predictStream', async () => {
    const path = fresh();
    await saveModel(path, { pythonModel: new StreamModel(), inputExample: withParams('ab', { times: 2 }) });
    const saved = await Model.load(path);
    expect(saved.signature?.params?.toDict()).toEqual([{ name: 'times', type: 'long', default: 2, shape: null }]);
    const model = await loadModel(path);
    expect(await collect(model.predictStream('ab'))).toEqual(['a', 'b', 'a', 'b']);
    expect(await collect(model.predictStream('ab', { times: 1 }))).toEqual(['a', 'b']);
    await expect(collect(model.predictStream('ab', { times: 'x' }))).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('signature: false turns off inference from the example', async () => {
    const path = fresh();
    await saveModel(path, { pythonModel: new StreamModel(), inputExample: 'ab', signature: false });
    const saved = await Model.load(path);
    expect(saved.signature).toBeUndefined();
    expect(saved.savedInputExampleInfo?.type).toBe('json_object');
  });

  it('is lazy: nothing runs before the first next()', async () => {
    const path = fresh();
    await saveModel(path, { pythonModel: new EchoModel('lazy') });
    const model = await loadModel(path);
    const stream = model.predictStream('x'); // not streamable, but no error yet
    expect(stream).toBeDefined();
  });
});

describe('models from code (runtime.md 6)', () => {
  it('bundles the code file with its imports; ModelConfig sees the logged config at every load', async () => {
    const path = fresh();
    await saveModel(path, { modelCode: join(fixtures, 'code-model.ts'), modelConfig: { timeout: 400 } });
    expect((await readdir(path)).sort()).toEqual(['MLmodel', 'code', 'code-model.ts', 'conda.yaml', 'js', 'python_env.yaml', 'requirements.txt']);
    const flavor = (await Model.load(path)).flavors.js_function!;
    expect(flavor.loader_module).toBe('@pyfunc/runtime/loaders/code_model');
    expect(flavor.model_code_path).toBe(join(fixtures, 'code-model.ts'));
    const model = await loadModel(path);
    expect(await model.predict('asdf')).toBe('This was the input: ASDF, timeout 400, context {"timeout":400}');
    const overridden = await loadModel(path, { modelConfig: { timeout: 9 } });
    expect(await overridden.predict('b')).toBe('This was the input: B, timeout 9, context {"timeout":9}');
  });

  it('a missing code file names the path and suggests an extension', async () => {
    await expect(saveModel(fresh(), { pythonModel: join(root, 'asdf') }))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/The provided model path '.*asdf' does not exist\. Ensure the file path is valid and try again\. Perhaps you meant/) });
  });

  it('a code file that never calls setModel fails, even after another file set one', async () => {
    await saveModel(fresh(), { modelCode: join(fixtures, 'code-model.ts') });
    await expect(saveModel(fresh(), { modelCode: join(fixtures, 'no-set-model.ts') }))
      .rejects.toMatchObject({ errorCode: 'INTERNAL_ERROR', message: expect.stringContaining('ensure the model is set using mlflow.models.set_model()') });
  });
});

describe('loader-module workflow (runtime.md 7)', () => {
  it('copies data, bundles the loader and calls loadPyfunc(dataPath[, config])', async () => {
    const data = join(root, 'weights');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'weights.json'), '{"scale": 3}');
    const path = fresh();
    await saveModel(path, { loaderModule: join(fixtures, 'loader.ts'), dataPath: data, streamable: true });
    const flavor = (await Model.load(path)).flavors.js_function!;
    expect(flavor).toMatchObject({ loader_module: 'loader', data: 'data/weights', streamable: true });
    const model = await loadModel(path);
    expect(await model.predict([1, 2])).toEqual([3, 6]);
    expect(await collect(model.predictStream('x'))).toEqual(['scaled by 3', 'x']);
    expect(() => model.unwrapPythonModel()).toThrow('Unable to retrieve base model object from pyfunc.');
    const configured = fresh();
    await saveModel(configured, { loaderModule: join(fixtures, 'loader.ts'), dataPath: data, modelConfig: { scale: 10 } });
    expect(await (await loadModel(configured)).predict([1])).toEqual([10]);
  });
});
