/**
 * Tensor-based schemas (runtime spec 3.7): the strict check of a tensor against a
 * `TensorSpec`, and frame columns reshaped and cast into tensors (3.7.1).
 */
import {
  CscMatrix,
  CsrMatrix,
  MlflowException,
  Tensor,
  allocateValues,
  isDType,
  isNumpyScalar,
  pyRepr,
  shapeRepr,
  storeValues,
  type Column,
  type DType,
  type Label,
  type TensorSpec,
} from '@pyfunc/format';
import { columnValues, internal, pandasDType } from './enforce-type.js';

/** numpy's printing of a tensor's dtype: `<U5` for strings of up to 5 characters. */
export function tensorDTypeRepr(tensor: { dtype: DType; data: unknown }): string {
  if (tensor.dtype === 'str' || tensor.dtype === 'bytes') {
    let longest = 0;
    for (const item of tensor.data as unknown[]) {
      const size = typeof item === 'string' ? [...item].length : item instanceof Uint8Array ? item.length : 0;
      if (size > longest) longest = size;
    }
    return tensor.dtype === 'str' ? `<U${Math.max(longest, 1)}` : `|S${Math.max(longest, 1)}`;
  }
  return tensor.dtype;
}

/** numpy's printing of a spec dtype: `np.dtype('str')` prints `<U0`. */
export function specDTypeRepr(dtype: string): string {
  if (dtype === 'str') return '<U0';
  if (dtype === 'bytes') return '|S0';
  return dtype;
}

/**
 * MLflow's `_enforce_tensor_spec`: shape and dtype must match (no cast).
 * @throws {MlflowException} INTERNAL_ERROR "Shape of input … does not match expected shape …" or
 * "dtype of input … does not match expected dtype …".
 */
export function enforceTensorSpec<T extends Tensor | CsrMatrix | CscMatrix>(values: T, spec: TensorSpec): T {
  const expected = spec.shape;
  const actual = values.shape;
  if (expected.length === 1 && expected[0] === -1 && spec.dtype === 'object') return values;
  if (expected.length > 1 && expected.slice(1).includes(-1) && actual.length === 1 && values.dtype === 'object') return values;
  const mismatch = expected.length !== actual.length ||
    expected.some((dimension, index) => dimension !== -1 && dimension !== actual[index]);
  if (mismatch) {
    throw internal(`Shape of input ${shapeRepr(actual)} does not match expected shape ${shapeRepr(expected)}.`);
  }
  if (values.dtype !== spec.dtype) {
    const actualRepr = values instanceof Tensor ? tensorDTypeRepr(values) : values.dtype;
    throw internal(`dtype of input ${actualRepr} does not match expected dtype ${specDTypeRepr(spec.dtype)}`);
  }
  return values;
}

/** A Python error raised while casting (not an MlflowException in MLflow). */
class CastError extends Error {
  constructor(readonly pythonType: 'ValueError' | 'TypeError' | 'OverflowError', message: string) {
    super(message);
  }
}

const floatPattern = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

function castValue(value: unknown, dtype: DType): unknown {
  if (dtype === 'object') return value;
  if (dtype === 'str') return typeof value === 'string' ? value : pyStrLike(value);
  if (dtype === 'bool') {
    if (value === null || value === undefined) return false;
    if (typeof value === 'string') return value.length > 0;
    if (typeof value === 'number') return value !== 0;
    if (typeof value === 'bigint') return value !== 0n;
    return Boolean(value);
  }
  if (dtype === 'bytes') {
    if (value instanceof Uint8Array) return value;
    return new TextEncoder().encode(pyStrLike(value));
  }
  if (dtype.startsWith('float')) {
    if (value === null || value === undefined) return Number.NaN;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'number') return value;
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'string' && floatPattern.test(value.trim())) {
      return Number(value.trim().replace(/infinity|inf/i, 'Infinity').replace(/^([+-]?)nan$/i, 'NaN'));
    }
    throw new CastError('ValueError', `could not convert string to float: ${pyRepr(value)}`);
  }
  if (dtype.startsWith('int') || dtype.startsWith('uint')) {
    if (value === null || value === undefined) {
      throw new CastError('TypeError', "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'");
    }
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number') {
      if (Number.isNaN(value)) throw new CastError('ValueError', 'cannot convert float NaN to integer');
      return Math.trunc(value);
    }
    if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return BigInt(value.trim());
    throw new CastError('ValueError', `invalid literal for int() with base 10: ${pyRepr(value)}`);
  }
  return value;
}

function pyStrLike(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

function castTo(values: readonly unknown[], dtype: DType, shape: number[]): Tensor {
  if (!isDType(dtype)) throw new CastError('TypeError', `Cannot cast to dtype ${dtype}`);
  const cast = values.map((value) => castValue(value, dtype));
  if (dtype.startsWith('int') || dtype.startsWith('uint')) {
    const storage = allocateValues(dtype, cast.length);
    cast.forEach((value, index) => {
      if (storage instanceof BigInt64Array) storage[index] = BigInt.asIntN(64, BigInt(value as number | bigint));
      else if (storage instanceof BigUint64Array) storage[index] = BigInt.asUintN(64, BigInt(value as number | bigint));
      else (storage as Int32Array)[index] = Number(BigInt.asIntN(64, BigInt(value as number | bigint)));
    });
    return new Tensor(dtype, shape, storage);
  }
  return new Tensor(dtype, shape, storeValues(dtype, cast.map((value) => (typeof value === 'number' && Number.isNaN(value) && !dtype.startsWith('float') ? null : value))).values);
}

function resolveShape(total: number, shape: readonly number[]): number[] | undefined {
  const fixed = shape.filter((dimension) => dimension !== -1).reduce((product, dimension) => product * dimension, 1);
  const variable = shape.filter((dimension) => dimension === -1).length;
  if (variable === 0) return fixed === total ? [...shape] : undefined;
  if (variable > 1 || fixed === 0 || total % fixed !== 0) return undefined;
  return shape.map((dimension) => (dimension === -1 ? total / fixed : dimension));
}

const numericOrder: DType[] = ['bool', 'uint8', 'int8', 'uint16', 'int16', 'float16', 'uint32', 'int32', 'float32', 'uint64', 'int64', 'float64'];

/** numpy's `result_type` of two dtypes, with pandas' object rule for mixtures with bool/datetimes/objects. */
export function commonDType(a: DType, b: DType): DType {
  if (a === b) return a;
  const kind = (d: DType) => (d === 'bool' ? 'b' : d.startsWith('uint') ? 'u' : d.startsWith('int') ? 'i' : d.startsWith('float') ? 'f' : 'o');
  const size = (d: DType) => Number(/(\d+)$/.exec(d)?.[1] ?? 8);
  const ka = kind(a);
  const kb = kind(b);
  if (ka === 'o' || kb === 'o' || ka === 'b' || kb === 'b') return 'object';
  if (ka === kb) return size(a) >= size(b) ? a : b;
  if (ka === 'f' || kb === 'f') {
    const [float, int] = ka === 'f' ? [a, b] : [b, a];
    const needed = size(int) <= 8 ? 16 : size(int) <= 16 ? 32 : 64;
    return `float${Math.max(size(float), needed)}` as DType;
  }
  const [signed, unsigned] = ka === 'i' ? [a, b] : [b, a];
  if (size(unsigned) >= 64) return 'float64';
  return `int${Math.max(size(signed), size(unsigned) * 2)}` as DType;
}
void numericOrder;

function flatValues(tensor: Tensor): unknown[] {
  if (tensor.ndim === 0) return [tensor.toNested()];
  const values: unknown[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else values.push(node);
  };
  visit(tensor.toNested());
  return values;
}

/**
 * MLflow's `_reshape_and_cast_pandas_column_values`: a frame column to a tensor of the spec.
 * @throws {MlflowException} with MLflow's messages (INVALID_PARAMETER_VALUE or INTERNAL_ERROR).
 */
export function reshapeAndCastColumn(name: Label | null, column: Column, spec: TensorSpec): Tensor {
  const shape = spec.shape;
  if (shape[0] !== -1 || shape.slice(1).includes(-1)) {
    throw internal('For pandas dataframe input, the first dimension of shape must be a variable dimension and ' +
      'other dimensions must be fixed, but in model signature the shape of ' +
      `${name !== null && name !== '' && name !== 0 ? `input ${String(name)}` : 'the unnamed input'} is ${shapeRepr(shape)}.`);
  }
  const values = columnValues(column);
  if (values.length === 0) throw internal('0');
  const first = values[0];
  const label = name === null ? 'None' : String(name);
  if (isNumpyScalar(first) && !(typeof first === 'number' && false)) {
    if ((shape.length === 1) || (shape.length === 2 && shape[1] === 1)) {
      let tensor: Tensor;
      try {
        const source = pandasDType(column.dtype) === 'object' ? values : values;
        tensor = castTo(source, spec.dtype as DType, shape.length === 1 ? [values.length] : [values.length, 1]);
      } catch (error) {
        if (error instanceof CastError) throw internal(error.message);
        throw error;
      }
      return enforceTensorSpec(tensor, spec);
    }
    throw MlflowException.invalidParameterValue(`The input pandas dataframe column '${label}' contains scalar values, ` +
      `which requires the shape to be (-1,) or (-1, 1), but got tensor spec shape of ${shapeRepr(shape)}.`);
  }
  const listCells = Array.isArray(first) && isNumpyScalar(first[0]);
  if (listCells || first instanceof Tensor) {
    const message = listCells
      ? `The value in the Input DataFrame column '${label}' could not be converted to the expected shape of: ` +
        `'${shapeRepr(shape)}'. Ensure that each of the input list elements are of uniform length and that the data ` +
        `can be coerced to the tensor type '${spec.dtype}'`
      : `The value in the Input DataFrame column '${label}' could not be converted to the expected shape of: ` +
        `'${shapeRepr(shape)}'. Ensure that each of the input numpy array elements are of uniform length and can be ` +
        'reshaped to above expected shape.';
    const fail = () => MlflowException.invalidParameterValue(message);
    // np.vstack: every cell at least 2-d, equal trailing shapes
    let trailing: readonly number[] | undefined;
    let dtype: DType | undefined;
    const flat: unknown[] = [];
    for (const cell of values) {
      let tensor: Tensor;
      try {
        tensor = cell instanceof Tensor ? cell : Tensor.from(cell);
      } catch {
        throw fail();
      }
      const cellShape = tensor.ndim === 0 ? [1] : tensor.ndim === 1 ? [tensor.shape[0]!] : tensor.shape.slice(1);
      if (trailing === undefined) trailing = cellShape;
      else if (trailing.length !== cellShape.length || trailing.some((d, i) => d !== cellShape[i])) throw fail();
      dtype = dtype === undefined ? tensor.dtype : commonDType(dtype, tensor.dtype);
      flat.push(...flatValues(tensor));
    }
    const resolved = resolveShape(flat.length, shape);
    if (resolved === undefined) throw fail();
    let tensor: Tensor;
    try {
      tensor = castTo(flat, listCells ? (spec.dtype as DType) : (dtype ?? 'float64'), resolved);
    } catch (error) {
      if (error instanceof CastError) {
        if (error.pythonType === 'ValueError') throw fail();
        throw internal(error.message);
      }
      throw error;
    }
    if (resolved[0] !== values.length) throw fail();
    return tensor;
  }
  throw MlflowException.invalidParameterValue('Because the model signature requires tensor spec input, the input ' +
    'pandas dataframe values should be either scalar value, python list containing scalar values or numpy array ' +
    'containing scalar values, other types are not supported.');
}

/** A frame's values as one 2-d tensor (`DataFrame.to_numpy()`). */
export function frameToTensor(columns: readonly Column[]): Tensor {
  const rows = columns[0]?.values.length ?? 0;
  let dtype: DType = pandasDType(columns[0]!.dtype);
  for (const column of columns.slice(1)) dtype = commonDType(dtype, pandasDType(column.dtype));
  const data: unknown[] = new Array(rows * columns.length);
  columns.forEach((column, position) => {
    const values = columnValues(column);
    values.forEach((value, row) => {
      data[row * columns.length + position] = value;
    });
  });
  return castTo(data, dtype, [rows, columns.length]);
}
