/**
 * Model output → Spark values (spark.md 6): the prediction becomes a frame, columns are selected
 * and cast for the result type, and the row values are returned ready for Arrow.
 */
import {
  Frame,
  MlflowException,
  PyDateTime,
  Series,
  Tensor,
  formatPythonFloat,
  isPlainObject,
  makeColumn,
  pyStr,
  readValues,
  fromTicks,
  type Column,
  type DType,
} from '@pyfunc/format';
import { sparkTypeRepr, sparkTypeStr, type SparkType } from './spark-type.js';

function invalid(message: string): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', message);
}

function internal(message: string): MlflowException {
  return new MlflowException('INTERNAL_ERROR', message);
}

/** numpy's float32 `str()`: the shortest decimal that reads back to the same float32. */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value) || value === 0) return formatPythonFloat(value);
  for (let digits = 1; digits <= 9; digits += 1) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return formatPythonFloat(Number(text));
  }
  return formatPythonFloat(value);
}

function isMissingScalar(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

/** Python `str()` of one cell of a column of the given dtype. */
function cellStr(dtype: DType, value: unknown, container?: unknown[], index?: number): string {
  if (value === null || value === undefined) return dtype === 'float32' || dtype === 'float64' ? 'nan' : 'None';
  // pandas 2.x `DataFrame.map(str)` hands each cell over as a Python float: float32 values print widened
  if ((dtype === 'float32' || dtype === 'float64' || dtype === 'float16') && typeof value === 'number') return formatPythonFloat(value);
  if (dtype === 'bool') return value === true || value === 1 ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Tensor) return tensorStr(value);
  if (dtype.startsWith('datetime64') && value instanceof PyDateTime) return value.toString();
  return pyStr(value, container, index);
}

function tensorStr(tensor: Tensor): string {
  const values = readValues(tensor.dtype, tensor.data, null);
  const parts = values.map((value) => (typeof value === 'number' && (tensor.dtype === 'float32' || tensor.dtype === 'float64')
    ? numpyFloatItem(value, tensor.dtype) : cellStr(tensor.dtype, value)));
  return `[${parts.join(' ')}]`;
}

function numpyFloatItem(value: number, dtype: DType): string {
  const text = dtype === 'float32' ? formatFloat32(value) : formatPythonFloat(value);
  return text.endsWith('.0') ? text.slice(0, -1) : text;
}

/** The values of a column as JavaScript values (`null` where missing; int64 as bigint). */
function columnCells(column: Column): unknown[] {
  const { dtype, values, validity } = column;
  if (dtype === 'int64' || dtype === 'uint64') {
    return Array.from(values as BigInt64Array, (value, i) => (validity !== null && validity[i] === 0 ? null : value));
  }
  if (dtype === 'bool') return Array.from(values as Uint8Array, (value, i) => (validity !== null && validity[i] === 0 ? null : value === 1));
  if (dtype.startsWith('datetime64')) {
    return Array.from(values as BigInt64Array, (value) => fromTicks(value, dtype.slice(11, -1) as 'ns'));
  }
  if (Array.isArray(values)) return values.map((value, i) => (validity !== null && validity[i] === 0 ? null : value));
  return Array.from(values as ArrayLike<number>, (value, i) => (validity !== null && validity[i] === 0 ? Number.NaN : value));
}

const pandasNumeric = new Set<DType>(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16', 'float32', 'float64']);
const intKept = new Set<DType>(['int8', 'uint8', 'int16', 'uint16', 'int32']);
const longKept = new Set<DType>(['int8', 'uint8', 'int16', 'uint16', 'int32', 'int64']);

/** `pandas.DataFrame(list)`: records, rows, or one column `0`. */
function frameOfRows(rows: readonly unknown[]): Frame {
  if (rows.length === 0) return new Frame([]);
  if (rows.every((row) => isPlainObject(row))) return Frame.fromRecords(rows as Record<string, unknown>[]);
  if (rows.every((row) => Array.isArray(row) || row instanceof Tensor)) {
    return Frame.fromRows(rows.map((row) => (row instanceof Tensor ? (row.toNested() as unknown[]) : (row as unknown[]))));
  }
  return new Frame([makeColumn(0, rows as unknown[])]);
}

/** `pandas.DataFrame(value)` for what models return (spark.md 6.1 step 4). */
export function predictionToFrame(prediction: unknown): Frame {
  if (prediction instanceof Frame) return prediction;
  if (prediction instanceof Series) {
    return new Frame([{ name: prediction.label ?? 0, dtype: prediction.dtype, values: prediction.values, validity: prediction.validity }]);
  }
  if (prediction instanceof Tensor) {
    if (prediction.ndim === 0) return new Frame([makeColumn(0, [prediction.get()])]);
    if (prediction.ndim === 1) return new Frame([{ name: 0, dtype: prediction.dtype, values: prediction.data, validity: null }]);
    if (prediction.ndim === 2) {
      const [rows, cols] = prediction.shape as [number, number];
      const columns: Column[] = [];
      for (let c = 0; c < cols; c += 1) {
        const values = Array.from({ length: rows }, (_, r) => prediction.get(r, c));
        columns.push(makeColumn(c, values, prediction.dtype));
      }
      return new Frame(columns);
    }
    throw internal(`ValueError: Must pass 2-d input. shape=(${prediction.shape.join(', ')})`);
  }
  if (Array.isArray(prediction)) return frameOfRows(prediction);
  if (prediction instanceof Map || isPlainObject(prediction)) {
    const entries = prediction instanceof Map ? [...prediction.entries()] : Object.entries(prediction);
    return Frame.fromColumns(entries.map(([key, value]) => [String(key), listOf(value)] as const));
  }
  return new Frame([makeColumn(0, [prediction])]);
}

/** `list(value)` of a dict value (spark.md 6.1 step 1). */
function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value instanceof Series) return columnCells(value);
  if (value instanceof Tensor) return value.ndim === 1 ? readValues(value.dtype, value.data, null) : (value.toNested() as unknown[]);
  if (typeof value === 'string') return [...value];
  throw internal(`TypeError: '${value === null ? 'NoneType' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : typeof value}' object is not iterable`);
}

/** Elements of an iterable prediction (what Python's `for v in values` yields). */
function iterate(values: unknown): unknown[] {
  if (Array.isArray(values)) return values;
  if (values instanceof Tensor) {
    if (values.ndim === 0) throw internal('TypeError: iteration over a 0-d array');
    if (values.ndim === 1) return readValues(values.dtype, values.data, null);
    const rowSize = values.shape.slice(1).reduce((a, b) => a * b, 1);
    return Array.from({ length: values.shape[0]! }, (_, r) =>
      new Tensor(values.dtype, values.shape.slice(1), (values.data as unknown as { slice(a: number, b: number): never }).slice(r * rowSize, (r + 1) * rowSize)));
  }
  if (values instanceof Series) return columnCells(values);
  if (values instanceof Frame) return values.columnNames;
  throw internal(`TypeError: '${typeof values}' object is not iterable`);
}

function castInt(value: unknown, bits: 32 | 64): number | bigint {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'boolean') big = value ? 1n : 0n;
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw internal('IntCastingNaNError: Cannot convert non-finite values (NA or inf) to integer');
    big = BigInt(Math.trunc(value));
  } else if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) big = BigInt(value.trim());
  else throw internal(`ValueError: invalid literal for int() with base 10: ${pyStr(value)}`);
  return bits === 32 ? Number(BigInt.asIntN(32, big)) : BigInt.asIntN(64, big);
}

function castFloat(value: unknown, bits: 32 | 64): number {
  let number: number;
  if (value === null || value === undefined) number = Number.NaN;
  else if (typeof value === 'number') number = value;
  else if (typeof value === 'bigint') number = Number(value);
  else if (typeof value === 'boolean') number = value ? 1 : 0;
  else if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) number = Number(value);
  else throw internal(`ValueError: could not convert string to float: ${pyStr(value)}`);
  return bits === 32 ? Math.fround(number) : number;
}

function castBool(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'number') return value !== 0; // NaN is truthy in numpy
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

/** numpy `astype` of one value to a primitive Spark type (spark.md 6.4: wraps, truncates). */
function castPrimitive(value: unknown, type: SparkType, dtype: DType = 'object'): unknown {
  if (type.kind !== 'primitive') throw internal(`not a primitive type: ${sparkTypeRepr(type)}`);
  switch (type.name) {
    case 'int': return castInt(value, 32);
    case 'bigint': return castInt(value, 64);
    case 'float': return castFloat(value, 32);
    case 'double': return castFloat(value, 64);
    case 'boolean': return castBool(value);
    case 'string': return cellStr(dtype, value);
    default: throw invalid(`Unsupported type ${sparkTypeStr(type)} for value ${pyStr(value)}`);
  }
}

const castable = new Set(['int', 'bigint', 'float', 'double', 'boolean', 'string']);

function isCastablePrimitive(type: SparkType): boolean {
  return type.kind === 'primitive' && castable.has(type.name);
}

/** MLflow's `_convert_array_values` (spark.md 6.3). */
export function convertArrayValues(values: unknown, type: SparkType): unknown {
  if (type.kind !== 'array') throw invalid(`result_type must be ArrayType, got ${sparkTypeStr(type)}`);
  const element = type.element;
  if (isCastablePrimitive(element)) {
    if (isMissingScalar(values)) return null;
    const dtype = values instanceof Tensor ? values.dtype : 'object';
    return iterateArrayLike(values).map((value) => castPrimitive(value, element, dtype));
  }
  if (element.kind === 'array') return iterate(values).map((value) => convertArrayValues(value, element));
  if (element.kind === 'struct') return iterate(values).map((value) => convertStructValue(value, element));
  if (element.kind === 'primitive' && element.name === 'variant') return values;
  throw invalid(`Unsupported array type field with element type ${sparkTypeStr(element).replace(/\(\)$/, '').replace(/Type$/, '').toLowerCase()} in Array type.`);
}

/** `np.array(values, dtype)` flattened to its one dimension (a scalar becomes a 0-d array: one value). */
function iterateArrayLike(values: unknown): unknown[] {
  if (Array.isArray(values)) return values;
  if (values instanceof Tensor) return readValues(values.dtype, values.data, null);
  if (values instanceof Series) return columnCells(values);
  return [values];
}

/** One struct value (a dict) converted field by field (MLflow's dict branch of `_convert_struct_values`). */
function convertStructValue(value: unknown, type: SparkType): Record<string, unknown> | null {
  if (type.kind !== 'struct') throw invalid(`result_type must be StructType, got ${sparkTypeStr(type)}`);
  if (value === null || value === undefined) return null;
  let record: Record<string, unknown>;
  if (value instanceof Map) record = Object.fromEntries(value);
  else if (isPlainObject(value)) record = value as Record<string, unknown>;
  else if (Array.isArray(value)) {
    // a tuple: Spark matches its items to the fields by position
    record = Object.fromEntries(type.fields.map((field, i) => [field.name, value[i]]));
  } else throw invalid(`Unsupported result type <class '${typeof value}'>, expected dict or pandas DataFrame`);
  const out: Record<string, unknown> = {};
  for (const field of type.fields) {
    if (!(field.name in record)) throw internal(`KeyError: '${field.name}'`);
    out[field.name] = convertValue(record[field.name], field.type);
  }
  return out;
}

/** MLflow's `_convert_value_based_on_spark_type`. */
function convertValue(value: unknown, type: SparkType): unknown {
  if (isCastablePrimitive(type)) return isMissingScalar(value) ? null : pythonCast(value, type);
  if (type.kind === 'struct') return convertStructValue(value, type);
  if (type.kind === 'array') return convertArrayValues(value, type);
  if (type.kind === 'map') return convertMapValue(value, type);
  if (type.kind === 'primitive' && type.name === 'variant') return value;
  throw invalid(`Unsupported type ${sparkTypeStr(type)} for value ${pyStr(value)}`);
}

/** Python's `int()`/`float()`/`bool()`/`str()` (map values and struct-dict fields). */
function pythonCast(value: unknown, type: SparkType): unknown {
  if (type.kind === 'primitive' && type.name === 'string') return cellStr('object', value);
  return castPrimitive(value, type);
}

function convertMapValue(value: unknown, type: SparkType): Map<string, unknown> | null {
  if (type.kind !== 'map') throw invalid(`result_type must be MapType, got ${sparkTypeStr(type)}`);
  if (value === null || value === undefined) return null;
  const entries = value instanceof Map ? [...value.entries()] : isPlainObject(value) ? Object.entries(value as object) : undefined;
  if (entries === undefined) throw internal(`AttributeError: '${typeof value}' object has no attribute 'items'`);
  return new Map(entries.map(([key, item]) => [String(key), convertValue(item, type.value)]));
}

/** MLflow's frame branch of `_convert_struct_values`: one object per row (spark.md 6.4). */
function convertStructFrame(frame: Frame, type: SparkType): Record<string, unknown>[] {
  if (type.kind !== 'struct') throw invalid(`result_type must be StructType, got ${sparkTypeStr(type)}`);
  const rows: Record<string, unknown>[] = Array.from({ length: frame.numRows }, () => ({}));
  for (const field of type.fields) {
    if (!frame.hasColumn(field.name)) throw internal(`KeyError: '${field.name}'`);
    const column = frame.column(field.name);
    const cells = columnCells(column);
    let converted: unknown[];
    if (isCastablePrimitive(field.type)) {
      converted = cells.every(isMissingScalar) ? cells.map(() => null) : cells.map((cell) => castPrimitive(cell, field.type, column.dtype));
    } else if (field.type.kind === 'array') {
      converted = cells.map((cell) => convertArrayValues(cell, field.type));
    } else if (field.type.kind === 'struct') {
      converted = cells.map((cell) => convertStructValue(cell, field.type));
    } else if (field.type.kind === 'map') {
      converted = cells.map((cell) => convertMapValue(cell, field.type));
    } else if (field.type.kind === 'primitive' && field.type.name === 'variant') {
      converted = cells;
    } else {
      throw invalid(`Unsupported field type ${sparkTypeStr(field.type)} in struct type.`);
    }
    converted.forEach((value, i) => {
      rows[i]![field.name] = value;
    });
  }
  return rows;
}

function keptColumns(frame: Frame, element: SparkType): Column[] {
  if (element.kind !== 'primitive') return [...frame.columns];
  switch (element.name) {
    case 'int': return frame.columns.filter((column) => intKept.has(column.dtype));
    case 'bigint': return frame.columns.filter((column) => longKept.has(column.dtype));
    case 'float': case 'double': return frame.columns.filter((column) => pandasNumeric.has(column.dtype));
    case 'boolean': return frame.columns.filter((column) => column.dtype === 'bool');
    default: return [...frame.columns];
  }
}

/**
 * Converts one batch's prediction to the result type's row values (spark.md 6.1): one value per
 * row — numbers (bigint for `bigint`), booleans, strings, arrays, objects for structs, `Map`s
 * for maps, `null` for missing. The length is the prediction's; Spark reports a mismatch.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE "The model did not produce any values
 * compatible with the requested type …", and the casting errors of MLflow's conversion.
 */
export function predictionToSparkValues(prediction: unknown, resultType: SparkType, batchSize?: number): ArrayLike<unknown> {
  let result = prediction;
  if (result instanceof Map || isPlainObject(result)) {
    const entries = result instanceof Map ? [...result.entries()] : Object.entries(result as object);
    result = Object.fromEntries(entries.map(([key, value]) => [String(key), listOf(value)]));
  }
  if (resultType.kind === 'array' && resultType.element.kind === 'array') {
    return iterate(result).map((value) => convertArrayValues(value, resultType.element));
  }
  if (resultType.kind === 'struct') return convertStructFrame(predictionToFrame(result), resultType);
  if (resultType.kind === 'map') {
    // MLflow wraps the whole prediction in one row (spark.md 6.1); a list of dicts as long as the
    // batch is one map per row here (documented fix).
    const rows = Array.isArray(result) && (batchSize === undefined || result.length === batchSize) ? result : [result];
    return rows.map((row) => convertMapValue(row, resultType));
  }
  const frame = predictionToFrame(result);
  const element = resultType.kind === 'array' ? resultType.element : resultType;
  const kept = keptColumns(frame, element);
  if (kept.length === 0) {
    throw invalid('The model did not produce any values compatible with the requested ' +
      `type '${sparkTypeStr(element)}'. Consider requesting udf with StringType or Arraytype(StringType).`);
  }
  if (resultType.kind === 'primitive' && column0IsPlainNumeric(kept[0]!)) {
    const fast = castNumericColumn(kept[0]!, resultType.name);
    if (fast !== undefined) return fast as unknown as unknown[];
  }
  const columns = kept.map((column) => {
    const cells = columnCells(column);
    if (element.kind === 'primitive' && castable.has(element.name)) {
      return cells.map((cell) => castPrimitive(cell, element, column.dtype));
    }
    return cells.map((cell) => (cell instanceof Tensor ? readValues(cell.dtype, cell.data, null) : cell));
  });
  if (resultType.kind === 'array') {
    return Array.from({ length: frame.numRows }, (_, r) => columns.map((column) => column[r]));
  }
  return columns[0]!;
}

function column0IsPlainNumeric(column: Column): boolean {
  return column.validity === null && pandasNumeric.has(column.dtype) && !Array.isArray(column.values);
}

/** The fast path of a numeric column cast to a numeric result type: one typed array, no per-cell objects. */
function castNumericColumn(column: Column, name: string): ArrayLike<unknown> | undefined {
  const values = column.values as ArrayLike<number | bigint>;
  const big = column.dtype === 'int64' || column.dtype === 'uint64';
  switch (name) {
    case 'int': return big ? undefined : Int32Array.from(values as ArrayLike<number>);
    case 'bigint':
      if (column.dtype === 'int64') return values as BigInt64Array;
      return big ? undefined : BigInt64Array.from(values as ArrayLike<number>, (value) => BigInt(value));
    case 'float': return column.dtype === 'float32' ? values : Float32Array.from(values as ArrayLike<number>, Number);
    case 'double': return column.dtype === 'float64' ? values : Float64Array.from(values as ArrayLike<number>, Number);
    default: return undefined;
  }
}
