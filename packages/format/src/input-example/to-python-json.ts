/**
 * The conversions MLflow applies to an input example before `json.dumps` (format spec 6.3):
 * MLflow's `NumpyEncoder` (bytes → `base64.encodebytes`, dates → `isoformat()`, numpy values →
 * native values) and the tensor, frame and sparse-matrix encodings of `_Example`. Internal.
 */
import { datetimeUnitOf, isDatetimeDType, isFloatDType, type DType, type DTypeValues } from '../data/dtype.js';
import { Frame, Series, isMissingValue } from '../data/frame.js';
import { CscMatrix, CsrMatrix } from '../data/sparse.js';
import { Tensor } from '../data/tensor.js';
import { readValue } from '../data/values.js';
import { MlflowException } from '../mlflow-exception.js';
import { PyDate, PyDateTime, isFloatSlot, isPlainObject, markFloat } from '../py-values.js';

const BASE64_LINE = 76;

/**
 * Python's `base64.encodebytes(data).decode("ascii")`: standard alphabet, a newline after every
 * 76 output characters and after the last line (`b"hi"` → `"aGk=\n"`, `b""` → `""`).
 */
export function encodeBase64Lines(data: Uint8Array): string {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  let out = '';
  for (let start = 0; start < text.length; start += BASE64_LINE) {
    out += `${text.slice(start, start + BASE64_LINE)}\n`;
  }
  return out;
}

/**
 * Python's `base64.decodebytes`: ignores characters outside the alphabet (newlines), requires
 * correct padding.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for incorrect padding.
 */
export function decodeBase64Lines(text: string): Uint8Array {
  const cleaned = text.replace(/[^A-Za-z0-9+/=]/g, '');
  const body = cleaned.replace(/=+$/, '');
  if (cleaned.length % 4 !== 0 || body.includes('=')) {
    throw MlflowException.invalidParameterValue('Incorrect padding');
  }
  return new Uint8Array(Buffer.from(cleaned, 'base64'));
}

function notSerializable(value: unknown): MlflowException {
  let name = typeof value;
  if (value instanceof Frame) return MlflowException.invalidParameterValue('Object of type DataFrame is not JSON serializable');
  if (value instanceof Series) return MlflowException.invalidParameterValue('Object of type Series is not JSON serializable');
  if (typeof value === 'object' && value !== null) name = ((value as object).constructor?.name ?? 'object') as typeof name;
  return MlflowException.invalidParameterValue(`Object of type ${name} is not JSON serializable`);
}

/** Copies the Python-float mark of `from[fromKey]` onto `to[toKey]`. */
function copyMark(from: object, fromKey: string | number, to: object, toKey: string | number): void {
  if (isFloatSlot(from, fromKey)) markFloat(to, toKey);
}

/**
 * A value as MLflow's `NumpyEncoder` hands it to `json.dumps`: bytes as base64 lines, dates and
 * datetimes as `isoformat()`, tensors as nested lists (`ndarray.tolist()`), containers copied
 * with their float marks; JSON values as they are.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for values `json.dumps` cannot write.
 */
export function toPythonJson(value: unknown): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string' ||
    typeof value === 'number' || typeof value === 'bigint') return value;
  if (value instanceof Uint8Array) return encodeBase64Lines(value);
  if (value instanceof PyDateTime || value instanceof PyDate) return value.isoformat();
  if (value instanceof Date) return dateToPyDateTime(value).isoformat();
  if (value instanceof Tensor) return tensorToList(value, { nanToNull: false });
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((item, index) => {
      out.push(toPythonJson(item));
      copyMark(value, index, out, index);
    });
    return out;
  }
  if (value instanceof Map) {
    const out = new Map<string, unknown>();
    for (const [key, item] of value) {
      if (typeof key !== 'string') throw MlflowException.invalidParameterValue(`keys must be str, int, float, bool or None, not ${typeof key}`);
      out.set(key, toPythonJson(item));
    }
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = toPythonJson(item);
      copyMark(value, key, out, key);
    }
    return out;
  }
  throw notSerializable(value);
}

/** A JavaScript `Date` as a naive UTC datetime (millisecond precision). */
export function dateToPyDateTime(date: Date): PyDateTime {
  if (Number.isNaN(date.getTime())) throw MlflowException.invalidParameterValue('Invalid Date');
  return PyDateTime.fromDate(date);
}

/** Nests a flat row-major list into `shape`, carrying float marks. */
function nest(shape: readonly number[], flat: unknown[]): unknown {
  if (shape.length === 0) return flat[0];
  const build = (axis: number, offset: number): unknown[] => {
    const size = shape[axis]!;
    const stride = shape.slice(axis + 1).reduce((product, dimension) => product * dimension, 1);
    const out: unknown[] = [];
    for (let index = 0; index < size; index++) {
      if (axis === shape.length - 1) {
        out.push(flat[offset + index]);
        copyMark(flat, offset + index, out, index);
      } else {
        out.push(build(axis + 1, offset + index * stride));
      }
    }
    return out;
  };
  return build(0, 0);
}

/** One stored element as `ndarray.tolist()` gives it, then as `NumpyEncoder` writes it. */
function elementValues(dtype: DType, data: DTypeValues, nanToNull: boolean): unknown[] {
  const flat: unknown[] = [];
  const float = isFloatDType(dtype);
  for (let index = 0; index < data.length; index++) {
    if (isDatetimeDType(dtype)) {
      const ticks = data[index] as bigint;
      // numpy: datetime64[ns].tolist() gives integers, coarser units give datetime objects
      if (datetimeUnitOf(dtype) === 'ns') flat.push(safeInteger(ticks));
      else {
        const datetime = readValue(dtype, data, null, index);
        flat.push(datetime === null ? null : (datetime as PyDateTime).isoformat());
      }
      continue;
    }
    const value = readValue(dtype, data, null, index);
    if (float) {
      if (nanToNull && Number.isNaN(value)) flat.push(null);
      else {
        flat.push(value);
        markFloat(flat, index);
      }
    } else if (dtype === 'bytes') {
      flat.push(value instanceof Uint8Array ? encodeBase64Lines(value) : toPythonJson(value));
    } else if (dtype === 'object') {
      flat.push(value === undefined ? null : toPythonJson(value));
    } else {
      flat.push(value);
    }
  }
  return flat;
}

function safeInteger(value: bigint): number | bigint {
  return value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value;
}

/**
 * A tensor as MLflow writes it: `ndarray.tolist()` (after `_handle_ndarray_nans` when
 * `nanToNull`: NaN → `null` in numeric tensors), bytes elements as base64 lines,
 * `datetime64[ns]` as integer ticks and coarser datetimes as ISO strings.
 */
export function tensorToList(tensor: Tensor, options: { nanToNull: boolean }): unknown {
  return nest(tensor.shape, elementValues(tensor.dtype, tensor.data, options.nanToNull));
}

/**
 * `_convert_dataframe_to_split_dict`: `{"columns": [...], "data": [[row], ...]}` with the
 * `columns` key left out for default 0..n-1 integer labels. Missing values become `null`
 * except in float columns (pandas keeps NaN there, written `NaN`) and datetime columns (NaT,
 * written `"NaT"`); timestamps become pandas ISO strings.
 */
export function frameToSplitDict(frame: Frame): { columns?: unknown[]; data: unknown[][] } {
  const columns = frame.columns.map((column) => {
    const out: unknown[] = [];
    const float = isFloatDType(column.dtype);
    for (let row = 0; row < column.values.length; row++) {
      if (float) {
        out.push(column.validity !== null && column.validity[row] === 0 ? Number.NaN : column.values[row]);
        markFloat(out, row);
      } else if (isDatetimeDType(column.dtype)) {
        const value = readValue(column.dtype, column.values, column.validity, row);
        out.push(value === null ? 'NaT' : (value as PyDateTime).isoformat());
      } else if (isMissingValue(column, row)) {
        out.push(null);
      } else {
        const value = readValue(column.dtype, column.values, column.validity, row);
        out.push(toPythonJson(value));
      }
    }
    return out;
  });
  const data = Array.from({ length: frame.numRows }, (_, row) => {
    const record: unknown[] = [];
    columns.forEach((values, index) => {
      record.push(values[row]);
      copyMark(values, row, record, index);
    });
    return record;
  });
  const labels = frame.columnNames;
  const isDefault = labels.every((label, index) => label === index);
  return isDefault ? { data } : { columns: [...labels], data };
}

/** `_handle_sparse_matrix`: the parts of a CSR/CSC matrix (NaN → `null` in the data). */
export function sparseToDict(matrix: CsrMatrix | CscMatrix): Record<string, unknown> {
  return {
    data: elementValues(matrix.dtype, matrix.data, true),
    indices: Array.from(matrix.indices),
    indptr: Array.from(matrix.indptr),
    shape: [...matrix.shape],
  };
}
