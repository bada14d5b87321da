/**
 * `castFrameToSchema`: MLflow's `cast_df_types_according_to_schema`, the casts a frame read from
 * JSON gets before `predict` (serving) or when an input example is loaded.
 */
import { isFloatDType, isIntegerDType, parseDType, type DType } from './data/dtype.js';
import { Frame, makeColumn, type Column, type Label } from './data/frame.js';
import { readValues } from './data/values.js';
import { decodeBase64Lines } from './input-example/to-python-json.js';
import { MlflowException } from './mlflow-exception.js';
import { PyDateTime } from './py-values.js';
import { pyRepr } from './py-repr.js';
import { ColSpec } from './signature/col-spec.js';
import { dataTypeToPandas, isDataType } from './signature/data-type.js';
import type { Schema, Spec } from './signature/schema.js';
import { TensorSpec } from './signature/tensor-spec.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Casts the frame's columns to the schema's input types as MLflow's
 * `cast_df_types_according_to_schema` does: `binary` columns base64-decoded, `bytes` tensors
 * UTF-8 encoded, datetimes parsed, the other scalar types converted as numpy's `astype`. Named
 * schemas pair by name, a single-tensor schema applies to every column, other un-named schemas
 * pair by position; columns of complex types (arrays, objects, maps) are left as they are.
 * @returns A new frame with the cast columns, or `frame` itself when nothing was cast.
 * @throws {MlflowException} BAD_REQUEST ("Invalid input. Data is not compatible with model
 *   signature. ...") when a column does not convert.
 */
export function castFrameToSchema(frame: Frame, schema: Schema): Frame {
  const pairs: [Label, Spec][] = [];
  const specs = schema.inputs;
  if (schema.hasInputNames()) {
    schema.inputNames().forEach((name, index) => pairs.push([name, specs[index]!]));
  } else if (schema.isTensorSpec() && specs.length === 1) {
    for (const label of frame.columnNames) pairs.push([label, specs[0]!]);
  } else {
    const count = Math.min(specs.length, frame.columns.length);
    for (let index = 0; index < count; index++) pairs.push([frame.columnNames[index]!, specs[index]!]);
  }
  const replaced = new Map<Label, Column>();
  for (const [name, spec] of pairs) {
    if (!frame.hasColumn(name)) continue;
    const column = frame.column(name);
    const target = spec instanceof TensorSpec ? spec.dtype : isDataType(spec.type) ? dataTypeToPandas(spec.type) : undefined;
    try {
      const cast = castColumn(column, spec, schema);
      if (cast !== undefined) replaced.set(name, cast);
    } catch (error) {
      throw MlflowException.invalidInput(`Data is not compatible with model signature. Failed to convert column ${String(name)} to type ` +
        `'${target ?? String(spec)}'. Error: '${messageOf(error)}'`, { cause: error });
    }
  }
  if (replaced.size === 0) return frame;
  return new Frame(frame.columns.map((column) => replaced.get(column.name) ?? column));
}

function castColumn(column: Column, spec: Spec, schema: Schema): Column | undefined {
  const values = readValues(column.dtype, column.values, column.validity);
  if (spec instanceof ColSpec && spec.type === 'binary') {
    return makeColumn(column.name, values.map((value) => {
      if (typeof value !== 'string') throw MlflowException.invalidParameterValue(`encoding without a string argument: ${pyRepr(value)}`);
      return decodeBase64Lines(value);
    }), 'object');
  }
  if (spec instanceof TensorSpec && spec.dtype === 'bytes') {
    return makeColumn(column.name, values.map((value) => {
      if (typeof value !== 'string') throw MlflowException.invalidParameterValue(`encoding without a string argument: ${pyRepr(value)}`);
      return new Uint8Array(Buffer.from(value, 'utf8'));
    }), 'object');
  }
  if (schema.isTensorSpec() && Array.isArray(values[0])) return undefined;
  if (spec instanceof ColSpec && !isDataType(spec.type)) return undefined; // complex types: not enforced here
  const numpyName = spec instanceof TensorSpec ? spec.dtype : dataTypeToPandas(spec.type as Parameters<typeof dataTypeToPandas>[0]);
  if (numpyName === 'object') return undefined;
  const dtype = numpyName === 'str' ? 'object' : parseDType(numpyName);
  return makeColumn(column.name, values.map((value, index) => coerce(value, dtype, values, index)), dtype);
}

/** One value as numpy's `astype(dtype)` converts it. */
function coerce(value: unknown, dtype: DType, container: unknown[], index: number): unknown {
  if (dtype === 'object') {
    if (value === null || typeof value === 'string') return value;
    return value instanceof PyDateTime ? value.toString() : pyRepr(value, container, index);
  }
  if (dtype === 'bool') return pythonTruth(value);
  if (isIntegerDType(dtype)) {
    if (value === null || (typeof value === 'number' && !Number.isFinite(value))) {
      throw MlflowException.invalidParameterValue('Cannot convert non-finite values (NA or inf) to integer');
    }
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'number') return Math.trunc(value);
    if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return BigInt(value.trim());
    return value;
  }
  if (isFloatDType(dtype)) {
    if (value === null) return null;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'string') {
      const number = Number(value.trim());
      if (value.trim() === '' || (Number.isNaN(number) && !/^\s*[+-]?nan\s*$/i.test(value))) {
        throw MlflowException.invalidParameterValue(`could not convert string to float: ${pyRepr(value)}`);
      }
      return number;
    }
    return value;
  }
  return value; // datetimes: storeValues parses ISO strings and takes datetimes
}

function pythonTruth(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}
