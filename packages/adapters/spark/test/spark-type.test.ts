import { ColSpec, Schema, TensorSpec } from '@pyfunc/format';
import { describe, expect, it } from 'vitest';
import {
  checkUdfReturnType,
  inferSparkResultType,
  isValidUdfReturnType,
  parseSparkType,
  resolveSparkResultType,
  sparkTypeRepr,
  sparkTypeToDdl,
} from '../src/index.js';

describe('Spark DDL', () => {
  it.each([
    ['int', 'int'], ['integer', 'int'], ['long', 'bigint'], ['bigint', 'bigint'], ['bool', 'boolean'],
    ['FLOAT', 'float'], ['double', 'double'], ['string', 'string'], ['array<double>', 'array<double>'],
    ['array<array<float>>', 'array<array<float>>'], ['array<struct<a:int,b:string>>', 'array<struct<a:int,b:string>>'],
    ['map<string,double>', 'map<string,double>'], ['struct<a: int, b: array<int>>', 'struct<a:int,b:array<int>>'],
    ['a long, b boolean, c array<double>', 'struct<a:bigint,b:boolean,c:array<double>>'],
    ['r1 int, r2 float, r3 array<long>', 'struct<r1:int,r2:float,r3:array<bigint>>'],
    ['decimal(10, 2)', 'decimal(10,2)'], ['timestamp', 'timestamp'], ['varchar(3)', 'string'],
    ['`a b` int, c string', 'struct<a b:int,c:string>'],
  ])('%s -> %s', (ddl, simple) => {
    expect(sparkTypeToDdl(parseSparkType(ddl))).toBe(simple);
  });

  it('rejects text that is no type', () => {
    expect(() => parseSparkType('no_such_type')).toThrow(/Cannot parse Spark data type/);
    expect(() => parseSparkType('array<int')).toThrow(/Cannot parse Spark data type/);
  });

  it("prints PySpark's repr", () => {
    expect(sparkTypeRepr(parseSparkType('struct<a:int,b:array<timestamp>>')))
      .toBe("StructType([StructField('a', IntegerType(), True), StructField('b', ArrayType(TimestampType(), True), True)])");
  });
});

describe('_check_udf_return_type (check 9)', () => {
  it.each(['int', 'bigint', 'float', 'double', 'boolean', 'string', 'array<double>', 'array<array<double>>',
    'a long, b boolean, c array<double>, d array<array<double>>', 'array<struct<a: int, b: boolean>>',
    'struct<x: struct<a: long, b: boolean>>', 'map<string,array<int>>'])('accepts %s', (ddl) => {
    expect(isValidUdfReturnType(parseSparkType(ddl))).toBe(true);
  });
  it.each(['timestamp', 'array<timestamp>', 'struct<a: int, b: timestamp>', 'smallint', 'tinyint', 'date', 'binary',
    'decimal(10,2)', 'map<int,double>', 'timestamp_ntz'])('rejects %s with MLflow\'s message', (ddl) => {
    expect(() => checkUdfReturnType(parseSparkType(ddl))).toThrow(expect.objectContaining({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^Invalid 'spark_udf' result type: /),
    }));
  });
});

describe('result type inference (4.3, checks 10-13)', () => {
  it('no output schema -> double', () => {
    expect(sparkTypeToDdl(resolveSparkResultType(null, undefined))).toBe('double');
  });
  it('named ColSpecs -> a struct, an inferred datetime is allowed', () => {
    const schema = new Schema([new ColSpec('integer', 'r1'), new ColSpec('float', 'r2'), new ColSpec('boolean', 'r3'),
      new ColSpec('string', 'r4'), new ColSpec('datetime', 'r5')]);
    expect(sparkTypeToDdl(inferSparkResultType(schema))).toBe('struct<r1:int,r2:float,r3:boolean,r4:string,r5:timestamp>');
  });
  it('unnamed ColSpecs are named by index', () => {
    expect(sparkTypeToDdl(inferSparkResultType(new Schema([new ColSpec('long'), new ColSpec('double')]))))
      .toBe('struct<0:bigint,1:double>');
  });
  it('tensors: 1-d and 2-d arrays, more dimensions or unknown dtypes rejected', () => {
    expect(sparkTypeToDdl(inferSparkResultType(new Schema([new TensorSpec('int64', [2])])))).toBe('array<bigint>');
    expect(sparkTypeToDdl(inferSparkResultType(new Schema([new TensorSpec('float64', [-1])])))).toBe('array<double>');
    expect(sparkTypeToDdl(inferSparkResultType(new Schema([new TensorSpec('float64', [2, 3])])))).toBe('array<array<double>>');
    expect(() => inferSparkResultType(new Schema([new TensorSpec('float64', [-1, 2, 3], 'out')])))
      .toThrow("Only 1D or 2D tensors are supported as spark_udf return value, but model output 'out' has shape (-1, 2, 3).");
    expect(() => inferSparkResultType(new Schema([new TensorSpec('int8', [-1])])))
      .toThrow('Model output tensor spec type int8 is not supported in spark_udf.');
  });
});
