/**
 * `inferSignature` against real MLflow's `infer_signature` on equivalent inputs: each case is
 * described once; the description builds our containers here and pandas/numpy/scipy values in
 * test/oracle/ops_infer.py.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CscMatrix, CsrMatrix, Frame, Series, Tensor, makeColumn, type DType, type Label } from '../src/data/index.js';
import { inferOutputSchema, inferSchema, inferSignature } from '../src/infer-signature.js';
import type { Logger } from '../src/logger.js';
import { PyDate, PyDateTime, isFloatSlot, isPlainObject, markFloat } from '../src/py-values.js';
import * as dist from '@pyfunc/format';
import { oracleLines, runOracle, type OracleLine, type OracleResult } from '../../../test/oracle/src/index.js';

/** PYFUNC_TEST_SEED=<n> shifts the generators' seeds: other cases from the same generators. */
const seedShift = Number(process.env.PYFUNC_TEST_SEED ?? 0);

/** A value described for both sides. */
interface Described {
  ts: unknown;
  py: unknown;
}

const plain = (value: unknown): Described => ({ ts: value, py: value });

type ColumnDescription = [Label, unknown[] | Described, DType?];

function frame(columns: ColumnDescription[]): Described {
  const dtypes: Record<string, string> = {};
  for (const [label, , dtype] of columns) if (dtype !== undefined) dtypes[String(label)] = dtype;
  return {
    ts: new Frame(columns.map(([label, values, dtype]) =>
      makeColumn(label, isDescribed(values) ? values.ts as unknown[] : values, dtype))),
    py: { $kind: 'frame', columns: columns.map(([label, values]) => [label, isDescribed(values) ? values.py : values]), dtypes },
  };
}

function isDescribed(value: unknown): value is Described {
  return typeof value === 'object' && value !== null && 'ts' in value && 'py' in value;
}

/** A datetime64 column/array from ticks (`null` = NaT). */
function ticks(values: (bigint | null)[], unit: 'ns' | 'us' | 'ms' | 's'): Described {
  return { ts: values, py: { $kind: 'datetime64', unit, ticks: values } };
}

function series(values: unknown[], name: Label | null, dtype?: DType): Described {
  return {
    ts: Series.from(values, { name, dtype }),
    py: { $kind: 'series', values, name, dtype: dtype ?? null },
  };
}

function nd(values: unknown, dtype?: DType): Described {
  return { ts: Tensor.from(values, dtype), py: { $kind: 'ndarray', values, dtype: dtype ?? null } };
}

function sparse(kind: 'csr' | 'csc', dense: number[][], dtype: DType): Described {
  const ts = kind === 'csr' ? CsrMatrix.fromDense(dense, dtype) : CscMatrix.fromDense(dense, dtype);
  return { ts, py: { $kind: kind, dense, dtype } };
}

function dict(entries: Record<string, unknown>): Described {
  const ts: Record<string, unknown> = {};
  const py: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entries)) {
    ts[key] = isDescribed(value) ? value.ts : value;
    py[key] = isDescribed(value) ? value.py : value;
  }
  return { ts, py };
}

function floats(...values: number[]): number[] {
  values.forEach((_, index) => markFloat(values, index));
  return values;
}

/** A seeded PRNG (mulberry32). */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  name: string;
  input?: Described;
  output?: Described;
  params?: Described;
}

const dt = new PyDateTime(2024, 1, 2, 3, 4, 5, 678901);
const aware = new PyDateTime(2024, 1, 2, 3, 4, 5, 0, 60);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const cases: Case[] = [
  // frames: every column dtype
  { name: 'conformance 1', input: frame([['x1', [1, 2, 3]], ['x2', floats(4, 5, 6)]]) },
  { name: 'frame null float', input: frame([['a', [1.5, null]], ['b', ['x', 'y']]]) },
  { name: 'frame int with null', input: frame([['a', [1, null, 3]]]) },
  { name: 'frame NaN', input: frame([['a', [1.5, Number.NaN]]]) },
  { name: 'frame bool', input: frame([['a', [true, false]]]) },
  { name: 'frame bool with null', input: frame([['a', [true, null]]]) },
  { name: 'frame strings with null', input: frame([['s', ['x', null, 'z']]]) },
  { name: 'frame all null', input: frame([['n', [null, null]]]) },
  { name: 'frame bytes', input: frame([['b', [bytes('x'), bytes('yz')]]]) },
  { name: 'frame lists', input: frame([['l', [[1, 2], [3]]]]) },
  { name: 'frame lists with null', input: frame([['l', [['a'], null]]]) },
  { name: 'frame empty lists', input: frame([['l', [[], []]]]) },
  { name: 'frame nested lists', input: frame([['l', [[[1.5]], [[2.5, 3.5]]]]]) },
  { name: 'frame dicts', input: frame([['d', [{ x: 1 }, { y: 's' }]]]) },
  { name: 'frame dict and null', input: frame([['d', [{ x: true }, null]]]) },
  { name: 'frame datetimes', input: frame([['t', [dt, null]]]) },
  { name: 'frame aware datetimes', input: frame([['t', [aware, aware]]]) },
  { name: 'frame JS Date', input: frame([['t', [new Date(86_400_000)]]]) },
  { name: 'frame dates', input: frame([['d', [new PyDate(2020, 1, 1), new PyDate(2021, 2, 3)]]]) },
  { name: 'frame ns ticks', input: frame([['t', ticks([1n, 2n, null], 'ns'), 'datetime64[ns]']]) },
  { name: 'frame ms ticks', input: frame([['t', ticks([1_700_000_000_000n], 'ms'), 'datetime64[ms]']]) },
  { name: 'frame s ticks', input: frame([['t', ticks([1_700_000_000n], 's'), 'datetime64[s]']]) },
  { name: 'frame int labels', input: frame([[0, [1, 2]], [1, ['a', 'b']]]) },
  { name: 'frame mixed types falls back', input: frame([['m', [1, 'x']]]) },
  { name: 'frame bytes and str falls back', input: frame([['m', [bytes('a'), 'b']]]) },
  { name: 'frame big int64', input: frame([['i', [2n ** 62n, -(2n ** 62n)]]]) },
  { name: 'frame beyond uint64 is object of ints', input: frame([['i', [2n ** 64n, 1n]]]) },
  { name: 'frame empty', input: frame([]) },
  { name: 'frame no rows', input: frame([['a', []]]) },
  { name: 'frame unicode label', input: frame([['é', ['x']], ['\u{1F600}', [1.5]]]) },
  ...(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'float16', 'float32', 'float64'] as const)
    .map((dtype): Case => ({ name: `frame ${dtype}`, input: frame([['c', [1, 2], dtype]]) })),
  { name: 'conformance 12 uint64 falls back', input: frame([['c', [1, 2], 'uint64']]) },
  { name: 'frame str dtype', input: frame([['c', ['a', 'bc'], 'str']]) },
  { name: 'frame bytes dtype', input: frame([['c', [bytes('a'), bytes('bc')], 'bytes']]) },
  { name: 'frame object empty', input: frame([['c', [], 'object']]) },
  { name: 'frame float32 with null', input: frame([['c', [1.5, null], 'float32']]) },
  { name: 'frame object of ints', input: frame([['c', [1, 2], 'object']]) },
  { name: 'frame object of ints and null', input: frame([['c', [1, null], 'object']]) },
  { name: 'frame object of bools', input: frame([['c', [true, false], 'object']]) },
  { name: 'frame object of strings', input: frame([['c', ['a', 'b'], 'object']]) },
  { name: 'frame object of datetimes', input: frame([['c', [dt, null], 'object']]) },
  { name: 'frame object of floats', input: frame([['c', floats(1, 2), 'object']]) },
  { name: 'frame many columns', input: frame([['a', [1]], ['b', [1.5]], ['c', ['s']], ['d', [true]], ['e', [[1]]], ['f', [{ k: 'v' }]]]) },
  // series
  { name: 'series named int', input: series([1, 2], 's') },
  { name: 'series unnamed strings', input: series(['a', 'b'], null) },
  { name: 'series int name', input: series([1.5], 3) },
  { name: 'series with null', input: series(['a', null], 'n') },
  { name: 'series int32', input: series([1, 2], 'x', 'int32') },
  { name: 'series of lists', input: series([[1], [2]], 'l') },
  // tensors
  { name: 'conformance 3', input: nd([[1.5, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]], 'float64') },
  ...(['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16', 'float32', 'float64'] as const)
    .map((dtype): Case => ({ name: `tensor ${dtype}`, input: nd(dtype === 'bool' ? [[true], [false]] : [[1, 2], [3, 4]], dtype) })),
  { name: 'tensor str', input: nd(['a', 'bc'], 'str') },
  { name: 'tensor bytes', input: nd([bytes('a'), bytes('bc')], 'bytes') },
  { name: 'tensor object', input: nd(['a', 1], 'object') },
  { name: 'tensor datetime64[ns]', input: nd([1n, 2n], 'datetime64[ns]') },
  { name: 'tensor datetime64[s]', input: nd([[1n], [2n]], 'datetime64[s]') },
  { name: 'tensor 3-d', input: nd([[[1, 2]], [[3, 4]]], 'float32') },
  { name: 'tensor 4-d', input: nd([[[[1]]]], 'int32') },
  { name: 'tensor empty', input: nd([], 'float64') },
  { name: 'tensor 0-d falls back', input: nd(5, 'int64') },
  { name: 'tensor inferred int', input: nd([1, 2]) },
  { name: 'tensor inferred float', input: nd([1.5, 2]) },
  { name: 'tensor inferred str', input: nd([['a'], ['b']]) },
  // dicts of tensors
  { name: 'conformance 4', input: dict({ a: nd([1, 2], 'int32'), b: nd(['x', 'y'], 'str') }) },
  { name: 'dict of tensors 2-d', input: dict({ img: nd([[[0.5]]], 'float32'), mask: nd([[true]], 'bool') }) },
  { name: 'empty dict falls back', input: dict({}) },
  { name: 'dict tensor and list', input: dict({ a: nd([1, 2], 'int64'), b: [1, 2] }) },
  { name: 'dict tensor value of int32', input: dict({ a: nd([1, 2], 'int32'), b: 'x' }) },
  { name: 'dict empty tensor falls back', input: dict({ a: nd([], 'float64'), b: 'x' }) },
  // sparse
  { name: 'conformance 14', input: sparse('csr', [[0, 1, 0, 0, 2], [0, 0, 0, 0, 0], [3, 0, 0, 0, 0]], 'float32') },
  { name: 'csc float64', input: sparse('csc', [[0, 1.5], [2, 0]], 'float64') },
  { name: 'csr int64', input: sparse('csr', [[0, 1], [2, 0]], 'int64') },
  { name: 'csc int32', input: sparse('csc', [[0, 1, 0]], 'int32') },
  // lists, records, dicts, scalars
  { name: 'conformance 5 empty list', input: plain([]) },
  { name: 'conformance 5 string', input: plain('hi') },
  { name: 'conformance 6', input: plain([{ a: 1 }, { a: 2, b: 'x' }]) },
  { name: 'conformance 7', input: plain({ q: 'hi', ids: [1, 2], meta: { k: 'v' } }) },
  { name: 'conformance 8', input: plain([1, 'a']) },
  { name: 'conformance 9', input: plain([[1, 2], []]) },
  { name: 'conformance 9 none', input: plain([null]) },
  { name: 'conformance 13', input: plain([{ a: { x: 1 } }, { a: { y: 's' } }]) },
  { name: 'records with null', input: plain([{ a: 1, b: null }, { a: 2, b: 'x' }]) },
  { name: 'records with NaN count as present', input: plain([{ a: 1.5 }, { a: Number.NaN }]) },
  { name: 'records nested lists', input: plain([{ m: [{ role: 'user', content: 'hi' }] }, { m: [{ role: 'a', content: 'b', extra: true }] }]) },
  { name: 'records with empty dict', input: plain([{ a: {} }, { a: { x: 1 } }]) },
  { name: 'records object vs null (differs 2/3)', input: plain([{ a: { x: 1 } }, { a: { x: null } }]) },
  { name: 'records object vs null reversed', input: plain([{ a: { x: null } }, { a: { x: 1 } }]) },
  { name: 'records incompatible falls back', input: plain([{ a: 1 }, { a: 'x' }]) },
  { name: 'records arrays of objects merge', input: plain([{ a: [{ x: 1 }] }, { a: [{ y: [1.5] }, null] }]) },
  { name: 'records datetimes and bytes', input: plain([{ t: dt, b: bytes('x'), d: new PyDate(2020, 1, 1) }]) },
  { name: 'records with tensors', input: { ts: [{ a: Tensor.from([1, 2], 'int64') }], py: [{ a: { $kind: 'ndarray', values: [1, 2], dtype: 'int64' } }] } },
  { name: 'dict with nulls', input: plain({ a: null, b: [1, null], c: Number.NaN, d: 'x' }) },
  { name: 'dict nested', input: plain({ a: { b: { c: [true] } } }) },
  { name: 'dict list of dicts', input: plain({ msgs: [{ role: 'u' }, { role: 'a', name: 'n' }] }) },
  { name: 'dict empty values', input: plain({ a: [], b: {} }) },
  { name: 'dict unicode keys', input: plain({ 'é': 1, 'b': { '\u{1F600}': 'x', 'z': 'y' } }) },
  { name: 'list of strings', input: plain(['a', 'b']) },
  { name: 'list of floats', input: plain(floats(1, 2.5)) },
  { name: 'list with None', input: plain(['a', null]) },
  { name: 'list of lists', input: plain([[1], [2, 3]]) },
  { name: 'list of bytes', input: plain([bytes('a')]) },
  { name: 'list of datetimes', input: plain([dt, new PyDate(2020, 1, 1)]) },
  { name: 'list of bools', input: plain([true, false]) },
  { name: 'list of tensors', input: { ts: [Tensor.from([1, 2], 'int64'), Tensor.from([3], 'int64')], py: [{ $kind: 'ndarray', values: [1, 2], dtype: 'int64' }, { $kind: 'ndarray', values: [3], dtype: 'int64' }] } },
  { name: 'list of int8 tensors falls back', input: { ts: [Tensor.from([1], 'int8')], py: [{ $kind: 'ndarray', values: [1], dtype: 'int8' }] } },
  { name: 'list of lists incompatible', input: plain([[1], ['a']]) },
  { name: 'scalar int', input: plain(7) },
  { name: 'scalar float', input: plain(floats(7)[0]) },
  { name: 'scalar big int', input: plain(2n ** 70n) },
  { name: 'scalar bool', input: plain(true) },
  { name: 'scalar bytes', input: plain(bytes('x')) },
  { name: 'scalar datetime', input: plain(dt) },
  { name: 'scalar NaN', input: plain(Number.NaN) },
  // outputs
  { name: 'output only tensor', output: nd([1.5, 2], 'float64') },
  { name: 'input and output', input: frame([['x', [1.5]]]), output: series([1], null) },
  { name: 'output falls back', input: plain('x'), output: plain([1, 'a']) },
  { name: 'output list of dicts', output: plain([{ text: 'a' }]) },
  // params
  { name: 'conformance 10', input: plain('x'), params: plain({ t: floats(0.5)[0], n: 3, s: 'x', flag: true, stop: ['a'], w: dt }) },
  { name: 'params date and lists', params: plain({ d: new PyDate(2020, 1, 2), ds: [dt, new PyDate(2020, 1, 1)], f: floats(1.5, 2), i: [1, 2], b: [true], mixed: floats(1, 2.5) }) },
  { name: 'params integral float', params: plain({ t: floats(1)[0] }) },
  { name: 'params int and float list', params: { ts: { x: [1, 2.5] }, py: { x: [1, 2.5] } } },
  { name: 'conformance 11 2-d', params: plain({ m: [[1]] }) },
  { name: 'conformance 11 None', params: plain({ m: null }) },
  { name: 'conformance 11 mixed list', params: plain({ m: ['a', 1] }) },
  { name: 'conformance 15 empty list', params: plain({ stop: [] }) },
  { name: 'params dict', params: plain({ cfg: { a: 1, b: ['x'], c: { d: floats(0.5)[0] } } }) },
  { name: 'params empty dict value', params: plain({ cfg: {} }) },
  { name: 'params bytes', params: plain({ b: bytes('x') }) },
  { name: 'params list of bytes', params: plain({ b: [bytes('x')] }) },
  { name: 'params list with None', params: plain({ l: [1, null] }) },
  { name: 'params huge int', params: plain({ n: 2n ** 64n }) },
  { name: 'params uint64-range int', params: plain({ n: 2n ** 63n }) },
  { name: 'params bool and int list', params: plain({ l: [true, 1] }) },
  { name: 'params str and bool list', params: plain({ l: ['a', true] }) },
  { name: 'params tensor', params: { ts: { v: Tensor.from([1, 2], 'int32') }, py: { v: { $kind: 'ndarray', values: [1, 2], dtype: 'int32' } } } },
  { name: 'params empty', input: plain('x'), params: plain({}) },
  { name: 'params several errors', params: plain({ a: [[1]], b: null, c: 1 }) },
  { name: 'params with unicode', params: plain({ 'é': 'ü' }) },
];

// seeded random records and frames
const random = prng(20240101 + seedShift);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const scalarMakers: (() => unknown)[] = [
  () => Math.floor(random() * 1000) - 500,
  () => Math.round(random() * 1e6) / 1e3 + 0.5,
  () => pick(['a', 'bb', 'ç', '']),
  () => random() < 0.5,
  () => null,
];
for (let index = 0; index < 16; index++) {
  const maker = pick(scalarMakers);
  const otherMaker = pick(scalarMakers);
  const rows = 1 + Math.floor(random() * 4);
  const records = Array.from({ length: rows }, () => {
    const record: Record<string, unknown> = { k: maker() };
    if (random() < 0.6) record.o = otherMaker();
    if (random() < 0.3) record.l = [maker(), maker()];
    return record;
  });
  cases.push({ name: `random records ${index}`, input: plain(records) });
  const columnA = Array.from({ length: rows }, () => maker());
  const columnB = Array.from({ length: rows }, () => otherMaker());
  cases.push({ name: `random frame ${index}`, input: frame([['a', columnA], ['b', columnB]]) });
}

/**
 * The oracle's codec imports `@pyfunc/format` (the built package), whose PyDateTime class and
 * float marks are not those of ../src: rebuild values with the built package's.
 */
function bridge(value: unknown): unknown {
  if (value instanceof PyDateTime) {
    return new dist.PyDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second,
      value.microsecond, value.utcOffsetMinutes);
  }
  if (value instanceof PyDate) return new dist.PyDate(value.year, value.month, value.day);
  if (Array.isArray(value)) {
    const copy = value.map(bridge);
    value.forEach((_, index) => {
      if (isFloatSlot(value, index)) dist.markFloat(copy, index);
    });
    return copy;
  }
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] = bridge(item);
      if (isFloatSlot(value, key)) dist.markFloat(copy, key);
    }
    return copy;
  }
  return value;
}

interface Ours {
  signature?: { inputs: string | null; outputs: string | null; params: string | null };
  error?: unknown;
  hint: boolean;
  fallback: string[];
}

function runOurs(testCase: Case, line: OracleLine): Ours {
  const warnings: string[] = [];
  const logger: Logger = {
    debug() {}, info() {},
    warn(fields, message) {
      warnings.push(message);
    },
    child() {
      return logger;
    },
  };
  try {
    const signature = inferSignature(testCase.input?.ts, testCase.output?.ts, testCase.params?.ts,
      { logger, mlflowVersion: line === '2' ? 2 : 3 });
    return {
      signature: signature.toDict(),
      hint: warnings.some((message) => message.includes('Integer columns')),
      fallback: warnings.filter((m) => m.startsWith('Failed to infer schema')).map((m) => m.split(' ')[5]!.replace(/\.$/, '')),
    };
  } catch (error) {
    return { error, hint: false, fallback: [] };
  }
}

describe.each(oracleLines)('inferSignature vs MLflow %s.x', (line) => {
  let results: OracleResult[];

  beforeAll(async () => {
    results = await runOracle(line, 'infer.signature', cases.map((c) => {
      const payload: Record<string, unknown> = {};
      if (c.input !== undefined) payload.input = c.input.py;
      if (c.output !== undefined) payload.output = c.output.py;
      if (c.params !== undefined) payload.params = c.params.py;
      return bridge(payload);
    }));
  }, 120_000);

  it('has enough cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  it.each(cases.map((c, index) => [c.name, index] as const))('%s', (_name, index) => {
    const expected = results[index]!;
    const ours = runOurs(cases[index]!, line);
    if (expected.error !== undefined) {
      expect(ours.error, `MLflow failed: ${expected.error.message}`).toBeDefined();
      expect(ours.error).toMatchObject({ errorCode: expected.error.code ?? 'INTERNAL_ERROR' });
      expect((ours.error as Error).message).toBe(expected.error.message);
      return;
    }
    if (ours.error !== undefined) throw ours.error;
    const answer = expected.ok as { signature: Record<string, string | null>; hint: boolean; fallback: string[] };
    expect(ours.signature).toEqual({
      inputs: answer.signature.inputs ?? null,
      outputs: answer.signature.outputs ?? null,
      params: answer.signature.params ?? null,
    });
    expect(ours.fallback).toEqual(answer.fallback);
    expect(ours.hint).toBe(answer.hint);
  });
});

/** Predictions on an input example (format spec 5.11). */
const predictionCases: { name: string; input: Described; prediction: Described }[] = [
  ...(['bool', 'int8', 'int32', 'int64', 'uint64', 'float16', 'float32', 'float64', 'str'] as const).map((dtype) => ({
    name: `1-d ${dtype} after a frame`,
    input: frame([['x', [1.5]]]),
    prediction: nd(dtype === 'bool' ? [true, false] : dtype === 'str' ? ['a', 'b'] : [1, 2], dtype),
  })),
  { name: '1-d after a tensor stays a tensor', input: nd([[1.5]], 'float64'), prediction: nd([1, 2], 'int64') },
  { name: '2-d after a frame', input: frame([['x', [1]]]), prediction: nd([[1.5, 2]], 'float32') },
  { name: 'list after records', input: plain([{ a: 'x' }]), prediction: plain(['y']) },
  { name: 'mixed list falls back', input: plain('x'), prediction: plain([1, 'y']) },
  { name: 'frame prediction', input: plain('x'), prediction: frame([['p', [0.5]]]) },
];

describe.each(oracleLines)('output schema from a prediction vs MLflow %s.x', (line) => {
  let results: OracleResult[];

  beforeAll(async () => {
    results = await runOracle(line, 'infer.output_schema',
      predictionCases.map((c) => bridge({ input: c.input.py, prediction: c.prediction.py })));
  }, 120_000);

  it.each(predictionCases.map((c, index) => [c.name, index] as const))('%s', (_name, index) => {
    const testCase = predictionCases[index]!;
    const ours = inferOutputSchema(testCase.prediction.ts, inferSchema(testCase.input.ts));
    expect(ours.toJson()).toBe(results[index]!.ok);
  });
});
