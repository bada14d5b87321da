/**
 * `Frame` (pandas `DataFrame`'s role), its `Column`s, and `Series` (one column on its own).
 */
import { MlflowException } from '../mlflow-exception.js';
import { isFloatSlot, isPlainObject, markFloat } from '../py-values.js';
import { isStorageOf, parseDType, type DType, type DTypeValues } from './dtype.js';
import { describeValue, inferColumnDType, isMissingAt, readValue, readValues, storeValues } from './values.js';

/** A column label: pandas allows strings and integers. */
export type Label = string | number;

/** One named, typed column of a {@link Frame}. */
export interface Column {
  /** The column label. */
  readonly name: Label;
  /** The element type. */
  readonly dtype: DType;
  /** The values (a typed array, or a JavaScript array for str/bytes/object). */
  readonly values: DTypeValues;
  /** 1 = present, 0 = missing, per row; `null` when every value is present. */
  readonly validity: Uint8Array | null;
}

/** Per-column dtypes to use instead of inference. */
export type DTypeMap = Partial<Record<string, DType | string>>;

/** Options when building a frame from JavaScript values. */
export interface FrameOptions {
  /** Dtypes by column label (numeric labels by their string form). */
  dtypes?: DTypeMap;
}

/**
 * Builds a column from JavaScript values: with `dtype`, the values must fit it; without, it is
 * inferred as pandas does ({@link inferColumnDType}); `null`/`undefined` are missing values. A
 * typed array (other than `Uint8Array`) is taken as is, with its own dtype.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for values that do not fit the dtype.
 */
export function makeColumn(name: Label, input: ArrayLike<unknown>, dtype?: DType | string): Column {
  checkLabel(name);
  if (ArrayBuffer.isView(input) && !(input instanceof DataView) && !(input instanceof Uint8Array)) {
    const own = dtypeOfView(input);
    if (dtype === undefined || parseDType(dtype) === own) {
      return { name, dtype: own, values: input as unknown as DTypeValues, validity: null };
    }
  }
  if (!Array.isArray(input) && !ArrayBuffer.isView(input)) {
    throw MlflowException.invalidParameterValue(`Column '${String(name)}' values must be an array, got ${describeValue(input)}`);
  }
  const resolved = dtype === undefined ? inferColumnDType(input, input as object) : parseDType(dtype);
  const { values, validity } = storeValues(resolved, input);
  return { name, dtype: resolved, values, validity };
}

function dtypeOfView(view: ArrayBufferView): DType {
  const dtype = ['int8', 'int16', 'int32', 'int64', 'uint16', 'uint32', 'uint64', 'float32', 'float64']
    .find((name) => isStorageOf(name as DType, view));
  if (dtype === undefined) throw MlflowException.invalidParameterValue('Unsupported typed array for a column');
  return dtype as DType;
}

function checkLabel(name: unknown): asserts name is Label {
  if (typeof name !== 'string' && !(typeof name === 'number' && Number.isFinite(name))) {
    throw MlflowException.invalidParameterValue(`Column labels must be strings or numbers, got ${describeValue(name)}`);
  }
}

/** Whether entry `index` of a column is missing (validity mask, NaN or NaT, or null object). */
export function isMissingValue(column: Column, index: number): boolean {
  return isMissingAt(column.dtype, column.values, column.validity, index);
}

/**
 * A table of equally long, named, typed columns in order (a pandas `DataFrame`). Built from
 * JavaScript values, each column's dtype follows pandas' inference ({@link inferColumnDType}):
 * integers → `int64`, with fractions → `float64`, booleans → `bool`, strings, bytes, dates
 * and nested values → `object`, datetimes → `datetime64[ns]`; `null`/`undefined` are missing.
 * As in pandas, an integer column with missing values becomes `float64` (NaN where missing,
 * and the validity mask records them), so inference gives it `double` as MLflow does.
 */
export class Frame {
  /** The columns, in order. */
  readonly columns: readonly Column[];
  private readonly byName: Map<Label, Column>;

  /**
   * A frame of existing columns (not copied).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for columns of different lengths,
   * duplicate labels, or storage that does not match a column's dtype.
   */
  constructor(columns: readonly Column[]) {
    const lengths = new Set(columns.map((column) => column.values.length));
    if (lengths.size > 1) {
      throw MlflowException.invalidParameterValue(
        `All columns must have the same length, got lengths ${[...lengths].join(', ')}`);
    }
    this.byName = new Map();
    for (const column of columns) {
      checkLabel(column.name);
      if (this.byName.has(column.name)) {
        throw MlflowException.invalidParameterValue(`Duplicate column label '${String(column.name)}'`);
      }
      if (!isStorageOf(column.dtype, column.values)) {
        throw MlflowException.invalidParameterValue(`Column '${String(column.name)}' storage does not match dtype '${column.dtype}'`);
      }
      if (column.validity !== null && column.validity.length !== column.values.length) {
        throw MlflowException.invalidParameterValue(`Column '${String(column.name)}' validity has the wrong length`);
      }
      this.byName.set(column.name, column);
    }
    this.columns = Object.freeze([...columns]);
  }

  /**
   * A frame from column arrays: `{a: [1, 2], b: ['x', 'y']}` (string labels), or a `Map` /
   * list of `[label, values]` pairs (numeric labels allowed).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for mismatched lengths or values that
   * do not fit an explicit dtype.
   */
  static fromColumns(
    columns: Record<string, ArrayLike<unknown>> | Map<Label, ArrayLike<unknown>> | readonly (readonly [Label, ArrayLike<unknown>])[],
    options: FrameOptions = {},
  ): Frame {
    let entries: (readonly [Label, ArrayLike<unknown>])[];
    if (columns instanceof Map) entries = [...columns.entries()];
    else if (Array.isArray(columns)) entries = [...(columns as readonly (readonly [Label, ArrayLike<unknown>])[])];
    else if (isPlainObject(columns)) entries = Object.entries(columns as Record<string, ArrayLike<unknown>>);
    else throw MlflowException.invalidParameterValue(`Expected columns, got ${describeValue(columns)}`);
    return new Frame(entries.map(([name, values]) =>
      makeColumn(name, values, options.dtypes?.[String(name)])));
  }

  /**
   * A frame from records (`[{a: 1, b: 'x'}, …]`), as `pd.DataFrame(records)`: columns in
   * first-seen key order, a key absent from a record is a missing value.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when a record is not a plain object.
   */
  static fromRecords(records: readonly Record<string, unknown>[], options: FrameOptions & { columns?: readonly Label[] } = {}): Frame {
    if (!Array.isArray(records)) throw MlflowException.invalidParameterValue('Records must be an array of objects');
    const labels: Label[] = options.columns !== undefined ? [...options.columns] : [];
    const seen = new Set<string>(labels.map(String));
    for (const record of records) {
      if (!isPlainObject(record)) {
        throw MlflowException.invalidParameterValue(`Each record must be an object, got ${describeValue(record)}`);
      }
      if (options.columns !== undefined) continue;
      for (const key of Object.keys(record)) {
        if (!seen.has(key)) {
          seen.add(key);
          labels.push(key);
        }
      }
    }
    return new Frame(labels.map((label) => {
      const key = String(label);
      const values = records.map((record) => (Object.hasOwn(record, key) ? record[key] : null));
      records.forEach((record, index) => copyMark(record, key, values, index));
      return makeColumn(label, values, options.dtypes?.[key]);
    }));
  }

  /**
   * A frame from rows (`[[1, 'x'], [2, 'y']]`), labelled by `columns` or 0, 1, … as pandas.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when rows differ in length from each
   * other or from `columns`.
   */
  static fromRows(rows: readonly (readonly unknown[])[], columns?: readonly Label[], options: FrameOptions = {}): Frame {
    if (!Array.isArray(rows)) throw MlflowException.invalidParameterValue('Rows must be an array of arrays');
    const width = columns?.length ?? (rows[0] as unknown[] | undefined)?.length ?? 0;
    for (const row of rows) {
      if (!Array.isArray(row) || row.length !== width) {
        throw MlflowException.invalidParameterValue(`Each row must be an array of ${width} values, got ${describeValue(row)}`);
      }
    }
    const labels = columns ?? Array.from({ length: width }, (_, index) => index);
    return new Frame(labels.map((label, position) => {
      const values = rows.map((row) => row[position]);
      rows.forEach((row, index) => copyMark(row, position, values, index));
      return makeColumn(label, values, options.dtypes?.[String(label)]);
    }));
  }

  /** The number of rows. */
  get numRows(): number {
    return this.columns[0]?.values.length ?? 0;
  }

  /** The column labels, in order. */
  get columnNames(): Label[] {
    return this.columns.map((column) => column.name);
  }

  /**
   * The column with this label.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when there is none.
   */
  column(name: Label): Column {
    const column = this.byName.get(name);
    if (column === undefined) throw MlflowException.invalidParameterValue(`No column '${String(name)}'`);
    return column;
  }

  /** Whether the frame has a column with this label. */
  hasColumn(name: Label): boolean {
    return this.byName.has(name);
  }

  /** The column with this label as a {@link Series}. */
  series(name: Label): Series {
    const column = this.column(name);
    return new Series(column.dtype, column.values, column.validity, column.name);
  }

  /**
   * The rows as records keyed by the labels' string forms; missing values are `null`, floats
   * marked as Python floats, datetimes `PyDateTime`/`PyTimestamp`, big int64s `bigint`.
   */
  toRecords(): Record<string, unknown>[] {
    const columns = this.toColumns();
    const names = this.columns.map((column) => String(column.name));
    return Array.from({ length: this.numRows }, (_, row) => {
      const record: Record<string, unknown> = {};
      names.forEach((name) => {
        const values = columns[name]!;
        record[name] = values[row];
        copyMark(values, row, record, name);
      });
      return record;
    });
  }

  /** The columns as plain arrays keyed by the labels' string forms (as {@link toRecords}). */
  toColumns(): Record<string, unknown[]> {
    const output: Record<string, unknown[]> = {};
    for (const column of this.columns) output[String(column.name)] = readValues(column.dtype, column.values, column.validity);
    return output;
  }
}

function copyMark(from: object, fromKey: string | number, to: object, toKey: string | number): void {
  const value = (from as Record<string | number, unknown>)[fromKey];
  if (typeof value === 'number' && Number.isInteger(value) && isFloatSlot(from, fromKey)) markFloat(to, toKey);
}

/**
 * One typed column on its own, named or not (a pandas `Series`).
 */
export class Series implements Column {
  /** The series name (`null` when unnamed). */
  readonly name: Label;
  /** Whether the series has a name. */
  readonly named: boolean;

  /**
   * Wraps existing storage (not copied).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when the storage does not match the dtype.
   */
  constructor(
    readonly dtype: DType,
    readonly values: DTypeValues,
    readonly validity: Uint8Array | null = null,
    name: Label | null = null,
  ) {
    if (!isStorageOf(dtype, values)) throw MlflowException.invalidParameterValue(`Series storage does not match dtype '${dtype}'`);
    if (validity !== null && validity.length !== values.length) throw MlflowException.invalidParameterValue('Series validity has the wrong length');
    this.named = name !== null;
    this.name = name ?? '';
    if (name !== null) checkLabel(name);
  }

  /**
   * A series from JavaScript values, dtype inferred as for a frame column unless given.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for values that do not fit `dtype`.
   */
  static from(values: ArrayLike<unknown>, options: { name?: Label | null; dtype?: DType | string } = {}): Series {
    const column = makeColumn(options.name ?? '', values, options.dtype);
    return new Series(column.dtype, column.values, column.validity, options.name ?? null);
  }

  /** The series name, or `null` when unnamed. */
  get label(): Label | null {
    return this.named ? this.name : null;
  }

  /** The number of values. */
  get length(): number {
    return this.values.length;
  }

  /** Value `index` as a plain value (`null` when missing). */
  get(index: number): unknown {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw MlflowException.invalidParameterValue(`Index ${index} is out of bounds for a series of length ${this.length}`);
    }
    return readValue(this.dtype, this.values, this.validity, index);
  }

  /** The values as a plain array (floats marked, see {@link Frame.toRecords}). */
  toArray(): unknown[] {
    return readValues(this.dtype, this.values, this.validity);
  }
}
