/**
 * JSON text exactly as Python's `json` module writes and reads it (format spec 4.1 and 6.4):
 * `json.dumps` with its default separators, `ensure_ascii`, Python float `repr`, the bare
 * `NaN` / `Infinity` tokens and unbounded integers; `json.loads` keeping the int/float
 * distinction (integral floats are marked with {@link markFloat}) and big integers as `bigint`.
 */
import { MlflowException } from './mlflow-exception.js';
import { formatPythonFloat, isFloatSlot, isPlainObject, markFloat, type PyValue } from './py-values.js';

/** Options of {@link dumpsPythonJson}, Python's `json.dumps` keyword arguments. */
export interface DumpsPythonJsonOptions {
  /** `indent=`: pretty-print with this many spaces per level (item separator becomes `","`). */
  indent?: number;
  /** `ensure_ascii=` (default `true`): escape every non-ASCII character as `\uXXXX`. */
  ensureAscii?: boolean;
}

/** Options of {@link parsePythonJson}. */
export interface ParsePythonJsonOptions {
  /** The file (or field) the text came from, named in error messages. */
  path?: string;
}

// eslint-disable-next-line no-control-regex
const needsEscapeAscii = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/;
// eslint-disable-next-line no-control-regex
const needsEscapeUnicode = /[\x00-\x1f"\\]/;

const shortEscapes: Record<number, string> = {
  0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x08: '\\b', 0x0c: '\\f',
};

function hex4(code: number): string {
  return '\\u' + code.toString(16).padStart(4, '0');
}

/** A string literal as `json.dumps` writes it. */
function quote(text: string, ensureAscii: boolean): string {
  const pattern = ensureAscii ? needsEscapeAscii : needsEscapeUnicode;
  if (!pattern.test(text)) return `"${text}"`;
  let out = '"';
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    let escaped: string | undefined;
    if (code < 0x20 || code === 0x22 || code === 0x5c) {
      escaped = shortEscapes[code] ?? hex4(code);
    } else if (ensureAscii && code > 0x7e) {
      escaped = hex4(code); // astral characters are already two UTF-16 units: a surrogate pair
    }
    if (escaped !== undefined) {
      out += text.slice(start, index) + escaped;
      start = index + 1;
    }
  }
  return out + text.slice(start) + '"';
}

function formatNumber(value: number, container: object | undefined, key: string | number | undefined): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Number.isSafeInteger(value) && !Object.is(value, -0)
    && !(container !== undefined && key !== undefined && isFloatSlot(container, key))) {
    return String(value);
  }
  return formatPythonFloat(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'function';
  if (typeof value === 'symbol') return 'symbol';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object' && value !== null) {
    return (value as object).constructor?.name ?? 'object';
  }
  return typeof value;
}

/**
 * Python's `json.dumps(value)` (or `json.dumps(value, indent=n)`), byte for byte: `", "` and
 * `": "` separators, `\uXXXX` escapes (lowercase, surrogate pairs) unless `ensureAscii` is
 * false, floats as Python `repr` (marked integral floats as `1.0`), `NaN` / `Infinity` /
 * `-Infinity` tokens, `bigint` digits, keys in insertion order. A `Map` with string keys is
 * written as a dict in its own order (plain objects put integer-like keys first).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for values Python's `json` cannot write
 * (undefined, functions, bytes, dates, class instances) and for circular structures.
 */
export function dumpsPythonJson(value: unknown, options: DumpsPythonJsonOptions = {}): string {
  const ensureAscii = options.ensureAscii ?? true;
  const indent = options.indent === undefined ? undefined : ' '.repeat(Math.max(0, options.indent));
  const active = new Set<object>();

  const write = (item: unknown, container: object | undefined, key: string | number | undefined,
    level: number): string => {
    if (item === null) return 'null';
    switch (typeof item) {
      case 'boolean':
        return item ? 'true' : 'false';
      case 'string':
        return quote(item, ensureAscii);
      case 'number':
        return formatNumber(item, container, key);
      case 'bigint':
        return item.toString();
      default:
        break;
    }
    const isArray = Array.isArray(item);
    const isMap = item instanceof Map;
    if (!isArray && !isMap && !isPlainObject(item)) {
      throw new MlflowException('INVALID_PARAMETER_VALUE',
        `Object of type ${describe(item)} is not JSON serializable`);
    }
    const object = item as object;
    if (active.has(object)) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', 'Circular reference detected');
    }
    active.add(object);
    const parts: string[] = [];
    if (isArray) {
      const list = item as unknown[];
      for (let index = 0; index < list.length; index++) {
        parts.push(write(list[index], list, index, level + 1));
      }
    } else if (isMap) {
      for (const [k, v] of item as Map<unknown, unknown>) {
        if (typeof k !== 'string') {
          throw new MlflowException('INVALID_PARAMETER_VALUE',
            `keys must be str, int, float, bool or None, not ${describe(k)}`);
        }
        parts.push(`${quote(k, ensureAscii)}: ${write(v, undefined, undefined, level + 1)}`);
      }
    } else {
      const record = item as Record<string, unknown>;
      for (const k of Object.keys(record)) {
        parts.push(`${quote(k, ensureAscii)}: ${write(record[k], record, k, level + 1)}`);
      }
    }
    active.delete(object);
    const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
    if (parts.length === 0) return open + close;
    if (indent === undefined) return open + parts.join(', ') + close;
    const inner = '\n' + indent.repeat(level + 1);
    return open + inner + parts.join(',' + inner) + '\n' + indent.repeat(level) + close;
  };

  return write(value, undefined, undefined, 0);
}

const WS_SPACE = 0x20;
const WS_TAB = 0x09;
const WS_LF = 0x0a;
const WS_CR = 0x0d;

class JsonParser {
  index = 0;

  constructor(
    readonly text: string,
    readonly path: string | undefined,
  ) {}

  fail(message: string, at: number = this.index): never {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (this.text.charCodeAt(i) === WS_LF) {
        line++;
        lineStart = i + 1;
      }
    }
    const where = `line ${line} column ${at - lineStart + 1} (char ${at})`;
    const prefix = this.path === undefined ? '' : `Invalid JSON in ${this.path}: `;
    throw new MlflowException('INVALID_PARAMETER_VALUE', `${prefix}${message}: ${where}`,
      this.path === undefined ? undefined : { path: this.path });
  }

  skipWhitespace(): void {
    const text = this.text;
    let i = this.index;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === WS_SPACE || c === WS_LF || c === WS_CR || c === WS_TAB) i++;
      else break;
    }
    this.index = i;
  }

  /** Parses one value starting at `this.index` (whitespace already skipped). */
  value(container: object | undefined, key: string | number | undefined): PyValue {
    const text = this.text;
    const c = text.charCodeAt(this.index);
    switch (c) {
      case 0x22: // "
        return this.string();
      case 0x7b: // {
        return this.object();
      case 0x5b: // [
        return this.array();
      case 0x6e: // n
        if (text.startsWith('null', this.index)) { this.index += 4; return null; }
        break;
      case 0x74: // t
        if (text.startsWith('true', this.index)) { this.index += 4; return true; }
        break;
      case 0x66: // f
        if (text.startsWith('false', this.index)) { this.index += 5; return false; }
        break;
      case 0x4e: // N
        if (text.startsWith('NaN', this.index)) { this.index += 3; return Number.NaN; }
        break;
      case 0x49: // I
        if (text.startsWith('Infinity', this.index)) { this.index += 8; return Number.POSITIVE_INFINITY; }
        break;
      case 0x2d: // -
        if (text.startsWith('-Infinity', this.index)) { this.index += 9; return Number.NEGATIVE_INFINITY; }
        return this.number(container, key);
      default:
        if (c >= 0x30 && c <= 0x39) return this.number(container, key);
    }
    return this.fail('Expecting value');
  }

  number(container: object | undefined, key: string | number | undefined): PyValue {
    const text = this.text;
    const start = this.index;
    let i = start;
    if (text.charCodeAt(i) === 0x2d) i++;
    const intStart = i;
    let c = text.charCodeAt(i);
    if (c === 0x30) {
      i++;
    } else if (c >= 0x31 && c <= 0x39) {
      do i++; while ((c = text.charCodeAt(i)) >= 0x30 && c <= 0x39);
    } else {
      return this.fail('Expecting value', start);
    }
    const intEnd = i;
    let isFloat = false;
    if (text.charCodeAt(i) === 0x2e) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0x30 && next <= 0x39) {
        isFloat = true;
        i += 2;
        while ((c = text.charCodeAt(i)) >= 0x30 && c <= 0x39) i++;
      }
    }
    c = text.charCodeAt(i);
    if (c === 0x65 || c === 0x45) {
      let j = i + 1;
      const sign = text.charCodeAt(j);
      if (sign === 0x2b || sign === 0x2d) j++;
      const first = text.charCodeAt(j);
      if (first >= 0x30 && first <= 0x39) {
        isFloat = true;
        j++;
        while ((c = text.charCodeAt(j)) >= 0x30 && c <= 0x39) j++;
        i = j;
      }
    }
    this.index = i;
    const literal = text.slice(start, i);
    if (isFloat) {
      const parsed = Number(literal);
      if (container !== undefined && key !== undefined) markFloat(container, key);
      return parsed;
    }
    if (intEnd - intStart <= 15) {
      const parsed = Number(literal);
      return parsed === 0 ? 0 : parsed;
    }
    const parsed = Number(literal);
    return Number.isSafeInteger(parsed) ? parsed : BigInt(literal);
  }

  string(): string {
    const text = this.text;
    const begin = this.index;
    let i = begin + 1;
    let chunkStart = i;
    let out = '';
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        this.index = i + 1;
        return out + text.slice(chunkStart, i);
      }
      if (c === 0x5c) {
        out += text.slice(chunkStart, i);
        const e = text.charCodeAt(i + 1);
        switch (e) {
          case 0x22: out += '"'; i += 2; break;
          case 0x5c: out += '\\'; i += 2; break;
          case 0x2f: out += '/'; i += 2; break;
          case 0x62: out += '\b'; i += 2; break;
          case 0x66: out += '\f'; i += 2; break;
          case 0x6e: out += '\n'; i += 2; break;
          case 0x72: out += '\r'; i += 2; break;
          case 0x74: out += '\t'; i += 2; break;
          case 0x75: { // u
            const digits = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail('Invalid \\uXXXX escape', i + 1);
            out += String.fromCharCode(parseInt(digits, 16));
            i += 6;
            break;
          }
          default:
            if (Number.isNaN(e)) this.fail('Unterminated string starting at', begin);
            this.fail('Invalid \\escape', i);
        }
        chunkStart = i;
        continue;
      }
      if (!(c >= 0x20)) {
        if (Number.isNaN(c)) this.fail('Unterminated string starting at', begin);
        this.fail('Invalid control character at', i);
      }
      i++;
    }
  }

  array(): PyValue[] {
    const text = this.text;
    const list: PyValue[] = [];
    this.index++;
    this.skipWhitespace();
    if (text.charCodeAt(this.index) === 0x5d) {
      this.index++;
      return list;
    }
    for (;;) {
      list.push(this.value(list, list.length));
      this.skipWhitespace();
      const c = text.charCodeAt(this.index);
      if (c === 0x5d) {
        this.index++;
        return list;
      }
      if (c !== 0x2c) this.fail("Expecting ',' delimiter");
      this.index++;
      this.skipWhitespace();
    }
  }

  object(): { [key: string]: PyValue } {
    const text = this.text;
    const record: { [key: string]: PyValue } = {};
    this.index++;
    this.skipWhitespace();
    if (text.charCodeAt(this.index) === 0x7d) {
      this.index++;
      return record;
    }
    for (;;) {
      if (text.charCodeAt(this.index) !== 0x22) {
        this.fail('Expecting property name enclosed in double quotes');
      }
      const key = this.string();
      this.skipWhitespace();
      if (text.charCodeAt(this.index) !== 0x3a) this.fail("Expecting ':' delimiter");
      this.index++;
      this.skipWhitespace();
      const item = this.value(record, key);
      if (key === '__proto__') {
        Object.defineProperty(record, key, { value: item, enumerable: true, writable: true, configurable: true });
      } else {
        record[key] = item;
      }
      this.skipWhitespace();
      const c = text.charCodeAt(this.index);
      if (c === 0x7d) {
        this.index++;
        return record;
      }
      if (c !== 0x2c) this.fail("Expecting ',' delimiter");
      this.index++;
      this.skipWhitespace();
    }
  }
}

/**
 * Reads JSON text the way Python's `json.loads` does: accepts `NaN`, `Infinity`, `-Infinity`;
 * integers beyond 2^53 become `bigint`; numbers written with a fraction or exponent are floats
 * (integral ones are marked in their container with {@link markFloat}; a bare top-level `1.0`
 * cannot be marked and reads as `1`); duplicate keys keep the last value.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE with Python's message, line, column and
 * character position (and the `path`, when given) for text that is not valid JSON.
 */
export function parsePythonJson(text: string, options: ParsePythonJsonOptions = {}): PyValue {
  if (typeof text !== 'string') {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `the JSON object must be str, bytes or bytearray, not ${describe(text)}`,
      options.path === undefined ? undefined : { path: options.path });
  }
  const parser = new JsonParser(text, options.path);
  try {
    parser.skipWhitespace();
    const result = parser.value(undefined, undefined);
    parser.skipWhitespace();
    if (parser.index !== text.length) parser.fail('Extra data');
    return result;
  } catch (error) {
    if (error instanceof RangeError) {
      throw new MlflowException('INVALID_PARAMETER_VALUE',
        `${options.path === undefined ? '' : `Invalid JSON in ${options.path}: `}maximum recursion depth exceeded while decoding a JSON document`,
        { cause: error, ...(options.path === undefined ? {} : { path: options.path }) });
    }
    throw error;
  }
}
