/**
 * Python semantics on JavaScript values, for error messages that read exactly like MLflow's:
 * `repr`, `str`, `type(x).__name__`, `str(type(x))`, `==`, truthiness and `isinstance`.
 *
 * Values follow the model of `py-values.ts`: floats are told from ints by their float marks, so
 * the functions that print or classify a number take the `container` and `key` it was found at
 * (see {@link isPyFloat}). `Tensor`, `Frame`, `Series` and the sparse matrices stand for numpy
 * arrays, pandas objects and scipy matrices.
 */
import { CscMatrix, CsrMatrix } from './data/sparse.js';
import { Frame, Series } from './data/frame.js';
import { Tensor } from './data/tensor.js';
import { PyDate, PyDateTime, formatPythonFloat, isPlainObject, isPyFloat } from './py-values.js';

/**
 * A value with its own Python repr, used by {@link pyRepr} for objects that are not plain
 * values (e.g. chat dataclasses printing as `Name(field=value, ...)`).
 */
export interface PyReprable {
  /** The value's Python `repr`. */
  pyRepr(): string;
}

function isReprable(value: unknown): value is PyReprable {
  return typeof value === 'object' && value !== null &&
    typeof (value as Partial<PyReprable>).pyRepr === 'function';
}

/** Characters `str.isprintable()` rejects: Unicode "Other" and "Separator" (the space aside). */
const nonPrintable = /[\p{C}\p{Z}]/u;

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}

/** Python's escape of a non-printable code point: `\x..`, `\u....` or `\U........`. */
function escapeCodePoint(code: number): string {
  if (code < 0x100) return `\\x${hex(code, 2)}`;
  if (code < 0x10000) return `\\u${hex(code, 4)}`;
  return `\\U${hex(code, 8)}`;
}

/** `repr(str)`: single quotes unless only they occur; non-printable characters escaped. */
function strRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let body = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '\\') body += '\\\\';
    else if (char === quote) body += `\\${quote}`;
    else if (char === '\n') body += '\\n';
    else if (char === '\r') body += '\\r';
    else if (char === '\t') body += '\\t';
    else if (code >= 0x20 && code < 0x7f) body += char;
    else if (nonPrintable.test(char)) body += escapeCodePoint(code);
    else body += char;
  }
  return quote + body + quote;
}

/** `repr(bytes)`: `b'...'` (or `b"..."`), bytes outside printable ASCII as `\x..`. */
function bytesRepr(value: Uint8Array): string {
  const quote = value.includes(0x27) && !value.includes(0x22) ? '"' : "'";
  const quoteByte = quote.charCodeAt(0);
  let body = '';
  for (const byte of value) {
    if (byte === 0x5c) body += '\\\\';
    else if (byte === quoteByte) body += `\\${quote}`;
    else if (byte === 0x0a) body += '\\n';
    else if (byte === 0x0d) body += '\\r';
    else if (byte === 0x09) body += '\\t';
    else if (byte < 0x20 || byte >= 0x7f) body += `\\x${hex(byte, 2)}`;
    else body += String.fromCharCode(byte);
  }
  return `b${quote}${body}${quote}`;
}

/**
 * Python `repr(value)`: `None`, `True`, `1`, `1.0`, `'text'`, `b'bytes'`, `[...]`, `{...}`,
 * `datetime.date(...)`; a {@link PyReprable} prints its own repr; exotic values fall back to
 * `String(value)`.
 * @param container the array or object holding `value`, whose float mark tells `1.0` from `1`
 * @param key where `value` sits in `container`
 */
export function pyRepr(value: unknown, container?: object, key?: string | number): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return isPyFloat(value, container, key) ? formatPythonFloat(value) : String(value);
  if (typeof value === 'string') return strRepr(value);
  if (value instanceof Uint8Array) return bytesRepr(value);
  if (value instanceof PyDateTime) {
    const parts = [value.year, value.month, value.day, value.hour, value.minute];
    if (value.second !== 0 || value.microsecond !== 0) parts.push(value.second);
    if (value.microsecond !== 0) parts.push(value.microsecond);
    return `datetime.datetime(${parts.join(', ')})`;
  }
  if (value instanceof PyDate) return `datetime.date(${value.year}, ${value.month}, ${value.day})`;
  if (Array.isArray(value)) return `[${value.map((item, index) => pyRepr(item, value, index)).join(', ')}]`;
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  if (value instanceof Set) return setRepr([...value]);
  if (isPlainObject(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${strRepr(k)}: ${pyRepr(v, value, k)}`).join(', ')}}`;
  }
  if (isReprable(value)) return value.pyRepr();
  return String(value);
}

/**
 * Python `str(value)` (what an f-string prints): strings as they are, dates as their
 * `str()` (`2024-01-02 03:04:05`), everything else as {@link pyRepr}.
 */
export function pyStr(value: unknown, container?: object, key?: string | number): string {
  if (typeof value === 'string') return value;
  if (value instanceof PyDate || value instanceof PyDateTime) return value.toString();
  return pyRepr(value, container, key);
}

/**
 * Python `type(value).__name__` of the Python value a JavaScript value stands for: `NoneType`,
 * `bool`, `int`, `float` (by the float mark at `container[key]`), `str`, `bytes`, `datetime`,
 * `date`, `list`, `dict`, `set`, `ndarray`, `DataFrame`, `Series`, `csr_matrix`, `csc_matrix`,
 * `function`; other objects by their constructor's name.
 */
export function pyTypeName(value: unknown, container?: object, key?: string | number): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return isPyFloat(value, container, key) ? 'float' : 'int';
  if (typeof value === 'string') return 'str';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof PyDateTime || value instanceof Date) return 'datetime';
  if (value instanceof PyDate) return 'date';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Tensor) return 'ndarray';
  if (value instanceof Frame) return 'DataFrame';
  if (value instanceof Series) return 'Series';
  if (value instanceof CsrMatrix) return 'csr_matrix';
  if (value instanceof CscMatrix) return 'csc_matrix';
  if (value instanceof Set) return 'set';
  if (isPlainObject(value) || value instanceof Map) return 'dict';
  if (typeof value === 'function') return 'function';
  return typeof value === 'object' ? ((value as object).constructor?.name ?? 'object') : typeof value;
}

/** Module-qualified names of the non-builtin classes {@link pyTypeName} knows. */
const qualifiedNames: Record<string, string> = {
  datetime: 'datetime.datetime', date: 'datetime.date', ndarray: 'numpy.ndarray',
  DataFrame: 'pandas.core.frame.DataFrame', Series: 'pandas.core.series.Series',
  csr_matrix: 'scipy.sparse._csr.csr_matrix', csc_matrix: 'scipy.sparse._csc.csc_matrix',
};

/**
 * Python `str(type(value))`: `<class 'list'>`, `<class 'float'>`, `<class 'numpy.ndarray'>`,
 * `<class 'datetime.date'>`.
 */
export function pyClass(value: unknown, container?: object, key?: string | number): string {
  const name = pyTypeName(value, container, key);
  return `<class '${qualifiedNames[name] ?? name}'>`;
}

function numeric(value: unknown): number | bigint | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  return undefined;
}

/**
 * Python `a == b` on plain values: numbers, bigints and booleans compare by value
 * (`1 == 1.0 == True`), lists and dicts element-wise, dates by value, bytes by content.
 */
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

/**
 * Python truthiness, `bool(value)`: `None`, `False`, zero, and empty strings, bytes, lists,
 * dicts and sets are false; NaN and every other object are true.
 */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (value instanceof Uint8Array) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** A Python builtin type {@link pyIsInstance} checks against. */
export type PyBuiltin = 'str' | 'int' | 'float' | 'bool' | 'dict' | 'list';

/**
 * Python `isinstance(value, builtin)`; `bool` is an `int`, as in Python, and a number is a
 * `float` or an `int` by the float mark at `container[key]`.
 */
export function pyIsInstance(value: unknown, type: PyBuiltin, container?: object, key?: string | number): boolean {
  switch (type) {
    case 'str':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'int':
      return typeof value === 'boolean' || typeof value === 'bigint' ||
        (typeof value === 'number' && !isPyFloat(value, container, key));
    case 'float':
      return typeof value === 'number' && isPyFloat(value, container, key);
    case 'dict':
      return isPlainObject(value) || value instanceof Map;
    case 'list':
      return Array.isArray(value);
  }
}

/** The Python tuple repr of a shape: `(2, 3)`, `(5,)`, `()`. */
export function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** The Python list repr of items: `['a', 0]`. */
export function listRepr(items: readonly unknown[]): string {
  return `[${items.map((item) => pyRepr(item)).join(', ')}]`;
}

/**
 * The Python set repr of items, in the given order: `{'a', 'b'}`, `set()` when empty (Python's
 * own order varies between processes).
 */
export function setRepr(items: readonly unknown[]): string {
  return items.length === 0 ? 'set()' : `{${items.map((item) => pyRepr(item)).join(', ')}}`;
}
