/**
 * Input examples against real MLflow (format spec 6), for each oracle line:
 * - MLflow saves each example (`_save_example`) and reads it back (`Model.load_input_example`);
 *   our `saveInputExample` on the same data (built with our containers) writes the same bytes
 *   and info, and our `loadInputExample` on MLflow's files gives the same data;
 * - MLflow reads the files we wrote and gets what it got from its own files;
 * - MLflow's errors for examples it refuses are ours (code and message).
 * Where MLflow 3.x writes other bytes than 2.22 (pandas 3), we follow 2.22: those cases are
 * flagged `differsOn3` and compared on line 2 only.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowException } from '../src/mlflow-exception.js';
import { Schema } from '../src/signature/schema.js';
import { Tensor } from '../src/data/index.js';
import { PyDate } from '../src/py-values.js';
import {
  encodeInputExample,
  loadInputExample,
  loadServingInputExample,
  saveInputExample,
  withParams,
  type InputExample,
} from '../src/input-example.js';
import type { SavedInputExampleInfo } from '../src/model.js';
import { oracleLines, runOracle, type OracleResult } from '../../../test/oracle/src/index.js';
import { canon, cases as fixedCases, describeLoaded, toOracle, exampleOf, randomCases, tensorMarker, type ExampleCase } from './input-example-cases.js';

/** PYFUNC_TEST_SEED=<n> shifts the generators' seeds: other cases from the same generators. */
const seedShift = Number(process.env.PYFUNC_TEST_SEED ?? 0);

const cases: ExampleCase[] = [...fixedCases, ...randomCases(20241125 + seedShift, 12)];

function caseArgs(testCase: ExampleCase, dir: string): Record<string, unknown> {
  const args: Record<string, unknown> = { dir, example: testCase.example };
  if (testCase.params !== undefined) args.params = testCase.params;
  if (testCase.signature !== undefined) args.signature = testCase.signature;
  return toOracle(args) as Record<string, unknown>;
}

interface SavedByMlflow {
  info: SavedInputExampleInfo;
  input: string;
  serving: string | null;
  loaded: unknown;
  params: unknown;
}

/** Examples MLflow refuses (`{__tensor__: spec}` values become numpy arrays in ops_example). */
const tensorSpec = { dtype: 'int64', values: [1] };
const refused: { name: string; args: Record<string, unknown>; ours: InputExample }[] = [
  { name: 'dict mixing tensors and values', args: { example: { kind: 'value', value: { a: { [tensorMarker]: tensorSpec }, b: 1 } } },
    ours: { a: Tensor.from([1], 'int64'), b: 1 } as unknown as InputExample },
  { name: 'list holding a tensor', args: { example: { kind: 'value', value: [{ [tensorMarker]: tensorSpec }] } },
    ours: [Tensor.from([1], 'int64')] },
  { name: 'None', args: { example: { kind: 'value', value: null } }, ours: null },
  { name: 'a date', args: { example: { kind: 'value', value: new PyDate(2024, 1, 2) } }, ours: new PyDate(2024, 1, 2) },
  { name: '2-D params', args: { example: { kind: 'value', value: 'x' }, params: { p: [[1]] } }, ours: withParams('x', { p: [[1]] }) },
  { name: 'None param', args: { example: { kind: 'value', value: 'x' }, params: { p: null } }, ours: withParams('x', { p: null }) },
  { name: 'bytes param', args: { example: { kind: 'value', value: 'x' }, params: { p: new Uint8Array([104, 105]) } },
    ours: withParams('x', { p: new Uint8Array([104, 105]) }) },
];

describe.each(oracleLines)('input examples against MLflow %s', (line) => {
  let root: string;
  let mlflow: OracleResult[];
  let mlflowReadsOurs: OracleResult[];
  let refusedAnswers: OracleResult[];
  const ourInfos: SavedInputExampleInfo[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), `pyfunc-example-${line}-`));
    for (const [index, testCase] of cases.entries()) {
      ourInfos.push(await saveInputExample(join(root, 'ours', String(index)), exampleOf(testCase)));
    }
    // one Python process per op, run side by side
    [mlflow, mlflowReadsOurs, refusedAnswers] = await Promise.all([
      runOracle(line, 'example.save_load', cases.map((testCase, index) => caseArgs(testCase, join(root, 'mlflow', String(index))))),
      runOracle(line, 'example.load', cases.map((testCase, index) => {
        const args: Record<string, unknown> = { dir: join(root, 'ours', String(index)), info: ourInfos[index] };
        if (testCase.signature !== undefined) args.signature = testCase.signature;
        return toOracle(args);
      })),
      runOracle(line, 'example.encode', refused.map((item) => toOracle(item.args))),
    ]);
  });

  afterAll(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  const saved = (index: number): SavedByMlflow => {
    const result = mlflow[index]!;
    if (result.error !== undefined) throw new Error(`MLflow failed: ${result.error.type}: ${result.error.message}`);
    return result.ok as unknown as SavedByMlflow;
  };

  it(`covers at least 40 examples (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((testCase, index) => [testCase.name, index, testCase] as const))(
    'writes the bytes MLflow writes: %s', async (_name, index, testCase) => {
      const theirs = saved(index);
      const dir = join(root, 'ours', String(index));
      if (line === '3' && testCase.differsOn3 !== undefined) {
        // 2.22 is the reference: 3.x writes other bytes here (see the flag), ours stay 2.22's
        expect(await readFile(join(dir, 'input_example.json'), 'utf8')).not.toBe(theirs.input);
        return;
      }
      expect(ourInfos[index]).toEqual(theirs.info);
      expect(Object.keys(ourInfos[index]!)).toEqual(Object.keys(theirs.info));
      expect(await readFile(join(dir, 'input_example.json'), 'utf8')).toBe(theirs.input);
      expect(await loadServingInputExample(dir, ourInfos[index])).toBe(theirs.serving ?? undefined);
      const pure = encodeInputExample(exampleOf(testCase));
      expect(pure.inputExampleJson).toBe(theirs.input);
    });

  it.each(cases.map((testCase, index) => [testCase.name, index, testCase] as const))(
    'reads what MLflow wrote as MLflow does: %s', async (_name, index, testCase) => {
      const theirs = saved(index);
      const schema = testCase.signature === undefined ? undefined : Schema.fromJson(testCase.signature);
      const loaded = await loadInputExample(join(root, 'mlflow', String(index)), theirs.info, { schema });
      expect(canon(loaded.params ?? null)).toEqual(canon(theirs.params));
      if (testCase.readDeviation !== undefined) {
        expect(canon(describeLoaded(loaded, 'data'))).not.toEqual(canon(theirs.loaded));
        return;
      }
      expect(canon(describeLoaded(loaded, 'data'))).toEqual(canon(theirs.loaded));
    });

  it.each(cases.map((testCase, index) => [testCase.name, index] as const))(
    'MLflow reads our files as its own: %s', (_name, index) => {
      const result = mlflowReadsOurs[index]!;
      expect(result.error).toBeUndefined();
      const ours = result.ok as unknown as { loaded: unknown; params: unknown };
      const theirs = saved(index);
      expect(canon(ours.loaded)).toEqual(canon(theirs.loaded));
      expect(canon(ours.params)).toEqual(canon(theirs.params));
    });

  it('refuses what MLflow refuses, with its code and message', async () => {
    const answers = refusedAnswers;
    const dir = join(root, 'refused');
    for (const [index, item] of refused.entries()) {
      const answer = answers[index]!;
      expect(answer.error, item.name).toBeDefined();
      let caught: unknown;
      try {
        await saveInputExample(dir, item.ours);
      } catch (error) {
        caught = error;
      }
      expect(MlflowException.isInstance(caught), item.name).toBe(true);
      const exception = caught as MlflowException;
      expect({ name: item.name, code: exception.errorCode, message: exception.message })
        .toEqual({ name: item.name, code: answer.error!.code, message: answer.error!.message });
    }
    await expect(readFile(join(dir, 'input_example.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

