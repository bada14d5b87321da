/**
 * Conversions between JavaScript values and dtype storage, and dtype inference from values
 * (pandas' rules for columns, numpy's for tensors).
 */
import { MlflowException } from '../mlflow-exception.js';
import { PyDate, PyDateTime, isFloatSlot, isPyFloat, markFloat } from '../py-values.js';
import {
  NAT,
  allocateValues,
  datetimeUnitOf,
  integerRange,
  isDatetimeDType,
  isFloatDType,
  isIntegerDType,
  roundToFloat16,
  type DType,
  type DTypeValues,
} from './dtype.js';
import { epochNanos, fitsTicks, fromTicks, toTicks } from './py-timestamp.js';

/** Storage built from JavaScript values. */
export interface StoredValues {
  values: DTypeValues;
  /** 1 = present, 0 = missing; `null` when every value is present. */
  validity: Uint8Array | null;
}

/** Whether a value is missing (`null` or `undefined`). */
export function isMissing(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/**
 * Converts JavaScript values into the storage of `dtype`; `null`/`undefined` become missing
 * entries (NaN for floats, NaT for datetimes) recorded in the validity mask. Integer dtypes
 * take integral numbers and bigints in range; float dtypes numbers and bigints; `bool`
 * booleans; `str` strings; `bytes` `Uint8Array`s; datetimes what {@link toTicks} takes.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for a value that does not fit the dtype.
 */
export function storeValues(dtype: DType, input: ArrayLike<unknown>): StoredValues {
  const length = input.length;
  const values = allocateValues(dtype, length);
  let validity: Uint8Array | null = null;
  for (let index = 0; index < length; index++) {
    const value = input[index];
    if (isMissing(value)) {
      if (validity === null) validity = new Uint8Array(length).fill(1);
      validity[index] = 0;
      if (isFloatDType(dtype)) (values as Float64Array)[index] = Number.NaN;
      else if (isDatetimeDType(dtype)) (values as BigInt64Array)[index] = NAT;
      continue;
    }
    writeValue(dtype, values, index, value);
    if (dtype === 'object' && typeof value === 'number' && isFloatSlot(input as object, index)) {
      markFloat(values as unknown[], index);
    }
  }
  return { values, validity };
}

/** Writes one (present) value into storage. */
function writeValue(dtype: DType, values: DTypeValues, index: number, value: unknown): void {
  switch (dtype) {
    case 'bool':
      if (typeof value !== 'boolean') throw misfit(value, dtype);
      (values as Uint8Array)[index] = value ? 1 : 0;
      return;
    case 'float16':
    case 'float32':
    case 'float64': {
      let number: number;
      if (typeof value === 'number') number = value;
      else if (typeof value === 'boolean') number = value ? 1 : 0; // numpy casts bools
      else if (typeof value === 'bigint') number = Number(value);
      else throw misfit(value, dtype);
      (values as Float64Array)[index] = dtype === 'float16' ? roundToFloat16(number) : number;
      return;
    }
    case 'str':
      if (typeof value !== 'string') throw misfit(value, dtype);
      (values as unknown[])[index] = value;
      return;
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw misfit(value, dtype);
      (values as unknown[])[index] = value;
      return;
    case 'object':
      (values as unknown[])[index] = value;
      return;
    default:
      break;
  }
  if (isDatetimeDType(dtype)) {
    (values as BigInt64Array)[index] = toTicks(value, datetimeUnitOf(dtype));
    return;
  }
  // integer dtypes
  let integer: bigint;
  if (typeof value === 'bigint') integer = value;
  else if (typeof value === 'boolean') integer = value ? 1n : 0n; // numpy casts bools
  else if (typeof value === 'number' && Number.isInteger(value)) integer = BigInt(value);
  else throw misfit(value, dtype);
  const [min, max] = integerRange(dtype);
  if (integer < min || integer > max) throw misfit(value, dtype);
  if (dtype === 'int64' || dtype === 'uint64') (values as BigInt64Array)[index] = integer;
  else (values as Int32Array)[index] = Number(integer);
}

/**
 * Reads entry `index` of a dtype's storage as a plain value: a number (a `bigint` for 64-bit
 * integers beyond 2^53), boolean, string, `Uint8Array`, datetime ({@link fromTicks}) or the
 * stored object; `null` when missing.
 */
export function readValue(dtype: DType, values: DTypeValues, validity: Uint8Array | null, index: number): unknown {
  if (validity !== null && validity[index] === 0) return null;
  const raw = values[index];
  if (dtype === 'bool') return raw === 1;
  if (isDatetimeDType(dtype)) return fromTicks(raw as bigint, datetimeUnitOf(dtype));
  if (typeof raw === 'bigint') {
    return raw >= -(2n ** 53n) && raw <= 2n ** 53n ? Number(raw) : raw;
  }
  return raw;
}

/**
 * Reads storage into a JavaScript array; float entries are marked as Python floats
 * ({@link markFloat}) so integral values like `1.0` keep their kind.
 */
export function readValues(dtype: DType, values: DTypeValues, validity: Uint8Array | null): unknown[] {
  const output = new Array<unknown>(values.length);
  const float = isFloatDType(dtype);
  const object = dtype === 'object';
  for (let index = 0; index < values.length; index++) {
    output[index] = readValue(dtype, values, validity, index);
    if ((float && output[index] !== null) || (object && isFloatSlot(values, index))) markFloat(output, index);
  }
  return output;
}

function misfit(value: unknown, dtype: DType): MlflowException {
  return MlflowException.invalidParameterValue(`Value ${describeValue(value)} does not fit dtype '${dtype}'`);
}

/** A short description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object') return String(value);
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (value instanceof PyDate || value instanceof PyDateTime) return value.toString();
  if (Array.isArray(value)) return `array(${value.length})`;
  return Object.prototype.toString.call(value);
}

/** What kinds of values a sequence holds (see {@link classifyValues}). */
export interface ValueKinds {
  missing: number;
  /** JavaScript `NaN`s (they are floats, and missing for pandas). */
  nan: number;
  bool: number;
  /** Integral numbers not marked as floats, and bigints. */
  int: number;
  float: number;
  bigintMin: bigint | null;
  bigintMax: bigint | null;
  /** Ints in [2^63, 2^64): numpy's uint64 scalars. */
  uintOnly: number;
  /** Ints outside [-2^63, 2^64): no numpy integer holds them. */
  hugeInt: number;
  string: number;
  bytes: number;
  /** `Date`, `PyDateTime` and `PyTimestamp` values. */
  datetime: number;
  /** Whether every datetime fits `datetime64[ns]`. */
  datetimeFitsNs: boolean;
  date: number;
  other: number;
}

/** Counts the kinds of values in a sequence. */
export function classifyValues(input: ArrayLike<unknown>, container?: object): ValueKinds {
  const kinds: ValueKinds = {
    missing: 0, nan: 0, bool: 0, int: 0, float: 0, bigintMin: null, bigintMax: null, uintOnly: 0, hugeInt: 0,
    string: 0, bytes: 0, datetime: 0, datetimeFitsNs: true, date: 0, other: 0,
  };
  for (let index = 0; index < input.length; index++) {
    const value = input[index];
    if (isMissing(value)) kinds.missing++;
    else if (typeof value === 'boolean') kinds.bool++;
    else if (typeof value === 'number') {
      if (Number.isNaN(value)) kinds.nan++;
      if (isPyFloat(value, container, container === undefined ? undefined : index)) kinds.float++;
      else {
        kinds.int++;
        // an integral number past 2^53 is a big Python int all the same
        if (!Number.isSafeInteger(value)) countBigInt(kinds, BigInt(value));
      }
    } else if (typeof value === 'bigint') {
      kinds.int++;
      countBigInt(kinds, value);
    } else if (typeof value === 'string') kinds.string++;
    else if (value instanceof Uint8Array) kinds.bytes++;
    else if (value instanceof Date || value instanceof PyDateTime) {
      kinds.datetime++;
      if (kinds.datetimeFitsNs) kinds.datetimeFitsNs = safeFitsNs(value);
    } else if (value instanceof PyDate) kinds.date++;
    else kinds.other++;
  }
  return kinds;
}

function countBigInt(kinds: ValueKinds, value: bigint): void {
  if (kinds.bigintMin === null || value < kinds.bigintMin) kinds.bigintMin = value;
  if (kinds.bigintMax === null || value > kinds.bigintMax) kinds.bigintMax = value;
  if (value < -(2n ** 63n) || value >= 2n ** 64n) kinds.hugeInt++;
  else if (value >= 2n ** 63n) kinds.uintOnly++;
}

function safeFitsNs(value: Date | PyDateTime): boolean {
  try {
    return fitsTicks(epochNanos(value), 'ns');
  } catch {
    return false;
  }
}

/** The integer dtype numpy picks for ints in `[min, max]` (int64, uint64, or none). */
function integerDType(kinds: ValueKinds): 'int64' | 'uint64' | undefined {
  const min = kinds.bigintMin ?? 0n;
  const max = kinds.bigintMax ?? 0n;
  if (min >= -(2n ** 63n) && max < 2n ** 63n) return 'int64';
  if (min >= 0n && max < 2n ** 64n) return 'uint64';
  return undefined;
}

/**
 * The dtype pandas gives a column built from these values (`pd.Series(values)`), with one
 * documented difference: booleans with missing values stay `bool` (with a validity mask)
 * where pandas falls back to `object`.
 *
 * - all booleans → `bool`; integral numbers and bigints → `int64` (`uint64` beyond int64,
 *   `object` beyond uint64), with any missing value → `float64` (pandas' NaN rule);
 * - any fractional (or float-marked) number among numbers → `float64`;
 * - `Date`/`PyDateTime` → `datetime64[ns]` (`datetime64[us]` when out of the ns range);
 * - strings, bytes, dates, lists, objects and mixtures → `object`;
 * - only missing values → `object`; no values → `float64`.
 */
export function inferColumnDType(input: ArrayLike<unknown>, container?: object): DType {
  const kinds = classifyValues(input, container);
  const present = input.length - kinds.missing;
  if (input.length === 0) return 'float64';
  if (present === 0) return 'object';
  if (kinds.bool === present) return 'bool';
  if (kinds.int + kinds.float === present) {
    const integer = integerDType(kinds);
    if (integer === undefined) return 'object'; // ints beyond uint64 keep pandas' object
    if (kinds.float > 0) return 'float64';
    if (kinds.missing > 0) return integer === 'int64' ? 'float64' : 'object';
    return integer;
  }
  if (kinds.datetime === present) return kinds.datetimeFitsNs ? 'datetime64[ns]' : 'datetime64[us]';
  return 'object';
}

/**
 * The dtype numpy gives an array of these (scalar) values (`np.array(values)`): `bool`,
 * `int64` (`uint64` when every int is in [2^63, 2^64); `float64` when both kinds meet; `object`
 * with an int outside both), `float64`, `str`, `bytes`, `datetime64[ns]` for datetimes
 * (`[us]` out of the ns range), otherwise `object`.
 */
export function inferTensorDType(input: ArrayLike<unknown>, container?: object): DType {
  const kinds = classifyValues(input, container);
  const length = input.length;
  if (length === 0) return 'float64';
  if (kinds.missing > 0 || kinds.other > 0 || kinds.date > 0) return 'object';
  if (kinds.bool === length) return 'bool';
  if (kinds.bool + kinds.int + kinds.float === length) {
    // numpy types each Python int on its own (int64, else uint64, else object) and promotes:
    // int64 with uint64 is float64, anything with an object int is object
    if (kinds.hugeInt > 0) return 'object';
    if (kinds.float > 0) return 'float64';
    if (kinds.uintOnly > 0) return kinds.int > kinds.uintOnly ? 'float64' : 'uint64';
    return 'int64';
  }
  if (kinds.string === length) return 'str';
  if (kinds.bytes === length) return 'bytes';
  if (kinds.datetime === length) return kinds.datetimeFitsNs ? 'datetime64[ns]' : 'datetime64[us]';
  return 'object';
}

/** Whether a stored float entry is missing for pandas (NaN) or absent in the validity mask. */
export function isMissingAt(dtype: DType, values: DTypeValues, validity: Uint8Array | null, index: number): boolean {
  if (validity !== null && validity[index] === 0) return true;
  const raw = values[index];
  if (isFloatDType(dtype)) return Number.isNaN(raw as number);
  if (isDatetimeDType(dtype)) return raw === NAT;
  if (isIntegerDType(dtype) || dtype === 'bool') return false;
  return isMissing(raw) || (typeof raw === 'number' && Number.isNaN(raw));
}
