/**
 * UDF arguments → model input (spark.md 5): Arrow columns to the pandas values a model sees in
 * MLflow's `local` mode (5.2), named as MLflow names them (5.1).
 */
import {
  Frame,
  MlflowException,
  PyDate,
  Tensor,
  fromTicks,
  makeColumn,
  type Column,
  type DType,
  type Label,
  type Schema,
} from '@pyfunc/format';
import { Type, type Data, type DataType, type Field, type Vector } from 'apache-arrow';

/** How one UDF argument's values are handed over (options of {@link arrowColumnToModelColumn}). */
export interface ArrowInputOptions {
  /**
   * `spark.sql.session.timeZone`: time-zone-aware Arrow timestamps become naive wall-clock
   * times in this zone (PySpark's rule); default `UTC`.
   */
  sessionTimeZone?: string;
}

function invalid(message: string): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', message);
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset (minutes) of `zone` at a UTC instant, from Intl. */
function zoneOffsetMinutes(zone: string, epochMs: number): number {
  if (zone === 'UTC' || zone === 'Etc/UTC' || zone === 'GMT' || zone === 'Z') return 0;
  let formatter = zoneFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    zoneFormatters.set(zone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(new Date(epochMs)).map((part) => [part.type, part.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((wall - Math.floor(epochMs / 1000) * 1000) / 60_000);
}

const nanosPerUnit = [1_000_000_000n, 1_000_000n, 1000n, 1n]; // TimeUnit SECOND, MILLISECOND, MICROSECOND, NANOSECOND

/** Naive datetime64[ns] ticks of an Arrow timestamp value (wall clock in the session zone when zoned). */
function timestampNanos(raw: bigint, unit: number, timezone: string | null | undefined, sessionZone: string): bigint {
  const nanos = raw * nanosPerUnit[unit]!;
  if (timezone === null || timezone === undefined || timezone === '') return nanos;
  const offset = zoneOffsetMinutes(sessionZone, Number(nanos / 1_000_000n));
  return nanos + BigInt(offset) * 60_000_000_000n;
}

function decimalValue(words: Uint32Array, scale: number): number {
  let value = 0n;
  for (let i = words.length - 1; i >= 0; i -= 1) value = (value << 32n) | BigInt(words[i]!);
  const bits = BigInt(words.length * 32);
  if (value >= 1n << (bits - 1n)) value -= 1n << bits;
  return Number(value) / 10 ** scale;
}

function pyDateOfDays(days: number): PyDate {
  const date = new Date(days * 86_400_000);
  return new PyDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

const typedDTypes: Partial<Record<Type, DType>> = {
  [Type.Int8]: 'int8', [Type.Int16]: 'int16', [Type.Int32]: 'int32', [Type.Int64]: 'int64',
  [Type.Uint8]: 'uint8', [Type.Uint16]: 'uint16', [Type.Uint32]: 'uint32', [Type.Uint64]: 'uint64',
  [Type.Float32]: 'float32', [Type.Float64]: 'float64',
};

/**
 * One value of an Arrow vector as it sits in a pandas object cell (nested in a list or struct,
 * or in an object column): integers as numbers (bigint beyond 2^53), lists as 1-d numpy arrays
 * ({@link Tensor}) of their element type, structs as dicts, dates and timestamps as
 * `PyDate`/`PyDateTime`, binary as bytes.
 */
function cellValue(vector: Vector, index: number, options: Required<ArrowInputOptions>): unknown {
  const type = vector.type as DataType;
  if (!vector.isValid(index)) return null;
  switch (type.typeId) {
    case Type.Int: {
      const value = vector.get(index) as number | bigint;
      if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
      return value;
    }
    case Type.Float: case Type.Bool: case Type.Utf8: case Type.LargeUtf8:
      return vector.get(index);
    case Type.Binary: case Type.LargeBinary: case Type.FixedSizeBinary:
      return new Uint8Array(vector.get(index) as Uint8Array);
    case Type.Decimal:
      return decimalValue(vector.get(index) as Uint32Array, (type as unknown as { scale: number }).scale);
    case Type.Date: {
      const days = (type as unknown as { unit: number }).unit === 0
        ? (vector.data[0] as Data).values[index] as number : Math.floor((vector.get(index) as number) / 86_400_000);
      return pyDateOfDays(days);
    }
    case Type.Timestamp: {
      const { unit, timezone } = type as unknown as { unit: number; timezone: string | null };
      return fromTicks(timestampNanos(rawTimestamp(vector, index), unit, timezone, options.sessionTimeZone), 'ns');
    }
    case Type.List: case Type.LargeList: case Type.FixedSizeList:
      return listCell(vector.get(index) as Vector, options);
    case Type.Struct: {
      const out: Record<string, unknown> = {};
      const children = (type as unknown as { children: Field[] }).children;
      children.forEach((field, i) => {
        out[field.name] = cellValue(vector.getChildAt(i)!, index, options);
      });
      return out;
    }
    case Type.Map: {
      const entries = vector.get(index) as unknown as { toJSON(): Record<string, unknown> } | null;
      return entries === null ? null : entries.toJSON();
    }
    case Type.Dictionary: {
      const value = vector.get(index) as unknown;
      return typeof value === 'bigint' ? Number(value) : value;
    }
    case Type.Null:
      return null;
    default:
      throw invalid(`Unsupported Spark input type ${String(type)} in spark_udf`);
  }
}

function rawTimestamp(vector: Vector, index: number): bigint {
  let offset = index;
  for (const data of vector.data as Data[]) {
    if (offset < data.length) return (data.values as BigInt64Array)[offset]!;
    offset -= data.length;
  }
  throw invalid('timestamp index out of range');
}

/** A list cell: a numpy-like 1-d array (PySpark hands pandas an ndarray per cell). */
function listCell(values: Vector, options: Required<ArrowInputOptions>): unknown {
  const column = vectorToColumn('', values, options);
  return new Tensor(column.dtype, [column.values.length], column.values);
}

/**
 * An Arrow vector as one pandas column (spark.md 5.2): integer columns keep their width unless
 * they hold nulls (then float64 with NaN, pandas' rule), floats keep theirs (nulls NaN),
 * booleans with nulls become object, timestamps become naive `datetime64[ns]` (zoned ones as
 * wall-clock time in the session zone), strings/binary/decimals/dates/lists/structs become
 * object cells.
 */
export function vectorToColumn(name: Label, vector: Vector, options: Required<ArrowInputOptions>): Column {
  const type = vector.type as DataType;
  const length = vector.length;
  const nulls = vector.nullCount;
  const typed = typedDTypes[type.typeId as Type] ?? (type.typeId === Type.Int || type.typeId === Type.Float ? typedDTypeOf(type) : undefined);
  if (typed !== undefined) {
    const values = vector.toArray() as unknown as ArrayLike<number | bigint>;
    if (nulls === 0) return makeColumn(name, values as unknown as Float64Array, typed);
    const out = new Float64Array(length);
    for (let i = 0; i < length; i += 1) out[i] = vector.isValid(i) ? Number(values[i]!) : Number.NaN;
    if (typed === 'float32') {
      const narrow = new Float32Array(out);
      return makeColumn(name, narrow, 'float32');
    }
    return makeColumn(name, out, 'float64');
  }
  if (type.typeId === Type.Bool && nulls === 0) {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 1) out[i] = vector.get(i) === true ? 1 : 0;
    return { name, dtype: 'bool', values: out, validity: null };
  }
  if (type.typeId === Type.Timestamp) {
    const { unit, timezone } = type as unknown as { unit: number; timezone: string | null };
    const out = new BigInt64Array(length);
    for (let i = 0; i < length; i += 1) {
      out[i] = vector.isValid(i) ? timestampNanos(rawTimestamp(vector, i), unit, timezone, options.sessionTimeZone) : -(2n ** 63n);
    }
    return { name, dtype: 'datetime64[ns]', values: out, validity: null };
  }
  const cells = new Array<unknown>(length);
  for (let i = 0; i < length; i += 1) cells[i] = cellValue(vector, i, options);
  return { name, dtype: 'object', values: cells, validity: null };
}

function typedDTypeOf(type: DataType): DType | undefined {
  if (type.typeId === Type.Int) {
    const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
    return `${isSigned ? 'int' : 'uint'}${bitWidth}` as DType;
  }
  const precision = (type as unknown as { precision: number }).precision;
  return precision === 2 ? 'float64' : precision === 1 ? 'float32' : 'float16' as DType;
}

/** Whether the vector is a struct column (a pandas DataFrame argument in PySpark). */
function isStruct(vector: Vector): boolean {
  return (vector.type as DataType).typeId === Type.Struct;
}

/**
 * MLflow's positional naming (spark.md 5.1): the schema's input names (extra arguments dropped),
 * `"0"`, `"1"`, … without a schema, integer labels for an unnamed schema.
 * @throws {MlflowException} "Model input is missing required columns. …" with fewer arguments
 * than required inputs.
 */
export function argumentNames(inputSchema: Schema | undefined, argumentCount: number): Label[] {
  if (inputSchema === undefined) return Array.from({ length: argumentCount }, (_, i) => String(i));
  const names = inputSchema.inputNames() as Label[];
  const required = inputSchema.requiredInputNames();
  const given = Math.min(argumentCount, names.length);
  if (given < required.length) {
    throw new MlflowException('INTERNAL_ERROR', `Model input is missing required columns. Expected ${names.length} required` +
      ` input columns ${labelListRepr(names)}, but the model received only ${given} ` +
      'unnamed input columns (Since the columns were passed unnamed they are expected to be in the order specified by the schema).');
  }
  return names;
}

function labelListRepr(names: readonly Label[]): string {
  return `[${names.map((name) => (typeof name === 'number' ? String(name) : `'${name}'`)).join(', ')}]`;
}

/**
 * The model input of one batch (spark.md 5.1, 5.2): a single struct argument is the frame (its
 * fields are the columns); otherwise the arguments are named positionally by
 * {@link argumentNames}, a struct among several becoming a column of dicts, and names without an
 * argument a column of missing values.
 * @throws {MlflowException} for too few arguments or Arrow types Spark cannot hand a UDF.
 */
export function arrowArgumentsToFrame(args: readonly Vector[], inputSchema: Schema | undefined, options: ArrowInputOptions = {}): Frame {
  const resolved = { sessionTimeZone: options.sessionTimeZone ?? 'UTC' };
  if (args.length === 1 && isStruct(args[0]!)) {
    const struct = args[0]!;
    const children = (struct.type as unknown as { children: Field[] }).children;
    return new Frame(children.map((field, i) => vectorToColumn(field.name, struct.getChildAt(i)!, resolved)));
  }
  const names = argumentNames(inputSchema, args.length);
  const length = args[0]?.length ?? 0;
  return new Frame(names.map((name, i) => {
    const arg = args[i];
    if (arg === undefined) return makeColumn(name, new Array<null>(length).fill(null), 'object');
    return vectorToColumn(name, arg, resolved);
  }));
}


