/**
 * Differential checks against real MLflow (both lines): MLflow reads the MLmodel of a model saved
 * here; a function model's signature inferred from its example equals MLflow's for the same
 * example and the same (identity) function.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Model, withParams } from '@pyfunc/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleLines, runOracle } from '../../../test/oracle/src/index.js';
import { saveModel } from '../src/index.js';
import { EchoModel, StreamModel, identity } from './fixtures/echo-model.js';

let root: string;
const saved: Record<string, string> = {};

/** Examples for the identity function: records, scalars lists, dicts, strings, nested values. */
const examples: unknown[] = [
  [{ a: 'b' }],
  [1, 2, 3],
  ['x', 'y'],
  'abc',
  { a: 1.5, b: 'x' },
  { q: ['x', 'y'] },
  [{ a: 1, b: [1, 2] }, { a: 2, b: [3] }],
  { nested: { k: 'v' } },
];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pyfunc-runtime-interop-'));
  saved.echo = join(root, 'echo');
  await saveModel(saved.echo, {
    pythonModel: new EchoModel('x'), inputExample: withParams({ q: 'hi' }, { suffix: '!' }),
    modelConfig: { temperature: 0.5 }, metadata: { team: 'ts' },
  });
  saved.stream = join(root, 'stream');
  await saveModel(saved.stream, { pythonModel: new StreamModel(), inputExample: ['hello'] });
  for (const [index, example] of examples.entries()) {
    const path = join(root, `fn-${index}`);
    await saveModel(path, { pythonModel: identity, inputExample: example as never });
    saved[`fn-${index}`] = path;
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each(oracleLines)('MLflow %s', (line) => {
  it('Model.load reads our MLmodel: flavors, signature, example and metadata unchanged', async () => {
    const names = ['echo', 'stream'];
    const results = await runOracle(line, 'runtime.mlmodel_load', names.map((name) => ({ path: saved[name] })));
    for (const [index, name] of names.entries()) {
      const result = results[index]!;
      expect(result.error, JSON.stringify(result.error)).toBeUndefined();
      const ours = await Model.load(saved[name]!);
      const answer = result.ok as Record<string, unknown>;
      expect(answer.flavors).toEqual(ours.flavors);
      expect(answer.signature).toEqual(ours.signature?.toDict());
      expect(answer.model_size_bytes).toEqual(ours.modelSizeBytes);
      expect(answer.input_example_loads).toBe(true);
    }
    expect(((results[0]!.ok as Record<string, unknown>).metadata)).toEqual({ team: 'ts' });
  });

  it("a function model's signature inferred from the example equals MLflow's", async () => {
    const results = await runOracle(line, 'runtime.function_signature', examples.map((example) => ({ example })));
    for (const [index, result] of results.entries()) {
      const ours = (await Model.load(saved[`fn-${index}`]!)).signature?.toDict() ?? null;
      expect({ example: examples[index], ours }).toEqual({ example: examples[index], ours: result.ok ?? result.error });
    }
  });
});
