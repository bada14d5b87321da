import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlflowException, Model, ModelSignature, PyDateTime } from '../src/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'pyfunc-model-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
function modelDir(mlmodel?: string): string {
  const dir = join(scratch, `m${counter++}`);
  mkdirSync(dir, { recursive: true });
  if (mlmodel !== undefined) writeFileSync(join(dir, 'MLmodel'), mlmodel);
  return dir;
}

const pythonModelYaml = `artifact_path: model
flavors:
  python_function:
    cloudpickle_version: 3.1.1
    code: null
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
    python_version: 3.10.12
    streamable: false
is_signature_from_type_hint: false
mlflow_version: 2.22.0
model_size_bytes: 1061
model_uuid: 4f0c1a7e9b8d4c2a8e3f6b5d7a9c0e1f
prompts: null
run_id: 8ede7df408dd42ed9fc39019ef7df309
signature:
  inputs: '[{"type": "string", "required": true}]'
  outputs: '[{"type": "string", "required": true}]'
  params: null
type_hint_from_example: false
utc_time_created: '2025-05-20 08:15:02.118830'
`;

describe('Model', () => {
  it('reads the 2.22 PythonModel example and writes the same bytes (format.md 2.5, check 1)', async () => {
    const model = await Model.load(modelDir(pythonModelYaml));
    expect(model.toYaml()).toBe(pythonModelYaml);
    expect(model.runId).toBe('8ede7df408dd42ed9fc39019ef7df309');
    expect(model.run_id).toBe(model.runId);
    expect(model.artifactPath).toBe('model');
    expect(model.mlflowVersion).toBe('2.22.0');
    expect(model.modelSizeBytes).toBe(1061);
    expect(model.model_size_bytes).toBe(1061);
    expect(model.utcTimeCreated).toBe('2025-05-20 08:15:02.118830');
    expect(model.flavors.python_function?.loader_module).toBe('mlflow.pyfunc.model');
    expect(model.signature?.toDict()).toEqual({ inputs: '[{"type": "string", "required": true}]', outputs: '[{"type": "string", "required": true}]', params: null });
    expect(model.prompts).toBeUndefined();
    expect(model.toYaml({ mlflow: '2' })).toBe(pythonModelYaml);
  });

  it('accepts the MLmodel file path as well as the directory', async () => {
    const dir = modelDir(pythonModelYaml);
    expect((await Model.load(join(dir, 'MLmodel'))).toYaml()).toBe(pythonModelYaml);
    expect((await Model.load(`${dir}/`)).toYaml()).toBe(pythonModelYaml);
  });

  it('keeps unknown keys and a 3.x model_id (check 7)', () => {
    const text = 'flavors: {}\nfoo:\n  bar: 1\nmodel_id: m-0123456789abcdef0123456789abcdef\nutc_time_created: \'2024-01-12 05:17:31\'\n';
    const model = Model.fromYaml(text);
    expect(model.toYaml()).toBe('flavors: {}\nfoo:\n  bar: 1\nmodel_id: m-0123456789abcdef0123456789abcdef\nutc_time_created: \'2024-01-12 05:17:31\'\n');
    expect(model.extra).toEqual({ foo: { bar: 1 } });
    expect(model.modelId).toBe('m-0123456789abcdef0123456789abcdef');
    expect(model.toDict({ mlflow: '2' })).toMatchObject({ model_uuid: null, prompts: null, foo: { bar: 1 } });
  });

  it('writes model_uuid: null and omits mlflow_version as MLflow does, on request (check 8)', () => {
    const model = Model.fromYaml("flavors: {}\nutc_time_created: '2024-01-12 05:17:31'\n");
    expect(model.toYaml()).toBe("flavors: {}\nutc_time_created: '2024-01-12 05:17:31'\n");
    expect(model.toYaml({ mlflow: '2' })).toBe("flavors: {}\nmodel_uuid: null\nprompts: null\nutc_time_created: '2024-01-12 05:17:31'\n");
    expect(model.toYaml({ mlflow: '3' })).toBe("flavors: {}\nmodel_id: null\nmodel_uuid: null\nprompts: null\nutc_time_created: '2024-01-12 05:17:31'\n");
  });

  it('formats utc_time_created as Python str(datetime) (check 9)', () => {
    expect(new Model({ utcTimeCreated: new PyDateTime(2024, 1, 12, 5, 17, 31) }).utcTimeCreated).toBe('2024-01-12 05:17:31');
    expect(new Model({ utcTimeCreated: new Date(Date.UTC(2024, 0, 12, 5, 17, 31, 5)) }).utcTimeCreated).toBe('2024-01-12 05:17:31.005000');
    const unquoted = Model.fromYaml('flavors: {}\nutc_time_created: 2024-01-12 05:17:31.5\n');
    expect(unquoted.utcTimeCreated).toBe('2024-01-12 05:17:31.500000');
    expect(unquoted.toYaml()).toBe('flavors: {}\nutc_time_created: 2024-01-12 05:17:31.500000\n');
  });

  it('gives a new model MLflow 2.22 defaults', () => {
    const model = new Model();
    expect(model.modelUuid).toMatch(/^[0-9a-f]{32}$/);
    expect(model.mlflowVersion).toMatch(/^2\.22\./);
    expect(Object.keys(model.toDict())).toEqual(['utc_time_created', 'flavors', 'model_uuid', 'mlflow_version', 'prompts']);
    expect(model.toYaml()).toMatch(/^flavors: \{\}\nmlflow_version: 2\.22\.\d+\nmodel_uuid: [0-9a-f]{32}\nprompts: null\nutc_time_created: '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?'\n$/);
  });

  it('adds flavors and signatures, writing the signature flags', () => {
    const model = new Model({ utcTimeCreated: '2024-01-12 05:17:31', modelUuid: null, mlflowVersion: null });
    model.addFlavor('sklearn', { pickled_model: 'model.pkl' }).addFlavor('python_function', { loader_module: 'mlflow.sklearn' });
    model.signature = ModelSignature.fromDict({ inputs: '[{"type": "double", "name": "x", "required": true}]', outputs: null, params: null });
    expect(model.toYaml()).toBe(`flavors:
  python_function:
    loader_module: mlflow.sklearn
  sklearn:
    pickled_model: model.pkl
is_signature_from_type_hint: false
model_uuid: null
prompts: null
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}]'
  outputs: null
  params: null
type_hint_from_example: false
utc_time_created: '2024-01-12 05:17:31'
`);
    model.signature = undefined;
    expect(model.toYaml()).not.toContain('signature');
    expect(model.toYaml()).not.toContain('type_hint');
  });

  it('serialises to JSON as MLflow to_json does', () => {
    const model = Model.fromYaml("flavors: {a: {x: 1.0}}\nmetadata: {t: é}\nutc_time_created: '2024-01-12 05:17:31'\n");
    expect(model.toJson()).toBe('{"flavors": {"a": {"x": 1.0}}, "metadata": {"t": "\\u00e9"}, "utc_time_created": "2024-01-12 05:17:31"}');
  });
});

describe('Model bad input', () => {
  const expectCode = async (promise: Promise<unknown>, errorCode: string, path?: string) => {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(MlflowException.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ errorCode, ...(path === undefined ? {} : { path }) });
    return error as MlflowException;
  };

  it('a directory without MLmodel is RESOURCE_DOES_NOT_EXIST naming the path (layout check 5)', async () => {
    const dir = modelDir();
    const error = await expectCode(Model.load(dir), 'RESOURCE_DOES_NOT_EXIST', join(dir, 'MLmodel'));
    expect(error.message).toContain(dir);
    await expectCode(Model.load(join(dir, 'nope')), 'RESOURCE_DOES_NOT_EXIST');
  });

  it('malformed YAML is INVALID_PARAMETER_VALUE with the path, not a parser exception', async () => {
    for (const text of ['flavors: {a: [1, 2}\n', 'a: b: c\n', 'flavors:\n  - a\n - b\n', '\t- x', 'x: !!python/object:os.system {}\n']) {
      const dir = modelDir(text);
      await expectCode(Model.load(dir), 'INVALID_PARAMETER_VALUE', join(dir, 'MLmodel'));
    }
  });

  it('keys of the wrong type are INVALID_PARAMETER_VALUE naming the key', async () => {
    const cases: [string, string][] = [
      ['flavors: [a, b]\n', 'flavors'],
      ['flavors: {sklearn: 3}\n', 'sklearn'],
      ['flavors: {}\nsignature: abc\n', 'signature'],
      ['flavors: {}\nenv_vars: X\n', 'env_vars'],
      ['flavors: {}\nmodel_size_bytes: big\n', 'model_size_bytes'],
      ['flavors: {}\nmetadata: [1]\n', 'metadata'],
      ['flavors: {}\nsaved_input_example_info: x\n', 'saved_input_example_info'],
      ['flavors: {}\nrun_id: [1]\n', 'run_id'],
      ['- just\n- a list\n', 'mapping'],
      ['name: project\nentry_points: {}\n', 'flavors'],
      ['', 'mapping'],
    ];
    for (const [text, mention] of cases) {
      const dir = modelDir(text);
      const error = await expectCode(Model.load(dir), 'INVALID_PARAMETER_VALUE', join(dir, 'MLmodel'));
      expect(error.message, text).toContain(mention);
    }
  });

  it('signatures that cannot be read are INVALID_PARAMETER_VALUE (check 11)', async () => {
    for (const text of [
      'flavors: {}\nsignature: {inputs: null, outputs: null, params: null}\n',
      "flavors: {}\nsignature: {inputs: '[{\"type\": \"nope\"}]'}\n",
      "flavors: {}\nsignature: {inputs: 'not json'}\n",
      "flavors: {}\nsignature: {inputs: '{\"a\": 1}'}\n",
    ]) {
      const dir = modelDir(text);
      await expectCode(Model.load(dir), 'INVALID_PARAMETER_VALUE', join(dir, 'MLmodel'));
    }
  });

  it('save writes atomically: a failed save leaves no partial or temporary file', async () => {
    const dir = modelDir(pythonModelYaml);
    const model = await Model.load(dir);
    (model.metadata as Record<string, unknown> | undefined) ?? (model.metadata = {});
    (model.metadata as Record<string, unknown>).bad = () => 1; // not serialisable
    await expectCode(model.save(dir), 'INVALID_PARAMETER_VALUE');
    expect(readFileSync(join(dir, 'MLmodel'), 'utf8')).toBe(pythonModelYaml);
    expect(readdirSync(dir)).toEqual(['MLmodel']);

    const locked = modelDir();
    chmodSync(locked, 0o500);
    const good = await Model.load(dir).catch(() => new Model());
    if (process.getuid?.() !== 0) {
      await expectCode(good.save(locked), 'IO_ERROR', join(locked, 'MLmodel'));
      expect(readdirSync(locked)).toEqual([]);
    }
    chmodSync(locked, 0o700);
    const fileInTheWay = join(modelDir(), 'file');
    writeFileSync(fileInTheWay, 'x');
    await expectCode(new Model().save(join(fileInTheWay, 'sub')), 'IO_ERROR');
  });

  it('env_vars that is not a list fails at construction time too (check 12)', () => {
    expect(() => Model.fromDict({ flavors: {}, env_vars: 'X' })).toThrow(MlflowException);
  });
});
