/**
 * Element types of the data containers, named as numpy names them (`dtype.name`).
 *
 * Numeric, boolean and datetime dtypes are stored in typed arrays; `str`, `bytes` and
 * `object` in plain JavaScript arrays. `float16` is stored in a `Float32Array` whose values
 * are rounded to half precision. `datetime64[unit]` holds int64 ticks since the epoch in a
 * `BigInt64Array`; the smallest int64 is NaT (missing), as in numpy.
 */
import { MlflowException } from '../mlflow-exception.js';

/** The numeric dtypes (stored in typed arrays). */
export const numericDTypes = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'float16', 'float32', 'float64',
] as const;

/** The datetime units supported by `datetime64[unit]`. */
export const datetimeUnits = ['ns', 'us', 'ms', 's'] as const;

/** A `datetime64` time unit. */
export type DatetimeUnit = (typeof datetimeUnits)[number];

/** A numeric dtype name. */
export type NumericDType = (typeof numericDTypes)[number];

/** A `datetime64[unit]` dtype name. */
export type DatetimeDType = `datetime64[${DatetimeUnit}]`;

/** Every dtype a container can have. */
export type DType = 'bool' | NumericDType | 'str' | 'bytes' | 'object' | DatetimeDType;

/** All dtype names, in numpy's order of kinds. */
export const dtypes: readonly DType[] = [
  'bool', ...numericDTypes, 'str', 'bytes', 'object',
  'datetime64[ns]', 'datetime64[us]', 'datetime64[ms]', 'datetime64[s]',
];

const dtypeSet = new Set<string>(dtypes);

/** Storage of a dtype's values: a typed array, or a JavaScript array for str/bytes/object. */
export type DTypeValues =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Float32Array
  | Float64Array
  | unknown[];

/** int64 ticks that mean "not a time" (numpy's NaT). */
export const NAT = -(2n ** 63n);

/** Whether `name` is a dtype name this package knows. */
export function isDType(name: unknown): name is DType {
  return typeof name === 'string' && dtypeSet.has(name);
}

/**
 * Reads a dtype name. Accepts the names in {@link dtypes} plus `datetime64` (= nanoseconds)
 * and numpy's `bool_`, `str_`, `bytes_`, `object_` spellings.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for an unknown name.
 */
export function parseDType(name: unknown): DType {
  if (isDType(name)) return name;
  const aliases: Record<string, DType> = {
    datetime64: 'datetime64[ns]', bool_: 'bool', str_: 'str', bytes_: 'bytes', object_: 'object',
  };
  if (typeof name === 'string' && aliases[name] !== undefined) return aliases[name];
  throw MlflowException.invalidParameterValue(
    `Unknown dtype '${String(name)}'. Expected one of: ${dtypes.join(', ')}`);
}

/** Whether a dtype is stored in a typed array (numbers, booleans, datetimes). */
export function isTypedDType(dtype: DType): boolean {
  return dtype !== 'str' && dtype !== 'bytes' && dtype !== 'object';
}

/** Whether a dtype is `datetime64[unit]`. */
export function isDatetimeDType(dtype: DType): dtype is DatetimeDType {
  return dtype.startsWith('datetime64[');
}

/** The unit of a `datetime64[unit]` dtype. */
export function datetimeUnitOf(dtype: DatetimeDType): DatetimeUnit {
  return dtype.slice(11, -1) as DatetimeUnit;
}

/** Whether a dtype is a float dtype (`float16`, `float32`, `float64`). */
export function isFloatDType(dtype: DType): boolean {
  return dtype === 'float16' || dtype === 'float32' || dtype === 'float64';
}

/** Whether a dtype is a signed or unsigned integer dtype. */
export function isIntegerDType(dtype: DType): boolean {
  return /^u?int\d+$/.test(dtype);
}

/** Whether a dtype stores its values as `bigint` (int64, uint64, datetimes). */
export function isBigIntDType(dtype: DType): boolean {
  return dtype === 'int64' || dtype === 'uint64' || isDatetimeDType(dtype);
}

/** The size in bytes of one element, numpy's `itemsize` (0 for str/bytes/object). */
export function itemSize(dtype: DType): number {
  if (dtype === 'bool' || dtype === 'int8' || dtype === 'uint8') return 1;
  if (dtype === 'int16' || dtype === 'uint16' || dtype === 'float16') return 2;
  if (dtype === 'int32' || dtype === 'uint32' || dtype === 'float32') return 4;
  if (isTypedDType(dtype)) return 8;
  return 0;
}

/** Allocates storage for `length` values of a dtype (zeros, or `null`s for array dtypes). */
export function allocateValues(dtype: DType, length: number): DTypeValues {
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return new Uint8Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'uint16':
      return new Uint16Array(length);
    case 'uint32':
      return new Uint32Array(length);
    case 'uint64':
      return new BigUint64Array(length);
    case 'float16':
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'str':
    case 'bytes':
    case 'object':
      return new Array<unknown>(length).fill(null);
    default:
      return new BigInt64Array(length);
  }
}

/** The dtype whose storage a typed array is (Uint8Array → `uint8`), or `undefined`. */
export function dtypeOfTypedArray(values: unknown): DType | undefined {
  if (values instanceof Int8Array) return 'int8';
  if (values instanceof Uint8Array) return 'uint8';
  if (values instanceof Int16Array) return 'int16';
  if (values instanceof Uint16Array) return 'uint16';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint32Array) return 'uint32';
  if (values instanceof BigInt64Array) return 'int64';
  if (values instanceof BigUint64Array) return 'uint64';
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  return undefined;
}

/** Whether `values` is valid storage for `dtype` (see {@link allocateValues}). */
export function isStorageOf(dtype: DType, values: unknown): values is DTypeValues {
  if (!isTypedDType(dtype)) return Array.isArray(values);
  if (isDatetimeDType(dtype)) return values instanceof BigInt64Array;
  const own = dtypeOfTypedArray(values);
  if (dtype === 'bool') return own === 'uint8';
  if (dtype === 'float16') return own === 'float32';
  return own === dtype;
}

const integerRanges: Record<string, [bigint, bigint]> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 2n ** 8n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/** The inclusive range of an integer dtype. */
export function integerRange(dtype: DType): [bigint, bigint] {
  const range = integerRanges[dtype];
  if (range === undefined) throw MlflowException.invalidParameterValue(`'${dtype}' is not an integer dtype`);
  return range;
}

/** Rounds a number to the nearest IEEE half-precision value (ties to even), as numpy's float16. */
export function roundToFloat16(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const sign = value < 0 ? -1 : 1;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign * Number.POSITIVE_INFINITY;
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent -= 1;
  else if (2 ** (exponent + 1) <= magnitude) exponent += 1;
  // spacing of half-precision values: 2^(e-10) for normals, 2^-24 for subnormals
  const quantum = 2 ** (Math.max(exponent, -14) - 10);
  const scaled = magnitude / quantum; // exact: a division by a power of two
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  const rounded = fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return sign * rounded * quantum;
}
