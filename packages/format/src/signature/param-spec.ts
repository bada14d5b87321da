/**
 * MLflow's `ParamSpec` (format spec 4.5): one inference parameter with its type, default and
 * shape, the default validated the way MLflow validates it.
 */
import { MlflowException } from '../mlflow-exception.js';
import { PyDate, PyDateTime, isFloatSlot, isPlainObject, isPyFloat, markFloat, type PyValue } from '../py-values.js';
import { pyClass, pyEquals, pyRepr, pyStr, pyTruthy, pyTypeName, shapeRepr } from '../py-repr.js';
import {
  AnyType,
  ArrayType,
  MapType,
  ObjectType,
  columnTypeRepr,
  columnTypeToJson,
  jsonToPlain,
  type ColumnType,
} from './column-type.js';
import { dataTypeNames, isDataType, type DataType } from './data-type.js';

function invalid(message: string): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', message);
}

/** The type of a parameter: a DataType other than `binary`, or an object. */
export type ParamType = Exclude<DataType, 'binary'> | ObjectType;

/** A checked scalar: its value and whether Python holds it as a float. */
interface Checked {
  value: PyValue;
  isFloat: boolean;
}

function isInt(value: unknown, container?: object, key?: string | number): value is number | bigint {
  return typeof value === 'bigint' || (typeof value === 'number' && !isPyFloat(value, container, key));
}

/** `np.isscalar`: numbers, strings, booleans and bytes; not lists, dicts, dates or None. */
export function isNumpyScalar(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string' ||
    typeof value === 'boolean' || value instanceof Uint8Array;
}

const isoPattern = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * `np.datetime64(text).item()` for ISO strings: a date for day (or coarser) precision, a
 * naive datetime (UTC when an offset was given) for hour to microsecond precision, `null` for
 * `NaT`; finer precision or an out-of-range year cannot become a Python datetime.
 */
function parseNumpyDatetime(text: string): PyDate | PyDateTime | null {
  if (text === '' || text.toLowerCase() === 'nat') return null;
  if (text === 'today') {
    const now = new Date();
    return new PyDate(now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate());
  }
  if (text === 'now') {
    const now = PyDateTime.fromDate(new Date());
    return new PyDateTime(now.year, now.month, now.day, now.hour, now.minute, now.second);
  }
  const match = isoPattern.exec(text);
  if (match === null) throw new Error('not an ISO date');
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new Error('out of range');
  }
  if (h === undefined) return new PyDate(year, month, day);
  const hour = Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 59) throw new Error('out of range');
  if (frac !== undefined && frac.length > 6) throw new Error('sub-microsecond');
  const microsecond = frac === undefined ? 0 : Number(frac.padEnd(6, '0'));
  let result = new PyDateTime(year, month, day, hour, minute, second, microsecond);
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
    result = shiftMinutes(result, -offset);
  }
  return result;
}

function shiftMinutes(value: PyDateTime, minutes: number): PyDateTime {
  const ms = Date.UTC(value.year, value.month - 1, value.day, value.hour, value.minute, value.second) +
    minutes * 60_000;
  const date = new Date(ms);
  if (date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) throw new Error('out of range');
  return new PyDateTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(),
    date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), value.microsecond);
}

function toDatetime(value: unknown): PyDate | PyDateTime | null {
  if (value instanceof PyDateTime) {
    if (value.utcOffsetMinutes === null) return value;
    return shiftMinutes(new PyDateTime(value.year, value.month, value.day, value.hour, value.minute,
      value.second, value.microsecond), -value.utcOffsetMinutes);
  }
  if (value instanceof PyDate) return value;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    return PyDateTime.fromDate(value);
  }
  if (typeof value === 'string') {
    try {
      return parseNumpyDatetime(value);
    } catch {
      // fall through
    }
  }
  throw invalid(`Failed to convert value \`${pyStr(value)}\` from type \`${pyClass(value)}\` to \`DataType.datetime\``);
}

/** MLflow's `_enforce_param_datatype`: a scalar param value against a DataType. */
function enforceParamDatatype(value: unknown, type: ParamType, container?: object, key?: string | number): Checked {
  if (value === null || value === undefined) return { value: null, isFloat: false };
  if (type === 'datetime') return { value: toDatetime(value), isFloat: false };
  if (!isNumpyScalar(value)) {
    throw invalid(`Value must be a scalar for type \`${typeLabel(type)}\`, got \`${pyStr(value, container, key)}\``);
  }
  if (type instanceof ObjectType) {
    throw invalid(`'Object' object has no attribute 'to_numpy'`);
  }
  return enforceParamScalar(value, type, container, key);
}

/**
 * The scalar part of MLflow's `_enforce_param_datatype`, shared by ParamSpec defaults and
 * inference params: a non-null numpy scalar (see {@link isNumpyScalar}) against a `boolean`,
 * `integer`, `long`, `float`, `double` or `string` param, ints widened to floats for
 * `float`/`double`. `null`, datetime params and the scalar check are the caller's.
 * @param container the array or object holding `value`, whose float mark tells `1.0` from `1`
 * @param key where `value` sits in `container`
 * @returns the value and whether Python holds it as a float
 * @throws {MlflowException} INVALID_PARAMETER_VALUE "Can not safely convert `<class '…'>` to
 * `DataType.…` for value `…`", or "int too large to convert to float".
 */
export function enforceParamScalar(value: unknown, type: Exclude<DataType, 'binary' | 'datetime'>,
  container?: object, key?: string | number): { value: PyValue; isFloat: boolean } {
  const isFloat = typeof value === 'number' && isPyFloat(value, container, key);
  const int = isInt(value, container, key);
  switch (type) {
    case 'boolean':
      if (typeof value === 'boolean') return { value, isFloat: false };
      break;
    case 'integer':
    case 'long':
      if (int) return { value: value as number | bigint, isFloat: false };
      break;
    case 'float':
    case 'double':
      if (isFloat) return { value: value as number, isFloat: true };
      if (int) {
        const converted = Number(value);
        if (!Number.isFinite(converted)) throw invalid('int too large to convert to float');
        return { value: converted, isFloat: true };
      }
      break;
    case 'string':
      if (typeof value === 'string') return { value, isFloat: false };
      break;
  }
  throw invalid(`Can not safely convert \`${pyClass(value, container, key)}\` to \`DataType.${type}\` ` +
    `for value \`${pyStr(value, container, key)}\``);
}

function typeLabel(type: ParamType): string {
  return typeof type === 'string' ? `DataType.${type}` : type.toString();
}

// ---- object defaults: MLflow 2.22's `_enforce_object` on plain values (pandas 2 rules) ----

type SeriesDtype = 'bool' | 'int64' | 'uint64' | 'float64' | 'object';

/** The dtype pandas infers for `pd.Series(values)`. */
function seriesDtype(values: readonly unknown[]): SeriesDtype {
  let bools = 0;
  let ints = 0;
  let floats = 0;
  let nones = 0;
  let maxInt = 0n;
  let minInt = 0n;
  values.forEach((value, index) => {
    if (typeof value === 'boolean') bools++;
    else if (value === null) nones++;
    else if (isInt(value, values, index)) {
      ints++;
      const big = BigInt(value);
      if (big > maxInt) maxInt = big;
      if (big < minInt) minInt = big;
    } else if (typeof value === 'number') floats++;
  });
  const n = values.length;
  if (bools === n) return 'bool';
  if (ints === n) {
    if (minInt >= -(2n ** 63n) && maxInt < 2n ** 63n) return 'int64';
    if (minInt >= 0n && maxInt < 2n ** 64n) return 'uint64';
    return 'object';
  }
  const fitsFloat = maxInt < 2n ** 63n && minInt >= -(2n ** 63n);
  if (ints + floats + nones === n && ints + floats > 0 && (floats > 0 || nones > 0) && fitsFloat) return 'float64';
  return 'object';
}

function isIsoText(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'string') return false;
  try {
    parseNumpyDatetime(value);
    return true;
  } catch {
    return false;
  }
}

/** `_enforce_mlflow_datatype` on a series of plain values: does the conversion succeed? */
function seriesConvertible(values: readonly unknown[], type: DataType): boolean {
  const dtype = seriesDtype(values);
  if (type === 'string' && dtype === 'object') return true;
  const same: Partial<Record<DataType, SeriesDtype>> = { boolean: 'bool', long: 'int64', double: 'float64', binary: 'object' };
  if (same[type] === dtype) return true;
  if (type === 'datetime' && dtype === 'object') return values.every(isIsoText);
  if (type === 'boolean' && dtype === 'object') return true;
  if ((type === 'float' || type === 'double') && dtype === 'int64') {
    return values.every((value) => value === null || value === 0 || value === 1 || value === 0n || value === 1n);
  }
  return false;
}

function enforceDatatypeValue(value: unknown, type: DataType, required: boolean, container?: object,
  key?: string | number): void {
  if (!required && (value === null || (typeof value === 'number' && Number.isNaN(value)))) return;
  if (!isNumpyScalar(value)) throw invalid(`Expected data to be scalar, got ${pyTypeName(value)}`);
  const single = [value];
  if (typeof value === 'number' && isPyFloat(value, container, key)) markFloat(single, 0);
  if (!seriesConvertible(single, type)) {
    throw invalid(`Failed to enforce schema of data \`${pyStr(value, container, key)}\` with dtype \`${type}\``);
  }
}

/** MLflow's `_enforce_type` on a plain value (found at `container[key]`, for its float mark). */
function enforceValue(value: unknown, type: ColumnType, required: boolean, container?: object,
  key?: string | number): void {
  if (typeof type === 'string') return enforceDatatypeValue(value, type, required, container, key);
  if (type instanceof AnyType) return;
  if (type instanceof ArrayType) return enforceArray(value, type, required);
  if (type instanceof ObjectType) return enforceObject(value, type, required);
  if (type instanceof MapType) return enforceMap(value, type, required);
}

function enforceArray(value: unknown, type: ArrayType, required: boolean): void {
  if ((!required || type.items instanceof AnyType) && (value === null || (Array.isArray(value) && value.length === 0))) {
    return;
  }
  if (!Array.isArray(value)) throw invalid(`Expected data to be list or numpy array, got ${pyTypeName(value)}`);
  if (typeof type.items === 'string') {
    if (value.length === 0) return;
    if (!seriesConvertible(value, type.items)) {
      throw invalid(`Incompatible input types for column . Can not safely convert ${seriesDtype(value)} to ${type.items}.`);
    }
    // numpy cannot encode non-ASCII text as `bytes`
    if (type.items === 'binary' && value.some((item) => typeof item === 'string' && /[^\x00-\x7f]/.test(item))) {
      throw invalid("'ascii' codec can't encode character");
    }
    return;
  }
  value.forEach((item, index) => enforceValue(item, type.items, required, value, index));
}

function enforceObject(value: unknown, type: ObjectType, required: boolean): void {
  if (!required && (value === null || (isPlainObject(value) && Object.keys(value).length === 0))) return;
  if (!isPlainObject(value)) {
    throw invalid(`Failed to enforce schema of '${pyStr(value)}' with type '${type.toString()}'. ` +
      `Expected data to be dictionary, got ${pyTypeName(value)}`);
  }
  const properties = new Map(type.properties.map((property) => [property.name, property]));
  const missing = type.properties.filter((property) => property.required === true && !Object.hasOwn(value, property.name));
  if (missing.length > 0) {
    throw invalid(`Missing required properties: {${missing.map((property) => pyRepr(property.name)).join(', ')}}`);
  }
  const extra = Object.keys(value).filter((key) => !properties.has(key));
  if (extra.length > 0) {
    throw invalid(`Invalid properties not defined in the schema found: {${extra.map((key) => pyRepr(key)).join(', ')}}`);
  }
  for (const [key, item] of Object.entries(value)) {
    const property = properties.get(key)!;
    try {
      enforceValue(item, property.type, property.required === true, value, key);
    } catch (error) {
      if (!MlflowException.isInstance(error)) throw error;
      const typeName = typeof property.type === 'string' ? property.type : columnTypeToJson(property.type).get('type');
      throw invalid(`Failed to enforce schema for key \`${key}\`. Expected type ${String(typeName)}, ` +
        `received type ${pyTypeName(item, value, key)}`);
    }
  }
}

function enforceMap(value: unknown, type: MapType, required: boolean): void {
  if ((!required || type.values instanceof AnyType) && (value === null || (isPlainObject(value) && Object.keys(value).length === 0))) {
    return;
  }
  if (!isPlainObject(value)) throw invalid(`Expected data to be a dict, got ${pyTypeName(value)}`);
  for (const [key, item] of Object.entries(value)) enforceValue(item, type.values, required, value, key);
}

// ---- ParamSpec ----

function checkParamType(type: unknown, name: string): ParamType {
  if (type instanceof ObjectType) return type;
  if (typeof type === 'string' && isDataType(type)) {
    if (type === 'binary') {
      throw invalid(`Binary type is not supported for parameters, ParamSpec '${name}'has dtype 'binary'`);
    }
    return type;
  }
  if (typeof type === 'string') {
    throw invalid(`Unsupported type '${type}', expected instance of DataType or one of ` +
      `[${dataTypeNames.filter((n) => n !== 'binary').map((n) => `'${n}'`).join(', ')}]`);
  }
  throw invalid(`'dtype' must be DataType, Object or str, got ${pyRepr(type)}`);
}

function isVariableShape(shape: readonly unknown[] | null): boolean {
  return shape !== null && shape.length === 1 && typeof shape[0] === 'number' && shape[0] === -1;
}

/** One inference parameter: name, type, default and shape (`null`, or `[-1]` for a list). */
export class ParamSpec {
  readonly name: string;
  readonly type: ParamType;
  /** The validated default: widened numbers, `PyDate` / `PyDateTime` for datetime params. */
  readonly default: PyValue;
  /** `null` for a scalar (or object) param, `[-1]` for a 1-D list. */
  readonly shape: readonly number[] | null;
  readonly #defaultIsFloat: boolean;

  /**
   * Validates `default_` against the type and shape with MLflow's widenings (int → long,
   * float, double; float → double; ISO strings and dates → datetime).
   * @param name stringified like Python's `str(name)`
   * @param shape `null` / omitted, or `[-1]`
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for a `binary` or unknown type, a shape
   * other than `null` / `[-1]`, or a default that does not fit.
   */
  constructor(name: string | number | boolean | null, type: ParamType | string, default_: unknown,
    shape?: readonly number[] | null, options: { defaultIsFloat?: boolean } = {}) {
    this.name = pyStr(name);
    if (shape !== undefined && shape !== null && !Array.isArray(shape)) {
      throw invalid(`Shape must be None for scalar or dictionary value, or (-1,) for 1D array value for ` +
        `ParamSpec ${pyRepr(this.name)}), received ${pyRepr(shape)}`);
    }
    const shapeCopy = shape === undefined || shape === null ? null : jsonToPlain(shape) as number[];
    this.shape = shapeCopy;
    this.type = checkParamType(type, this.name);
    const spec = () => `${pyRepr(this.name)}: ${paramTypeRepr(this.type)} (default: ${pyStr(default_)})` +
      (shapeCopy === null ? '' : ` (shape: ${shapeRepr(shapeCopy)})`);
    const variable = isVariableShape(shapeCopy);
    if (variable && !(Array.isArray(default_) && default_.every((item) => !Array.isArray(item)))) {
      throw invalid(`Value must be a 1D array with shape (-1,) for param ${spec()}, received ` +
        `${pyTypeName(default_)} with ndim ${Array.isArray(default_) ? 2 : 0}`);
    }
    if (shapeCopy !== null && !variable) {
      throw invalid('Shape must be None for scalar or dictionary value, or (-1,) for 1D array value ' +
        `for ParamSpec ${spec()}), received ${shapeRepr(shapeCopy)}`);
    }
    try {
      if (variable) {
        const list = default_ as unknown[];
        const out: PyValue[] = [];
        list.forEach((item, index) => {
          const checked = enforceParamDatatype(item, this.type, list, index);
          out.push(checked.value);
          if (checked.isFloat) markFloat(out, index);
        });
        this.default = out;
        this.#defaultIsFloat = false;
      } else if (this.type instanceof ObjectType) {
        enforceObject(default_, this.type, true);
        this.default = jsonToPlain(default_) as PyValue;
        this.#defaultIsFloat = false;
      } else {
        const holder = [default_];
        if (options.defaultIsFloat === true) markFloat(holder, 0);
        const checked = enforceParamDatatype(default_, this.type, holder, 0);
        this.default = checked.value;
        this.#defaultIsFloat = checked.isFloat;
      }
    } catch (error) {
      if (!MlflowException.isInstance(error)) throw error;
      throw invalid(`Failed to validate type and shape for ${spec()}, error: ${error.message}`);
    }
  }

  /** MLflow's name for the type (`ParamSpec.dtype`). */
  get dtype(): ParamType {
    return this.type;
  }

  /** Whether a scalar default is a Python float (integral floats such as `1.0` included). */
  get defaultIsFloat(): boolean {
    return this.#defaultIsFloat;
  }

  /**
   * `{"name", "default", "shape", ...type part}` in MLflow's order; datetime defaults as
   * `isoformat()` strings.
   */
  toDict(): Record<string, unknown> {
    return jsonToPlain(this.toJsonValue()) as Record<string, unknown>;
  }

  /** @internal The JSON form with ordered dicts and float marks. */
  toJsonValue(): Map<string, unknown> | Record<string, unknown> {
    let value: unknown = this.default;
    if (this.type === 'datetime') {
      value = Array.isArray(value) ? value.map(isoOrNull) : isoOrNull(value);
    }
    const typePart = this.type instanceof ObjectType ? columnTypeToJson(this.type) : new Map([['type', this.type]]);
    const record: Record<string, unknown> = { name: this.name, default: value, shape: this.shape };
    if (this.#defaultIsFloat) markFloat(record, 'default');
    for (const [key, item] of typePart) record[key] = item;
    return record;
  }

  /**
   * Reads `{"name", "type" (or legacy "dtype"), "default", "shape"?}` (plus `properties` for
   * object params); other keys are ignored, as MLflow does.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for missing keys or an invalid param.
   */
  static fromDict(dict: unknown): ParamSpec {
    if (!isPlainObject(dict)) throw invalid(`Expected ParamSpec JSON to be a dictionary, got ${pyTypeName(dict)}`);
    const keys = Object.keys(dict);
    if (!('name' in dict) || !('default' in dict) || (!('type' in dict) && !('dtype' in dict))) {
      throw invalid('Missing keys in ParamSpec JSON. Expected to find keys `name`, `type`(or `dtype`) and ' +
        `\`default\`. Received keys: dict_keys([${keys.map((key) => pyRepr(key)).join(', ')}])`);
    }
    const type = pyTruthy(dict.type) ? dict.type : dict.dtype;
    const paramType = type === 'object' ? ObjectType.fromDict(dict) : type;
    if (typeof paramType === 'string' && !isDataType(paramType)) throw invalid(`KeyError: ${pyRepr(paramType)}`);
    if (typeof paramType !== 'string' && !(paramType instanceof ObjectType)) {
      throw invalid(`KeyError: ${pyRepr(paramType)}`);
    }
    const name = dict.name;
    if (Array.isArray(name) || isPlainObject(name)) {
      throw invalid(`Expected the name of a ParamSpec to be a string, got ${pyTypeName(name)}`);
    }
    const nameText = pyStr(name, dict, 'name');
    return new ParamSpec(nameText, paramType, dict.default,
      'shape' in dict ? (dict.shape as number[] | null) : null,
      { defaultIsFloat: isFloatSlot(dict, 'default') });
  }

  /** Equal names, types, defaults and shapes. */
  equals(other: unknown): boolean {
    if (!(other instanceof ParamSpec)) return false;
    const typesEqual = typeof this.type === 'string' ? this.type === other.type
      : this.type.equals(other.type);
    return this.name === other.name && typesEqual && pyEquals(this.default, other.default) &&
      pyEquals(this.shape, other.shape);
  }

  /** Python's repr: `'t': double (default: 0.5)`. */
  toString(): string {
    const shape = this.shape === null ? '' : ` (shape: ${shapeRepr(this.shape)})`;
    return `${pyRepr(this.name)}: ${paramTypeRepr(this.type)} (default: ${pyStr(this.default)})${shape}`;
  }
}

function isoOrNull(value: unknown): unknown {
  return value instanceof PyDate || value instanceof PyDateTime ? value.isoformat() : null;
}

function paramTypeRepr(type: ParamType): string {
  return columnTypeRepr(type);
}
