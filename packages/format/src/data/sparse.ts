/**
 * Compressed sparse matrices, scipy's `csr_matrix` and `csc_matrix`.
 */
import { MlflowException } from '../mlflow-exception.js';
import {
  allocateValues,
  isStorageOf,
  isTypedDType,
  parseDType,
  type DType,
  type DTypeValues,
} from './dtype.js';
import { Tensor } from './tensor.js';
import { describeValue } from './values.js';

/** The parts of a compressed sparse matrix. */
export interface SparseParts {
  /** `[rows, cols]`. */
  shape: readonly [number, number];
  /** The stored values (a typed array of a numeric or bool dtype). */
  data: DTypeValues;
  /** Column (CSR) or row (CSC) index of each stored value. */
  indices: Int32Array | readonly number[];
  /** Where each row (CSR) or column (CSC) starts in `data`; length major + 1. */
  indptr: Int32Array | readonly number[];
  /** The dtype of `data` when it cannot be told from the storage (`bool`, `float16`). */
  dtype?: DType | string;
}

abstract class CompressedMatrix {
  /** `[rows, cols]`. */
  readonly shape: readonly [number, number];
  /** The dtype of the stored values. */
  readonly dtype: DType;
  /** The stored values. */
  readonly data: DTypeValues;
  /** Minor-axis index of each stored value. */
  readonly indices: Int32Array;
  /** Start of each major-axis slice in `data`. */
  readonly indptr: Int32Array;

  protected constructor(parts: SparseParts, private readonly rowMajor: boolean) {
    const [rows, cols] = parts.shape;
    if (![rows, cols].every((size) => Number.isSafeInteger(size) && size >= 0)) {
      throw MlflowException.invalidParameterValue(`Invalid sparse matrix shape ${describeValue(parts.shape)}`);
    }
    const dtype = parts.dtype !== undefined ? parseDType(parts.dtype) : storageDType(parts.data);
    if (!isTypedDType(dtype) || dtype.startsWith('datetime64') || !isStorageOf(dtype, parts.data)) {
      throw MlflowException.invalidParameterValue(`Sparse matrix data must be a numeric or bool typed array of dtype '${dtype}'`);
    }
    const indices = Int32Array.from(parts.indices);
    const indptr = Int32Array.from(parts.indptr);
    const [major, minor] = rowMajor ? [rows, cols] : [cols, rows];
    if (indptr.length !== major + 1 || indptr[0] !== 0 || indptr[major] !== parts.data.length ||
      indices.length !== parts.data.length) {
      throw MlflowException.invalidParameterValue('Sparse matrix indptr, indices and data are inconsistent with each other or the shape');
    }
    for (let slice = 0; slice < major; slice++) {
      if (indptr[slice]! > indptr[slice + 1]!) throw MlflowException.invalidParameterValue('Sparse matrix indptr must be non-decreasing');
    }
    for (const index of indices) {
      if (index < 0 || index >= minor) throw MlflowException.invalidParameterValue(`Sparse matrix index ${index} is out of bounds`);
    }
    this.shape = Object.freeze([rows, cols]) as readonly [number, number];
    this.dtype = dtype;
    this.data = parts.data;
    this.indices = indices;
    this.indptr = indptr;
  }

  /** The number of stored values. */
  get nnz(): number {
    return this.data.length;
  }

  /** The dense matrix, a 2-d {@link Tensor}; duplicate entries are summed as scipy does. */
  toDense(): Tensor {
    const [rows, cols] = this.shape;
    const dense = allocateValues(this.dtype, rows * cols);
    const major = this.rowMajor ? rows : cols;
    for (let slice = 0; slice < major; slice++) {
      for (let at = this.indptr[slice]!; at < this.indptr[slice + 1]!; at++) {
        const minor = this.indices[at]!;
        const offset = this.rowMajor ? slice * cols + minor : minor * cols + slice;
        const value = this.data[at];
        if (typeof value === 'bigint') (dense as BigInt64Array)[offset] = (dense[offset] as bigint) + value;
        else if (this.dtype === 'bool') (dense as Uint8Array)[offset] = dense[offset] || value ? 1 : 0;
        else (dense as Float64Array)[offset] = (dense[offset] as number) + (value as number);
      }
    }
    return new Tensor(this.dtype, [rows, cols], dense);
  }
}

function storageDType(data: unknown): DType {
  for (const dtype of ['float64', 'float32', 'int64', 'int32', 'int16', 'int8', 'uint64', 'uint32', 'uint16', 'uint8'] as const) {
    if (isStorageOf(dtype, data)) return dtype;
  }
  throw MlflowException.invalidParameterValue(`Sparse matrix data must be a typed array, got ${describeValue(data)}`);
}

/** Collects the non-zero entries of a dense 2-d tensor along the major axis. */
function compress(dense: Tensor, rowMajor: boolean): SparseParts {
  if (dense.ndim !== 2) throw MlflowException.invalidParameterValue(`A sparse matrix needs a 2-d input, got ${dense.ndim}-d`);
  if (!isTypedDType(dense.dtype) || dense.dtype.startsWith('datetime64')) {
    throw MlflowException.invalidParameterValue(`A sparse matrix needs numeric or bool values, got '${dense.dtype}'`);
  }
  const [rows, cols] = dense.shape as [number, number];
  const [major, minor] = rowMajor ? [rows, cols] : [cols, rows];
  const positions: number[] = [];
  const indices: number[] = [];
  const indptr = [0];
  for (let slice = 0; slice < major; slice++) {
    for (let other = 0; other < minor; other++) {
      const offset = rowMajor ? slice * cols + other : other * cols + slice;
      const value = dense.data[offset];
      if (value !== 0 && value !== 0n) {
        positions.push(offset);
        indices.push(other);
      }
    }
    indptr.push(indices.length);
  }
  const data = allocateValues(dense.dtype, positions.length);
  positions.forEach((offset, at) => {
    (data as unknown[])[at] = dense.data[offset];
  });
  return { shape: [rows, cols], data, indices, indptr, dtype: dense.dtype };
}

/** A compressed sparse row matrix (scipy `csr_matrix`). */
export class CsrMatrix extends CompressedMatrix {
  /**
   * A CSR matrix from its parts (validated, not copied except the index arrays).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for inconsistent parts.
   */
  constructor(parts: SparseParts) {
    super(parts, true);
  }

  /**
   * A CSR matrix holding the non-zero entries of a dense 2-d input (nested arrays, as
   * {@link Tensor.from}, or a tensor).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for input that is not 2-d numeric.
   */
  static fromDense(dense: unknown, dtype?: DType | string): CsrMatrix {
    return new CsrMatrix(compress(dense instanceof Tensor ? dense : Tensor.from(dense, dtype), true));
  }
}

/** A compressed sparse column matrix (scipy `csc_matrix`). */
export class CscMatrix extends CompressedMatrix {
  /**
   * A CSC matrix from its parts (validated, not copied except the index arrays).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for inconsistent parts.
   */
  constructor(parts: SparseParts) {
    super(parts, false);
  }

  /**
   * A CSC matrix holding the non-zero entries of a dense 2-d input.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for input that is not 2-d numeric.
   */
  static fromDense(dense: unknown, dtype?: DType | string): CscMatrix {
    return new CscMatrix(compress(dense instanceof Tensor ? dense : Tensor.from(dense, dtype), false));
  }
}
