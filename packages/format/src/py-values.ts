/**
 * Python's value model in JavaScript, as MLflow's files carry it.
 *
 * YAML and Python-JSON readers give plain JavaScript values: `null`, booleans, strings,
 * arrays, plain objects, numbers, `bigint` for integers beyond 2^53, `Uint8Array` for bytes,
 * {@link PyDate} / {@link PyDateTime} for dates. Python distinguishes `1` (int) from `1.0`
 * (float) where JavaScript cannot; readers therefore *mark* the slot of a container that held
 * an integral float ({@link markFloat}), and writers consult the mark, so `x: 1.0` survives a
 * read and a write. Values stay plain numbers for the user.
 */

/** Shared through the global symbol registry, so two installed copies of this package agree. */
const floatSlots: WeakMap<object, Set<string | number>> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('pyfunc.floatSlots')] ??= new WeakMap()) as WeakMap<object, Set<string | number>>;

/** Records that `container[key]` holds a Python float even when its value is integral. */
export function markFloat(container: object, key: string | number): void {
  let slots = floatSlots.get(container);
  if (slots === undefined) {
    slots = new Set();
    floatSlots.set(container, slots);
  }
  slots.add(typeof key === 'number' && !Array.isArray(container) ? String(key) : key);
}

/** Whether `container[key]` was read (or marked) as a Python float. */
export function isFloatSlot(container: object, key: string | number): boolean {
  const slots = floatSlots.get(container);
  if (slots === undefined) return false;
  return slots.has(typeof key === 'number' && !Array.isArray(container) ? String(key) : key);
}

/** Whether a number is written as a Python float: non-integral, non-finite, `-0`, or marked. */
export function isPyFloat(value: number, container?: object, key?: string | number): boolean {
  if (!Number.isInteger(value) || Object.is(value, -0)) return true;
  if (!Number.isSafeInteger(value)) return true; // 1e300 came from a float, ints beyond 2^53 are bigint
  return container !== undefined && key !== undefined && isFloatSlot(container, key);
}

/** A Python `datetime.date`. */
export class PyDate {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
  ) {}

  /** `YYYY-MM-DD`, Python's `str(date)` and `date.isoformat()`. */
  toString(): string {
    return `${pad(this.year, 4)}-${pad(this.month, 2)}-${pad(this.day, 2)}`;
  }

  isoformat(): string {
    return this.toString();
  }

  toJSON(): string {
    return this.toString();
  }

  /** Midnight UTC of this date. */
  toDate(): Date {
    return new Date(utcMillis(this.year, this.month, this.day, 0, 0, 0, 0));
  }
}

/**
 * A Python `datetime.datetime` with microsecond precision; `utcOffsetMinutes` is `null` for a
 * naive datetime (no zone), as MLflow writes `utc_time_created`.
 */
export class PyDateTime {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
    readonly hour = 0,
    readonly minute = 0,
    readonly second = 0,
    readonly microsecond = 0,
    readonly utcOffsetMinutes: number | null = null,
  ) {}

  /** A naive UTC datetime from a JavaScript `Date` (millisecond precision). */
  static fromDate(date: Date, options: { naive?: boolean } = {}): PyDateTime {
    return new PyDateTime(
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds() * 1000,
      options.naive === false ? 0 : null,
    );
  }

  /** The current time as a naive UTC datetime with microseconds, as `datetime.utcnow()`. */
  static now(): PyDateTime {
    const micros = Math.round((performance.timeOrigin + performance.now()) * 1000);
    const date = new Date(Math.floor(micros / 1000));
    return new PyDateTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(),
      date.getUTCMinutes(), date.getUTCSeconds(), micros % 1_000_000);
  }

  /** Python's `str(datetime)`: `YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]`. */
  toString(): string {
    return this.format(' ');
  }

  /** Python's `datetime.isoformat()`: as `str()` with a `T` separator. */
  isoformat(): string {
    return this.format('T');
  }

  toJSON(): string {
    return this.isoformat();
  }

  /** The instant, treating a naive datetime as UTC (sub-millisecond digits dropped). */
  toDate(): Date {
    const ms = utcMillis(this.year, this.month, this.day, this.hour, this.minute, this.second,
      Math.floor(this.microsecond / 1000));
    return new Date(ms - (this.utcOffsetMinutes ?? 0) * 60_000);
  }

  /** Microseconds since the epoch (naive taken as UTC), exact. */
  toEpochMicros(): bigint {
    const ms = utcMillis(this.year, this.month, this.day, this.hour, this.minute, this.second, 0);
    return BigInt(ms - (this.utcOffsetMinutes ?? 0) * 60_000) * 1000n + BigInt(this.microsecond);
  }

  private format(separator: string): string {
    let text = `${pad(this.year, 4)}-${pad(this.month, 2)}-${pad(this.day, 2)}${separator}` +
      `${pad(this.hour, 2)}:${pad(this.minute, 2)}:${pad(this.second, 2)}`;
    if (this.microsecond !== 0) text += `.${pad(this.microsecond, 6)}`;
    if (this.utcOffsetMinutes !== null) {
      const sign = this.utcOffsetMinutes < 0 ? '-' : '+';
      const offset = Math.abs(this.utcOffsetMinutes);
      text += `${sign}${pad(Math.floor(offset / 60), 2)}:${pad(offset % 60, 2)}`;
    }
    return text;
  }
}

/** `Date.UTC` without its mapping of years 0-99 to 1900-1999. */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year);
  return date.getTime();
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** A value of Python's data model as read from MLflow's YAML and JSON files. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyDate
  | PyDateTime
  | PyValue[]
  | { [key: string]: PyValue };

/** Whether a value is a plain object (a Python dict), not an array, date or byte string. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** A deep copy that keeps float marks (see {@link markFloat}). */
export function copyPyValue<T>(value: T): T {
  if (Array.isArray(value)) {
    const copy = value.map((item) => copyPyValue(item) as unknown);
    value.forEach((_, index) => {
      if (isFloatSlot(value, index)) markFloat(copy, index);
    });
    return copy as T;
  }
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] = copyPyValue(item);
      if (isFloatSlot(value, key)) markFloat(copy, key);
    }
    return copy as T;
  }
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  return value;
}

/**
 * Compares strings by Unicode code point, Python's `str` order (JavaScript's `<` compares
 * UTF-16 code units, which differs above U+FFFF).
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip, in fixed notation when the
 * decimal exponent is in [-4, 16) (with `.0` for integral values) and otherwise scientific with
 * a signed exponent of at least two digits (`1e-05`, `1.5e+300`); `nan`, `inf`, `-inf`.
 */
export function formatPythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  const digits = mantissa.replace('.', '');
  const sign = value < 0 ? '-' : '';
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const integer = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    const fraction = digits.slice(exponent + 1);
    return `${sign}${integer}.${fraction === '' ? '0' : fraction}`;
  }
  const expSign = exponent < 0 ? '-' : '+';
  const expDigits = String(Math.abs(exponent)).padStart(2, '0');
  return `${sign}${mantissa}e${expSign}${expDigits}`;
}
