/**
 * Row-wise concatenation and slicing of frames and of row-aligned values (series, tensors by
 * their first axis, arrays): what a server's dynamic batching needs (`pd.concat(...,
 * ignore_index=True)` and `iloc[start:end]`). Float marks of plain arrays (integral Python
 * floats) move with their values.
 */
import { isFloatSlot, markFloat } from '../py-values.js';
import { allocateValues, type DType, type DTypeValues } from './dtype.js';
import { Frame, Series, type Column } from './frame.js';
import { Tensor } from './tensor.js';

/** `values[start, end)` as new storage of the same kind (float marks of plain arrays kept). */
function sliceValues(values: DTypeValues, start: number, end: number): DTypeValues {
  if (!Array.isArray(values)) return values.slice(start, end) as DTypeValues;
  return sliceArray(values, start, end);
}

/** A plain array's `[start, end)` with its float marks (integral Python floats) moved along. */
function sliceArray(values: readonly unknown[], start: number, end: number): unknown[] {
  const out = values.slice(start, end);
  for (let index = start; index < end; index++) {
    if (isFloatSlot(values, index)) markFloat(out, index - start);
  }
  return out;
}

/** The storages one after another, as one storage of `dtype`. */
function concatValues(dtype: DType, parts: readonly DTypeValues[], total: number): DTypeValues {
  if (Array.isArray(parts[0])) {
    const out: unknown[] = [];
    for (const part of parts as readonly unknown[][]) {
      const offset = out.length;
      for (let index = 0; index < part.length; index++) {
        out.push(part[index]);
        if (isFloatSlot(part, index)) markFloat(out, offset + index);
      }
    }
    return out;
  }
  const out = allocateValues(dtype, total) as Exclude<DTypeValues, unknown[]>;
  let offset = 0;
  for (const part of parts as readonly Exclude<DTypeValues, unknown[]>[]) {
    (out as { set(array: ArrayLike<number | bigint>, offset: number): void }).set(part, offset);
    offset += part.length;
  }
  return out;
}

function concatValidity(parts: readonly Column[], total: number): Uint8Array | null {
  if (parts.every((column) => column.validity === null)) return null;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const column of parts) {
    if (column.validity === null) out.fill(1, offset, offset + column.values.length);
    else out.set(column.validity, offset);
    offset += column.values.length;
  }
  return out;
}

/**
 * The frames' rows one after another (`pd.concat(frames, ignore_index=True)`). The frames must
 * have the same column labels and dtypes, in the same order.
 */
export function concatFrames(frames: readonly Frame[]): Frame {
  const total = frames.reduce((sum, frame) => sum + frame.numRows, 0);
  const first = frames[0]!;
  return new Frame(first.columns.map((column, position) => {
    const parts = frames.map((frame) => frame.columns[position]!);
    // a dtype has one kind of storage (isStorageOf), so equal dtypes mean equal storage kinds
    const values = concatValues(column.dtype, parts.map((part) => part.values), total);
    return { name: column.name, dtype: column.dtype, values, validity: concatValidity(parts, total) };
  }));
}

/**
 * The number of rows of a value that has one entry per row (a frame with columns, a series, a
 * tensor's first axis, an array or typed array), or `undefined` for any other value.
 */
export function rowCount(prediction: unknown): number | undefined {
  if (prediction instanceof Frame) return prediction.columns.length > 0 ? prediction.numRows : undefined;
  if (prediction instanceof Series) return prediction.length;
  if (prediction instanceof Tensor) return prediction.shape.length > 0 ? prediction.shape[0] : undefined;
  if (Array.isArray(prediction)) return prediction.length;
  if (ArrayBuffer.isView(prediction) && !(prediction instanceof DataView) && !(prediction instanceof Uint8Array)) {
    return (prediction as unknown as ArrayLike<unknown>).length;
  }
  return undefined;
}

/** Rows `[start, end)` of a row-aligned value (see {@link rowCount}), in the same type. */
export function sliceRows(prediction: unknown, start: number, end: number): unknown {
  if (prediction instanceof Frame) {
    return new Frame(prediction.columns.map((column) => ({
      name: column.name,
      dtype: column.dtype,
      values: sliceValues(column.values, start, end),
      validity: column.validity === null ? null : column.validity.slice(start, end),
    })));
  }
  if (prediction instanceof Series) {
    return new Series(prediction.dtype, sliceValues(prediction.values, start, end),
      prediction.validity === null ? null : prediction.validity.slice(start, end), prediction.label);
  }
  if (prediction instanceof Tensor) {
    const stride = prediction.shape.slice(1).reduce((product, size) => product * size, 1);
    return new Tensor(prediction.dtype, [end - start, ...prediction.shape.slice(1)], sliceValues(prediction.data, start * stride, end * stride));
  }
  if (Array.isArray(prediction)) return sliceArray(prediction, start, end);
  return (prediction as unknown as { slice(start: number, end: number): unknown }).slice(start, end);
}
