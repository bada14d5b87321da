/**
 * `parseTfServingInput` and `castSchemaType`: MLflow's `parse_tf_serving_input` /
 * `_cast_schema_type` (`mlflow.utils.proto_json_utils`), the `inputs` / `instances` → tensor
 * conversion shared by `/invocations` and the loading of an `ndarray` input example.
 */
import { isFloatDType, parseDType, type DType } from './data/dtype.js';
import { Tensor } from './data/tensor.js';
import { MlflowException } from './mlflow-exception.js';
import { isFloatSlot, isPlainObject, markFloat, type PyValue } from './py-values.js';
import { pyClass, pyRepr, pyStr } from './py-repr.js';
import { ColSpec } from './signature/col-spec.js';
import { AnyType, ArrayType } from './signature/column-type.js';
import { dataTypeToNumpy, isDataType } from './signature/data-type.js';
import type { Schema, Spec } from './signature/schema.js';
import { TensorSpec } from './signature/tensor-spec.js';

/** Options of {@link castSchemaType}. */
export interface CastSchemaTypeOptions {
  /**
   * The data is a float written without a fraction (`1.0`), as `isFloatSlot` reports for the
   * slot it came from: a scalar keeps numpy's float kind.
   */
  isFloat?: boolean;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Converts a TF-serving request dict as MLflow's `parse_tf_serving_input` does: exactly one of
 * `"inputs"` (column format, through {@link castSchemaType}) or `"instances"` (a list of records
 * becomes a dict of column tensors; anything else goes through {@link castSchemaType}); with
 * `"instances"`, the columns the schema requires must have the same length.
 * @returns A {@link Tensor}, a dict of tensors (or of values, for complex column types), a list
 *   of such dicts, or a scalar.
 * @throws {MlflowException} BAD_REQUEST ("Invalid input. ...", MLflow's
 *   `MlflowInvalidInputException`) for `"signature_name"`, other keys, data that does not convert
 *   or columns of different lengths.
 */
export function parseTfServingInput(input: Record<string, PyValue>, schema?: Schema | null): unknown {
  const keys = Object.keys(input);
  if (keys.includes('signature_name')) throw MlflowException.invalidInput('"signature_name" parameter is currently not supported');
  if (keys.length !== 1 || (keys[0] !== 'inputs' && keys[0] !== 'instances')) {
    throw MlflowException.invalidInput('One of "instances" and "inputs" must be specified (not both or any other keys).' +
      `Received: [${keys.map((key) => pyRepr(key)).join(', ')}]`);
  }
  const spec = schema ?? undefined;
  try {
    if (keys[0] === 'inputs') return castSchemaType(input.inputs!, spec, { isFloat: isFloatSlot(input, 'inputs') });
    return parseInstancesData(input.instances!, spec, isFloatSlot(input, 'instances'));
  } catch (error) {
    if (MlflowException.isInstance(error)) throw error;
    throw MlflowException.invalidInput(`Ensure that the input is a valid JSON-formatted string.\nError: ${messageOf(error)}`, { cause: error });
  }
}

/** MLflow's `parse_instances_data`. */
function parseInstancesData(instances: PyValue, schema: Schema | undefined, isFloat: boolean): unknown {
  if (Array.isArray(instances) && instances.length > 0 && isPlainObject(instances[0])) {
    const types = namedSpecs(schema);
    const columns = new Map<string, unknown[]>();
    for (const item of instances) {
      if (!isPlainObject(item)) {
        throw MlflowException.invalidInput('Ensure that the input is a valid JSON-formatted string.\n' +
          `Error: AttributeError("'${pyClass(item).slice(8, -2)}' object has no attribute 'items'")`);
      }
      for (const [name, cell] of Object.entries(item)) {
        const column = columns.get(name) ?? [];
        const converted = convertDataType(cell, types.get(name), { container: item, key: name });
        // numpy stacks the per-row arrays: keep their elements (and float kind), not the arrays
        column.push(converted instanceof Tensor ? (converted.ndim === 0 ? converted.get() : converted.toNested()) : converted);
        if (converted instanceof Tensor && converted.ndim === 0 && isFloatDType(converted.dtype)) markFloat(column, column.length - 1);
        columns.set(name, column);
      }
    }
    const out: Record<string, Tensor> = {};
    for (const [name, values] of columns) out[name] = toTensor(values);
    checkLengths(out, schema);
    return out;
  }
  const result = castSchemaType(instances, schema, { isFloat });
  if (isPlainObject(result)) checkLengths(result as Record<string, unknown>, schema);
  return result;
}

/** `parse_instances_data`' sanity check: the required, non-array columns have one length. */
function checkLengths(columns: Record<string, unknown>, schema: Schema | undefined): void {
  let names = Object.keys(columns);
  if (schema !== undefined && schema.hasInputNames()) {
    const required = new Set(schema.inputs.filter((spec) => spec.required && !(spec instanceof ColSpec && spec.type instanceof ArrayType))
      .map((spec) => String(spec.name)));
    names = names.filter((name) => required.has(name));
  }
  const lengths = new Set<number>();
  for (const name of names) {
    const value = columns[name];
    if (value instanceof Tensor && value.ndim > 0) lengths.add(value.shape[0]!);
    else if (Array.isArray(value)) lengths.add(value.length);
  }
  if (lengths.size > 1) throw MlflowException.invalidInput('The length of values for each input/column name are not the same');
}

function namedSpecs(schema: Schema | undefined): Map<string | number, Spec> {
  return schema !== undefined && schema.hasInputNames() ? schema.inputDict() : new Map();
}

function toTensor(values: unknown, dtype?: DType): Tensor {
  if (values instanceof Tensor) return values;
  try {
    return Tensor.from(values, dtype);
  } catch (error) {
    throw MlflowException.invalidInput(messageOf(error), { cause: error });
  }
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object' || value instanceof Uint8Array;
}

/**
 * Casts column-format data to the schema as MLflow's `_cast_schema_type` does (what `"inputs"`
 * and an `ndarray` input example go through): a list for a one-input named schema becomes that
 * input's column, a dict becomes a dict of tensors, a list of records keeps its shape (and `[]`
 * stays a list) with each value converted, any other list or scalar becomes a tensor (a scalar
 * of a `ColSpec` stays a scalar) of the first input's type.
 * @throws {MlflowException} BAD_REQUEST ("Invalid input. ...", MLflow's
 *   `MlflowInvalidInputException`) for a dict against an un-named schema or a value that does
 *   not convert.
 */
export function castSchemaType(data: PyValue, schema?: Schema | null, options: CastSchemaTypeOptions = {}): unknown {
  let value: unknown = data;
  const spec = schema ?? undefined;
  const types = namedSpecs(spec);
  if (spec !== undefined) {
    if (types.size === 1 && Array.isArray(value) && !value.some((item) => isPlainObject(item))) {
      value = { [String([...types.keys()][0])]: value };
    } else if (!spec.hasInputNames() && !(Array.isArray(value) || isScalar(value))) {
      throw MlflowException.invalidInput('Failed to parse input data. This model contains an un-named  model signature which ' +
        'expects a single n-dimensional array or a single value as input, however, an input of type ' +
        "<class 'dict'> was found.");
    }
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) out[name] = convertDataType(item, types.get(name), { container: value, key: name });
    return out;
  }
  const first = spec?.inputs[0];
  if (Array.isArray(value)) {
    if (value.every((item) => isPlainObject(item))) {
      return value.map((record) => {
        const out: Record<string, unknown> = {};
        for (const [name, item] of Object.entries(record as Record<string, unknown>)) {
          out[name] = convertDataType(item, types.get(name), { container: record as object, key: name });
        }
        return out;
      });
    }
    return convertDataType(value, first, {});
  }
  const holder = { value };
  if (options.isFloat === true) markFloat(holder, 'value');
  try {
    return convertDataType(value, first, { container: holder, key: 'value' });
  } catch (error) {
    throw MlflowException.invalidInput(`Failed to convert data \`${pyRepr(value)}\` to type \`${String(first)}\` defined in the model signature.`,
      { cause: error });
  }
}

/** numpy's inference for a list mixing strings with numbers or bools: every leaf becomes its `str()`. */
function numpyStrings(value: unknown[]): unknown[] {
  let strings = false;
  let others = false;
  let blocked = false;
  const visit = (item: unknown): void => {
    if (Array.isArray(item)) item.forEach(visit);
    else if (typeof item === 'string') strings = true;
    else if (typeof item === 'number' || typeof item === 'bigint' || typeof item === 'boolean') others = true;
    else blocked = true;
  };
  visit(value);
  if (!strings || !others || blocked) return value;
  const convert = (items: unknown[]): unknown[] => items.map((item, index) => (Array.isArray(item) ? convert(item)
    : typeof item === 'string' ? item : pyStr(item, items, index)));
  return convert(value);
}

/** The dtype a TensorSpec's numpy dtype name maps to in the containers. */
function containerDType(numpyName: string): DType {
  try {
    return parseDType(numpyName);
  } catch (error) {
    throw MlflowException.invalidInput(`data type '${numpyName}' is not supported`, { cause: error });
  }
}

/** MLflow's `convert_data_type`: one value (or list) as a tensor of the spec's dtype. */
function convertDataType(value: unknown, spec: Spec | undefined, where: { container?: object; key?: string | number }): unknown {
  const list = Array.isArray(value);
  // a scalar becomes a one-element list so its float mark survives Tensor.from
  const wrap = (): unknown[] => {
    const items = [value];
    if (where.container !== undefined && where.key !== undefined && isFloatSlot(where.container, where.key)) markFloat(items, 0);
    return items;
  };
  const scalarTensor = (dtype?: DType): Tensor => {
    const tensor = toTensor(wrap(), dtype);
    return new Tensor(tensor.dtype, [], tensor.data);
  };
  if (spec === undefined) return list ? toTensor(numpyStrings(value as unknown[])) : scalarTensor();
  if (spec instanceof TensorSpec) {
    const dtype = containerDType(spec.dtype);
    return list ? toTensor(value, dtype) : scalarTensor(dtype);
  }
  const column = spec as ColSpec;
  if (isDataType(column.type)) {
    const dtype = containerDType(dataTypeToNumpy(column.type));
    if (list) return toTensor(value, dtype);
    return toTensor(wrap(), dtype).get(0);
  }
  if (column.type instanceof AnyType) return value;
  if (column.type instanceof ArrayType) return toTensor(value);
  return value; // object and map types: the value as it is (not enforced here)
}
