import { describe, expect, it } from 'vitest';
import { CsrMatrix, Frame, Series, Tensor } from '../src/data/index.js';
import {
  inferDataType,
  inferParamSchema,
  inferSchema,
  inferSignature,
  mergeColumnTypes,
} from '../src/infer-signature.js';
import type { Logger } from '../src/logger.js';
import { PyDateTime, markFloat } from '../src/py-values.js';
import { AnyType, ArrayType, ObjectType, Property } from '../src/signature/index.js';

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn(_fields, message) {
      warnings.push(message);
    },
    child() {
      return logger;
    },
  };
  return { logger, warnings };
}

const json = (value: unknown): string | null => inferSchema(value).toJson();

describe('inferSchema (format spec 5 conformance checks)', () => {
  it('types frames by column dtype and requiredness', () => {
    const x2 = [4, 5, 6];
    x2.forEach((_, index) => markFloat(x2, index));
    expect(json(Frame.fromColumns({ x1: [1, 2, 3], x2 }))).toBe(
      '[{"type": "long", "name": "x1", "required": true}, {"type": "double", "name": "x2", "required": true}]');
    expect(json(Frame.fromColumns({ a: ['x', null] }))).toBe('[{"type": "string", "name": "a", "required": false}]');
    expect(json(Frame.fromColumns({ a: [1, null] }))).toBe('[{"type": "double", "name": "a", "required": false}]');
    expect(json(Frame.fromColumns(new Map([[0, [true]]])))).toBe('[{"type": "boolean", "name": 0, "required": true}]');
  });

  it('types tensors, dicts of tensors and sparse matrices', () => {
    expect(json(Tensor.from([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]], 'float64'))).toBe(
      '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]');
    expect(json({ a: Tensor.from([1, 2], 'int32'), b: Tensor.from(['x', 'y']) })).toBe(
      '[{"name": "a", "type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [-1]}}, ' +
      '{"name": "b", "type": "tensor", "tensor-spec": {"dtype": "str", "shape": [-1]}}]');
    expect(json(CsrMatrix.fromDense([[0, 1, 0, 0, 2], [0, 0, 0, 0, 0], [3, 0, 0, 0, 0]], 'float32'))).toBe(
      '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 5]}}]');
  });

  it('types lists, records, dicts and scalars', () => {
    expect(json([])).toBe('[{"type": "string", "required": true}]');
    expect(json('hi')).toBe('[{"type": "string", "required": true}]');
    expect(json([{ a: 1 }, { a: 2, b: 'x' }])).toBe(
      '[{"type": "long", "name": "a", "required": true}, {"type": "string", "name": "b", "required": false}]');
    expect(json({ q: 'hi', ids: [1, 2], meta: { k: 'v' } })).toBe(
      '[{"type": "string", "name": "q", "required": true}, ' +
      '{"type": "array", "items": {"type": "long"}, "name": "ids", "required": true}, ' +
      '{"type": "object", "properties": {"k": {"type": "string", "required": true}}, "name": "meta", "required": true}]');
    expect(json([[1, 2], []])).toBe('[{"type": "array", "items": {"type": "long"}, "required": true}]');
    expect(json([null])).toBe('[{"type": "any", "required": true}]');
    expect(json([{ a: { x: 1 } }, { a: { y: 's' } }])).toBe(
      '[{"type": "object", "properties": {"x": {"type": "long", "required": false}, ' +
      '"y": {"type": "string", "required": false}}, "name": "a", "required": true}]');
    expect(json(Series.from([new PyDateTime(2020, 1, 1)], { name: 'when' }))).toBe(
      '[{"type": "datetime", "name": "when", "required": true}]');
  });

  it('raises for mixed lists and unsupported values', () => {
    expect(() => inferSchema([1, 'a'])).toThrow(expect.objectContaining({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('Expected all values in the list to be of the same type'),
    }));
    expect(() => inferSchema(Frame.fromColumns({ u: [1] }, { dtypes: { u: 'uint64' } }))).toThrow(/Unsupported numpy data type/);
    expect(() => inferSchema(Symbol('x'))).toThrow(expect.objectContaining({ errorCode: 'INVALID_PARAMETER_VALUE' }));
    expect(() => inferSchema(new Map([[1, 'a']]))).toThrow(/keys are not all strings/);
    expect(() => inferSchema({})).toThrow(expect.objectContaining({ errorCode: 'INVALID_PARAMETER_VALUE' }));
    expect(() => inferSchema(Tensor.from(3))).toThrow(/out of bounds/);
  });

  it('widens integer and fractional JS numbers to double (documented deviation 5.9)', () => {
    expect(json([1, 1.5])).toBe('[{"type": "double", "required": true}]');
    expect(json([[1], [1.5]])).toBe('[{"type": "array", "items": {"type": "double"}, "required": true}]');
    expect(json([{ a: 1 }, { a: 2.5 }])).toBe('[{"type": "double", "name": "a", "required": true}]');
    expect(json([{ o: { a: 1 } }, { o: { a: 2.5 } }])).toBe(
      '[{"type": "object", "properties": {"a": {"type": "double", "required": true}}, "name": "o", "required": true}]');
    expect(() => inferSchema([1, true])).toThrow(/same type/);
  });

  it('warns the integer hint through the logger only for integer columns', () => {
    const { logger, warnings } = recordingLogger();
    inferSchema([1, 2], { logger });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Hint: Inferred schema contains integer column/);
    inferSchema(['a'], { logger });
    inferSchema(Tensor.from([1]), { logger });
    expect(warnings).toHaveLength(1);
  });
});

describe('inferDataType and mergeColumnTypes', () => {
  it('types values recursively', () => {
    expect(inferDataType(Number.NaN)).toBeInstanceOf(AnyType);
    expect(inferDataType(2n ** 70n)).toBe('long');
    expect(inferDataType(new Uint8Array(1))).toBe('binary');
    expect(inferDataType(Tensor.from([], 'float64'))).toBeUndefined();
    expect(String(inferDataType({ a: [1], b: null }))).toBe('{a: Array(long) (required), b: Any (optional)}');
  });

  it('follows MLflow 2.22 or 3.x where they differ', () => {
    const withLong = new ObjectType([new Property('x', 'long')]);
    const withAny = new ObjectType([new Property('x', new AnyType(), false)]);
    expect(String(mergeColumnTypes(withLong, withAny))).toBe('{x: long (optional)}');
    expect(() => mergeColumnTypes(withLong, withAny, { mlflowVersion: 2 })).toThrow(/incompatible/);
    expect(String(mergeColumnTypes(withAny, withLong, { mlflowVersion: 2 }))).toBe('{x: long (optional)}');
    expect(String(mergeColumnTypes(new ArrayType('long'), new AnyType()))).toBe('Array(long)');
    expect(String(mergeColumnTypes(withLong, new AnyType()))).toBe('{x: long (optional)}');
    expect(() => mergeColumnTypes(new ArrayType('long'), withLong)).toThrow(/non-array/);
  });
});

describe('inferParamSchema', () => {
  it('infers types, shapes and defaults (conformance 10, 15)', () => {
    const t = [0.5];
    const params = { t: 0.5, n: 3, s: 'x', flag: true, stop: ['a'], w: new PyDateTime(2024, 1, 2, 3, 4, 5), e: [] };
    expect(inferParamSchema(params).toJson()).toBe(
      '[{"name": "t", "default": 0.5, "shape": null, "type": "double"}, ' +
      '{"name": "n", "default": 3, "shape": null, "type": "long"}, ' +
      '{"name": "s", "default": "x", "shape": null, "type": "string"}, ' +
      '{"name": "flag", "default": true, "shape": null, "type": "boolean"}, ' +
      '{"name": "stop", "default": ["a"], "shape": [-1], "type": "string"}, ' +
      '{"name": "w", "default": "2024-01-02T03:04:05", "shape": null, "type": "datetime"}, ' +
      '{"name": "e", "default": [], "shape": [-1], "type": "datetime"}]');
    expect(t).toEqual([0.5]);
    const marked: Record<string, unknown> = { f: 1 };
    markFloat(marked, 'f');
    expect(inferParamSchema(marked).toJson()).toBe('[{"name": "f", "default": 1.0, "shape": null, "type": "double"}]');
    // spec 5 check 11 says string [-1]; real MLflow (2.22 and 3.x) infers string, then the
    // default ['a', 1] fails validation
    expect(() => inferParamSchema({ m: ['a', 1] })).toThrow(/Can not safely convert/);
  });

  it('collects every failing parameter into one error (conformance 11)', () => {
    expect(() => inferParamSchema({ m: [[1]], n: null, ok: 1 })).toThrow(expect.objectContaining({
      errorCode: 'INVALID_PARAMETER_VALUE',
      message: "Failed to infer schema for parameters: [('m', [[1]], MlflowException('Expected parameters to be 1D array " +
        "or scalar, got 2D array')), ('n', None, MlflowException('Expected parameters to be 1D array or scalar, got NoneType'))]",
    }));
    expect(() => inferParamSchema([1])).toThrow(/Expected parameters to be dict, got list/);
  });
});

describe('inferSignature', () => {
  it('falls back to any with a warning, but lets params errors through', () => {
    const { logger, warnings } = recordingLogger();
    const signature = inferSignature([1, 'a'], 'out', undefined, { logger });
    expect(signature.toDict()).toEqual({
      inputs: '[{"type": "any", "required": true}]',
      outputs: '[{"type": "string", "required": true}]',
      params: null,
    });
    expect(warnings[0]).toMatch(/^Failed to infer schema for inputs\. Setting schema to/);
    expect(() => inferSignature('x', undefined, { m: null })).toThrow(expect.objectContaining({ errorCode: 'INVALID_PARAMETER_VALUE' }));
  });

  it('needs at least one part; empty params count as none', () => {
    expect(() => inferSignature()).toThrow(expect.objectContaining({ errorCode: 'INVALID_PARAMETER_VALUE' }));
    expect(() => inferSignature(null, undefined, {})).toThrow(/At least one/);
    expect(inferSignature(undefined, undefined, { k: 1 }).toDict().params).toBe(
      '[{"name": "k", "default": 1, "shape": null, "type": "long"}]');
  });
});
