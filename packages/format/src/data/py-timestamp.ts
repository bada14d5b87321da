/**
 * Datetimes with nanosecond precision (pandas `Timestamp`'s role) and the conversions between
 * datetime values and `datetime64[unit]` ticks.
 */
import { MlflowException } from '../mlflow-exception.js';
import { PyDate, PyDateTime } from '../py-values.js';
import { NAT, type DatetimeUnit } from './dtype.js';

/**
 * A naive or zoned datetime with nanosecond precision: a {@link PyDateTime} plus
 * `nanosecond` (0–999, below the microsecond), like pandas' `Timestamp`.
 */
export class PyTimestamp extends PyDateTime {
  constructor(
    year: number,
    month: number,
    day: number,
    hour = 0,
    minute = 0,
    second = 0,
    microsecond = 0,
    readonly nanosecond = 0,
    utcOffsetMinutes: number | null = null,
  ) {
    super(year, month, day, hour, minute, second, microsecond, utcOffsetMinutes);
  }

  /** Nanoseconds since the epoch (naive taken as UTC), exact. */
  toEpochNanos(): bigint {
    return epochNanos(this);
  }

  /** pandas' `str(Timestamp)`: nine fraction digits when there are nanoseconds. */
  override toString(): string {
    return this.withNanos(super.toString());
  }

  /** pandas' `Timestamp.isoformat()`. */
  override isoformat(): string {
    return this.withNanos(super.isoformat());
  }

  private withNanos(text: string): string {
    if (this.nanosecond === 0) return text;
    const nanos = String(this.nanosecond).padStart(3, '0');
    const offsetAt = text.search(/[+-]\d\d:\d\d$/);
    const head = offsetAt < 0 ? text : text.slice(0, offsetAt);
    const tail = offsetAt < 0 ? '' : text.slice(offsetAt);
    const withFraction = /\.\d{6}$/.test(head) ? head : `${head}.000000`;
    return `${withFraction}${nanos}${tail}`;
  }
}

const nanosPerUnit: Record<DatetimeUnit, bigint> = { ns: 1n, us: 1000n, ms: 1_000_000n, s: 1_000_000_000n };

/** Whether a value is a datetime the containers store as `datetime64` (not a bare date). */
export function isDatetimeValue(value: unknown): value is Date | PyDateTime {
  return value instanceof Date || value instanceof PyDateTime;
}

/** Nanoseconds since the epoch of a `Date`, `PyDate`, `PyDateTime` or `PyTimestamp`. */
export function epochNanos(value: Date | PyDate | PyDateTime): bigint {
  if (value instanceof PyDateTime) {
    const seconds = daysFromCivil(value.year, value.month, value.day) * 86_400 + value.hour * 3600 +
      value.minute * 60 + value.second - (value.utcOffsetMinutes ?? 0) * 60;
    const nanosecond = value instanceof PyTimestamp ? value.nanosecond : 0;
    return BigInt(seconds) * 1_000_000_000n + BigInt(value.microsecond) * 1000n + BigInt(nanosecond);
  }
  if (value instanceof PyDate) return BigInt(daysFromCivil(value.year, value.month, value.day)) * 86_400_000_000_000n;
  const ms = value.getTime();
  if (Number.isNaN(ms)) throw MlflowException.invalidParameterValue('Invalid Date');
  return BigInt(ms) * 1_000_000n;
}

/**
 * The `datetime64[unit]` ticks of a datetime value: a `Date`, `PyDate`, `PyDateTime`,
 * `PyTimestamp`, an ISO 8601 string, or a `bigint` (taken as ticks already). Zoned values are
 * converted to UTC. Precision below the unit is an error, never silently dropped.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for other values or lost precision.
 */
export function toTicks(value: unknown, unit: DatetimeUnit): bigint {
  if (typeof value === 'bigint') return value;
  let nanos: bigint;
  if (typeof value === 'string') nanos = epochNanos(parseIsoTimestamp(value));
  else if (value instanceof Date || value instanceof PyDate || value instanceof PyDateTime) nanos = epochNanos(value);
  else throw MlflowException.invalidParameterValue(`${describe(value)} is not a datetime`);
  const per = nanosPerUnit[unit];
  if (nanos % per !== 0n) {
    throw MlflowException.invalidParameterValue(
      `${String(value)} has more precision than datetime64[${unit}] can hold`);
  }
  const ticks = nanos / per;
  if (ticks <= NAT || ticks >= 2n ** 63n) {
    throw MlflowException.invalidParameterValue(`${String(value)} is out of bounds for datetime64[${unit}]`);
  }
  return ticks;
}

/** Nanoseconds since the epoch that fit `datetime64[unit]` (int64, not NaT). */
export function fitsTicks(nanos: bigint, unit: DatetimeUnit): boolean {
  const per = nanosPerUnit[unit];
  if (nanos % per !== 0n) return false;
  const ticks = nanos / per;
  return ticks > NAT && ticks < 2n ** 63n;
}

/**
 * The datetime at `ticks` of a `datetime64[unit]`: a naive {@link PyDateTime}, or a
 * {@link PyTimestamp} when it has nanoseconds; `null` for NaT.
 */
export function fromTicks(ticks: bigint, unit: DatetimeUnit): PyDateTime | null {
  if (ticks === NAT) return null;
  const nanos = ticks * nanosPerUnit[unit];
  let seconds = nanos / 1_000_000_000n;
  let rest = nanos % 1_000_000_000n;
  if (rest < 0n) {
    rest += 1_000_000_000n;
    seconds -= 1n;
  }
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) {
    throw MlflowException.invalidParameterValue(`datetime64[${unit}] value ${ticks} is out of range`);
  }
  const microsecond = Number(rest / 1000n);
  const nanosecond = Number(rest % 1000n);
  const parts = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(),
    date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), microsecond] as const;
  return nanosecond === 0 ? new PyDateTime(...parts) : new PyTimestamp(...parts, nanosecond);
}

const isoPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses an ISO 8601 date or datetime with up to nine fraction digits (`2024-01-02`,
 * `2024-01-02T03:04:05.123456789+01:00`).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when the text is not one.
 */
export function parseIsoTimestamp(text: string): PyTimestamp {
  const match = isoPattern.exec(text);
  if (match === null) throw MlflowException.invalidParameterValue(`'${text}' is not an ISO 8601 datetime`);
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const digits = (fraction ?? '').padEnd(9, '0');
  let offset: number | null = null;
  if (zone === 'Z') offset = 0;
  else if (zone !== undefined) {
    const sign = zone.startsWith('-') ? -1 : 1;
    const body = zone.slice(1).replace(':', '');
    offset = sign * (Number(body.slice(0, 2)) * 60 + Number(body.slice(2)));
  }
  const month = Number(mo);
  const day = Number(d);
  const probe = new Date(daysFromCivil(Number(y), month, day) * 86_400_000);
  if (month < 1 || month > 12 || probe.getUTCDate() !== day || Number(h ?? 0) > 23 ||
    Number(mi ?? 0) > 59 || Number(s ?? 0) > 59) {
    throw MlflowException.invalidParameterValue(`'${text}' is not a valid datetime`);
  }
  return new PyTimestamp(Number(y), month, day, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0),
    Number(digits.slice(0, 6)), Number(digits.slice(6)), offset);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (any year, unlike `Date.UTC`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return Object.prototype.toString.call(value);
  return `${typeof value} ${String(value)}`;
}
