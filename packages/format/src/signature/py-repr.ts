/**
 * Python's `repr`, `str` and `==` on the values signatures carry, for error messages that read
 * like MLflow's and for equality as MLflow defines it (`1 == 1.0 == True`). Internal.
 */
import { PyDate, PyDateTime, formatPythonFloat, isPlainObject, isPyFloat } from '../py-values.js';

/** Python `repr(value)` (approximate for exotic values). */
export function pyRepr(value: unknown, container?: object, key?: string | number): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    return isPyFloat(value, container, key) ? formatPythonFloat(value) : String(value);
  }
  if (typeof value === 'string') {
    const quoteChar = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t');
    return quoteChar + (quoteChar === "'" ? body.replace(/'/g, "\\'") : body) + quoteChar;
  }
  if (value instanceof PyDateTime) {
    const parts = [value.year, value.month, value.day, value.hour, value.minute];
    if (value.second !== 0 || value.microsecond !== 0) parts.push(value.second);
    if (value.microsecond !== 0) parts.push(value.microsecond);
    return `datetime.datetime(${parts.join(', ')})`;
  }
  if (value instanceof PyDate) return `datetime.date(${value.year}, ${value.month}, ${value.day})`;
  if (Array.isArray(value)) return `[${value.map((item, index) => pyRepr(item, value, index)).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v, value, k)}`).join(', ')}}`;
  }
  if (value instanceof Map) {
    return `{${[...value].map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** Python `str(value)`: strings as they are, everything else as its repr. */
export function pyStr(value: unknown, container?: object, key?: string | number): string {
  if (typeof value === 'string') return value;
  if (value instanceof PyDate || value instanceof PyDateTime) return value.toString();
  return pyRepr(value, container, key);
}

/** The Python type name of a value (`type(value).__name__`). */
export function pyTypeName(value: unknown, container?: object, key?: string | number): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return isPyFloat(value, container, key) ? 'float' : 'int';
  if (typeof value === 'string') return 'str';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof PyDateTime) return 'datetime';
  if (value instanceof PyDate) return 'date';
  if (Array.isArray(value)) return 'list';
  if (isPlainObject(value) || value instanceof Map) return 'dict';
  return typeof value === 'object' ? ((value as object).constructor?.name ?? 'object') : typeof value;
}

function numeric(value: unknown): number | bigint | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  return undefined;
}

/** Python `a == b` on plain values: numbers, bigints and booleans compare by value. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined || y !== undefined) {
    if (x === undefined || y === undefined) return false;
    if (typeof x === 'bigint' || typeof y === 'bigint') {
      if (typeof x === 'number' && !Number.isInteger(x)) return false;
      if (typeof y === 'number' && !Number.isInteger(y)) return false;
      return BigInt(x) === BigInt(y);
    }
    return x === y;
  }
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a instanceof PyDateTime || b instanceof PyDateTime) {
    return a instanceof PyDateTime && b instanceof PyDateTime && a.isoformat() === b.isoformat();
  }
  if (a instanceof PyDate || b instanceof PyDate) {
    return a instanceof PyDate && b instanceof PyDate && a.toString() === b.toString();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => pyEquals(item, b[index]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && pyEquals(a[key], b[key]));
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, index) => byte === b[index]);
  }
  return a === b;
}
