/**
 * The YAML tests' own tagged-JSON codec and comparison form. The shared oracle codec imports
 * `@pyfunc/format` from its built `dist`, whose `PyDate` class and float marks are not the ones
 * of `src` that these tests exercise; so values cross as JSON *text* encoded and decoded here,
 * with the classes and marks of `src` (ops_yaml.py's `*_json` ops speak the same forms).
 */
import {
  PyDate,
  PyDateTime,
  compareCodePoints,
  formatPythonFloat,
  isPlainObject,
  isPyFloat,
  markFloat,
  type PyValue,
} from '../src/py-values.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Encodes a value (with float marks) as tagged JSON text for ops_yaml.py. */
export function toTaggedJson(value: unknown): string {
  return JSON.stringify(encode(value));
}

function encode(value: unknown, container?: object, key?: string | number): Json {
  if (value === null) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (typeof value === 'number') {
    if (isPyFloat(value, container, key)) return { $float: formatPythonFloat(value) };
    return value;
  }
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (value instanceof PyDateTime) return { $datetime: value.isoformat() };
  if (value instanceof PyDate) return { $date: value.isoformat() };
  if (Array.isArray(value)) return value.map((item, index) => encode(item, value, index));
  if (isPlainObject(value)) {
    return { $dict: Object.keys(value).map((k) => [k, encode(value[k], value, k)]) };
  }
  throw new TypeError(`cannot encode ${Object.prototype.toString.call(value)}`);
}

/** Decodes tagged JSON text from ops_yaml.py into values with `src`'s classes and marks. */
export function fromTaggedJson(text: string): unknown {
  return decode(JSON.parse(text) as Json).value;
}

function decode(value: Json): { value: PyValue; float: boolean } {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return { value, float: false };
  if (typeof value === 'number') {
    return { value: Number.isSafeInteger(value) || !Number.isInteger(value) ? value : BigInt(value), float: false };
  }
  if (Array.isArray(value)) {
    const list: PyValue[] = [];
    for (const item of value) {
      const decoded = decode(item);
      list.push(decoded.value);
      if (decoded.float) markFloat(list, list.length - 1);
    }
    return { value: list, float: false };
  }
  if ('$int' in value) {
    const big = BigInt(value.$int as string);
    const safe = big >= -BigInt(Number.MAX_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
    return { value: safe ? Number(big) : big, float: false };
  }
  if ('$float' in value) {
    const text = value.$float as string;
    const number = text === 'nan' ? Number.NaN : text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
    return { value: number, float: true };
  }
  if ('$bytes' in value) return { value: new Uint8Array(Buffer.from(value.$bytes as string, 'base64')), float: false };
  if ('$date' in value) {
    const [y, m, d] = (value.$date as string).split('-').map(Number);
    return { value: new PyDate(y!, m!, d!), float: false };
  }
  if ('$datetime' in value) return { value: parseIso(value.$datetime as string), float: false };
  if ('$dict' in value) {
    const object: Record<string, PyValue> = {};
    for (const [k, v] of value.$dict as [string, Json][]) {
      const decoded = decode(v);
      Object.defineProperty(object, k, { value: decoded.value, enumerable: true, writable: true, configurable: true });
      if (decoded.float) markFloat(object, k);
    }
    return { value: object, float: false };
  }
  throw new TypeError(`unknown tagged form ${JSON.stringify(value)}`);
}

function parseIso(text: string): PyDateTime {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{6}))?(?:([+-])(\d{2}):(\d{2}))?$/.exec(text);
  if (match === null) throw new Error(`not an isoformat datetime: ${text}`);
  const [, y, mo, d, h, mi, s, frac, sign, oh, om] = match;
  const offset = sign === undefined ? null : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  return new PyDateTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s),
    frac === undefined ? 0 : Number(frac), offset);
}

/**
 * A canonical text of a value for comparison: Python types kept apart (int `I`, float `F`,
 * date, datetime with or without zone), mapping keys in code point order.
 */
export function canonical(value: unknown, container?: object, key?: string | number): string {
  if (value === null) return 'N';
  if (typeof value === 'boolean') return value ? 'B1' : 'B0';
  if (typeof value === 'string') return `S${JSON.stringify(value)}`;
  if (typeof value === 'bigint') return `I${value.toString()}`;
  if (typeof value === 'number') return isPyFloat(value, container, key) ? `F${formatPythonFloat(value)}` : `I${value}`;
  if (value instanceof Uint8Array) return `Y${Buffer.from(value).toString('hex')}`;
  if (value instanceof PyDateTime) return `T${value.isoformat()}`;
  if (value instanceof PyDate) return `D${value.isoformat()}`;
  if (Array.isArray(value)) return `[${value.map((item, index) => canonical(item, value, index)).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort(compareCodePoints);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k], value, k)}`).join(',')}}`;
  }
  return `?${String(value)}`;
}
