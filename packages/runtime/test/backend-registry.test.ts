import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ColSpec, Frame, Model, ModelSignature, Schema } from '@pyfunc/format';
import { afterAll, describe, expect, it } from 'vitest';
import {
  builtinBackends,
  jsFunctionBackend,
  loadModel,
  registerBackend,
  resolveBackend,
  saveModel,
  unregisterBackend,
  type FlavorBackendV1,
} from '../src/index.js';
import { describeBackendConformance } from '../src/testing/index.js';
import { StreamModel } from './fixtures/echo-model.js';

const roots: string[] = [];
async function tempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pyfunc-runtime-registry-'));
  roots.push(root);
  return root;
}
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

/** A plugin flavor: sums each row of the enforced frame. */
const rowSumBackend: FlavorBackendV1 = {
  specificationVersion: 'v1',
  flavorName: 'row_sum',
  async doLoad(_modelDir, options) {
    const scale = Number(options.metadata.flavors.row_sum?.scale ?? 1);
    return {
      async doPredict(data) {
        const frame = data as Frame;
        return frame.toRecords().map((row) => Object.values(row).reduce<number>((sum, value) => sum + Number(value), 0) * scale);
      },
    };
  },
};

async function saveRowSumModel(): Promise<string> {
  const dir = join(await tempRoot(), 'row-sum');
  const model = new Model({
    flavors: { row_sum: { scale: 2 } },
    signature: new ModelSignature({ inputs: new Schema([new ColSpec('double', 'a'), new ColSpec('double', 'b')]) }),
  });
  await model.save(dir);
  return dir;
}

describe('backend registry', () => {
  it('maps python_function to @pyfunc/python by name, with an install hint when absent', async () => {
    expect(builtinBackends.python_function).toBe('@pyfunc/python');
    await expect(resolveBackend('python_function')).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST', message: "The 'python_function' flavor needs @pyfunc/python: npm install @pyfunc/python",
    });
    expect(await resolveBackend('no_such_flavor')).toBeUndefined();
    expect(await resolveBackend('js_function')).toBe(jsFunctionBackend);
  });

  it('refuses a backend of another interface version', () => {
    expect(() => registerBackend({ ...rowSumBackend, specificationVersion: 'v2' } as unknown as FlavorBackendV1))
      .toThrow(expect.objectContaining({ errorCode: 'INVALID_STATE' }));
  });

  it('a registered plugin loads a model with only its flavor; unregistering removes it', async () => {
    const dir = await saveRowSumModel();
    await expect(loadModel(dir)).rejects.toMatchObject({ message: 'Model does not have the "python_function" flavor' });
    registerBackend(rowSumBackend);
    const model = await loadModel(dir);
    expect(await model.predict({ a: [1.5, 2.5], b: [10.5, 20.5] })).toEqual([24, 46]);
    expect(unregisterBackend('row_sum')).toBe(true);
  });
});

describeBackendConformance('row_sum plugin', async () => ({
  backend: rowSumBackend,
  modelDir: await saveRowSumModel(),
  input: Frame.fromColumns({ a: [1.5, 2], b: [0.5, 1] }),
  expected: [4, 6],
}));

describeBackendConformance('js_function', async () => {
  const dir = join(await tempRoot(), 'stream');
  await saveModel(dir, { pythonModel: new StreamModel(), inputExample: { text: 'hey' } });
  return {
    backend: jsFunctionBackend,
    modelDir: dir,
    input: { text: 'hey' },
    expected: [{ text: 'hey' }],
    normalize: (prediction) => (prediction as Frame).toRecords(),
    expectedStream: [...'[object Object]'],
  };
});
