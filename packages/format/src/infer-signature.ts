/**
 * Signature inference (format spec 5): MLflow's `infer_signature`, `_infer_schema`,
 * `_infer_datatype` and `_infer_param_schema` over this package's data containers and plain
 * JavaScript values.
 */
import { Frame, Series, isMissingValue, type Column } from './data/frame.js';
import { CscMatrix, CsrMatrix } from './data/sparse.js';
import { Tensor } from './data/tensor.js';
import { isDatetimeDType, type DType } from './data/dtype.js';
import { silentLogger, type Logger } from './logger.js';
import { MlflowException } from './mlflow-exception.js';
import {
  PyDate,
  PyDateTime,
  copyPyValue,
  isFloatSlot,
  isPlainObject,
  isPyFloat,
  markFloat,
} from './py-values.js';
import { pyRepr, pyTypeName } from './py-repr.js';
import {
  AnyType,
  ArrayType,
  ColSpec,
  MapType,
  ModelSignature,
  ObjectType,
  ParamSchema,
  ParamSpec,
  Property,
  Schema,
  SparkMLVector,
  TensorSpec,
  type ColumnType,
  type DataType,
} from './signature/index.js';

/** Options of the inference functions. */
export interface InferSignatureOptions {
  /** Receives the fallback warning (5.1) and the integer-column hint (5.4). */
  logger?: Logger;
  /**
   * The MLflow line whose rules to follow where 2.22 and 3.x differ (default 3): merging an
   * object property of a scalar type with one that is `any` (a `null` value) fails in 2.22
   * and keeps the scalar type in 3.x.
   */
  mlflowVersion?: 2 | 3;
}

const MULTIPLE_TYPES_ERROR_MSG =
  'Expected all values in the list to be of the same type. To specify a model signature ' +
  'with a list containing elements of multiple types, define the signature manually ' +
  'using the Array(AnyType()) type from mlflow.models.schema.';

const INTEGER_HINT =
  'Hint: Inferred schema contains integer column(s). Integer columns in Python cannot represent ' +
  'missing values. If your input data contains missing values at inference time, it will be ' +
  'encoded as floats and will cause a schema enforcement error. The best way to avoid this ' +
  'problem is to infer the model schema based on a realistic data sample (training dataset) ' +
  'that includes missing values. Alternatively, you can declare integer columns as doubles ' +
  '(float64) whenever these columns may have missing values.';

/** MLflow's `MlflowException(message)` without a code: INTERNAL_ERROR. */
function internal(message: string): MlflowException {
  return new MlflowException('INTERNAL_ERROR', message);
}

/** An error Python raises as a builtin exception class (its name shows in params errors). */
class PythonError extends MlflowException {
  constructor(readonly pythonType: 'Exception' | 'TypeError', message: string) {
    super('INTERNAL_ERROR', message);
  }
}

/** Python's `repr(exception)`: `Name('message')`. */
function exceptionRepr(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const type = error instanceof PythonError ? error.pythonType : MlflowException.isInstance(error) ? 'MlflowException' : 'Exception';
  return `${type}(${pyRepr(message)})`;
}

/** `repr` of a params value, numpy arrays (also inside lists) as `array([...])`. */
function valueRepr(value: unknown, container?: object, key?: string | number): string {
  if (Array.isArray(value)) return `[${value.map((item, index) => valueRepr(item, value, index)).join(', ')}]`;
  if (value instanceof Tensor) return `array(${valueRepr(value.toNested())})`;
  return pyRepr(value, container, key);
}

function invalid(message: string): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', message);
}

interface Context {
  version: 2 | 3;
}

function contextOf(options: InferSignatureOptions): Context {
  return { version: options.mlflowVersion ?? 3 };
}

// ---------------------------------------------------------------------------------------------
// inferSignature

/**
 * MLflow's `infer_signature`: a schema for `input` and for `output` (each when given, i.e.
 * not `null`/`undefined`) and a params schema for non-empty `params`. A failure to infer an
 * input or output schema is logged as a warning and gives `[ColSpec(any)]`; params errors
 * propagate.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when params cannot be inferred, or when
 * nothing was given (no inputs, outputs or params).
 */
export function inferSignature(
  input?: unknown,
  output?: unknown,
  params?: unknown,
  options: InferSignatureOptions = {},
): ModelSignature {
  const logger = options.logger ?? silentLogger;
  const schemas: { inputs?: Schema; outputs?: Schema } = {};
  for (const [key, data] of [['inputs', input], ['outputs', output]] as const) {
    if (data === undefined || data === null) continue;
    try {
      schemas[key] = inferSchema(data, options);
    } catch (error) {
      const extra = key === 'inputs' ? "Note that MLflow doesn't validate data types during inference for AnyType. " : '';
      logger.warn({ key, error: error instanceof Error ? error.message : String(error) },
        `Failed to infer schema for ${key}. Setting schema to \`Schema([ColSpec(type=AnyType())]\` as default. ${extra}`.trimEnd());
      schemas[key] = new Schema([new ColSpec(new AnyType())]);
    }
  }
  const paramSchema = isEmptyParams(params) ? undefined : inferParamSchema(params, options);
  return new ModelSignature({ ...schemas, params: paramSchema });
}

/**
 * The output schema of a prediction made on an input example (format spec 5.11): with a
 * column-based input schema a 1-d tensor prediction is typed as an unnamed series; a failure
 * is logged as a warning and gives `[ColSpec(any)]`.
 */
export function inferOutputSchema(prediction: unknown, inputSchema: Schema | undefined,
  options: InferSignatureOptions = {}): Schema {
  let data = prediction;
  if (inputSchema !== undefined && !inputSchema.isTensorSpec() && prediction instanceof Tensor && prediction.ndim === 1) {
    data = new Series(prediction.dtype, prediction.data);
  }
  try {
    return inferSchema(data, options);
  } catch (error) {
    (options.logger ?? silentLogger).warn({ error: error instanceof Error ? error.message : String(error) },
      'Failed to infer model output schema from prediction result, setting output schema to AnyType.');
    return new Schema([new ColSpec(new AnyType())]);
  }
}

/** Python truthiness of the `params` argument. */
function isEmptyParams(params: unknown): boolean {
  if (params === undefined || params === null || params === false || params === 0 || params === '') return true;
  if (Array.isArray(params)) return params.length === 0;
  if (params instanceof Map) return params.size === 0;
  if (isPlainObject(params)) return Object.keys(params).length === 0;
  return false;
}

// ---------------------------------------------------------------------------------------------
// inferSchema

/** A dict's entries: a plain object's, or a `Map`'s. */
function dictEntries(value: Record<string, unknown> | Map<unknown, unknown>): [unknown, unknown, boolean][] {
  if (value instanceof Map) return [...value.entries()].map(([key, item]) => [key, item, false]);
  return Object.entries(value).map(([key, item]) => [key, item, isFloatSlot(value, key)]);
}

function isDict(value: unknown): value is Record<string, unknown> | Map<unknown, unknown> {
  return isPlainObject(value) || value instanceof Map;
}

/**
 * MLflow's `_infer_schema` (format spec 5.4): the schema of a frame, series, tensor, dict of
 * tensors, CSR/CSC matrix, list of records, dict, list or scalar. Warns the integer-column
 * hint through `options.logger`.
 * @throws {MlflowException} when the value cannot be typed (mixed lists, unsupported
 * dtypes or values), with MLflow's code.
 */
export function inferSchema(data: unknown, options: InferSignatureOptions = {}): Schema {
  const context = contextOf(options);
  const schema = inferSchemaOf(data, context);
  if (!schema.isTensorSpec() && schema.inputTypes().some((type) => type === 'integer' || type === 'long')) {
    (options.logger ?? silentLogger).warn({}, INTEGER_HINT);
  }
  return schema;
}

function inferSchemaOf(data: unknown, context: Context): Schema {
  if (Array.isArray(data) && data.length === 0) return new Schema([new ColSpec('string')]);
  if (Array.isArray(data) && data.every((item) => isDict(item))) return recordsSchema(data as Record<string, unknown>[], context);
  if (isDict(data)) {
    const entries = dictEntries(data);
    if (entries.every(([, value]) => value instanceof Tensor)) {
      return new Schema(entries.map(([name, value]) => {
        const tensor = value as Tensor;
        return new TensorSpec(tensor.dtype, variableShape(tensor.shape), name as string);
      }));
    }
    if (entries.some(([key]) => typeof key !== 'string')) throw internal('The dictionary keys are not all strings.');
    return new Schema(entries.map(([name, value, float]) => new ColSpec(
      colspecType(value, context, float), name as string, isRequiredValue(value))));
  }
  if (data instanceof Series) {
    return new Schema([new ColSpec(pandasColumnType(data, context), data.label, !hasMissing(data))]);
  }
  if (data instanceof Frame) {
    return new Schema(data.columns.map((column) =>
      new ColSpec(pandasColumnType(column, context), column.name, !hasMissing(column))));
  }
  if (data instanceof Tensor) return new Schema([new TensorSpec(data.dtype, variableShape(data.shape))]);
  if (data instanceof CsrMatrix || data instanceof CscMatrix) {
    return new Schema([new TensorSpec(data.dtype, variableShape(data.shape))]);
  }
  if (Array.isArray(data)) return new Schema([new ColSpec(elementType(colspecType(data, context)))]);
  try {
    return new Schema([new ColSpec(colspecType(data, context))]);
  } catch (error) {
    if (!MlflowException.isInstance(error)) throw error;
    throw invalid(
      'Failed to infer schema. Expected one of the following types:\n' +
      '- pandas.DataFrame\n- pandas.Series\n- numpy.ndarray\n- dictionary of (name -> numpy.ndarray)\n' +
      '- pyspark.sql.DataFrame\n- scipy.sparse.csr_matrix\n- scipy.sparse.csc_matrix\n- DataType\n' +
      '- List[DataType]\n- Dict[str, Union[DataType, List, Dict]]\n' +
      `- List[Dict[str, Union[DataType, List, Dict]]]\nbut got '${pyRepr(data)}'.\nError: ${error.message}`);
  }
}

/** The shape with dimension 0 variable (`_get_tensor_shape`). */
function variableShape(shape: readonly number[]): number[] {
  if (shape.length === 0) {
    throw internal('The specified variable_dimension 0 is out of bounds with respect to the number of dimensions 0 in the input dataset');
  }
  return [-1, ...shape.slice(1)];
}

/** The item type of an inferred `array` (MLflow's `.dtype` on the list's type). */
function elementType(type: ColumnType): ColumnType {
  if (type instanceof ArrayType) return type.items;
  throw internal(`Expected an array type, got ${String(type)}`);
}

function recordsSchema(records: (Record<string, unknown> | Map<unknown, unknown>)[], context: Context): Schema {
  const columns = new Map<unknown, unknown[]>();
  for (const record of records) {
    for (const [key, value, float] of dictEntries(record)) {
      let values = columns.get(key);
      if (values === undefined) {
        values = [];
        columns.set(key, values);
      }
      values.push(value);
      if (float) markFloat(values, values.length - 1);
    }
  }
  const present = (record: Record<string, unknown> | Map<unknown, unknown>, key: unknown): boolean => {
    const value = record instanceof Map ? record.get(key) : record[key as string];
    return value !== null && value !== undefined;
  };
  return new Schema([...columns.entries()].map(([name, values]) => new ColSpec(
    elementType(colspecType(values, context)), name as string, records.every((record) => present(record, name)))));
}

/** `_is_none_or_nan`. */
function isNoneOrNan(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

/** `_infer_required` for a dict value. */
function isRequiredValue(value: unknown): boolean {
  if (Array.isArray(value)) return !value.some((item) => isNoneOrNan(item));
  return !isNoneOrNan(value);
}

/** `_infer_colspec_type`: the type of a value; an undetermined type is an error. */
function colspecType(value: unknown, context: Context, float = false): ColumnType {
  const type = inferType(value, context, float);
  if (type === undefined) {
    throw internal(`Numpy array must include at least one non-empty item. Invalid input \`${pyRepr(value)}\`.`);
  }
  return type;
}

// ---------------------------------------------------------------------------------------------
// value typing (5.2, 5.3)

/**
 * MLflow's `_infer_datatype` (format spec 5.3): the column type of a value, or `undefined`
 * when it is undetermined (an empty tensor). `float` says the value sits in a float-marked
 * slot (an integral number that was a Python float).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for mixed lists and unsupported values.
 */
export function inferDataType(value: unknown, options: InferSignatureOptions = {}, float = false): ColumnType | undefined {
  return inferType(value, contextOf(options), float);
}

function inferType(value: unknown, context: Context, float: boolean): ColumnType | undefined {
  if (isNoneOrNan(value)) return new AnyType();
  if (Array.isArray(value) && value.length === 0) return new AnyType();
  if (isDict(value)) {
    const entries = dictEntries(value);
    if (entries.length === 0) return new AnyType();
    const properties = entries.map(([key, item, itemFloat]) => {
      const type = inferType(item, context, itemFloat);
      if (type === undefined) throw internal('Dictionary value must not be an empty numpy array.');
      return new Property(key as string, type, !(type instanceof AnyType));
    });
    return new ObjectType(properties);
  }
  if (Array.isArray(value)) {
    return foldItemTypes(value.map((item, index) => () => inferType(item, context, isFloatSlot(value, index))), context);
  }
  if (value instanceof Tensor) return tensorItemsType(value, context);
  return scalarType(value, float);
}

/** `_infer_array_datatype` over a tensor: its first axis. */
function tensorItemsType(tensor: Tensor, context: Context): ArrayType | undefined {
  if (tensor.ndim === 0) throw invalid('iteration over a 0-d array');
  const count = tensor.shape[0]!;
  const items: (() => ColumnType | undefined)[] = [];
  for (let index = 0; index < count; index++) {
    if (tensor.ndim > 1) items.push(() => tensorItemsType(tensor.get(index) as Tensor, context));
    else items.push(() => numpyScalarType(tensor, index, context));
  }
  return foldItemTypes(items, context);
}

/** The DataType of a numpy scalar taken from a 1-d tensor (5.2's numpy rows). */
function numpyScalarType(tensor: Tensor, index: number, context: Context): ColumnType | undefined {
  const dtype = tensor.dtype;
  const value = tensor.get(index);
  switch (dtype) {
    case 'bool': return 'boolean';
    case 'int64': return 'long';
    case 'int32': return 'integer';
    case 'float64': return Number.isNaN(value) ? new AnyType() : 'double'; // np.float64 is a float
    case 'float32': return 'float';
    case 'str': return 'string';
    case 'bytes': return 'binary';
    case 'object': return inferType(value, context, isFloatSlot(tensor.data, index));
    default:
      if (isDatetimeDType(dtype)) return 'datetime';
      throw invalid(`Data ${pyRepr(value)} is not one of the supported DataType`);
  }
}

/** Folds item types into an array type (`_infer_array_datatype`). */
function foldItemTypes(items: (() => ColumnType | undefined)[], context: Context): ArrayType | undefined {
  let result: ColumnType | undefined;
  for (const item of items) {
    const type = item();
    if (type === undefined) continue;
    if (result === undefined) {
      result = type;
    } else if (!isDataType(result)) {
      try {
        result = mergeTypes(result, type, context);
      } catch (error) {
        if (!MlflowException.isInstance(error)) throw error;
        throw invalid(MULTIPLE_TYPES_ERROR_MSG);
      }
    } else if (!(type instanceof AnyType) && type !== result) {
      const widened = widenNumbers(result, type);
      if (widened === undefined) throw invalid(MULTIPLE_TYPES_ERROR_MSG);
      result = widened;
    }
  }
  return result === undefined ? undefined : new ArrayType(result);
}

function isDataType(type: ColumnType): type is DataType {
  return typeof type === 'string';
}

/**
 * The documented deviation (format spec 5.9): JavaScript cannot tell `2` from `2.0`, so
 * `long` and `double` items together give `double` where MLflow raises.
 */
function widenNumbers(a: ColumnType, b: ColumnType): DataType | undefined {
  if ((a === 'long' && b === 'double') || (a === 'double' && b === 'long')) return 'double';
  return undefined;
}

/** `_infer_scalar_datatype` (format spec 5.2, 5.9). */
function scalarType(value: unknown, float: boolean): DataType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'bigint') return 'long';
  if (typeof value === 'number') return float || isPyFloat(value) ? 'double' : 'long';
  if (typeof value === 'string') return 'string';
  if (value instanceof Uint8Array) return 'binary';
  if (value instanceof Date || value instanceof PyDate || value instanceof PyDateTime) return 'datetime';
  throw invalid(`Data ${pyRepr(value)} is not one of the supported DataType`);
}

// ---------------------------------------------------------------------------------------------
// merge (5.8)

/**
 * MLflow's `_merge` of two column types (format spec 5.8), plus the `long`/`double`
 * widening of 5.9.
 * @throws {MlflowException} INTERNAL_ERROR when the types are incompatible.
 */
export function mergeColumnTypes(a: ColumnType, b: ColumnType, options: InferSignatureOptions = {}): ColumnType {
  return mergeTypes(a, b, contextOf(options));
}

function mergeTypes(a: ColumnType, b: ColumnType, context: Context): ColumnType {
  if (a instanceof AnyType) {
    if (b instanceof AnyType) return new AnyType();
    if (isDataType(b)) return b;
    return mergeTypes(b, a, context);
  }
  if (a instanceof SparkMLVector) {
    if (b instanceof SparkMLVector) return new SparkMLVector();
    throw internal("SparkML vector type can't be merged with another Array type.");
  }
  if (a instanceof ArrayType) {
    if (b instanceof AnyType || a.equals(b)) return a;
    if (!(b instanceof ArrayType)) throw internal(`Can't merge array with non-array type: ${typeName(b)}`);
    if (isDataType(a.items)) {
      if (a.items === b.items || b.items instanceof AnyType) return new ArrayType(a.items);
      const widened = widenNumbers(a.items, b.items);
      if (widened !== undefined) return new ArrayType(widened);
      throw internal(`Array types are incompatible for ${String(a)} with dtype=${String(a.items)} and ${String(b)} with dtype=${String(b.items)}`);
    }
    return new ArrayType(mergeTypes(a.items, b.items, context));
  }
  if (a instanceof MapType) {
    if (b instanceof AnyType || a.equals(b)) return a;
    if (!(b instanceof MapType)) throw internal(`Can't merge map with non-map type: ${typeName(b)}`);
    if (isDataType(a.values)) {
      if (a.values === b.values || b.values instanceof AnyType) return new MapType(a.values);
      throw internal(`Map types are incompatible for ${String(a)} and ${String(b)}`);
    }
    return new MapType(mergeTypes(a.values, b.values, context));
  }
  if (a instanceof ObjectType) {
    if (b instanceof AnyType) return new ObjectType(a.properties.map((p) => new Property(p.name, p.type, false)));
    if (!(b instanceof ObjectType)) throw internal(`Can't merge object with non-object type: ${typeName(b)}`);
    if (a.equals(b)) return a;
    const left = new Map(a.properties.map((p) => [p.name, p]));
    const right = new Map(b.properties.map((p) => [p.name, p]));
    const merged: Property[] = [];
    for (const [name, property] of left) {
      const other = right.get(name);
      merged.push(other === undefined ? new Property(name, property.type, false) : mergeProperties(property, other, context));
    }
    for (const [name, property] of right) {
      if (!left.has(name)) merged.push(new Property(name, property.type, false));
    }
    return new ObjectType(merged);
  }
  // a DataType: only reached from a top-level call
  if (b instanceof AnyType || a === b) return a;
  const widened = widenNumbers(a, b);
  if (widened !== undefined) return widened;
  throw internal(`Types are incompatible: ${String(a)} and ${String(b)}`);
}

function mergeProperties(a: Property, b: Property, context: Context): Property {
  const required = a.required === null || b.required === null ? (a.required === false || b.required === false ? false : null)
    : a.required && b.required;
  if (isDataType(a.type)) {
    const anyOk = context.version >= 3 && b.type instanceof AnyType;
    if (a.type === b.type || anyOk) return new Property(a.name, a.type, required);
    const widened = isDataType(b.type) ? widenNumbers(a.type, b.type) : undefined;
    if (widened !== undefined) return new Property(a.name, widened, required);
    if (isDataType(b.type) || context.version >= 3) {
      throw internal(`Properties are incompatible for ${String(a.type)} and ${String(b.type)}`);
    }
    throw internal('Properties are incompatible');
  }
  return new Property(a.name, mergeTypes(a.type, b.type, context), required);
}

function typeName(type: ColumnType): string {
  if (isDataType(type)) return 'DataType';
  if (type instanceof ArrayType) return 'Array';
  if (type instanceof ObjectType) return 'Object';
  if (type instanceof MapType) return 'Map';
  return 'AnyType';
}

// ---------------------------------------------------------------------------------------------
// frame and series columns (5.6)

function hasMissing(column: Column): boolean {
  for (let index = 0; index < column.values.length; index++) {
    if (isMissingValue(column, index)) return true;
  }
  return false;
}

/** `_infer_pandas_column`: a column's DataType (or complex type for object columns). */
function pandasColumnType(column: Column, context: Context): ColumnType {
  const byDtype = dtypeDataType(column.dtype);
  if (byDtype !== undefined) return byDtype;
  // object: pandas' infer_objects first, then the values as a list
  const values = column.values as unknown[];
  const converted = inferObjectsType(values);
  if (converted !== undefined) return converted;
  try {
    return elementType(colspecType(values, context));
  } catch (error) {
    const present = values.filter((value) => !isNoneOrNan(value));
    if (present.every((value) => typeof value === 'string')) return 'string'; // pandas' is_string_dtype
    const message = error instanceof Error ? error.message : String(error);
    throw internal(`Failed to infer schema for pandas.Series ${String(column.name)}. Error: ${message}`);
  }
}

/** `_infer_numpy_dtype` for a column dtype; `undefined` for `object`. */
function dtypeDataType(dtype: DType): DataType | undefined {
  switch (dtype) {
    case 'bool': return 'boolean';
    case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint16': return 'integer';
    case 'int64': case 'uint32': return 'long';
    case 'uint64': throw internal("Unsupported numpy data type 'uint64', kind 'u'");
    case 'float16': case 'float32': return 'float';
    case 'float64': return 'double';
    case 'str': return 'string';
    case 'bytes': return 'binary';
    case 'object': return undefined;
    default: return 'datetime';
  }
}

/**
 * The DataType after pandas' `infer_objects` on an object column, when it converts one:
 * numbers (ints with a missing value or any float → `double`, ints → `long`), booleans with
 * none missing, datetimes.
 */
function inferObjectsType(values: unknown[]): DataType | undefined {
  let missing = 0;
  let numbers = 0;
  let floats = 0;
  let booleans = 0;
  let datetimes = 0;
  let min = 0n;
  let max = 0n;
  values.forEach((value, index) => {
    if (value === null || value === undefined) missing++;
    else if (typeof value === 'number') {
      numbers++;
      if (isPyFloat(value, values, index)) floats++;
    } else if (typeof value === 'bigint') {
      numbers++;
      if (value < min) min = value;
      if (value > max) max = value;
    } else if (typeof value === 'boolean') booleans++;
    else if (value instanceof Date || value instanceof PyDateTime) datetimes++;
  });
  const present = values.length - missing;
  if (present === 0) return undefined;
  if (numbers === present) {
    if (floats > 0 || missing > 0) return 'double';
    if (min >= -(2n ** 63n) && max < 2n ** 63n) return 'long';
    if (min >= 0n && max < 2n ** 64n) throw internal("Unsupported numpy data type 'uint64', kind 'u'");
    return undefined;
  }
  if (booleans === present && missing === 0) return 'boolean';
  if (datetimes === present) return 'datetime';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// params (5.7)

/**
 * MLflow's `_infer_param_schema` (format spec 5.7): one ParamSpec per entry of `params`,
 * with the value (deep-copied) as its default.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when `params` is not a dict, or listing
 * every parameter whose type could not be inferred or whose default does not validate.
 */
export function inferParamSchema(params: unknown, options: InferSignatureOptions = {}): ParamSchema {
  const context = contextOf(options);
  if (!isDict(params)) throw invalid(`Expected parameters to be dict, got ${pyTypeName(params)}`);
  const specs: ParamSpec[] = [];
  const failures: string[] = [];
  for (const [name, value, float] of dictEntries(params)) {
    try {
      const [type, shape] = paramTypeAndShape(value, float, context);
      specs.push(new ParamSpec(name as string, type, paramDefault(value), shape, { defaultIsFloat: float }));
    } catch (error) {
      const holder = [value];
      if (float) markFloat(holder, 0);
      failures.push(`(${pyRepr(name)}, ${valueRepr(value, holder, 0)}, ${exceptionRepr(error)})`);
    }
  }
  if (failures.length > 0) throw invalid(`Failed to infer schema for parameters: [${failures.join(', ')}]`);
  return new ParamSchema(specs);
}

function paramDefault(value: unknown): unknown {
  if (value instanceof Tensor) return value.toNested();
  if (value instanceof Date) return PyDateTime.fromDate(value);
  if (Array.isArray(value)) {
    const copy = copyPyValue(value);
    return copy.map((item) => (item instanceof Date ? PyDateTime.fromDate(item) : item));
  }
  return copyPyValue(value);
}

function isDatetimeLike(value: unknown): boolean {
  return value instanceof Date || value instanceof PyDate || value instanceof PyDateTime;
}

/** `_get_array_depth`. */
function arrayDepth(value: unknown): number {
  if (value instanceof Tensor) return value.ndim;
  if (Array.isArray(value)) return value.length === 0 ? 1 : Math.max(...value.map(arrayDepth)) + 1;
  return 0;
}

type ParamType = Exclude<DataType, 'binary'> | ObjectType | 'binary';

/** `_infer_type_and_shape`. */
function paramTypeAndShape(value: unknown, float: boolean, context: Context): [ParamType, number[] | null] {
  if (Array.isArray(value) || value instanceof Tensor) {
    const depth = arrayDepth(value);
    if (depth !== 1) throw invalid(`Expected parameters to be 1D array or scalar, got ${depth}D array`);
    if (value instanceof Tensor) {
      if (isDatetimeDType(value.dtype)) return ['datetime', [-1]];
      return [numpyDataType(value.dtype), [-1]];
    }
    if (value.every(isDatetimeLike)) return ['datetime', [-1]];
    return [numpyDataType(listNumpyDType(value)), [-1]];
  }
  if (isDatetimeLike(value)) return ['datetime', null];
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint' ||
    typeof value === 'string' || value instanceof Uint8Array) {
    try {
      return [numpyDataType(listNumpyDType([value], float ? [0] : [])), null];
    } catch (error) {
      throw invalid(`Failed to infer schema for parameter ${valueRepr(value)}: ${exceptionRepr(error)}`);
    }
  }
  if (isDict(value)) {
    const schema = inferSchemaOf(new Map<unknown, unknown>([['value', value]]), context);
    const type = (schema.inputs[0] as ColSpec).type;
    if (!(type instanceof ObjectType)) throw new PythonError('TypeError', `'dtype' must be DataType, Object or str, got ${String(type)}`);
    return [type, null];
  }
  throw invalid(`Expected parameters to be 1D array or scalar, got ${pyTypeName(value)}`);
}

/** The dtype numpy gives `np.array(list)` of scalars, as far as params need it. */
function listNumpyDType(values: unknown[], floatIndices: number[] = []): DType {
  let strings = 0;
  let bytes = 0;
  let floats = 0;
  let ints = 0;
  let booleans = 0;
  let min = 0n;
  let max = 0n;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (typeof value === 'string') strings++;
    else if (value instanceof Uint8Array) bytes++;
    else if (typeof value === 'boolean') booleans++;
    else if (typeof value === 'number') {
      if (floatIndices.includes(index) || isPyFloat(value, values, index)) floats++;
      else {
        ints++;
        if (BigInt(value) < min) min = BigInt(value);
        if (BigInt(value) > max) max = BigInt(value);
      }
    } else if (typeof value === 'bigint') {
      ints++;
      if (value < min) min = value;
      if (value > max) max = value;
    } else return 'object';
  }
  if (strings > 0) return 'str';
  if (bytes > 0) return 'bytes';
  if (floats > 0) return 'float64';
  if (ints > 0) {
    if (min >= -(2n ** 63n) && max < 2n ** 63n) return 'int64';
    if (min >= 0n && max < 2n ** 64n) return 'uint64';
    return 'object';
  }
  return values.length === 0 ? 'float64' : 'bool';
}

/** `_infer_numpy_dtype` for a params array. */
function numpyDataType(dtype: DType): ParamType {
  if (dtype === 'object') {
    throw new PythonError('Exception', 'Can not infer object without looking at the values, call _map_numpy_array instead.');
  }
  const type = dtypeDataType(dtype);
  if (type === undefined) throw internal(`Unsupported numpy data type '${dtype}'`);
  return type;
}
