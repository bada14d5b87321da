import { describe, expect, it } from 'vitest';
import { MlflowException, PyDate, PyDateTime } from '../src/index.js';
import {
  AnyType,
  Array as MlflowArray,
  ArrayType,
  ColSpec,
  MapType,
  ModelSignature,
  ObjectType,
  ParamSchema,
  ParamSpec,
  Property,
  Schema,
  SparkMLVector,
  TensorSpec,
  parseDataType,
} from '../src/signature/index.js';

function rejects(fn: () => unknown, pattern?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(MlflowException.isInstance(caught)).toBe(true);
  expect((caught as MlflowException).errorCode).toBe('INVALID_PARAMETER_VALUE');
  if (pattern !== undefined) expect((caught as MlflowException).message).toMatch(pattern);
}

describe('signature conformance checks (format spec 4)', () => {
  it('1. writes a column schema in MLflow key order', () => {
    expect(new Schema([new ColSpec('double', 'x')]).toJson()).toBe('[{"type": "double", "name": "x", "required": true}]');
  });

  it('2. writes a named tensor with name first', () => {
    expect(new Schema([new TensorSpec('float32', [-1, 28, 28], 'x')]).toJson()).toBe(
      '[{"name": "x", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]}}]');
  });

  it('3. sorts object properties by name', () => {
    const object = new ObjectType([new Property('b', 'long'), new Property('a', 'string', false)]);
    expect(new Schema([new ColSpec(object, 'o')]).toJson()).toBe('[{"type": "object", "properties": ' +
      '{"a": {"type": "string", "required": false}, "b": {"type": "long", "required": true}}, "name": "o", "required": true}]');
  });

  it('4. escapes non-ASCII names', () => {
    expect(new Schema([new ColSpec('string', 'é')]).toJson()).toBe('[{"type": "string", "name": "\\u00e9", "required": true}]');
  });

  it('5. rejects mixed, multiple unnamed tensors and unnamed optional', () => {
    rejects(() => new Schema([new ColSpec('double', 'x'), new ColSpec('double')]), /named and unnamed/);
    rejects(() => new Schema([new ColSpec('double', 'x'), new TensorSpec('float32', [-1], 't')]), /ColSpec and TensorSpec/);
    rejects(() => new Schema([new TensorSpec('float32', [-1]), new TensorSpec('int64', [-1])]), /multiple unnamed/);
    rejects(() => new Schema([new ColSpec('double', undefined, false)]), /unnamed optional/);
    rejects(() => new Schema([]), /empty inputs/);
  });

  it('6. reads the legacy "optional" key and writes "required"', () => {
    const schema = Schema.fromJson('[{"type": "double", "name": "x", "optional": true}]');
    expect((schema.inputs[0] as ColSpec).required).toBe(false);
    expect(schema.toJson()).toBe('[{"type": "double", "name": "x", "required": false}]');
  });

  it('7. keeps required: null on complex columns without it', () => {
    expect(Schema.fromJson('[{"type": "array", "items": {"type": "string"}, "name": "a"}]').toJson())
      .toBe('[{"type": "array", "items": {"type": "string"}, "name": "a", "required": null}]');
  });

  it('8. validates params', () => {
    rejects(() => new ParamSpec('p', 'binary', null), /Binary type is not supported/);
    rejects(() => new ParamSpec('p', 'long', 1, [2]), /Shape must be None/);
    rejects(() => new ParamSpec('p', 'long', 1.5), /Can not safely convert/);
    // MLflow widens an int default of a double param to a float: it writes 1.0
    expect(new ParamSchema([new ParamSpec('p', 'double', 1)]).toJson())
      .toBe('[{"name": "p", "default": 1.0, "shape": null, "type": "double"}]');
  });

  it('9. writes params in MLflow key order', () => {
    expect(new ParamSchema([new ParamSpec('t', 'double', 0.5)]).toJson())
      .toBe('[{"name": "t", "default": 0.5, "shape": null, "type": "double"}]');
  });

  it('10. rejects sized flexible dtypes', () => {
    rejects(() => new TensorSpec('str160', [-1]));
    rejects(() => new TensorSpec('<U5', [-1]), /size information/);
    expect(new TensorSpec('f8', [-1]).dtype).toBe('float64');
  });

  it('11. accepts a params-only signature and rejects an empty one', () => {
    const signature = ModelSignature.fromDict({ params: '[{"name": "t", "default": 0.5, "shape": null, "type": "double"}]' });
    expect(signature.toDict()).toEqual({ inputs: null, outputs: null, params: '[{"name": "t", "default": 0.5, "shape": null, "type": "double"}]' });
    rejects(() => ModelSignature.fromDict({}), /At least one/);
    rejects(() => ModelSignature.fromDict({ inputs: null, outputs: '', params: null }));
    rejects(() => new ModelSignature({}));
  });
});

describe('signature classes', () => {
  it('exports MLflow names as aliases and constructs complex types', () => {
    expect(MlflowArray).toBe(ArrayType);
    const type = new ArrayType(new MapType(new AnyType()));
    expect(type.toDict()).toEqual({ type: 'array', items: { type: 'map', values: { type: 'any' } } });
    expect(new SparkMLVector().toDict()).toEqual({ type: 'sparkml_vector' });
    expect(new SparkMLVector().equals(new ArrayType('double'))).toBe(false);
    rejects(() => new ArrayType('doubles'), /Unsupported type/);
    rejects(() => new ObjectType([]), /empty properties/);
    rejects(() => new ObjectType([new Property('a', 'long'), new Property('a', 'string')]), /duplicated/);
    rejects(() => parseDataType('float64'), /Unsupported type/);
  });

  it('keeps numeric column names numeric and reports names like MLflow', () => {
    const schema = Schema.fromJson('[{"type": "double", "name": 0}, {"type": "long", "name": 1, "required": false}]');
    expect(schema.inputs.map((spec) => spec.name)).toEqual([0, 1]);
    expect(schema.inputNames()).toEqual([0, 1]);
    expect(schema.optionalInputNames()).toEqual([1]);
    expect(schema.hasInputNames()).toBe(true);
    expect(schema.numpyTypes()).toEqual(['float64', 'int64']);
    expect(schema.toJson()).toBe('[{"type": "double", "name": 0, "required": true}, {"type": "long", "name": 1, "required": false}]');
    const tensors = Schema.fromJson('[{"type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [-1]}}]');
    expect(tensors.isTensorSpec()).toBe(true);
    expect(tensors.inputNames()).toEqual([0]);
    rejects(() => tensors.pandasTypes());
    rejects(() => tensors.inputDict());
  });

  it('rejects an unknown key of a scalar column naming it, and wrong value types', () => {
    rejects(() => Schema.fromJson('[{"type": "double", "name": "x", "nullable": true}]'), /'nullable'/);
    rejects(() => ModelSignature.fromDict({ inputs: 5 }));
    rejects(() => ModelSignature.fromDict('inputs'));
    rejects(() => Schema.fromJson('[{"type": "double"'), /Expecting/);
    rejects(() => Schema.fromDict(['double']));
    rejects(() => new ColSpec('double', [1] as unknown as string));
  });

  it('converts datetime param defaults and writes isoformat', () => {
    const spec = new ParamSpec('when', 'datetime', '2024-01-02T03:04:05.5+01:00');
    expect(spec.default).toEqual(new PyDateTime(2024, 1, 2, 2, 4, 5, 500000));
    expect(new ParamSpec('d', 'datetime', new PyDate(2024, 1, 2)).toDict().default).toBe('2024-01-02');
    expect(new ParamSpec('l', 'datetime', ['2024', '2024-05-06 07:08'], [-1]).toDict().default)
      .toEqual(['2024-01-01', '2024-05-06T07:08:00']);
    rejects(() => new ParamSpec('bad', 'datetime', 20240102), /Failed to convert/);
    rejects(() => new ParamSpec('ns', 'datetime', '2024-01-02T03:04:05.123456789'));
  });

  it('stringifies param names, accepts the dtype alias and rejects duplicates', () => {
    const schema = ParamSchema.fromJson('[{"name": 5, "dtype": "long", "default": 2}]');
    expect(schema.params[0]!.name).toBe('5');
    rejects(() => new ParamSchema([new ParamSpec('a', 'long', 1), new ParamSpec('a', 'long', 2)]), /Duplicated parameters found in schema: \['a'\]/);
  });

  it('compares like MLflow', () => {
    const a = ModelSignature.fromDict({ inputs: '[{"type": "double", "name": "x"}]', params: '[{"name": "p", "type": "double", "default": 1}]' });
    const b = ModelSignature.fromDict({ inputs: '[{"type": "double", "name": "x", "required": true}]', params: '[{"name": "p", "type": "double", "default": 1.0}]' });
    const c = ModelSignature.fromDict({ inputs: '[{"type": "double", "name": "x", "required": false}]' });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(a.isSignatureFromTypeHint).toBe(false);
    expect(a.typeHintFromExample).toBe(false);
  });
});
