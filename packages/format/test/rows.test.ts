import { describe, expect, it } from 'vitest';
import { Frame, Series, Tensor, concatFrames, isFloatSlot, markFloat, rowCount, sliceRows } from '../src/index.js';

describe('row concatenation and slicing', () => {
  it('concatFrames keeps dtypes, int64 beyond 2^53, missing values and float marks', () => {
    const marked: unknown[] = [1];
    markFloat(marked, 0);
    const a = new Frame([
      { name: 'i', dtype: 'int64', values: BigInt64Array.from([2n ** 60n]), validity: null },
      { name: 'o', dtype: 'object', values: marked, validity: null },
    ]);
    const b = new Frame([
      { name: 'i', dtype: 'int64', values: BigInt64Array.from([1n, 2n]), validity: Uint8Array.from([1, 0]) },
      { name: 'o', dtype: 'object', values: [2, 'y'], validity: null },
    ]);
    const both = concatFrames([a, b]);
    expect(both.numRows).toBe(3);
    expect(Array.from(both.columns[0]!.values as BigInt64Array)).toEqual([2n ** 60n, 1n, 2n]);
    expect(Array.from(both.columns[0]!.validity!)).toEqual([1, 1, 0]);
    const objects = both.columns[1]!.values as unknown[];
    expect(objects).toEqual([1, 2, 'y']);
    expect([0, 1, 2].map((index) => isFloatSlot(objects, index))).toEqual([true, false, false]);
  });

  it('rowCount and sliceRows split frames, series, tensors (first axis) and arrays back', () => {
    const frame = Frame.fromColumns({ a: Float64Array.from([1, 2, 3]), b: ['p', 'q', 'r'] });
    expect(rowCount(frame)).toBe(3);
    expect((sliceRows(frame, 1, 3) as Frame).toRecords()).toEqual([{ a: 2, b: 'q' }, { a: 3, b: 'r' }]);
    const tensor = new Tensor('int32', [3, 2], Int32Array.from([1, 2, 3, 4, 5, 6]));
    expect(rowCount(tensor)).toBe(3);
    const rows = sliceRows(tensor, 1, 2) as Tensor;
    expect(rows.shape).toEqual([1, 2]);
    expect(Array.from(rows.data as Int32Array)).toEqual([3, 4]);
    const series = new Series('float64', Float64Array.from([0.5, 1.5]), null, 'y');
    expect((sliceRows(series, 1, 2) as Series).length).toBe(1);
    expect(rowCount('scalar')).toBeUndefined();
    expect(rowCount(new Frame([]))).toBeUndefined();
    expect(sliceRows([10, 20, 30], 0, 2)).toEqual([10, 20]);
  });
});
