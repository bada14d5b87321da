/**
 * Spark result values → Arrow: the column the executor hands back to PySpark.
 */
import { MlflowException, PyDate, PyDateTime, toTicks } from '@pyfunc/format';
import {
  Binary,
  Bool,
  DateDay,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  Int8,
  Int16,
  List,
  Map_,
  Struct,
  TimestampNanosecond,
  Utf8,
  makeBuilder,
  makeData,
  makeVector,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { sparkTypeToDdl, type SparkType } from './spark-type.js';

/** The Arrow type PySpark uses for a Spark type (`to_arrow_type`). */
export function sparkTypeToArrow(type: SparkType): DataType {
  switch (type.kind) {
    case 'primitive':
      switch (type.name) {
        case 'tinyint': return new Int8();
        case 'smallint': return new Int16();
        case 'int': return new Int32();
        case 'bigint': return new Int64();
        case 'float': return new Float32();
        case 'double': return new Float64();
        case 'boolean': return new Bool();
        case 'string': return new Utf8();
        case 'binary': return new Binary();
        case 'date': return new DateDay();
        case 'timestamp': case 'timestamp_ntz': return new TimestampNanosecond();
        default: break;
      }
      break;
    case 'array': return new List(new Field('element', sparkTypeToArrow(type.element), true));
    case 'struct': return new Struct(type.fields.map((field) => new Field(field.name, sparkTypeToArrow(field.type), true)));
    case 'map': {
      const entries = new Struct([new Field('key', sparkTypeToArrow(type.key), false), new Field('value', sparkTypeToArrow(type.value), true)]);
      return new Map_(new Field('entries', entries) as never);
    }
    default: break;
  }
  throw new MlflowException('INVALID_PARAMETER_VALUE', `spark_udf cannot return values of type ${sparkTypeToDdl(type)}`);
}

function nanosOf(value: unknown): bigint | null {
  if (value === null || value === undefined) return null;
  if (value instanceof PyDateTime) return toTicks(value, 'ns');
  if (typeof value === 'bigint') return value;
  throw new MlflowException('INTERNAL_ERROR', `Cannot convert ${String(value)} to a timestamp`);
}

/** Values prepared for Arrow's builders: bigint for int64, Uint8Array for binary, day numbers for dates. */
function prepare(value: unknown, type: SparkType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'primitive':
      if (type.name === 'bigint') return typeof value === 'bigint' ? value : BigInt(value as number);
      if (type.name === 'int' || type.name === 'tinyint' || type.name === 'smallint') return Number(value);
      if (type.name === 'float' || type.name === 'double') return typeof value === 'bigint' ? Number(value) : value;
      if (type.name === 'date' && value instanceof PyDate) return new Date(Date.UTC(value.year, value.month - 1, value.day));
      return value;
    case 'array': return (value as unknown[]).map((item) => prepare(item, type.element));
    case 'struct': {
      const record = value as Record<string, unknown>;
      return Object.fromEntries(type.fields.map((field) => [field.name, prepare(record[field.name], field.type)]));
    }
    case 'map': return new Map([...(value as Map<string, unknown>).entries()].map(([key, item]) => [key, prepare(item, type.value)]));
    default: return value;
  }
}

/**
 * One Arrow vector of `type` holding `values` (as {@link predictionToSparkValues} returns them).
 * @throws {MlflowException} for types or values Arrow cannot hold.
 */
export function sparkValuesToArrow(values: ArrayLike<unknown>, type: SparkType): Vector {
  if (type.kind === 'primitive' && ArrayBuffer.isView(values)) {
    // typed results of the numeric fast path: Arrow takes the buffer as it is
    if ((type.name === 'int' && values instanceof Int32Array) || (type.name === 'bigint' && values instanceof BigInt64Array)
      || (type.name === 'float' && values instanceof Float32Array) || (type.name === 'double' && values instanceof Float64Array)) {
      return makeVector(values);
    }
    values = Array.from(values as ArrayLike<unknown>);
  }
  if (type.kind === 'primitive' && (type.name === 'timestamp' || type.name === 'timestamp_ntz')) {
    const data = new BigInt64Array(values.length);
    const validity = new Uint8Array(Math.ceil(values.length / 8));
    let nullCount = 0;
    Array.from(values).forEach((value, i) => {
      const nanos = nanosOf(value);
      if (nanos === null || nanos === -(2n ** 63n)) nullCount += 1;
      else { data[i] = nanos; validity[i >> 3]! |= 1 << (i & 7); }
    });
    return makeVector(makeData({ type: new TimestampNanosecond(), length: values.length, nullCount, nullBitmap: validity, data }));
  }
  const builder = makeBuilder({ type: sparkTypeToArrow(type), nullValues: [null, undefined] });
  for (let i = 0; i < values.length; i += 1) builder.append(prepare(values[i], type));
  return builder.finish().toVector();
}
