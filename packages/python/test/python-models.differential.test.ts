/**
 * Models saved by real MLflow, predicted from Node through the Python workers, against
 * MLflow's in-process `load_model(...).predict` on the same inputs (each MLflow line).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowException } from '@pyfunc/format';
import type { PyFuncModel } from '@pyfunc/runtime';
import { oracleLines, oraclePython, runOracle, type OracleResult } from '../../../test/oracle/src/index.js';
import { PythonError, loadModel } from '../src/index.js';
import { buildInput, canon, saveModels, type InputSpec } from './helpers.js';

/** PYFUNC_TEST_SEED=<n> shifts the generators' seeds: other cases from the same generators. */
const seedShift = Number(process.env.PYFUNC_TEST_SEED ?? 0);

/** A seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = rng(20261125 + seedShift);
const floats = (n: number): number[] => Array.from({ length: n }, () => (random() - 0.5) * 6);

const features = (n: number, withNaN = false): InputSpec => ({
  kind: 'frame',
  columns: ['f0', 'f1', 'f2', 'f3'].map((name, i) => ({
    name, dtype: 'float64', values: floats(n).map((v, j) => (withNaN && i === 1 && j === 0 ? null : v)),
  })),
});

const BIG = 2n ** 62n + 12345n;
const mixed: InputSpec = {
  kind: 'frame',
  columns: [
    { name: 'i', dtype: 'int64', values: [BIG, -BIG, 0, 9007199254740993n] },
    { name: 'f', dtype: 'float64', values: [0.1, null, Number.NaN, -2.5e-308] },
    { name: 's', dtype: 'object', values: ['Zürich', '東京 🚀', null, ''] },
    { name: 'b', dtype: 'object', values: [new Uint8Array([0, 255, 10]), new Uint8Array([]), null, new Uint8Array([7])] },
    { name: 't', dtype: 'datetime64[ns]', values: ['2024-02-29T12:34:56.123456789', null, '1969-12-31T23:59:59', '2262-04-11T00:00:00'] },
    { name: 'ok', dtype: 'bool', values: [true, false, true, false] },
    { name: 'i32', dtype: 'int32', values: [1, -2, 3, 2147483647] },
    { name: 'f32', dtype: 'float32', values: [0.1, 1e30, -0, 3.5] },
  ],
};
const emptyFrame: InputSpec = {
  kind: 'frame',
  columns: [{ name: 'i', dtype: 'int64', values: [] }, { name: 's', dtype: 'object', values: [] }, { name: 'f', dtype: 'float64', values: [] }],
};

interface Case { model: string; input: InputSpec; params?: Record<string, unknown>; stream?: boolean; label: string }

const cases: Case[] = [
  { label: 'classifier', model: 'sk_classifier', input: features(25) },
  { label: 'classifier predict_proba', model: 'sk_proba', input: features(9) },
  { label: 'classifier with NaN (sklearn error)', model: 'sk_classifier', input: features(3, true) },
  { label: 'classifier missing column (enforcement)', model: 'sk_classifier', input: { kind: 'frame', columns: [{ name: 'f0', dtype: 'float64', values: [1] }] } },
  { label: 'classifier ints for doubles (enforcement)', model: 'sk_classifier', input: { kind: 'frame', columns: ['f0', 'f1', 'f2', 'f3'].map((name) => ({ name, dtype: 'int64', values: [1, 2] })) } },
  { label: 'regressor', model: 'sk_regressor', input: features(40) },
  { label: 'regressor empty frame', model: 'sk_regressor', input: { kind: 'frame', columns: ['f0', 'f1', 'f2', 'f3'].map((name) => ({ name, dtype: 'float64', values: [] })) } },
  { label: 'pipeline with strings', model: 'sk_pipeline', input: { kind: 'frame', columns: [
    { name: 'city', dtype: 'object', values: ['Paris', 'Zürich', '東京', 'Lyon'] },
    { name: 'n', dtype: 'int64', values: [3, 4, 9007199254740993n, -1] },
    { name: 'v', dtype: 'float64', values: [0.5, 1.25, 2, 1e-9] }] } },
  { label: 'class model with artifacts and params', model: 'class_artifacts', params: { k: 3 }, input: { kind: 'frame', columns: [
    { name: 'x', dtype: 'float64', values: [1.5, -0.1, 1e300] }, { name: 'n', dtype: 'int64', values: [1, 2, 3] }] } },
  { label: 'class model default params', model: 'class_artifacts', input: { kind: 'frame', columns: [
    { name: 'x', dtype: 'float64', values: [0.3] }, { name: 'n', dtype: 'int64', values: [5] }] } },
  { label: 'class model bad param type (enforcement)', model: 'class_artifacts', params: { k: 'three' }, input: { kind: 'frame', columns: [
    { name: 'x', dtype: 'float64', values: [0.3] }, { name: 'n', dtype: 'int64', values: [5] }] } },
  { label: 'function model', model: 'function', input: { kind: 'frame', columns: [
    { name: 'a', dtype: 'int64', values: [1n, 2n ** 61n, -7n] }, { name: 'b', dtype: 'float64', values: [0.1, Number.NaN, 0.7] }] } },
  { label: 'identity: int64 > 2^53, NaN, nulls, datetimes, unicode, binary', model: 'identity', input: mixed },
  { label: 'identity: empty frame', model: 'identity', input: emptyFrame },
  { label: 'identity: dict input', model: 'identity', input: { kind: 'raw', value: { a: [1, 2], s: 'ü' } } },
  { label: 'typed identity: enforcement converts', model: 'typed_identity', input: { kind: 'frame', columns: [
    { name: 'a', dtype: 'int64', values: [1, 2] }, { name: 's', dtype: 'object', values: ['x', 'é'] }, { name: 'f', dtype: 'float32', values: [0.5, 0.25] }] } },
  { label: 'typed identity: missing column (enforcement)', model: 'typed_identity', input: { kind: 'frame', columns: [
    { name: 'a', dtype: 'int64', values: [1] }] } },
  { label: 'typed identity: string for long (enforcement)', model: 'typed_identity', input: { kind: 'frame', columns: [
    { name: 'a', dtype: 'object', values: ['x'] }, { name: 's', dtype: 'object', values: ['x'] }, { name: 'f', dtype: 'float64', values: [1.5] }] } },
  { label: 'models-from-code', model: 'code', input: { kind: 'frame', columns: [{ name: 's', dtype: 'object', values: ['straße', 'ǆ', '', 'abc'] }] } },
  { label: 'tensor signature', model: 'tensor', input: { kind: 'tensor', dtype: 'float32', shape: [3, 3], values: [1, 2, 3, 0.1, 0.2, 0.3, -1, 1e10, 7] } },
  { label: 'tensor wrong shape (enforcement)', model: 'tensor', input: { kind: 'tensor', dtype: 'float32', shape: [2, 2], values: [1, 2, 3, 4] } },
  { label: 'tensor wrong dtype (enforcement)', model: 'tensor', input: { kind: 'tensor', dtype: 'int64', shape: [1, 3], values: [1, 2, 3] } },
  { label: 'chat predict', model: 'chat', input: { kind: 'raw', value: { messages: [{ role: 'user', content: 'héllo wörld' }] } } },
  { label: 'chat predict_stream', model: 'chat', stream: true, input: { kind: 'raw', value: { messages: [{ role: 'user', content: 'one two three' }] } } },
  { label: 'chat bad input (enforcement)', model: 'chat', input: { kind: 'raw', value: { messages: [{ content: 'no role' }] } } },
  { label: 'returns a dict', model: 'returns', input: { kind: 'frame', columns: [{ name: 'dict', dtype: 'int64', values: [1, 2] }] } },
  { label: 'returns a list', model: 'returns', input: { kind: 'frame', columns: [{ name: 'list', dtype: 'object', values: ['a', 'ß'] }] } },
  { label: 'returns a Series', model: 'returns', input: { kind: 'frame', columns: [{ name: 'series', dtype: 'int64', values: [1, 2, 3, 4, 5] }] } },
  { label: 'returns a DataFrame', model: 'returns', input: { kind: 'frame', columns: [{ name: 'frame', dtype: 'int64', values: [1, 2, 3, 4, 5] }] } },
  { label: 'returns an empty DataFrame', model: 'returns', input: { kind: 'frame', columns: [{ name: 'frame', dtype: 'int64', values: [] }] } },
  { label: 'non-streamable model stream (MLflow error)', model: 'identity', stream: true, input: { kind: 'raw', value: 'x' } },
];

const kinds = [...new Set(cases.map((c) => c.model))];

async function runNode(model: PyFuncModel, c: Case): Promise<{ ok: unknown } | { error: unknown }> {
  try {
    const data = buildInput(c.input);
    if (c.stream === true) {
      const chunks: unknown[] = [];
      for await (const chunk of model.predictStream(data, c.params)) chunks.push(canon(chunk));
      return { ok: chunks };
    }
    return { ok: canon(await model.predict(data, c.params)) };
  } catch (error) {
    return { error };
  }
}

function expectSameError(error: unknown, oracle: NonNullable<OracleResult['error']>): void {
  expect(MlflowException.isInstance(error), String(error)).toBe(true);
  const coded = error as MlflowException;
  if (oracle.code !== null) {
    // MLflow's own exception: same code, same message
    expect(coded.errorCode).toBe(oracle.code);
    expect(coded.message).toBe(oracle.message);
  } else {
    expect(coded.errorCode).toBe('INTERNAL_ERROR');
    expect((coded.cause as PythonError).pythonType).toBe(oracle.type);
    expect(coded.message).toBe(`${oracle.type}: ${oracle.message}`);
  }
  expect((coded.cause as PythonError).traceback).toContain('Traceback');
}

describe.each(oracleLines)('python_function models from MLflow %s', (line) => {
  let paths: Record<string, string>;
  let expected: OracleResult[];
  const models = new Map<string, PyFuncModel>();

  beforeAll(async () => {
    paths = await saveModels(line, kinds);
    const python = oraclePython(line);
    [expected] = await Promise.all([
      runOracle(line, 'python.predict', cases.map((c) => ({ path: paths[c.model], input: c.input, params: c.params ?? null, stream: c.stream ?? false }))),
      (async () => {
        // two loads at a time: each worker spends seconds importing mlflow on this 2-core machine
        for (let at = 0; at < kinds.length; at += 2) {
          await Promise.all(kinds.slice(at, at + 2).map(async (kind) => {
            const workers = kind === 'sk_regressor' ? 2 : 1;
            models.set(kind, await loadModel(paths[kind]!, { envManager: 'local', python, workers, suppressWarnings: true }));
          }));
        }
      })(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([...models.values()].map((model) => model.close()));
  });

  it.each(cases.map((c, i) => [c.label, i] as const))('%s', async (_label, index) => {
    const c = cases[index]!;
    const got = await runNode(models.get(c.model)!, c);
    const want = expected[index]!;
    if (want.error !== undefined) {
      expect('error' in got, `expected MLflow's ${want.error.type}: ${want.error.message}`).toBe(true);
      expectSameError((got as { error: unknown }).error, want.error);
    } else {
      if ('error' in got) throw got.error;
      expect(got.ok).toEqual(want.ok);
    }
  });

  it('answers requests in parallel on a pool, each with its own result', async () => {
    const model = models.get('sk_regressor')!; // a pool of 2
    {
      const inputs = Array.from({ length: 12 }, (_, i) => features(i + 1));
      const want = await runOracle(line, 'python.predict', inputs.map((input) => ({ path: paths.sk_regressor, input, params: null })));
      const got = await Promise.all(inputs.map(async (input) => canon(await model.predict(buildInput(input)))));
      expect(got).toEqual(want.map((w) => w.ok));
    }
  });
});
