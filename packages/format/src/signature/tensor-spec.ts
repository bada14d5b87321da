/**
 * MLflow's `TensorSpec` (format spec 4.2): one tensor of a tensor-based schema, with a numpy
 * dtype name and a shape (`-1` for a variable dimension).
 */
import { MlflowException } from '../mlflow-exception.js';
import { isFloatSlot, isPlainObject, markFloat } from '../py-values.js';
import { pyEquals, pyRepr, pyTypeName } from '../py-repr.js';
import { checkSpecName, type ColumnName } from './col-spec.js';
import { jsonToPlain } from './column-type.js';

function invalid(message: string): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', message);
}

const aliasGroups: Record<string, string[]> = {
  bool: ['bool', 'bool_', '?', 'b1'],
  int8: ['int8', 'i1', 'b', 'byte'],
  int16: ['int16', 'i2', 'h', 'short'],
  int32: ['int32', 'i4', 'i', 'intc'],
  int64: ['int64', 'i8', 'l', 'q', 'long', 'longlong', 'int', 'int_', 'intp', 'p'],
  uint8: ['uint8', 'u1', 'B', 'ubyte'],
  uint16: ['uint16', 'u2', 'H', 'ushort'],
  uint32: ['uint32', 'u4', 'I', 'uintc'],
  uint64: ['uint64', 'u8', 'L', 'Q', 'ulong', 'ulonglong', 'uint', 'uintp', 'P'],
  float16: ['float16', 'f2', 'e', 'half'],
  float32: ['float32', 'f4', 'f', 'single'],
  float64: ['float64', 'f8', 'd', 'double', 'float'],
  float128: ['float128', 'f16', 'g', 'longdouble'],
  complex64: ['complex64', 'c8', 'F', 'csingle'],
  complex128: ['complex128', 'c16', 'D', 'cdouble', 'complex'],
  complex256: ['complex256', 'c32', 'G', 'clongdouble'],
  str: ['str', 'U', 'unicode', 'str_', 'U0'],
  bytes: ['bytes', 'S', 'bytes_', 'S0'],
  object: ['object', 'O', 'object_', 'O8'],
};
const aliases = new Map<string, string>();
for (const [name, list] of Object.entries(aliasGroups)) for (const alias of list) aliases.set(alias, name);

const shortCode = /^[<>=|]?(?:[biufcUSOa?]\d*|[bhilqpBHILQPefdgFDG])$/;
const timeUnits = new Set(['Y', 'M', 'W', 'D', 'h', 'm', 's', 'ms', 'us', 'μs', 'ns', 'ps', 'fs', 'as']);

/**
 * The numpy `dtype.name` of a dtype string, as `np.dtype(text).name` gives it (`'f8'` →
 * `float64`, `'<U0'` → `str`, `'M8[ns]'` → `datetime64[ns]`).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for names numpy does not understand and for
 * sized flexible types (`<U5`, `S3`), which MLflow does not support.
 */
export function normalizeNumpyDtype(text: string): string {
  if (typeof text !== 'string') {
    throw invalid(`Cannot interpret '${pyRepr(text)}' as a data type`);
  }
  const direct = aliases.get(text);
  if (direct !== undefined) return direct;
  const time = /^(datetime64|timedelta64|[<>=|]?[Mm]8?)(?:\[(\d*)([A-Za-zμ]+)\])?$/.exec(text);
  if (time !== null) {
    const base = time[1]!.replace(/^[<>=|]/, '');
    const kind = base.startsWith('datetime') || base.startsWith('M') ? 'datetime64' : 'timedelta64';
    if ((base === 'M' || base === 'm') && time[3] !== undefined) throw invalid(`data type '${text}' not understood`);
    if (time[3] === undefined) return kind;
    if (!timeUnits.has(time[3])) throw invalid(`Invalid datetime unit in metadata string "${text}"`);
    const multiple = time[2] === '' || time[2] === '1' ? '' : time[2];
    return `${kind}[${multiple}${time[3] === 'μs' ? 'us' : time[3]}]`;
  }
  if (shortCode.test(text)) {
    const stripped = text.replace(/^[<>=|]/, '');
    const sized = /^([USa])(\d+)$/.exec(stripped);
    if (sized !== null) {
      if (Number(sized[2]) === 0) return sized[1] === 'U' ? 'str' : 'bytes';
      const name = sized[1] === 'U' ? `str${Number(sized[2]) * 32}` : `bytes${Number(sized[2]) * 8}`;
      throw invalid('MLflow does not support size information in flexible numpy data types. Use ' +
        `np.dtype("${name.replace(/\d+$/, '')}") instead`);
    }
    if (stripped === 'a') return 'bytes';
    const viaAlias = aliases.get(stripped);
    if (viaAlias !== undefined) return viaAlias;
  }
  throw invalid(`data type '${text}' not understood`);
}

/** One tensor of a tensor-based schema. */
export class TensorSpec {
  /** The numpy dtype name (`float32`, `str`, `datetime64[ns]`). */
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly name: ColumnName | undefined;
  readonly #nameIsFloat: boolean;

  /**
   * @param dtype a numpy dtype name or alias (normalised like `np.dtype(dtype).name`)
   * @param shape the dimensions, `-1` for variable ones
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for an unknown or sized dtype, or a shape
   * that is not a list of integers.
   */
  constructor(dtype: string, shape: readonly number[], name?: ColumnName | null,
    options: { nameIsFloat?: boolean } = {}) {
    this.dtype = normalizeNumpyDtype(dtype);
    if (!Array.isArray(shape)) {
      throw invalid(`Expected \`shape\` to be instance of \`<class 'tuple'>\` or \`<class 'list'>\`, received \`${pyTypeName(shape)}\``);
    }
    for (let index = 0; index < shape.length; index++) {
      const dim: unknown = shape[index];
      if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || isFloatSlot(shape, index)) {
        throw invalid(`Expected the shape of a TensorSpec to be a list of integers, got ${pyRepr(shape)}`);
      }
    }
    this.shape = [...shape];
    this.name = checkSpecName(name, 'TensorSpec');
    this.#nameIsFloat = options.nameIsFloat === true && typeof this.name === 'number';
  }

  /** MLflow's name for the dtype (`TensorSpec.type`). */
  get type(): string {
    return this.dtype;
  }

  /** Tensors are always required. */
  get required(): true {
    return true;
  }

  /** `{"name"?: ..., "type": "tensor", "tensor-spec": {"dtype": ..., "shape": [...]}}`. */
  toDict(): Record<string, unknown> {
    return jsonToPlain(this.toJsonValue()) as Record<string, unknown>;
  }

  /** @internal The JSON form. */
  toJsonValue(): Record<string, unknown> {
    const tensorSpec = { dtype: this.dtype, shape: [...this.shape] };
    if (this.name === undefined) return { type: 'tensor', 'tensor-spec': tensorSpec };
    const record = { name: this.name, type: 'tensor', 'tensor-spec': tensorSpec };
    if (this.#nameIsFloat) markFloat(record, 'name');
    return record;
  }

  /**
   * Reads `{"type": "tensor", "tensor-spec": {"dtype": ..., "shape": [...]}, "name"?: ...}`;
   * other keys are ignored, as MLflow does.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for a malformed spec.
   */
  static fromDict(dict: unknown): TensorSpec {
    if (!isPlainObject(dict)) throw invalid(`Expected TensorSpec JSON to be a dictionary, got ${pyTypeName(dict)}`);
    if (!('tensor-spec' in dict) || !('type' in dict)) {
      throw invalid('Missing keys in TensorSpec JSON. Expected to find keys `tensor-spec` and `type`');
    }
    if (dict.type !== 'tensor') throw invalid('Type mismatch, TensorSpec expects `tensor` as the type');
    const info = dict['tensor-spec'];
    if (!isPlainObject(info)) throw invalid(`Expected \`tensor-spec\` to be a dictionary, got ${pyTypeName(info)}`);
    if (!('dtype' in info) || !('shape' in info)) {
      throw invalid('Missing keys in TensorSpec JSON. Expected to find keys `dtype` and `shape`');
    }
    // np.dtype(None) is float64
    const dtype = info.dtype === null ? 'float64' : info.dtype;
    return new TensorSpec(dtype as string, info.shape as number[], dict.name as ColumnName | null | undefined,
      { nameIsFloat: isFloatSlot(dict, 'name') });
  }

  /** Equal names (both absent counts), dtypes and shapes. */
  equals(other: unknown): boolean {
    if (!(other instanceof TensorSpec)) return false;
    const namesEqual = (this.name === undefined && other.name === undefined) || pyEquals(this.name, other.name);
    return namesEqual && this.dtype === other.dtype && this.shape.length === other.shape.length &&
      this.shape.every((dim, index) => dim === other.shape[index]);
  }

  /** Python's repr: `'x': Tensor('float32', (-1, 28, 28))`. */
  toString(): string {
    const shape = this.shape.length === 1 ? `(${this.shape[0]},)` : `(${this.shape.join(', ')})`;
    const tensor = `Tensor('${this.dtype}', ${shape})`;
    return this.name === undefined ? tensor : `${pyRepr(this.name)}: ${tensor}`;
  }
}
