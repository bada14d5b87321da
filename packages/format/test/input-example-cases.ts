/**
 * Example specs shared by the TypeScript tests and test/oracle/ops_example.py (see there for
 * the forms), builders of the same data with our containers, and the tagged description both
 * sides give of a loaded example.
 */
import { CscMatrix, CsrMatrix, Frame, Tensor, makeColumn } from '../src/data/index.js';
import { isDatetimeDType, isFloatDType } from '../src/data/dtype.js';
import { readValues } from '../src/data/values.js';
import { PyDate, PyDateTime, isFloatSlot, isPlainObject, markFloat, type PyValue } from '../src/py-values.js';
import { parsePythonJson } from '../src/python-json.js';
import * as dist from '@pyfunc/format';
import { withParams, type InputExample, type InputExampleData } from '../src/input-example.js';

export type ExampleSpec =
  | { kind: 'frame'; columns: [string | number, string, unknown[]][] }
  | { kind: 'tensor'; dtype: string; values: unknown }
  | { kind: 'tensors'; items: [string, { kind: 'tensor'; dtype: string; values: unknown }][] }
  | { kind: 'csr' | 'csc'; dtype: string; dense: unknown }
  | { kind: 'value'; value: unknown };

export interface ExampleCase {
  name: string;
  example: ExampleSpec;
  params?: Record<string, unknown>;
  /** Inputs schema JSON (MLflow's `Schema.to_json()`), set on the model before loading. */
  signature?: string;
  /** MLflow 3.x (pandas 3) writes other bytes; we follow 2.22 (see the test). */
  differsOn3?: string;
  /** Our reader knowingly differs from MLflow's here (reported). */
  readDeviation?: string;
}

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const json = (text: string): PyValue => parsePythonJson(text);
const tensor = (dtype: string, values: unknown) => ({ kind: 'tensor' as const, dtype, values });

/** A `{kind: 'value'}` spec holding a tensor, for the error cases (Python builds numpy arrays). */
export const tensorMarker = '__tensor__';

export const cases: ExampleCase[] = [
  // frames
  { name: 'frame a/b (conformance 1)', example: { kind: 'frame', columns: [['a', 'int64', [1, 2]], ['b', 'object', ['x', 'y']]] } },
  { name: 'frame default labels (conformance 2)', example: { kind: 'frame', columns: [[0, 'int64', [1, 2]], [1, 'float64', [0.5, 1.5]]] } },
  { name: 'frame NaN and None', example: { kind: 'frame', columns: [['a', 'float64', [0.5, null, 2.5]], ['b', 'object', ['x', null, 'z']]] } },
  { name: 'frame ints with a missing value', example: { kind: 'frame', columns: [['n', 'float64', [1, null]]] } },
  {
    name: 'frame str column with None', example: { kind: 'frame', columns: [['s', 'str', ['x', null]]] },
    differsOn3: 'pandas 3 infers the `str` dtype, whose missing value NaN MLflow 3.x writes as NaN (2.22: null)',
  },
  { name: 'frame bool', example: { kind: 'frame', columns: [['b', 'bool', [true, false]]] } },
  { name: 'frame bool with None', example: { kind: 'frame', columns: [['b', 'object', [true, null]]] } },
  { name: 'frame datetimes', example: { kind: 'frame', columns: [['t', 'datetime64[ns]', ['2024-01-02T03:04:05', '2024-01-02T03:04:05.123456']]] } },
  { name: 'frame datetime nanos and NaT', example: { kind: 'frame', columns: [['t', 'datetime64[ns]', ['2024-01-02T03:04:05.123456789', null]]] } },
  { name: 'frame bytes', example: { kind: 'frame', columns: [['b', 'object', [bytes('hi'), null, bytes('x'.repeat(60))]]] } },
  { name: 'frame float32', example: { kind: 'frame', columns: [['f', 'float32', [0.1, 1, -2.5]]] } },
  { name: 'frame int32 and uint8', example: { kind: 'frame', columns: [['i', 'int32', [1, -2]], ['u', 'uint8', [0, 255]]] } },
  { name: 'frame non-ASCII', example: { kind: 'frame', columns: [['ключ', 'object', ['é', '日本', '😀']]] } },
  { name: 'frame int labels not default', example: { kind: 'frame', columns: [[1, 'int64', [1]], [0, 'int64', [2]]] } },
  { name: 'frame without columns', example: { kind: 'frame', columns: [] } },
  { name: 'frame without rows', example: { kind: 'frame', columns: [['a', 'float64', []]] } },
  { name: 'frame mixed object column', example: { kind: 'frame', columns: [['m', 'object', [1, 'a', null]]] } },
  { name: 'frame big ints', example: { kind: 'frame', columns: [['big', 'int64', [2n ** 60n, -1]]] } },
  { name: 'frame infinities', example: { kind: 'frame', columns: [['x', 'float64', [Infinity, -Infinity, -0]]] } },
  { name: 'frame with params', example: { kind: 'frame', columns: [['a', 'int64', [1]]] }, params: { a: 1, s: 'x' } },
  {
    name: 'frame cast to a column schema',
    example: { kind: 'frame', columns: [['b', 'object', [bytes('hi'), bytes('\u00ff\u0000')]], ['t', 'datetime64[ns]', ['2024-01-02T03:04:05.25', '2023-12-31T23:59:59.5']], ['f', 'float32', [0.1, 2]], ['i', 'int64', [1, 2]]] },
    signature: '[{"type": "binary", "name": "b", "required": true}, {"type": "datetime", "name": "t", "required": true}, {"type": "float", "name": "f", "required": true}, {"type": "integer", "name": "i", "required": true}]',
  },
  {
    name: 'frame cast to double and string',
    example: { kind: 'frame', columns: [['x', 'int64', [1, 2]], ['s', 'object', ['a', null]]] },
    signature: '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "s", "required": false}]',
  },
  // tensors
  { name: 'tensor 2x2 int (conformance 3)', example: tensor('int64', [[1, 2], [3, 4]]) },
  { name: 'tensor float NaN', example: tensor('float64', [1.5, Number.NaN, 2]) },
  { name: 'tensor float32', example: tensor('float32', [[0.1, 0.2], [1, 1e-5]]) },
  { name: 'tensor float16', example: tensor('float16', [0.1, 65504]) },
  { name: 'tensor bool', example: tensor('bool', [true, false]) },
  { name: 'tensor str', example: tensor('str', ['a', 'é', '']) },
  { name: 'tensor bytes', example: tensor('bytes', [bytes('hi'), bytes('y'.repeat(60))]) },
  { name: 'tensor 0-d', example: tensor('int64', 3) },
  { name: 'tensor 3-d int32', example: tensor('int32', [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]) },
  { name: 'tensor uint8 and int8', example: { kind: 'tensors', items: [['u', tensor('uint8', [0, 255])], ['i', tensor('int8', [-128, 127])]] } },
  { name: 'tensor datetime64[ns]', example: tensor('datetime64[ns]', ['2024-01-02T03:04:05.123', '1969-12-31T23:59:59']) },
  { name: 'tensor datetime64[s]', example: tensor('datetime64[s]', ['2024-01-02T03:04:05']) },
  { name: 'tensor object with None', example: tensor('object', [1, null, 'a']) },
  { name: 'tensor float64 big values', example: tensor('float64', [1e300, -1e-300, 1e16, 123456789.125]) },
  {
    // numpy reads [2**64-1, 0] back as float64 (uint64 and int64 scalars promote), and so do we
    name: 'tensor uint64 beyond int64', example: tensor('uint64', [2n ** 64n - 1n, 0]),
  },
  {
    name: 'tensor cast to an unnamed tensor schema', example: tensor('float32', [[1, 2], [3, 4.5]]),
    signature: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]',
  },
  {
    name: 'tensor cast to a named tensor schema', example: tensor('int32', [[1, 2]]),
    signature: '[{"name": "x", "type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [-1, 2]}}]',
  },
  { name: 'tensor empty', example: tensor('float64', []) },
  { name: 'tensor with params', example: tensor('float64', [[0.5]]), params: { temperature: 0.5, stop: ['a', 'b'] } },
  // dicts of tensors
  { name: 'dict of tensors', example: { kind: 'tensors', items: [['a', tensor('int64', [1, 2])], ['b', tensor('float64', [0.5, Number.NaN])]] } },
  { name: 'dict of str and bool tensors', example: { kind: 'tensors', items: [['x', tensor('str', ['a'])], ['y', tensor('bool', [true])]] } },
  { name: 'dict of one tensor named inputs', example: { kind: 'tensors', items: [['inputs', tensor('int64', [1])]] } },
  {
    name: 'dict of tensors cast to a named schema',
    example: { kind: 'tensors', items: [['a', tensor('int64', [1, 2])], ['b', tensor('int64', [3, 4])]] },
    signature: '[{"name": "a", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}, {"name": "b", "type": "tensor", "tensor-spec": {"dtype": "int16", "shape": [-1]}}]',
  },
  // sparse
  { name: 'csr float', example: { kind: 'csr', dtype: 'float64', dense: [[1, 0], [0, 2.5]] } },
  { name: 'csc int', example: { kind: 'csc', dtype: 'int64', dense: [[0, 1], [2, 0], [0, 3]] } },
  { name: 'csr float32', example: { kind: 'csr', dtype: 'float32', dense: [[0.1, 0, 0], [0, 0, 0]] } },
  {
    name: 'csr with NaN', example: { kind: 'csr', dtype: 'float64', dense: [[Number.NaN, 0], [0, 1]] },
    readDeviation: 'MLflow reads null data as an object-dtype matrix; ours keeps float64 with NaN',
  },
  // plain values
  { name: 'dict', example: { kind: 'value', value: json('{"a": 1, "b": [1, 2.5, 3.0], "c": {"d": null}}') } },
  { name: 'dict messages', example: { kind: 'value', value: json('{"messages": [{"role": "user", "content": "hi"}]}') } },
  { name: 'messages with params (conformance 4)', example: { kind: 'value', value: json('{"messages": [{"role": "user", "content": "h\\u00e9"}]}') }, params: { temperature: 0.1 } },
  { name: 'dict prompt', example: { kind: 'value', value: json('{"prompt": "hello", "max_tokens": 10}') } },
  { name: 'dict input with params', example: { kind: 'value', value: json('{"input": ["a"]}') }, params: { n: 2, input: 'overridden?' } },
  { name: 'list', example: { kind: 'value', value: json('[1, "a", null, 2.5, true]') } },
  { name: 'list of records', example: { kind: 'value', value: json('[{"a": 1}, {"a": 2.0}]') } },
  { name: 'string', example: { kind: 'value', value: 'hello' } },
  { name: 'non-ASCII string (conformance 9)', example: { kind: 'value', value: 'é' } },
  { name: 'int', example: { kind: 'value', value: 42 } },
  { name: 'float', example: { kind: 'value', value: 1.5 } },
  { name: 'bool', example: { kind: 'value', value: true } },
  { name: 'big int', example: { kind: 'value', value: 2n ** 64n } },
  { name: 'bytes (conformance 5)', example: { kind: 'value', value: bytes('hi') } },
  { name: '60 bytes (conformance 5)', example: { kind: 'value', value: bytes('z'.repeat(60)) } },
  { name: 'datetime', example: { kind: 'value', value: new PyDateTime(2024, 1, 2, 3, 4, 5, 6) } },
  { name: 'dict of bytes, date, datetime', example: { kind: 'value', value: { b: bytes('\u0000\u00ff'), d: new PyDate(2024, 2, 29), t: new PyDateTime(2024, 1, 2) } } },
  { name: 'dict NaN (conformance 6)', example: { kind: 'value', value: json('{"x": NaN, "y": Infinity}') } },
  { name: 'dict float forms', example: { kind: 'value', value: json('{"x": 1e300, "y": 1e-05, "z": -0.0, "w": 1e16}') } },
  { name: 'list with params', example: { kind: 'value', value: ['a', 'b'] }, params: { n: 3, when: new PyDateTime(2024, 1, 2, 3, 4, 5), flags: [true, false] } },
  { name: 'dict with empty params', example: { kind: 'value', value: { q: 'x' } }, params: {} },
  { name: 'dict non-ASCII keys', example: { kind: 'value', value: { ключ: '😀', '\n': 'tab\there' } } },
];

/** mulberry32: a small seeded PRNG so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded random frames and tensors of several dtypes. */
export function randomCases(seed: number, count: number): ExampleCase[] {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const out: ExampleCase[] = [];
  const columnOf = (dtype: string, rows: number): unknown[] => Array.from({ length: rows }, () => {
    switch (dtype) {
      case 'int64': return int(2000) - 1000;
      case 'float64': return random() < 0.15 ? null : (random() - 0.5) * 10 ** (int(12) - 4);
      case 'bool': return random() < 0.5;
      default: return random() < 0.2 ? null : ['a', 'é', 'x y', '😀', ''][int(5)];
    }
  });
  for (let index = 0; index < count; index++) {
    const rows = 1 + int(4);
    if (index % 2 === 0) {
      const dtypes = ['int64', 'float64', 'bool', 'object'];
      const columns: [string, string, unknown[]][] = Array.from({ length: 1 + int(4) }, (_, c) => {
        const dtype = dtypes[int(dtypes.length)]!;
        return [`c${c}`, dtype, columnOf(dtype, rows)];
      });
      out.push({ name: `random frame ${seed}/${index}`, example: { kind: 'frame', columns } });
    } else {
      const dtype = ['int64', 'float64', 'float32', 'int32', 'bool'][int(5)]!;
      const width = 1 + int(3);
      const values = Array.from({ length: rows }, () => Array.from({ length: width }, () => {
        if (dtype === 'bool') return random() < 0.5;
        if (dtype.startsWith('float')) return random() < 0.1 ? Number.NaN : (random() - 0.5) * 1000;
        return int(200) - 100;
      }));
      out.push({ name: `random tensor ${seed}/${index}`, example: tensor(dtype, values) });
    }
  }
  return out;
}

function buildTensor(spec: { dtype: string; values: unknown }): Tensor {
  return Tensor.from(spec.values, spec.dtype);
}

/** Our containers for a spec (what ops_example.build makes in Python). */
export function buildExample(spec: ExampleSpec): InputExampleData {
  switch (spec.kind) {
    case 'frame':
      return new Frame(spec.columns.map(([label, dtype, values]) =>
        makeColumn(label, values, dtype === 'bytes' ? 'object' : dtype)));
    case 'tensor':
      return buildTensor(spec);
    case 'tensors':
      return Object.fromEntries(spec.items.map(([name, item]) => [name, buildTensor(item)]));
    case 'csr':
      return CsrMatrix.fromDense(spec.dense, spec.dtype);
    case 'csc':
      return CscMatrix.fromDense(spec.dense, spec.dtype);
    default:
      return replaceTensors(spec.value) as InputExampleData;
  }
}

function replaceTensors(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out = value.map(replaceTensors);
    value.forEach((_, index) => {
      if (isFloatSlot(value, index)) markFloat(out, index);
    });
    return out;
  }
  if (isPlainObject(value)) {
    if (tensorMarker in value) return buildTensor(value[tensorMarker] as { dtype: string; values: unknown });
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = replaceTensors(item);
      if (isFloatSlot(value, key)) markFloat(out, key);
    }
    return out;
  }
  return value;
}

/** The example of a case, with its params as MLflow's tuple. */
export function exampleOf(testCase: ExampleCase): InputExample {
  const data = buildExample(testCase.example);
  return testCase.params === undefined ? data : withParams(data, testCase.params);
}

function ticks(value: bigint): number | bigint {
  return value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value;
}

function describeTensor(value: Tensor): Record<string, unknown> {
  const description: Record<string, unknown> = { kind: 'tensor', dtype: value.dtype, shape: [...value.shape] };
  if (isDatetimeDType(value.dtype)) {
    const flat = Array.from(value.data as BigInt64Array, ticks);
    description.data = value.ndim === 0 ? flat[0] : new Tensor('int64', value.shape, value.data).toNested();
  } else {
    description.data = value.toNested();
    if (value.ndim === 0 && isFloatDType(value.dtype)) markFloat(description, 'data');
  }
  return description;
}

function frameValue(value: unknown): unknown {
  if (typeof value === 'number' && Number.isNaN(value)) return null;
  if (value instanceof PyDateTime) return `ts:${value.isoformat()}`;
  return value;
}

/**
 * The description ops_example.describe gives of a loaded example, for our loaded data
 * (`holder[key]` holds it, so a top-level float mark is seen).
 */
export function describeLoaded(holder: object, key: string): unknown {
  const value = (holder as Record<string, unknown>)[key];
  if (value instanceof Frame) {
    const columns = value.columns.map((column) => readValues(column.dtype, column.values, column.validity));
    return {
      kind: 'frame',
      columns: value.columnNames,
      dtypes: value.columns.map((column) => (column.dtype === 'str' ? 'object' : column.dtype)),
      data: Array.from({ length: value.numRows }, (_, row) => {
        const record: unknown[] = [];
        columns.forEach((values, index) => {
          record.push(frameValue(values[row]));
          if (isFloatSlot(values, row)) markFloat(record, index);
        });
        return record;
      }),
    };
  }
  if (value instanceof Tensor) return describeTensor(value);
  if (value instanceof CsrMatrix || value instanceof CscMatrix) {
    return {
      kind: value instanceof CscMatrix ? 'csc' : 'csr',
      dtype: value.dtype,
      shape: [...value.shape],
      data: readValues(value.dtype, value.data, null),
      indices: Array.from(value.indices),
      indptr: Array.from(value.indptr),
    };
  }
  if (isPlainObject(value) && Object.keys(value).length > 0 && Object.values(value).every((item) => item instanceof Tensor)) {
    return { kind: 'tensors', items: Object.fromEntries(Object.entries(value).map(([name, item]) => [name, describeTensor(item as Tensor)])) };
  }
  const description = { kind: 'json', value: value instanceof Tensor ? describeTensor(value) : value };
  if (isFloatSlot(holder, key)) markFloat(description, 'value');
  return description;
}

// ---------------------------------------------------------------------------------------------
// The oracle codec (test/oracle/src/codec.ts) works on the *built* package (`@pyfunc/format`),
// whose classes and float marks are not the sources' ones: bridge both ways here.

function isAnyFloatSlot(container: object | undefined, key: string | number | undefined): boolean {
  if (container === undefined || key === undefined) return false;
  return isFloatSlot(container, key) || dist.isFloatSlot(container, key);
}

/** Rebuilds a value with the built package's classes and float marks, for runOracle. */
export function toOracle(value: unknown): unknown {
  if (value instanceof PyDateTime) {
    return new dist.PyDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second,
      value.microsecond, value.utcOffsetMinutes);
  }
  if (value instanceof PyDate) return new dist.PyDate(value.year, value.month, value.day);
  if (Array.isArray(value)) {
    const out = value.map(toOracle);
    value.forEach((_, index) => {
      if (isAnyFloatSlot(value, index)) dist.markFloat(out, index);
    });
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = toOracle(item);
      if (isAnyFloatSlot(value, key)) dist.markFloat(out, key);
    }
    return out;
  }
  return value;
}

/**
 * A comparable form of a value from either side (sources or the oracle's decoding): the
 * tagged encoding, which keeps int/float, NaN, bytes and dates apart.
 */
export function canon(value: unknown, container?: object, key?: string | number): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { $float: 'nan' };
    if (!Number.isFinite(value)) return { $float: value > 0 ? 'inf' : '-inf' };
    if (!Number.isInteger(value) || Object.is(value, -0) || isAnyFloatSlot(container, key)) {
      return { $float: Object.is(value, -0) ? '-0.0' : String(value) };
    }
    return value;
  }
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (typeof value === 'object' && typeof (value as { isoformat?: unknown }).isoformat === 'function') {
    const text = (value as { isoformat(): string }).isoformat();
    return 'hour' in value ? { $datetime: text } : { $date: text };
  }
  if (Array.isArray(value)) return value.map((item, index) => canon(item, value, index));
  if (value instanceof Map) return { $dict: [...value].map(([k, v]) => [canon(k), canon(v)]) };
  if (isPlainObject(value)) return { $dict: Object.entries(value).map(([k, v]) => [k, canon(v, value, k)]) };
  throw new TypeError(`cannot canonicalise ${Object.prototype.toString.call(value)}`);
}
