/**
 * Predictions to MLflow's response JSON (serving.md 7): `_get_jsonable_obj` + `json.dump` with
 * MLflow's `NumpyEncoder`, byte for byte.
 */
import {
  CscMatrix,
  CsrMatrix,
  Frame,
  MlflowException,
  PyDate,
  PyDateTime,
  Series,
  Tensor,
  dumpsPythonJson,
  encodeBase64Lines,
  formatPythonFloat,
  isDatetimeDType,
  isFloatDType,
  isFloatSlot,
  isPlainObject,
  markFloat,
  readValues,
  type Column,
} from '@pyfunc/format';

/** Options of {@link serializePredictions}. */
export interface SerializePredictionsOptions {
  /** Write the prediction itself, not `{"predictions": ...}` (the unified LLM path). */
  unwrapped?: boolean;
  /** Write `null` for NaN and ±Infinity (strict JSON; off by default, as MLflow). */
  strictJson?: boolean;
}

function notSerializable(value: unknown): MlflowException {
  const name = typeof value === 'object' && value !== null ? (value.constructor?.name ?? 'object') : typeof value;
  return new MlflowException('INTERNAL_ERROR', `Object of type ${name} is not JSON serializable`);
}

function cellToJson(value: unknown, strict: boolean): unknown {
  if (value instanceof Uint8Array) return encodeBase64Lines(value);
  if (value instanceof PyDateTime || value instanceof PyDate) return value.isoformat();
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  return toJsonable(value, strict);
}

function columnCells(column: Column, strict: boolean): unknown[] {
  const values = readValues(column.dtype, column.values, column.validity);
  const float = isFloatDType(column.dtype);
  const datetime = isDatetimeDType(column.dtype);
  const out = values.map((value) => {
    if (value === null && float) return strict ? null : Number.NaN;
    if (value === null && datetime) return 'NaT';
    return cellToJson(value, strict);
  });
  values.forEach((value, index) => {
    if (typeof out[index] === 'number' && (isFloatSlot(values, index) || (float && value !== null))) markFloat(out, index);
  });
  return out;
}

function frameRecords(columns: readonly Column[], numRows: number, strict: boolean): Record<string, unknown>[] {
  const cells = columns.map((column) => columnCells(column, strict));
  const names = columns.map((column) => String(column.name));
  return Array.from({ length: numRows }, (_, row) => {
    const record: Record<string, unknown> = {};
    names.forEach((name, position) => {
      const column = cells[position]!;
      record[name] = column[row];
      if (isFloatSlot(column, row)) markFloat(record, name);
    });
    return record;
  });
}

function tensorToJson(tensor: Tensor, strict: boolean): unknown {
  if (isDatetimeDType(tensor.dtype)) {
    const unit = /\[(\w+)\]/.exec(tensor.dtype)?.[1] ?? 'ns';
    const fine = unit === 'ns' || unit === 'ps' || unit === 'fs' || unit === 'as';
    const convert = (item: unknown): unknown => {
      if (Array.isArray(item)) return item.map(convert);
      if (item === null) return fine ? null : 'NaT';
      if (fine && typeof (item as { toTicks?: unknown }).toTicks === 'function') return (item as { toTicks(): unknown }).toTicks();
      return cellToJson(item, strict);
    };
    if (fine) {
      // numpy's tolist() of ns datetimes gives integers: read the raw ticks
      const ticks = new Tensor('int64', tensor.shape, tensor.data);
      return toJsonable(ticks.toNested(), strict);
    }
    return convert(tensor.toNested());
  }
  return toJsonable(tensor.toNested(), strict);
}

/**
 * A prediction as plain JSON-able values (MLflow's `_get_jsonable_obj` and `NumpyEncoder`):
 * frames as records, series as one-column records, tensors as nested lists, bytes as MIME
 * base64, datetimes as ISO text. Float marks are kept.
 * @throws {MlflowException} INTERNAL_ERROR naming the type of a value JSON cannot hold.
 */
export function toJsonable(value: unknown, strict = false): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  if (typeof value === 'number') return strict && !Number.isFinite(value) ? null : value;
  if (value instanceof Frame) return frameRecords(value.columns, value.numRows, strict);
  if (value instanceof Series) return frameRecords([{ ...value, name: value.label ?? 0, dtype: value.dtype, values: value.values, validity: value.validity } as Column], value.length, strict);
  if (value instanceof Tensor) return tensorToJson(value, strict);
  if (value instanceof CsrMatrix || value instanceof CscMatrix) throw notSerializable(value);
  if (value instanceof Uint8Array || value instanceof PyDateTime || value instanceof PyDate || value instanceof Date) return cellToJson(value, strict);
  if (ArrayBuffer.isView(value)) return toJsonable(Array.from(value as unknown as ArrayLike<number>), strict);
  if (Array.isArray(value)) {
    const out = value.map((item) => toJsonable(item, strict));
    value.forEach((item, index) => {
      if (typeof item === 'number' && isFloatSlot(value, index)) markFloat(out, index);
    });
    return out;
  }
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value) out[mapKey(key)] = toJsonable(item, strict);
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      out[key] = toJsonable(item, strict);
      if (typeof item === 'number' && isFloatSlot(value as object, key)) markFloat(out, key);
    }
    return out;
  }
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return toJsonable((value as { toJSON(): unknown }).toJSON(), strict);
  }
  throw notSerializable(value);
}

function mapKey(key: unknown): string {
  if (typeof key === 'string') return key;
  if (key === null) return 'null';
  if (typeof key === 'boolean') return key ? 'true' : 'false';
  if (typeof key === 'number' || typeof key === 'bigint') return String(key);
  throw new MlflowException('INTERNAL_ERROR', `keys must be str, int, float, bool or None, not ${typeof key}`);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A numeric or boolean tensor's JSON text, written straight from its storage: what
 * `dumpsPythonJson(toJsonable(tensor))` writes, without the nested arrays in between (the
 * common prediction, on the hot path). `undefined` for other dtypes.
 */
function numericTensorJson(tensor: Tensor, strict: boolean): string | undefined {
  const { dtype, data, shape } = tensor;
  let item: (index: number) => string;
  if (dtype === 'float64' || dtype === 'float32' || dtype === 'float16') {
    const values = data as Float64Array | Float32Array;
    item = (index) => {
      const value = values[index]!;
      if (Number.isFinite(value)) return formatPythonFloat(value);
      if (strict) return 'null';
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    };
  } else if (dtype === 'int64' || dtype === 'uint64') {
    const values = data as BigInt64Array | BigUint64Array;
    item = (index) => {
      const value = values[index]!;
      if (value <= MAX_SAFE && value >= -MAX_SAFE) return value.toString();
      // ±2^53 reads back as a number that is not a safe integer: written as a float
      return value === MAX_SAFE + 1n || value === -MAX_SAFE - 1n ? formatPythonFloat(Number(value)) : value.toString();
    };
  } else if (dtype === 'int8' || dtype === 'int16' || dtype === 'int32' || dtype === 'uint8' || dtype === 'uint16' || dtype === 'uint32') {
    const values = data as Int32Array;
    item = (index) => String(values[index]!);
  } else if (dtype === 'bool') {
    const values = data as Uint8Array;
    item = (index) => (values[index] === 1 ? 'true' : 'false');
  } else {
    return undefined;
  }
  if (shape.length === 0) return undefined; // a 0-d tensor reads back as a bare number: the general path
  let offset = 0;
  const write = (axis: number): string => {
    const size = shape[axis]!;
    if (size === 0) return '[]';
    let text = '[';
    for (let index = 0; index < size; index++) {
      if (index > 0) text += ', ';
      text += axis === shape.length - 1 ? item(offset++) : write(axis + 1);
    }
    return `${text}]`;
  };
  return write(0);
}

/**
 * The response body MLflow's server writes for a prediction: `{"predictions": P}` (or `P` alone
 * when `unwrapped`), as Python's `json.dump` writes it.
 * @throws {MlflowException} INTERNAL_ERROR when the prediction holds a value JSON cannot hold.
 */
export function serializePredictions(prediction: unknown, options: SerializePredictionsOptions = {}): string {
  if (prediction instanceof Tensor) {
    const text = numericTensorJson(prediction, options.strictJson === true);
    if (text !== undefined) return options.unwrapped === true ? text : `{"predictions": ${text}}`;
  }
  const payload = toJsonable(prediction, options.strictJson === true);
  try {
    return dumpsPythonJson(options.unwrapped === true ? payload : { predictions: payload });
  } catch (error) {
    if (MlflowException.isInstance(error)) throw new MlflowException('INTERNAL_ERROR', error.message, { cause: error });
    throw error;
  }
}
