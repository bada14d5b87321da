/** Tagged JSON, the TypeScript half of test/oracle/codec.py (see there for the forms). */
import {
  PyDate,
  PyDateTime,
  isPlainObject,
  isPyFloat,
  markFloat,
  type PyValue,
} from '@pyfunc/format';

export type Tagged = unknown;

/** Encodes a JavaScript value (with float marks) into the oracle's tagged JSON. */
export function encodeTagged(value: unknown, container?: object, key?: string | number): Tagged {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { $float: 'nan' };
    if (!Number.isFinite(value)) return { $float: value > 0 ? 'inf' : '-inf' };
    if (isPyFloat(value, container, key)) return { $float: Object.is(value, -0) ? '-0.0' : String(value) };
    return value;
  }
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (value instanceof PyDateTime) return { $datetime: value.isoformat() };
  if (value instanceof PyDate) return { $date: value.isoformat() };
  if (value instanceof Date) return { $datetime: PyDateTime.fromDate(value, { naive: false }).isoformat() };
  if (Array.isArray(value)) return value.map((item, index) => encodeTagged(item, value, index));
  if (value instanceof Map) {
    return { $dict: [...value.entries()].map(([k, v]) => [encodeTagged(k), encodeTagged(v)]) };
  }
  if (isPlainObject(value)) {
    return { $dict: Object.entries(value).map(([k, v]) => [k, encodeTagged(v, value, k)]) };
  }
  throw new TypeError(`oracle codec cannot encode ${Object.prototype.toString.call(value)}`);
}

/** Decodes the oracle's tagged JSON into project values; integral floats are marked. */
export function decodeTagged(value: Tagged): PyValue {
  if (Array.isArray(value)) {
    const list: PyValue[] = [];
    value.forEach((item, index) => {
      list.push(decodeTagged(item));
      if (isTaggedFloat(item)) markFloat(list, index);
    });
    return list;
  }
  if (typeof value === 'object' && value !== null) {
    const tagged = value as Record<string, unknown>;
    if ('$int' in tagged) return BigInt(tagged.$int as string);
    if ('$float' in tagged) return parseFloatTag(tagged.$float as string);
    if ('$bytes' in tagged) return new Uint8Array(Buffer.from(tagged.$bytes as string, 'base64'));
    if ('$datetime' in tagged) return parseIsoDateTime(tagged.$datetime as string);
    if ('$date' in tagged) {
      const [y, m, d] = (tagged.$date as string).split('-').map(Number);
      return new PyDate(y!, m!, d!);
    }
    if ('$dict' in tagged) {
      const object: Record<string, PyValue> = {};
      for (const [k, v] of tagged.$dict as [Tagged, Tagged][]) {
        const key = typeof k === 'string' ? k : String(decodeTagged(k));
        object[key] = decodeTagged(v);
        if (isTaggedFloat(v)) markFloat(object, key);
      }
      return object;
    }
    const object: Record<string, PyValue> = {};
    for (const [k, v] of Object.entries(tagged)) {
      object[k] = decodeTagged(v);
      if (isTaggedFloat(v)) markFloat(object, k);
    }
    return object;
  }
  return value as PyValue;
}

function isTaggedFloat(value: Tagged): boolean {
  return typeof value === 'object' && value !== null && '$float' in value;
}

function parseFloatTag(text: string): number {
  if (text === 'nan') return Number.NaN;
  if (text === 'inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Parses Python's `datetime.isoformat()` output. */
export function parseIsoDateTime(text: string): PyDateTime {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?|Z)?$/.exec(text);
  if (match === null) throw new Error(`not an isoformat datetime: ${text}`);
  const [, y, mo, d, h, mi, s, frac, sign, oh, om] = match;
  const offset = sign === undefined ? (text.endsWith('Z') ? 0 : null)
    : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  return new PyDateTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s),
    frac === undefined ? 0 : Number(frac.padEnd(6, '0')), offset);
}
