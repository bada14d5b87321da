/**
 * MLflow's type rules: `_enforce_mlflow_datatype` on a whole column (runtime spec 3.5) and
 * `_enforce_type` on single values for complex columns (3.6).
 */
import {
  AnyType,
  ArrayType,
  MapType,
  MlflowException,
  NAT,
  ObjectType,
  PyDate,
  PyDateTime,
  Tensor,
  dataTypeToNumpy,
  inferColumnDType,
  isNumpyScalar,
  isPlainObject,
  isPyFloat,
  markFloat,
  parseIsoTimestamp,
  pyClass,
  pyRepr,
  pyStr,
  pyTruthy,
  pyTypeName,
  readValues,
  storeValues,
  type Column,
  type ColumnType,
  type DType,
  type DTypeValues,
  type DataType,
  type Label,
} from '@pyfunc/format';

/** Which MLflow line's messages and codes to reproduce. */
export type MlflowCompat = 2 | 3;

/** An MlflowException as MLflow raises it without a code (INTERNAL_ERROR). */
export function internal(message: string): MlflowException {
  return new MlflowException('INTERNAL_ERROR', message);
}

/** The dtype pandas holds a column in: our `str`/`bytes` columns are pandas `object` columns. */
export function pandasDType(dtype: DType): DType {
  return dtype === 'str' || dtype === 'bytes' ? 'object' : dtype;
}

/**
 * The dtype of `pd.Series(values)`: {@link inferColumnDType}, except that booleans mixed with
 * missing values are `object`, as in pandas.
 */
export function inferPandasDType(values: readonly unknown[]): DType {
  const dtype = inferColumnDType(values, values);
  if (dtype === 'bool' && values.some((value) => value === null || value === undefined)) return 'object';
  return dtype;
}

/** A column of JavaScript values with pandas' inferred dtype (float marks of `values` kept). */
export function columnFromValues(name: Label, values: unknown[], dtype?: DType): Column {
  const resolved = dtype ?? inferPandasDType(values);
  const stored = storeValues(resolved, values);
  return { name, dtype: resolved, values: stored.values, validity: stored.validity };
}

/** The values of a column as JavaScript values; missing floats are NaN, as pandas holds them. */
export function columnValues(column: Column): unknown[] {
  const values = readValues(column.dtype, column.values, column.validity);
  if (column.dtype === 'float64' || column.dtype === 'float32' || column.dtype === 'float16') {
    for (let index = 0; index < values.length; index++) if (values[index] === null) values[index] = Number.NaN;
  }
  return values;
}

const kindOf = (dtype: DType): string => {
  if (dtype === 'bool') return 'b';
  if (dtype.startsWith('int')) return 'i';
  if (dtype.startsWith('uint')) return 'u';
  if (dtype.startsWith('float')) return 'f';
  if (dtype.startsWith('datetime64')) return 'M';
  return 'O';
};

const sizeOf = (dtype: DType): number => {
  const bits = /(\d+)$/.exec(dtype);
  if (dtype === 'bool') return 1;
  return bits === null ? 8 : Number(bits[1]) / 8;
};

/** numpy's printing of a DataType's dtype in messages. */
export function numpyTypeRepr(type: DataType): string {
  if (type === 'string') return '<U0';
  if (type === 'binary') return '|S0';
  return dataTypeToNumpy(type);
}

/** pandas `infer_objects()` on an object column. */
function inferObjects(column: Column): Column {
  const values = columnValues(column);
  let missing = 0;
  let nan = 0;
  let bools = 0;
  let ints = 0;
  let floats = 0;
  let datetimes = 0;
  let min = 0n;
  let max = 0n;
  values.forEach((value, index) => {
    if (value === null || value === undefined) missing++;
    else if (typeof value === 'boolean') bools++;
    else if (typeof value === 'number') {
      if (Number.isNaN(value)) nan++;
      else if (isPyFloat(value, values, index)) floats++;
      else {
        ints++;
        const big = BigInt(value);
        if (big < min) min = big;
        if (big > max) max = big;
      }
    } else if (typeof value === 'bigint') {
      ints++;
      if (value < min) min = value;
      if (value > max) max = value;
    } else if (value instanceof Date || (value instanceof PyDateTime && value.utcOffsetMinutes === null)) datetimes++;
  });
  const n = values.length;
  let dtype: DType = 'object';
  if (n > 0 && bools === n) dtype = 'bool';
  else if (n > 0 && ints === n) {
    if (min >= -(2n ** 63n) && max < 2n ** 63n) dtype = 'int64';
    else if (min >= 0n && max < 2n ** 64n) dtype = 'uint64';
  } else if (n > 0 && ints + floats + nan + missing === n && (floats + nan > 0 || (missing > 0 && ints > 0))) {
    dtype = 'float64';
  } else if (datetimes > 0 && datetimes + missing === n) dtype = 'datetime64[ns]';
  if (dtype === 'object') return { ...column, dtype: 'object' };
  const stored = storeValues(dtype, values.map((value) => (typeof value === 'number' && Number.isNaN(value) ? null : value)));
  return { name: column.name, dtype, values: stored.values, validity: stored.validity };
}

function castNumeric(column: Column, target: DType): Column {
  const source = column.values as ArrayLike<number | bigint>;
  let values: DTypeValues;
  const length = source.length;
  const bigSource = source instanceof BigInt64Array || source instanceof BigUint64Array;
  // set() converts element types in one pass (faster than the converting constructor)
  if (target === 'float64' && !bigSource) (values = new Float64Array(length)).set(source as Int32Array);
  else if (target === 'int32' && !bigSource) (values = new Int32Array(length)).set(source as Int32Array);
  else if (target === 'float32' && !bigSource) (values = new Float32Array(length)).set(source as Int32Array);
  else values = castSlow(source, target);
  if (column.validity !== null && (target === 'float32' || target === 'float64')) {
    column.validity.forEach((valid, index) => {
      if (valid === 0) (values as Float64Array)[index] = Number.NaN;
    });
  }
  return { name: column.name, dtype: target, values, validity: column.validity };
}

function castSlow(source: ArrayLike<number | bigint>, target: DType): DTypeValues {
  let values: DTypeValues;
  const length = source.length;
  switch (target) {
    case 'int32': values = Int32Array.from({ length }, (_, i) => Number(source[i])); break;
    case 'int64': values = BigInt64Array.from({ length }, (_, i) => BigInt(source[i]!)); break;
    case 'float32': values = Float32Array.from({ length }, (_, i) => Number(source[i])); break;
    case 'float64': values = Float64Array.from({ length }, (_, i) => Number(source[i])); break;
    case 'bool': values = Uint8Array.from({ length }, (_, i) => (Number(source[i]) !== 0 ? 1 : 0)); break;
    default: throw internal(`Cannot cast to ${target}`);
  }
  return values;
}

const ticksPerNs: Record<string, bigint> = { 'datetime64[ns]': 1n, 'datetime64[us]': 1000n, 'datetime64[ms]': 1_000_000n, 'datetime64[s]': 1_000_000_000n };

function toNanoseconds(column: Column): Column {
  const factor = ticksPerNs[column.dtype] ?? 1n;
  const source = column.values as BigInt64Array;
  const values = BigInt64Array.from(source, (tick) => (tick === NAT ? NAT : tick * factor));
  for (const tick of values) {
    if (tick !== NAT && (tick >= 2n ** 63n || tick < -(2n ** 63n))) throw internal('Out of bounds nanosecond timestamp');
  }
  return { name: column.name, dtype: 'datetime64[ns]', values, validity: column.validity };
}

/** pandas' TypeError for values that are no datetimes at all (MLflow lets it escape). */
class NotConvertible extends Error {}

/** `Series.astype('datetime64[ns]')` on object values; `undefined` when pandas fails. */
function parseDatetimes(values: readonly unknown[]): BigInt64Array | undefined {
  const out = new BigInt64Array(values.length);
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    try {
      if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) out[index] = NAT;
      else if (typeof value === 'string') {
        if (value === '' || value === 'NaT') {
          out[index] = NAT;
          continue;
        }
        const parsed = parseIsoTimestamp(value.trim());
        if (parsed.utcOffsetMinutes !== null) return undefined;
        out[index] = parsed.toEpochNanos();
      } else if (value instanceof PyDateTime) {
        if (value.utcOffsetMinutes !== null) return undefined;
        const storage = storeValues('datetime64[ns]', [value]).values as BigInt64Array;
        out[index] = storage[0]!;
      } else if (value instanceof PyDate || value instanceof Date) {
        out[index] = (storeValues('datetime64[ns]', [value instanceof PyDate ? new PyDateTime(value.year, value.month, value.day) : value]).values as BigInt64Array)[0]!;
      } else if (typeof value === 'bigint') out[index] = value;
      else if (typeof value === 'number') out[index] = BigInt(Math.trunc(value));
      else throw new NotConvertible(`${pyClass(value)} is not convertible to datetime, at position ${index}`);
    } catch (error) {
      if (error instanceof NotConvertible) throw internal(error.message);
      return undefined;
    }
  }
  return out;
}

// pandas' number parser: C whitespace around a decimal number, none around the inf words.
const intText = /^[ \t\n\v\f\r]*([+-]?\d+)[ \t\n\v\f\r]*$/;
const floatText = /^[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[ \t\n\v\f\r]*$/;
const infText = /^[+-]?(?:inf|infinity)$/i;
const utf8 = new TextDecoder();

/** pandas' rejection of a value `to_numeric` cannot handle at all (MLflow lets it escape). */
const invalidObject = (index: number) => internal(`Invalid object type at position ${index}`);

/** Zero-length strings, bytes and containers, which `pd.to_numeric` takes as missing. */
function isEmptySized(value: unknown): boolean {
  if (typeof value === 'string' || Array.isArray(value) || value instanceof Uint8Array) return value.length === 0;
  if (value instanceof Map || value instanceof Set) return value.size === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/**
 * `pd.to_numeric(values, errors="raise")` on an object column (pandas 2 semantics). Strings and
 * bytes are parsed alike; unparsable text and integer text outside int64/uint64 fail (ValueError,
 * which MLflow reports as a failed conversion); other non-empty objects escape as TypeError.
 */
function toNumeric(name: Label, column: Column, compat: MlflowCompat, type: DataType): Column {
  void compat;
  const values = columnValues(column);
  const failed = () => internal(`Failed to convert column ${String(name)} from type object to DataType.${type}.`);
  const numbers: (number | bigint)[] = [];
  let float = false;
  values.forEach((value, index) => {
    if (value === null || value === undefined || isEmptySized(value)) {
      numbers.push(Number.NaN);
      float = true;
    } else if (typeof value === 'boolean') numbers.push(value ? 1n : 0n);
    else if (typeof value === 'bigint') numbers.push(value);
    else if (typeof value === 'number') {
      if (Number.isNaN(value) || isPyFloat(value, values, index)) float = true;
      numbers.push(Number.isNaN(value) || isPyFloat(value, values, index) ? value : BigInt(value));
    } else if (typeof value === 'string' || value instanceof Uint8Array) {
      const text = typeof value === 'string' ? value : utf8.decode(value);
      const integer = intText.exec(text);
      const decimal = floatText.exec(text);
      if (integer !== null) {
        const parsed = BigInt(integer[1]!);
        if (parsed < -(2n ** 63n) || parsed >= 2n ** 64n) throw failed(); // "Integer out of range."
        numbers.push(parsed);
      } else if (decimal !== null) {
        const parsed = Number(decimal[1]);
        if (!Number.isFinite(parsed)) throw failed(); // pandas 2 rejects overflowing text
        numbers.push(parsed);
        float = true;
      } else if (infText.test(text)) {
        numbers.push(text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
        float = true;
      } else throw failed();
    } else throw invalidObject(index);
  });
  // An integer only uint64 holds, next to a negative integer or a missing value, has no common
  // numeric dtype: pandas hands the values back unconverted (an object column).
  const ints = numbers.filter((value): value is bigint => typeof value === 'bigint');
  const uint = ints.some((value) => value >= 2n ** 63n && value < 2n ** 64n);
  const missing = numbers.some((value) => typeof value === 'number' && Number.isNaN(value));
  if (uint && (missing || ints.some((value) => value < 0n))) return column;
  if (float || ints.some((value) => value >= 2n ** 64n || value < -(2n ** 63n))) {
    return { name: column.name, dtype: 'float64', values: Float64Array.from(numbers, Number), validity: null };
  }
  const big = numbers as bigint[];
  if (uint) return { name: column.name, dtype: 'uint64', values: BigUint64Array.from(big), validity: null };
  return { name: column.name, dtype: 'int64', values: BigInt64Array.from(big), validity: null };
}

const pandasOf: Record<DataType, DType> = {
  boolean: 'bool', integer: 'int32', long: 'int64', float: 'float32', double: 'float64',
  string: 'object', binary: 'object', datetime: 'datetime64[ns]',
};

/**
 * MLflow's `_enforce_mlflow_datatype`: checks (and where allowed converts) a whole column
 * against a DataType.
 * @throws {MlflowException} INTERNAL_ERROR "Incompatible input types for column …" and the
 * other texts of runtime spec 3.5.
 */
export function enforceColumnType(name: Label, input: Column, type: DataType, compat: MlflowCompat): Column {
  let column: Column = input;
  let dtype = pandasDType(column.dtype);
  if (dtype === 'object' && type !== 'binary' && type !== 'string') {
    column = inferObjects(column);
    dtype = column.dtype;
  }
  if (type === 'string' && dtype === 'object') return column;
  if (pandasOf[type] === dtype) return column;
  if (type === 'datetime' && dtype.startsWith('datetime64')) return toNanoseconds(column);
  if (type === 'datetime' && dtype === 'object') {
    const ticks = parseDatetimes(columnValues(column));
    if (ticks === undefined) throw internal(`Failed to convert column ${String(name)} from type object to DataType.datetime.`);
    return { name: column.name, dtype: 'datetime64[ns]', values: ticks, validity: null };
  }
  if (type === 'boolean' && dtype === 'object') return column;
  if (type === 'double' && dtype === 'object') return toNumeric(name, column, compat, type);
  const target = dataTypeToNumpy(type) as DType;
  const kind = kindOf(dtype);
  const targetKind = type === 'string' ? 'U' : type === 'binary' ? 'S' : kindOf(target);
  let upcast = false;
  if (kind === targetKind) upcast = sizeOf(dtype) <= sizeOf(target);
  else if (kind === 'u' && targetKind === 'i') upcast = sizeOf(dtype) < sizeOf(target);
  else if ((kind === 'i' || kind === 'u') && target === 'float64') upcast = sizeOf(dtype) <= 6;
  if (upcast) return castNumeric(column, target);
  const values = column.values as ArrayLike<number | bigint>;
  if (dtype === 'int64' && (target === 'float32' || target === 'float64')) {
    let zeroOrOne = true;
    for (let index = 0; index < values.length && zeroOrOne; index++) {
      const value = values[index];
      if (column.validity !== null && column.validity[index] === 0) continue;
      zeroOrOne = value === 0n || value === 1n;
    }
    if (zeroOrOne) return castNumeric(column, target);
  }
  let hint = '';
  if (dtype === 'float64' && (targetKind === 'i' || targetKind === 'u')) {
    let nans = false;
    let integral = true;
    for (let index = 0; index < values.length; index++) {
      const value = values[index] as number;
      if (Number.isNaN(value)) nans = true;
      else if (!Number.isInteger(value)) integral = false;
    }
    if (nans && integral) {
      hint = ' Hint: the type mismatch is likely caused by missing values. Integer columns in python can not ' +
        'represent missing values and are therefore encoded as floats. The best way to avoid this problem is ' +
        'to infer the model schema based on a realistic data sample (training dataset) that includes missing ' +
        'values. Alternatively, you can declare integer columns as doubles (float64) whenever these columns ' +
        'may have missing values. See `Handling Integers With Missing Values ' +
        '<https://www.mlflow.org/docs/latest/models.html#handling-integers-with-missing-values>`_ for more details.';
    }
  }
  throw internal(`Incompatible input types for column ${String(name)}. ` +
    `Can not safely convert ${dtype} to ${numpyTypeRepr(type)}.${hint}`);
}

function isNoneOrNan(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

/** A converted value and whether Python holds it as a float. */
interface Converted {
  value: unknown;
  isFloat: boolean;
}

function put(target: unknown[] | Record<string, unknown>, key: number | string, converted: Converted): void {
  (target as Record<string | number, unknown>)[key] = converted.value;
  if (converted.isFloat && typeof converted.value === 'number') markFloat(target, key);
}

function isFloatType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
}

/** `_enforce_datatype`: one scalar value against a DataType. */
function enforceDatatype(value: unknown, type: DataType, required: boolean, compat: MlflowCompat,
  container?: object, key?: string | number): Converted {
  if (!required && isNoneOrNan(value)) return { value: null, isFloat: false };
  if (!isNumpyScalar(value)) throw internal(`Expected data to be scalar, got ${pyTypeName(value, container, key)}`);
  const single = [value];
  if (typeof value === 'number' && isPyFloat(value, container, key)) markFloat(single, 0);
  let column: Column;
  try {
    column = enforceColumnType('', columnFromValues('', single), type, compat);
  } catch (error) {
    if (!MlflowException.isInstance(error)) throw error;
    const message = `Failed to enforce schema of data \`${pyStr(value, container, key)}\` with dtype \`${type}\``;
    throw compat === 3 ? MlflowException.invalidParameterValue(message) : internal(message);
  }
  const out = columnValues(column);
  return { value: out[0], isFloat: isFloatType(column.dtype) || (typeof out[0] === 'number' && isPyFloat(out[0], out, 0)) };
}

/** `.to_numpy(dtype=items).tolist()` of an enforced item column. */
function itemsToList(column: Column, type: DataType): { values: unknown[]; floats: boolean } {
  const values = columnValues(column);
  switch (type) {
    case 'boolean':
      return { values: values.map(pyTruthy), floats: false };
    case 'integer':
    case 'long':
      return { values: values.map((value) => (typeof value === 'bigint' ? (value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value) : value)), floats: false };
    case 'float':
      return { values: values.map((value) => Math.fround(Number(value))), floats: true };
    case 'double':
      return { values: values.map((value) => Number(value)), floats: true };
    case 'string':
      return { values: values.map((value, index) => pyStr(value, values, index)), floats: false };
    case 'binary':
      return {
        values: values.map((value, index) => {
          if (value instanceof Uint8Array) return value;
          const text = pyStr(value, values, index);
          const position = [...text].findIndex((char) => char.codePointAt(0)! > 0x7f);
          if (position >= 0) {
            throw internal(`'ascii' codec can't encode character '\\x${text.codePointAt(position)!.toString(16)}' in position ${position}: ordinal not in range(128)`);
          }
          return new TextEncoder().encode(text);
        }),
        floats: false,
      };
    case 'datetime': {
      const ticks = column.values as BigInt64Array;
      return { values: Array.from(ticks, (tick) => (tick === NAT ? null : tick >= -(2n ** 53n) && tick <= 2n ** 53n ? Number(tick) : tick)), floats: false };
    }
  }
}

const tensorDTypeOf: Record<DataType, DType> = {
  boolean: 'bool', integer: 'int32', long: 'int64', float: 'float32', double: 'float64',
  string: 'str', binary: 'bytes', datetime: 'datetime64[ns]',
};

/** `_enforce_array`. */
function enforceArray(value: unknown, type: ArrayType, required: boolean, compat: MlflowCompat,
  container?: object, key?: string | number): Converted {
  const isTensor = value instanceof Tensor;
  if (!required || type.items instanceof AnyType) {
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0) ||
      (isTensor && value.shape[0] === 0)) {
      return { value: value ?? null, isFloat: false };
    }
  }
  if (!Array.isArray(value) && !isTensor) {
    throw internal(`Expected data to be list or numpy array, got ${pyTypeName(value, container, key)}`);
  }
  const items: unknown[] = isTensor ? ((value.toNested() as unknown[]) ?? []) : value;
  if (typeof type.items === 'string') {
    if (items.length === 0) return { value, isFloat: false };
    const column = enforceColumnType('', columnFromValues('', items), type.items, compat);
    const converted = itemsToList(column, type.items);
    if (isTensor) return { value: Tensor.from(converted.values, tensorDTypeOf[type.items]), isFloat: false };
    const list = converted.values;
    if (converted.floats) list.forEach((_, index) => markFloat(list, index));
    return { value: list, isFloat: false };
  }
  const list: unknown[] = [];
  items.forEach((item, index) => put(list, index, enforceValue(item, type.items, required, compat, items, index)));
  return { value: isTensor ? Tensor.from(list) : list, isFloat: false };
}

function objectTypeName(type: ColumnType): string {
  if (typeof type === 'string') return type;
  if (type instanceof ObjectType) return 'object';
  if (type instanceof MapType) return 'map';
  if (type instanceof AnyType) return 'any';
  return 'array';
}

/** `_enforce_object`. */
function enforceObject(value: unknown, type: ObjectType, required: boolean, compat: MlflowCompat,
  container?: object, key?: string | number): Converted {
  if (!required && (value === null || value === undefined || (isPlainObject(value) && Object.keys(value).length === 0))) {
    return { value: value ?? null, isFloat: false };
  }
  if (!isPlainObject(value)) {
    throw internal(`Failed to enforce schema of '${pyStr(value, container, key)}' with type '${type.toString()}'. ` +
      `Expected data to be dictionary, got ${pyTypeName(value, container, key)}`);
  }
  const properties = new Map(type.properties.map((property) => [property.name, property]));
  const missing = type.properties.filter((property) => property.required === true && !Object.hasOwn(value, property.name));
  if (missing.length > 0) {
    throw internal(`Missing required properties: {${missing.map((property) => pyRepr(property.name)).join(', ')}}`);
  }
  const extra = Object.keys(value).filter((name) => !properties.has(name));
  if (extra.length > 0) {
    throw internal(`Invalid properties not defined in the schema found: {${extra.map((name) => pyRepr(name)).join(', ')}}`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    const property = properties.get(name)!;
    try {
      put(out, name, enforceValue(item, property.type, property.required === true, compat, value, name));
    } catch (error) {
      if (!MlflowException.isInstance(error)) throw error;
      throw internal(`Failed to enforce schema for key \`${name}\`. Expected type ${objectTypeName(property.type)}, ` +
        `received type ${pyTypeName(item, value, name)}`);
    }
  }
  return { value: out, isFloat: false };
}

/** `_enforce_map`. */
function enforceMap(value: unknown, type: MapType, required: boolean, compat: MlflowCompat,
  container?: object, key?: string | number): Converted {
  const empty = value === null || value === undefined || (isPlainObject(value) && Object.keys(value).length === 0);
  if ((!required || type.values instanceof AnyType) && empty) return { value: value ?? null, isFloat: false };
  if (!isPlainObject(value)) throw internal(`Expected data to be a dict, got ${pyTypeName(value, container, key)}`);
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) put(out, name, enforceValue(item, type.values, required, compat, value, name));
  return { value: out, isFloat: false };
}

/**
 * MLflow's `_enforce_type`: one value (found at `container[key]`, for its float mark) against
 * a column type; returns the converted value.
 */
export function enforceValue(value: unknown, type: ColumnType, required: boolean, compat: MlflowCompat,
  container?: object, key?: string | number): Converted {
  if (typeof type === 'string') return enforceDatatype(value, type, required, compat, container, key);
  if (type instanceof AnyType) {
    return { value, isFloat: typeof value === 'number' && isPyFloat(value, container, key) };
  }
  if (type instanceof ArrayType) return enforceArray(value, type, required, compat, container, key);
  if (type instanceof ObjectType) return enforceObject(value, type, required, compat, container, key);
  return enforceMap(value, type, required, compat, container, key);
}

/** Enforces every cell of a complex column, giving an object column. */
export function enforceComplexColumn(column: Column, type: ColumnType, required: boolean, compat: MlflowCompat): Column {
  const values = columnValues(column);
  const out: unknown[] = new Array(values.length);
  values.forEach((value, index) => put(out, index, enforceValue(value, type, required, compat, values, index)));
  // pd.Series(list of enforced values): pandas infers the dtype again (an empty list is object)
  const dtype = out.length === 0 ? 'object' : inferPandasDType(out);
  if (dtype === 'object' || dtype === 'datetime64[us]') return { name: column.name, dtype: 'object', values: out, validity: null };
  return columnFromValues(column.name, out, dtype);
}
