import { describe, expect, it } from 'vitest';
import {
  CscMatrix,
  CsrMatrix,
  Frame,
  NAT,
  PyTimestamp,
  Series,
  Tensor,
  fromTicks,
  parseDType,
  parseIsoTimestamp,
  roundToFloat16,
  toTicks,
} from '../src/data/index.js';
import { PyDate, PyDateTime, isFloatSlot, markFloat } from '../src/py-values.js';

function invalid(fn: () => unknown): void {
  expect(fn).toThrow(expect.objectContaining({ errorCode: 'INVALID_PARAMETER_VALUE' }));
}

describe('dtypes', () => {
  it('parses names and aliases, rejects unknown ones', () => {
    expect(parseDType('int64')).toBe('int64');
    expect(parseDType('datetime64')).toBe('datetime64[ns]');
    expect(parseDType('bool_')).toBe('bool');
    invalid(() => parseDType('int128'));
    invalid(() => parseDType('<U5'));
    invalid(() => parseDType(3));
  });

  it('rounds to half precision like numpy', () => {
    expect(roundToFloat16(1 / 3)).toBe(0.333251953125);
    expect(roundToFloat16(65504)).toBe(65504);
    expect(roundToFloat16(70000)).toBe(Infinity);
    expect(roundToFloat16(2049)).toBe(2048); // tie to even
    expect(roundToFloat16(2051)).toBe(2052);
    expect(roundToFloat16(1e-8)).toBe(0);
    expect(roundToFloat16(-1.5)).toBe(-1.5);
  });
});

describe('datetimes', () => {
  it('keeps nanoseconds exactly through ticks', () => {
    const ts = parseIsoTimestamp('2262-04-11T23:47:16.854775807');
    const ticks = toTicks(ts, 'ns');
    expect(ticks).toBe(2n ** 63n - 1n);
    const back = fromTicks(ticks, 'ns');
    expect(back).toBeInstanceOf(PyTimestamp);
    expect(back!.toString()).toBe('2262-04-11 23:47:16.854775807');
    expect(fromTicks(-1n, 'ns')!.toString()).toBe('1969-12-31 23:59:59.999999999');
    expect(fromTicks(NAT, 'us')).toBeNull();
  });

  it('converts zoned values to UTC and refuses lost precision', () => {
    expect(toTicks(new PyDateTime(2020, 1, 1, 1, 0, 0, 0, 60), 's')).toBe(1577836800n);
    expect(toTicks(new PyDate(1970, 1, 2), 's')).toBe(86400n);
    expect(toTicks(new PyDateTime(1, 1, 1), 's')).toBe(-62135596800n);
    expect(toTicks(new PyDate(4, 2, 29), "s")).toBe(-62035891200n);
    expect(toTicks(new Date(1500), 'ms')).toBe(1500n);
    invalid(() => toTicks(new Date(1500), 's'));
    invalid(() => toTicks(new PyDateTime(2300, 1, 1), 'ns'));
    invalid(() => toTicks('yesterday', 'ns'));
    invalid(() => toTicks(12, 'ns'));
    invalid(() => parseIsoTimestamp('2021-02-30'));
  });
});

describe('Tensor', () => {
  it('infers shape and numpy dtypes', () => {
    const t = Tensor.from([[1, 2, 3], [4, 5, 6]]);
    expect(t.dtype).toBe('int64');
    expect(t.shape).toEqual([2, 3]);
    expect(t.data).toBeInstanceOf(BigInt64Array);
    expect(t.get(1, 2)).toBe(6);
    expect((t.get(1) as Tensor).toNested()).toEqual([4, 5, 6]);
    expect(Tensor.from([1, 2.5]).dtype).toBe('float64');
    expect(Tensor.from([true, false]).data).toEqual(new Uint8Array([1, 0]));
    expect(Tensor.from(['a', 'b']).dtype).toBe('str');
    expect(Tensor.from([new Uint8Array([1])]).dtype).toBe('bytes');
    expect(Tensor.from([1, 'a']).dtype).toBe('object');
    expect(Tensor.from([1, null]).dtype).toBe('object');
    expect(Tensor.from([2n ** 63n]).dtype).toBe('uint64');
    expect(Tensor.from([new Date(0)]).dtype).toBe('datetime64[ns]');
    expect(Tensor.from([new PyDateTime(1, 1, 1)]).dtype).toBe('datetime64[us]');
    expect(Tensor.from([[], []]).shape).toEqual([2, 0]);
    expect(Tensor.from(5).shape).toEqual([]);
    expect(Tensor.from([new Float32Array([1, 2]), new Float32Array([3, 4])]).dtype).toBe('float32');
  });

  it('keeps float marks: integral floats infer float64 and come back marked', () => {
    const values = [1, 2];
    markFloat(values, 0);
    const t = Tensor.from(values);
    expect(t.dtype).toBe('float64');
    const nested = t.toNested() as number[];
    expect(isFloatSlot(nested, 1)).toBe(true);
  });

  it('keeps int64 beyond 2^53 exact', () => {
    const big = 2n ** 62n + 1n;
    const t = Tensor.from([big, 1]);
    expect(t.get(0)).toBe(big);
    expect(t.get(1)).toBe(1);
  });

  it('rejects ragged input, misfits and bad indices', () => {
    invalid(() => Tensor.from([[1, 2], [3]]));
    invalid(() => Tensor.from([[1], 2]));
    invalid(() => Tensor.from([1, [2]]));
    invalid(() => Tensor.from([300], 'uint8'));
    invalid(() => Tensor.from([1.5], 'int32'));
    invalid(() => Tensor.from(['a'], 'float64'));
    invalid(() => Tensor.from([1], 'int65'));
    invalid(() => Tensor.from([null], 'int64'));
    invalid(() => new Tensor('float64', [2, 2], new Float64Array(3)));
    invalid(() => new Tensor('float64', [3], new Float32Array(3)));
    invalid(() => Tensor.from([1, 2]).get(2));
    invalid(() => Tensor.from([1, 2]).get(0, 0));
  });

  it('stores explicit dtypes in their typed arrays', () => {
    expect(Tensor.from([1, 2], 'int32').data).toBeInstanceOf(Int32Array);
    expect(Tensor.from([1, 2], 'uint64').data).toBeInstanceOf(BigUint64Array);
    expect(Tensor.from([0.1], 'float16').get(0)).toBe(roundToFloat16(0.1));
    expect(Tensor.from([1, null], 'float64').get(1)).toBeNaN();
    const dt = Tensor.from(['2020-01-01T00:00:00.000000001'], 'datetime64[ns]');
    expect(dt.data).toEqual(new BigInt64Array([1577836800000000001n]));
  });
});

describe('Frame', () => {
  it('infers pandas dtypes from JavaScript values', () => {
    const frame = Frame.fromColumns({
      i: [1, 2], f: [1, 2.5], b: [true, false], s: ['x', 'y'], by: [new Uint8Array([1]), new Uint8Array()],
      d: [new Date(0), new PyDateTime(2020, 1, 1, 0, 0, 0, 5)], l: [[1], [2, 3]], o: [{ a: 1 }, null],
      n: [null, null], big: [2n ** 60n, 1n], dates: [new PyDate(2020, 1, 1), new PyDate(2021, 1, 1)],
    });
    expect(frame.columns.map((column) => column.dtype)).toEqual([
      'int64', 'float64', 'bool', 'object', 'object', 'datetime64[ns]', 'object', 'object', 'object', 'int64', 'object',
    ]);
    expect(frame.numRows).toBe(2);
    expect(frame.column('d').values).toEqual(new BigInt64Array([0n, 1577836800000005000n]));
    expect(frame.column('big').values).toEqual(new BigInt64Array([2n ** 60n, 1n]));
  });

  it('turns an integer column with missing values into float64 (as pandas), keeping the mask', () => {
    const column = Frame.fromColumns({ a: [1, null, 3] }).column('a');
    expect(column.dtype).toBe('float64');
    expect(Number.isNaN(column.values[1] as number)).toBe(true);
    expect(column.validity).toEqual(new Uint8Array([1, 0, 1]));
    const bools = Frame.fromColumns({ a: [true, undefined] }).column('a');
    expect(bools.dtype).toBe('bool');
    expect(bools.validity).toEqual(new Uint8Array([1, 0]));
  });

  it('builds from records, rows and explicit dtypes', () => {
    const records = Frame.fromRecords([{ a: 1, b: 'x' }, { a: 2, c: true }]);
    expect(records.columnNames).toEqual(['a', 'b', 'c']);
    expect(records.toRecords()).toEqual([{ a: 1, b: 'x', c: null }, { a: 2, b: null, c: true }]);
    const rows = Frame.fromRows([[1, 'x'], [2, 'y']]);
    expect(rows.columnNames).toEqual([0, 1]);
    expect(rows.column(1).values).toEqual(['x', 'y']);
    const typed = Frame.fromRows([[1, 2]], ['a', 'b'], { dtypes: { a: 'int8', b: 'float32' } });
    expect(typed.column('a').values).toEqual(new Int8Array([1]));
    expect(typed.column('b').values).toEqual(new Float32Array([2]));
    const columns = typed.toColumns();
    expect(isFloatSlot(columns.b!, 0)).toBe(true);
    expect(isFloatSlot(columns.a!, 0)).toBe(false);
    const labelled = Frame.fromColumns(new Map<string | number, unknown[]>([[0, [1]], ['x', [2]]]));
    expect(labelled.columnNames).toEqual([0, 'x']);
    expect(Frame.fromColumns({ t: new Float32Array([1, 2]) }).column('t').dtype).toBe('float32');
  });

  it('round-trips nanosecond datetimes and big ints through records', () => {
    const frame = Frame.fromColumns({ t: ['2020-01-01T00:00:00.123456789', null], i: [2n ** 63n - 1n, -5n] },
      { dtypes: { t: 'datetime64[ns]' } });
    const [first, second] = frame.toRecords();
    expect(String(first!.t)).toBe('2020-01-01 00:00:00.123456789');
    expect(second!.t).toBeNull();
    expect(first!.i).toBe(2n ** 63n - 1n);
    expect(second!.i).toBe(-5);
  });

  it('rejects mismatched lengths, duplicates and misfits', () => {
    invalid(() => Frame.fromColumns({ a: [1], b: [1, 2] }));
    invalid(() => Frame.fromColumns({ a: ['x'] }, { dtypes: { a: 'int64' } }));
    invalid(() => Frame.fromColumns({ a: [1] }, { dtypes: { a: 'float128' } }));
    invalid(() => Frame.fromColumns({ a: 'abc' as unknown as unknown[] }));
    invalid(() => Frame.fromRows([[1, 2], [3]]));
    invalid(() => Frame.fromRecords([{ a: 1 }, 5 as unknown as Record<string, unknown>]));
    invalid(() => Frame.fromColumns([['a', [1]], ['a', [2]]]));
    invalid(() => Frame.fromColumns({ a: [1] }).column('b'));
    invalid(() => Frame.fromColumns({ a: [2n ** 64n] }, { dtypes: { a: 'uint64' } }));
  });
});

describe('Series', () => {
  it('is a named or unnamed typed column', () => {
    const unnamed = Series.from([1.5, null]);
    expect(unnamed.label).toBeNull();
    expect(unnamed.dtype).toBe('float64');
    expect(unnamed.get(1)).toBeNull();
    const named = Series.from(['a'], { name: 3 });
    expect(named.label).toBe(3);
    expect(named.toArray()).toEqual(['a']);
    invalid(() => named.get(1));
  });
});

describe('sparse matrices', () => {
  const dense = [[0, 1.5, 0], [2, 0, 0]];

  it('compresses rows (CSR) and columns (CSC) and expands back', () => {
    const csr = CsrMatrix.fromDense(dense, 'float32');
    expect(csr.data).toEqual(new Float32Array([1.5, 2]));
    expect(csr.indices).toEqual(new Int32Array([1, 0]));
    expect(csr.indptr).toEqual(new Int32Array([0, 1, 2]));
    expect(csr.toDense().toNested()).toEqual(dense);
    const csc = CscMatrix.fromDense(dense);
    expect(csc.dtype).toBe('float64');
    expect(csc.indices).toEqual(new Int32Array([1, 0]));
    expect(csc.indptr).toEqual(new Int32Array([0, 1, 2, 2]));
    expect(csc.toDense().toNested()).toEqual(dense);
    const ints = new CsrMatrix({ shape: [2, 2], data: new BigInt64Array([5n, 7n]), indices: [1, 1], indptr: [0, 1, 2] });
    expect(ints.dtype).toBe('int64');
    expect(ints.toDense().toNested()).toEqual([[0, 5], [0, 7]]);
  });

  it('rejects inconsistent parts', () => {
    invalid(() => new CsrMatrix({ shape: [2, 2], data: new Float64Array([1]), indices: [0], indptr: [0, 1] }));
    invalid(() => new CsrMatrix({ shape: [1, 2], data: new Float64Array([1]), indices: [2], indptr: [0, 1] }));
    invalid(() => new CsrMatrix({ shape: [1, 2], data: [1] as unknown as Float64Array, indices: [0], indptr: [0, 1] }));
    invalid(() => CsrMatrix.fromDense([1, 2]));
    invalid(() => CsrMatrix.fromDense([['a']]));
  });
});
