/**
 * `Tensor`: a dense n-dimensional array with a dtype and a shape, numpy `ndarray`'s role.
 */
import { MlflowException } from '../mlflow-exception.js';
import { isFloatSlot, markFloat } from '../py-values.js';
import {
  dtypeOfTypedArray,
  isFloatDType,
  isStorageOf,
  parseDType,
  type DType,
  type DTypeValues,
} from './dtype.js';
import { describeValue, inferTensorDType, readValue, storeValues } from './values.js';

/** A typed array other than `Uint8Array` (which is a bytes value, not a sequence). */
function isNumericSequence(value: unknown): value is ArrayLike<number | bigint> {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof Uint8Array);
}

function isSequence(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || isNumericSequence(value);
}

/**
 * A dense tensor stored row-major (C order): `data[i]` holds the element at the `i`-th
 * multi-index. Numeric, boolean and datetime dtypes are stored in typed arrays (`int64` in a
 * `BigInt64Array`, `uint64` in a `BigUint64Array`, `bool` as 0/1 in a `Uint8Array`,
 * datetimes as int64 ticks), `str`/`bytes`/`object` in JavaScript arrays.
 */
export class Tensor {
  /** The element type. */
  readonly dtype: DType;
  /** The size of each dimension; `[]` for a 0-d tensor. */
  readonly shape: readonly number[];
  /** The elements, row-major. */
  readonly data: DTypeValues;

  /**
   * Wraps existing storage (not copied).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when the dtype is unknown, the storage
   * is not the dtype's, or its length is not the product of the shape.
   */
  constructor(dtype: DType | string, shape: readonly number[], data: DTypeValues) {
    const parsed = parseDType(dtype);
    for (const size of shape) {
      if (!Number.isSafeInteger(size) || size < 0) {
        throw MlflowException.invalidParameterValue(`Invalid tensor shape [${shape.join(', ')}]`);
      }
    }
    if (!isStorageOf(parsed, data)) {
      throw MlflowException.invalidParameterValue(`Storage ${describeValue(data)} is not valid for dtype '${parsed}'`);
    }
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    if (data.length !== size) {
      throw MlflowException.invalidParameterValue(
        `Tensor data has ${data.length} elements, shape [${shape.join(', ')}] needs ${size}`);
    }
    this.dtype = parsed;
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  /**
   * Builds a tensor from nested arrays (or typed arrays, which count as rows of their own
   * dtype; a `Uint8Array` is a bytes value). The shape is inferred and must be rectangular;
   * without `dtype` the dtype is numpy's (`np.array(values)`): booleans → `bool`, integers
   * → `int64`, with fractional or float-marked numbers → `float64`, strings → `str`,
   * `Uint8Array`s → `bytes`, datetimes → `datetime64[ns]`, anything else or mixed → `object`.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for ragged input or values that do
   * not fit `dtype`.
   */
  static from(values: unknown, dtype?: DType | string): Tensor {
    const shape: number[] = [];
    let probe: unknown = values;
    while (isSequence(probe)) {
      shape.push(probe.length);
      if (probe.length === 0) break;
      probe = probe[0];
    }
    const flat: unknown[] = [];
    let typedRows: DType | undefined | null = null; // null: not seen yet; undefined: mixed
    const visit = (node: unknown, depth: number, container: object | undefined, key: number): void => {
      if (depth === shape.length) {
        if (isSequence(node)) throw ragged(shape);
        flat.push(node);
        if (container !== undefined && typeof node === 'number' && isFloatSlot(container, key)) {
          markFloat(flat, flat.length - 1);
        }
        return;
      }
      if (!isSequence(node) || node.length !== shape[depth]) throw ragged(shape);
      if (depth === shape.length - 1) {
        const own = isNumericSequence(node) ? dtypeOfTypedArray(node) : undefined;
        typedRows = typedRows === null || typedRows === own ? own : undefined;
      }
      for (let index = 0; index < node.length; index++) visit(node[index], depth + 1, node as object, index);
    };
    visit(values, 0, undefined, 0);
    let resolved: DType;
    if (dtype !== undefined) resolved = parseDType(dtype);
    else if (typedRows !== null && typedRows !== undefined && flat.length > 0) resolved = typedRows;
    else resolved = inferTensorDType(flat, flat);
    const { values: data, validity } = storeValues(resolved, flat);
    if (validity !== null && !isFloatDType(resolved) && resolved !== 'object' && !resolved.startsWith('datetime64')) {
      throw MlflowException.invalidParameterValue(`A '${resolved}' tensor cannot hold missing values`);
    }
    return new Tensor(resolved, shape, data);
  }

  /** The number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The number of elements. */
  get size(): number {
    return this.data.length;
  }

  /**
   * The element at a full index (one integer per dimension), as a plain value (see
   * {@link readValue}); with fewer indices, the sub-tensor there (a copy).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for too many or out-of-range indices.
   */
  get(...index: number[]): unknown {
    if (index.length > this.ndim) {
      throw MlflowException.invalidParameterValue(`Too many indices for a ${this.ndim}-d tensor`);
    }
    let offset = 0;
    let stride = this.size;
    for (let axis = 0; axis < index.length; axis++) {
      const position = index[axis]!;
      const size = this.shape[axis]!;
      if (!Number.isInteger(position) || position < 0 || position >= size) {
        throw MlflowException.invalidParameterValue(`Index ${position} is out of bounds for axis ${axis} with size ${size}`);
      }
      stride /= size;
      offset += position * stride;
    }
    if (index.length === this.ndim) return readValue(this.dtype, this.data, null, offset);
    return new Tensor(this.dtype, this.shape.slice(index.length), this.data.slice(offset, offset + stride) as DTypeValues);
  }

  /**
   * The tensor as nested JavaScript arrays (a scalar for a 0-d tensor); float elements are
   * marked as Python floats ({@link markFloat}), 64-bit integers beyond 2^53 are bigints,
   * datetimes are `PyDateTime`/`PyTimestamp`.
   */
  toNested(): unknown {
    if (this.ndim === 0) return readValue(this.dtype, this.data, null, 0);
    const float = isFloatDType(this.dtype);
    const object = this.dtype === 'object';
    const build = (axis: number, offset: number): unknown[] => {
      const size = this.shape[axis]!;
      const stride = this.shape.slice(axis + 1).reduce((product, dimension) => product * dimension, 1);
      const output: unknown[] = [];
      for (let index = 0; index < size; index++) {
        if (axis === this.ndim - 1) {
          output.push(readValue(this.dtype, this.data, null, offset + index));
          if (float || (object && isFloatSlot(this.data, offset + index))) markFloat(output, index);
        } else {
          output.push(build(axis + 1, offset + index * stride));
        }
      }
      return output;
    };
    return build(0, 0);
  }
}

function ragged(shape: number[]): MlflowException {
  return MlflowException.invalidParameterValue(
    `Cannot build a tensor from ragged nested arrays (expected shape [${shape.join(', ')}])`);
}
