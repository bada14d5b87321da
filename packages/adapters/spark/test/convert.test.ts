import { Frame, PyDate, Tensor, makeColumn } from '@pyfunc/format';
import { makeBuilder, tableFromIPC, tableToIPC, Table, Int64, Int32, TimestampMicrosecond, Bool, Utf8, DateDay, List, Field, Float64, Struct, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowArgumentsToFrame, parseSparkType, predictionToSparkValues, sparkValuesToArrow } from '../src/index.js';
import { ColSpec, Schema } from '@pyfunc/format';

function vector(type: ConstructorParameters<typeof Field>[1], values: unknown[]) {
  const builder = makeBuilder({ type, nullValues: [null] });
  for (const value of values) builder.append(value);
  return builder.finish().toVector();
}

describe('Arrow arguments -> model input (5.1, 5.2)', () => {
  it('integers with nulls become float64 with NaN, without nulls keep their width', () => {
    const frame = arrowArgumentsToFrame([vector(new Int64(), [1n, null]), vector(new Int32(), [1, 2])], undefined);
    expect(frame.columnNames).toEqual(['0', '1']);
    expect(frame.column('0').dtype).toBe('float64');
    expect(Array.from(frame.column('0').values as Float64Array)).toEqual([1, Number.NaN]);
    expect(frame.column('1').dtype).toBe('int32');
  });

  it('booleans with nulls become object, strings and dates object cells', () => {
    const frame = arrowArgumentsToFrame([vector(new Bool(), [true, null]), vector(new Utf8(), ['x', null]),
      vector(new DateDay(), [new Date(Date.UTC(2024, 1, 29)), null])], undefined);
    expect(frame.columns.map((c) => c.dtype)).toEqual(['object', 'object', 'object']);
    expect(frame.column('0').values).toEqual([true, null]);
    expect(frame.column('1').values).toEqual(['x', null]);
    expect(frame.column('2').values).toEqual([new PyDate(2024, 2, 29), null]);
  });

  it('zoned timestamps become naive wall-clock time in the session zone (check 24)', () => {
    const ts = tableFromIPC(tableToIPC(new Table({ t: vectorFromArray([0], new TimestampMicrosecond('UTC') as never) })));
    const args = [ts.getChildAt(0)!];
    const utc = arrowArgumentsToFrame(args, undefined, { sessionTimeZone: 'UTC' });
    const ny = arrowArgumentsToFrame(args, undefined, { sessionTimeZone: 'America/New_York' });
    expect(utc.column('0').dtype).toBe('datetime64[ns]');
    expect((utc.column('0').values as BigInt64Array)[0]).toBe(0n);
    expect((ny.column('0').values as BigInt64Array)[0]).toBe(-5n * 3600n * 1_000_000_000n); // 1969-12-31 19:00
  });

  it('lists become 1-d arrays, a single struct argument is the frame, several are named by the schema', () => {
    const list = vector(new List(new Field('element', new Float64(), true)), [[1, 2], null]);
    const cell = arrowArgumentsToFrame([list], undefined).column('0').values[0];
    expect(cell).toBeInstanceOf(Tensor);
    expect(Array.from((cell as Tensor).data as Float64Array)).toEqual([1, 2]);
    const struct = vector(new Struct([new Field('x', new Int32(), true), new Field('y', new Utf8(), true)]), [{ x: 1, y: 'a' }]);
    expect(arrowArgumentsToFrame([struct], undefined).columnNames).toEqual(['x', 'y']);
    const schema = new Schema([new ColSpec('long', 'a'), new ColSpec('long', 'b'), new ColSpec('long', 'c', false)]);
    const two = arrowArgumentsToFrame([vector(new Int64(), [1n]), vector(new Int64(), [2n])], schema);
    expect(two.columnNames).toEqual(['a', 'b', 'c']); // c (optional) entirely missing
    expect(() => arrowArgumentsToFrame([vector(new Int64(), [1n])], schema))
      .toThrow('Model input is missing required columns. Expected 3 required input columns');
  });
});

describe('model output -> Spark values (6)', () => {
  const frame6 = new Frame([
    makeColumn('0', new Int32Array([1])), makeColumn('1', [1n * 2n], 'int64'), makeColumn('2', ['class1'], 'object'),
    makeColumn('3', new Float32Array([0.1])), makeColumn('4', new Float64Array([0.2])), makeColumn('5', [true], 'bool'),
  ]);
  it.each([
    ['int', 1], ['long', 1n], ['float', Math.fround(1)], ['double', 1], ['string', '1'], ['boolean', true],
    ['array<int>', [1]], ['array<long>', [1n, 2n]], ['array<double>', [1, 2, Math.fround(0.1), 0.2]],
    ['array<string>', ['1', '2', 'class1', '0.10000000149011612', '0.2', 'True']], ['array<boolean>', [true]],
  ])('check 1: %s', (type, expected) => {
    expect(Array.from(predictionToSparkValues(frame6, parseSparkType(type)))).toEqual([expected]);
  });

  it('selection is by dtype: int64 is no int (check 2)', () => {
    expect(() => predictionToSparkValues([1, 2], parseSparkType('int')))
      .toThrow("The model did not produce any values compatible with the requested type 'IntegerType()'");
    const ints = predictionToSparkValues(new Tensor('int32', [2], new Int32Array([1, 2])), parseSparkType('int'));
    expect(ints).toBeInstanceOf(Int32Array); // the numeric fast path
    expect(Array.from(ints)).toEqual([1, 2]);
    expect(String(sparkValuesToArrow(ints, parseSparkType('int')).type)).toBe('Int32');
  });

  it('struct fields are cast: int64 wraps to int32, NaN in arrays stays for PySpark (checks 5-7)', () => {
    const type = parseSparkType('r1 int, r4 array<double>, r7 string');
    expect(predictionToSparkValues({ r1: [3_000_000_000, 1], r4: [[1, Number.NaN], null], r7: ['a', null] }, type))
      .toEqual([{ r1: -1294967296, r4: [1, Number.NaN], r7: 'a' }, { r1: 1, r4: null, r7: 'None' }]);
  });

  it('one map per row for a list of dicts (check 15, documented fix)', () => {
    const values = predictionToSparkValues([{ a: 1 }, { a: 2 }], parseSparkType('map<string,double>'), 2);
    expect(values).toEqual([new Map([['a', 1]]), new Map([['a', 2]])]);
    const arrow = sparkValuesToArrow(values, parseSparkType('map<string,double>'));
    expect(arrow.length).toBe(2);
  });

  it('Arrow vectors of the result type', () => {
    const type = parseSparkType('struct<a:bigint,b:array<float>>');
    const arrow = sparkValuesToArrow([{ a: 1n, b: [1.5] }, null], type);
    expect(String(arrow.type)).toBe('Struct<{a:Int64, b:List<Float32>}>');
    expect(arrow.get(1)).toBeNull();
  });
});
