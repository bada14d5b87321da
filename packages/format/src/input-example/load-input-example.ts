/**
 * `loadInputExample`: MLflow's `Model.load_input_example` / `_read_example` (format spec 6.6),
 * reading the example a model directory carries back into containers.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isFloatDType, isIntegerDType, parseDType, type DType } from '../data/dtype.js';
import { Frame, makeColumn, type Column, type Label } from '../data/frame.js';
import { CscMatrix, CsrMatrix } from '../data/sparse.js';
import { Tensor } from '../data/tensor.js';
import { readValues, storeValues } from '../data/values.js';
import { MlflowException } from '../mlflow-exception.js';
import type { SavedInputExampleInfo } from '../model.js';
import { PyDateTime, isFloatSlot, isPlainObject, markFloat, type PyValue } from '../py-values.js';
import { pyClass, pyRepr, pyTruthy } from '../py-repr.js';
import { parsePythonJson } from '../python-json.js';
import { ColSpec } from '../signature/col-spec.js';
import { AnyType, ArrayType } from '../signature/column-type.js';
import { dataTypeToNumpy, dataTypeToPandas, isDataType } from '../signature/data-type.js';
import type { Schema, Spec } from '../signature/schema.js';
import { TensorSpec } from '../signature/tensor-spec.js';
import type { InputExampleData } from './encode-input-example.js';
import { decodeBase64Lines } from './to-python-json.js';

/** The example types this version reads (`saved_input_example_info.type`). */
export const inputExampleTypes = ['dataframe', 'ndarray', 'sparse_matrix_csc', 'sparse_matrix_csr', 'json_object'] as const;

/** An input example read back: its data and, when saved with params, the params. */
export interface LoadedInputExample {
  /**
   * `json_object`: the parsed JSON value; `ndarray`: a {@link Tensor} or a dict of tensors;
   * `sparse_matrix_*`: a {@link CsrMatrix} / {@link CscMatrix}; `dataframe`: a {@link Frame}.
   */
  data: InputExampleData;
  /** The params saved with the example (`saved_input_example_info.params`), else undefined. */
  params?: Record<string, PyValue>;
}

/** Options of {@link loadInputExample}. */
export interface LoadInputExampleOptions {
  /** The model's input schema: tensors and frame columns are cast to it, as MLflow does. */
  schema?: Schema | null;
}

/** MLflow's `MlflowInvalidInputException`: BAD_REQUEST, message prefixed "Invalid input. ". */
function invalidInput(message: string, cause?: unknown): MlflowException {
  return new MlflowException('BAD_REQUEST', `Invalid input. ${message}`, cause === undefined ? undefined : { cause });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readModelFile(modelDir: string, relative: string): Promise<string> {
  const path = join(modelDir, relative);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Input example file not found: ${path}`, { path, cause: error });
    }
    throw new MlflowException('IO_ERROR', `Could not read ${path}: ${messageOf(error)}`, { path, cause: error });
  }
}

/** Parses JSON; a top-level float literal such as `1.0` is reported so it can be marked. */
function parseExampleJson(text: string, path: string): { value: PyValue; topLevelFloat: boolean } {
  const value = parsePythonJson(text, { path });
  const trimmed = text.trim();
  const topLevelFloat = typeof value === 'number' && Number.isInteger(value) && /^-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?$/.test(trimmed) &&
    /[.eE]/.test(trimmed);
  return { value, topLevelFloat };
}

/**
 * Reads the input example of a model directory as MLflow's `Model.load_input_example` does:
 * `json_object` as the parsed JSON, `ndarray` as tensors (cast to a tensor schema; the legacy
 * `format: tf-serving` files as TF-serving requests), `sparse_matrix_*` as CSR/CSC, and
 * `dataframe` as a frame from split orient (cast to the schema: binary columns base64-decoded,
 * datetimes parsed). With `params` in the info, the data is under `"inputs"` and the params
 * under `"params"`.
 * @throws {MlflowException} INTERNAL_ERROR for an unknown `type` (MLflow's code);
 * RESOURCE_DOES_NOT_EXIST when the file is missing; INVALID_PARAMETER_VALUE for malformed JSON
 * or parts; BAD_REQUEST (MLflow's code) when the data does not fit a frame or the schema.
 */
export async function loadInputExample(modelDir: string, info: SavedInputExampleInfo,
  options: LoadInputExampleOptions = {}): Promise<LoadedInputExample> {
  if (!isPlainObject(info)) throw MlflowException.invalidParameterValue('saved_input_example_info must be a mapping');
  const type = info.type;
  if (!(inputExampleTypes as readonly unknown[]).includes(type)) {
    throw new MlflowException('INTERNAL_ERROR', `This version of mlflow can not load example of type ${String(type)}`);
  }
  const artifactPath = info.artifact_path;
  if (typeof artifactPath !== 'string' || artifactPath === '') {
    throw MlflowException.invalidParameterValue('saved_input_example_info.artifact_path must be a non-empty string');
  }
  const path = join(modelDir, artifactPath);
  const { value: parsed, topLevelFloat } = parseExampleJson(await readModelFile(modelDir, artifactPath), path);
  const result: LoadedInputExample = { data: null };
  let raw: PyValue = parsed;
  let rawIsFloat = topLevelFloat;
  if (pyTruthy(info.params)) { // `"false"` is truthy, as in MLflow
    if (!isPlainObject(parsed) || !('inputs' in parsed)) {
      throw MlflowException.invalidParameterValue(`Input example ${path} has params but no "inputs" key`, { path });
    }
    raw = parsed.inputs!;
    rawIsFloat = isFloatSlot(parsed, 'inputs');
    const params = parsed.params;
    if (params !== undefined && params !== null) {
      if (!isPlainObject(params)) throw MlflowException.invalidParameterValue(`Input example ${path} has params that are not a dict`, { path });
      result.params = params as Record<string, PyValue>;
    }
  }
  const schema = options.schema ?? undefined;
  switch (type) {
    case 'json_object':
      result.data = raw;
      if (rawIsFloat) markFloat(result, 'data');
      break;
    case 'ndarray':
      result.data = info.format === 'tf-serving' ? parseTfServing(raw, schema) : castSchemaType(raw, schema, rawIsFloat);
      break;
    case 'sparse_matrix_csc':
    case 'sparse_matrix_csr':
      result.data = readSparse(raw, type === 'sparse_matrix_csc', path);
      break;
    default:
      result.data = frameFromSplit(raw, schema);
      break;
  }
  return result;
}

/**
 * The text of the model's serving input example (`serving_input_example.json`), or undefined
 * when the info names none.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when the named file is missing.
 */
export async function loadServingInputExample(modelDir: string, info: SavedInputExampleInfo | null | undefined): Promise<string | undefined> {
  const relative = info?.serving_input_path;
  if (relative === undefined || relative === null) return undefined;
  if (typeof relative !== 'string') throw MlflowException.invalidParameterValue('serving_input_path must be a string');
  return readModelFile(modelDir, relative);
}

// ---------------------------------------------------------------------------------------------
// ndarray

/** The legacy TF-serving request form: `{"inputs": ...}` or `{"instances": ...}` alone. */
function parseTfServing(raw: PyValue, schema: Schema | undefined): InputExampleData {
  if (!isPlainObject(raw)) return castSchemaType(raw, schema, false);
  const keys = Object.keys(raw);
  if (keys.includes('signature_name')) throw invalidInput('"signature_name" parameter is currently not supported');
  if (keys.length !== 1 || (keys[0] !== 'inputs' && keys[0] !== 'instances')) {
    throw invalidInput('One of "instances" and "inputs" must be specified (not both or any other keys).' +
      `Received: [${keys.map((key) => pyRepr(key)).join(', ')}]`);
  }
  if (keys[0] === 'inputs') return castSchemaType(raw.inputs!, schema, isFloatSlot(raw, 'inputs'));
  const instances = raw.instances!;
  if (Array.isArray(instances) && instances.length > 0 && isPlainObject(instances[0])) {
    const types = namedSpecs(schema);
    const columns = new Map<string, unknown[]>();
    for (const item of instances) {
      if (!isPlainObject(item)) throw invalidInput('Every instance must be an object');
      for (const [name, value] of Object.entries(item)) {
        const column = columns.get(name) ?? [];
        const converted = convertDataType(value, types.get(name), { container: item, key: name });
        // numpy stacks the per-row arrays: keep their elements (and float kind), not the arrays
        column.push(converted instanceof Tensor ? (converted.ndim === 0 ? converted.get() : converted.toNested()) : converted);
        if (converted instanceof Tensor && converted.ndim === 0 && isFloatDType(converted.dtype)) markFloat(column, column.length - 1);
        columns.set(name, column);
      }
    }
    const out: Record<string, Tensor> = {};
    for (const [name, values] of columns) out[name] = toTensor(values);
    const lengths = new Set(Object.values(out).map((tensor) => tensor.shape[0]));
    if (lengths.size > 1) throw invalidInput('The length of values for each input/column name are not the same');
    return out;
  }
  return castSchemaType(instances, schema, false);
}

function namedSpecs(schema: Schema | undefined): Map<string | number, Spec> {
  return schema !== undefined && schema.hasInputNames() ? schema.inputDict() : new Map();
}

function toTensor(values: unknown, dtype?: DType): Tensor {
  if (values instanceof Tensor) return values;
  try {
    return Tensor.from(values, dtype);
  } catch (error) {
    throw invalidInput(messageOf(error), error);
  }
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object' || value instanceof Uint8Array;
}

/** MLflow's `_cast_schema_type`: lists to tensors, dicts to dicts of tensors, cast to the schema. */
function castSchemaType(raw: PyValue, schema: Schema | undefined, rawIsFloat: boolean): InputExampleData {
  let data: unknown = raw;
  const types = namedSpecs(schema);
  if (schema !== undefined) {
    if (types.size === 1 && Array.isArray(data) && !data.some((item) => isPlainObject(item))) {
      data = { [String([...types.keys()][0])]: data };
    } else if (!schema.hasInputNames() && !(Array.isArray(data) || isScalar(data))) {
      throw invalidInput('Failed to parse input data. This model contains an un-named  model signature which ' +
        'expects a single n-dimensional array or a single value as input, however, an input of type ' +
        "<class 'dict'> was found.");
    }
  }
  if (isPlainObject(data)) {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(data)) out[name] = convertDataType(value, types.get(name), { container: data, key: name });
    return out as InputExampleData;
  }
  const first = schema?.inputs[0];
  if (Array.isArray(data)) {
    if (data.every((item) => isPlainObject(item))) {
      // a list of records keeps its shape (and `[]` stays a list), each value converted
      return data.map((record) => {
        const out: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(record as Record<string, unknown>)) {
          out[name] = convertDataType(value, types.get(name), { container: record as object, key: name });
        }
        return out;
      }) as InputExampleData;
    }
    return convertDataType(data, first, {}) as InputExampleData;
  }
  const holder = { value: data };
  if (rawIsFloat) markFloat(holder, 'value');
  try {
    return convertDataType(data, first, { container: holder, key: 'value' }) as InputExampleData;
  } catch (error) {
    throw invalidInput(`Failed to convert data \`${pyRepr(data)}\` to type \`${String(first)}\` defined in the model signature.`, error);
  }
}

/** The dtype a TensorSpec's numpy dtype name maps to in the containers. */
function containerDType(numpyName: string): DType {
  try {
    return parseDType(numpyName);
  } catch (error) {
    throw invalidInput(`data type '${numpyName}' is not supported`, error);
  }
}

/** MLflow's `convert_data_type`: one value (or list) as a tensor of the spec's dtype. */
function convertDataType(value: unknown, spec: Spec | undefined, where: { container?: object; key?: string | number }): unknown {
  const list = Array.isArray(value);
  // a scalar becomes a one-element list so its float mark survives Tensor.from
  const wrap = (): unknown[] => {
    const items = [value];
    if (where.container !== undefined && where.key !== undefined && isFloatSlot(where.container, where.key)) markFloat(items, 0);
    return items;
  };
  const scalarTensor = (dtype?: DType): Tensor => {
    const tensor = toTensor(wrap(), dtype);
    return new Tensor(tensor.dtype, [], tensor.data);
  };
  if (spec === undefined) return list ? toTensor(value) : scalarTensor();
  if (spec instanceof TensorSpec) {
    const dtype = containerDType(spec.dtype);
    return list ? toTensor(value, dtype) : scalarTensor(dtype);
  }
  const column = spec as ColSpec;
  if (isDataType(column.type)) {
    const dtype = containerDType(dataTypeToNumpy(column.type));
    if (list) return toTensor(value, dtype);
    return toTensor(wrap(), dtype).get(0);
  }
  if (column.type instanceof AnyType) return value;
  if (column.type instanceof ArrayType) return toTensor(value);
  return value; // object and map types: the value as it is (not enforced here)
}

// ---------------------------------------------------------------------------------------------
// sparse

function readSparse(raw: PyValue, columnMajor: boolean, path: string): CsrMatrix | CscMatrix {
  if (!isPlainObject(raw)) throw MlflowException.invalidParameterValue(`Sparse matrix example ${path} must be a dict`, { path });
  const { data, indices, indptr, shape } = raw;
  if (!Array.isArray(data) || !Array.isArray(indices) || !Array.isArray(indptr) || !Array.isArray(shape) || shape.length !== 2) {
    throw MlflowException.invalidParameterValue(
      `Sparse matrix example ${path} needs "data", "indices", "indptr" lists and a 2-item "shape"`, { path });
  }
  const numbersOnly = (list: PyValue[]): number[] => list.map((item) => {
    if (typeof item !== 'number' || !Number.isInteger(item)) {
      throw MlflowException.invalidParameterValue(`Sparse matrix example ${path} has a non-integer index ${pyRepr(item)}`, { path });
    }
    return item;
  });
  let values = Tensor.from(data);
  if (values.dtype === 'object' && data.every((item) => item === null || typeof item === 'number')) {
    // MLflow gets an object-dtype matrix here (NaN was written as null); numbers keep NaN
    const stored = storeValues('float64', data);
    values = new Tensor('float64', [data.length], stored.values);
  }
  const parts = { shape: numbersOnly(shape) as [number, number], data: values.data, indices: numbersOnly(indices), indptr: numbersOnly(indptr), dtype: values.dtype };
  return columnMajor ? new CscMatrix(parts) : new CsrMatrix(parts);
}

// ---------------------------------------------------------------------------------------------
// dataframe

function frameFromSplit(raw: PyValue, schema: Schema | undefined): Frame {
  if (!isPlainObject(raw)) {
    throw invalidInput(`Dataframe split format must be a dictionary. Got ${Array.isArray(raw) ? 'list' : `type ${pyClass(raw)}`}.`);
  }
  const keys = Object.keys(raw);
  if (!keys.includes('data') || keys.some((key) => key !== 'columns' && key !== 'data' && key !== 'index')) {
    throw invalidInput("Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. " +
      `Got {${keys.map((key) => pyRepr(key)).join(', ')}}.'`);
  }
  let frame: Frame;
  try {
    frame = buildFrame(raw.data!, raw.columns);
  } catch (error) {
    throw invalidInput(`Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '${messageOf(error)}'`, error);
  }
  return schema === undefined ? frame : castFrameToSchema(frame, schema);
}

function buildFrame(data: PyValue, columns: PyValue | undefined): Frame {
  let labels: Label[] | undefined;
  if (columns !== undefined && columns !== null) {
    if (!Array.isArray(columns)) throw MlflowException.invalidParameterValue('columns must be a list');
    labels = columns.map((label) => {
      if (typeof label !== 'string' && typeof label !== 'number') {
        throw MlflowException.invalidParameterValue(`Unsupported column label ${pyRepr(label)}`);
      }
      return label;
    });
  }
  if (!Array.isArray(data)) throw MlflowException.invalidParameterValue('data must be a list of rows');
  if (data.length === 0) {
    return new Frame((labels ?? []).map((label) => makeColumn(label, [], 'object')));
  }
  if (data.every((row) => isPlainObject(row))) {
    return fixBooleanColumns(Frame.fromRecords(data as Record<string, unknown>[], labels === undefined ? {} : { columns: labels }));
  }
  const width = (data[0] as unknown[] | undefined)?.length;
  if (labels !== undefined && data.every((row) => Array.isArray(row) && row.length === width) && width !== labels.length) {
    throw MlflowException.invalidParameterValue(`${labels.length} columns passed, passed data had ${width} columns`);
  }
  return fixBooleanColumns(Frame.fromRows(data as unknown[][], labels));
}

/** pandas keeps a boolean column with missing values as `object` (the containers keep `bool`). */
function fixBooleanColumns(frame: Frame): Frame {
  if (!frame.columns.some((column) => column.dtype === 'bool' && column.validity !== null)) return frame;
  return new Frame(frame.columns.map((column) => (column.dtype === 'bool' && column.validity !== null
    ? makeColumn(column.name, readValues(column.dtype, column.values, column.validity), 'object')
    : column)));
}

/** MLflow's `cast_df_types_according_to_schema`. */
function castFrameToSchema(frame: Frame, schema: Schema): Frame {
  const pairs: [Label, Spec][] = [];
  const specs = schema.inputs;
  if (schema.hasInputNames()) {
    schema.inputNames().forEach((name, index) => pairs.push([name, specs[index]!]));
  } else if (schema.isTensorSpec() && specs.length === 1) {
    for (const label of frame.columnNames) pairs.push([label, specs[0]!]);
  } else {
    const count = Math.min(specs.length, frame.columns.length);
    for (let index = 0; index < count; index++) pairs.push([frame.columnNames[index]!, specs[index]!]);
  }
  const replaced = new Map<Label, Column>();
  for (const [name, spec] of pairs) {
    if (!frame.hasColumn(name)) continue;
    const column = frame.column(name);
    const target = spec instanceof TensorSpec ? spec.dtype
      : isDataType(spec.type) ? dataTypeToPandas(spec.type) : undefined;
    try {
      const cast = castColumn(column, spec, schema);
      if (cast !== undefined) replaced.set(name, cast);
    } catch (error) {
      throw invalidInput(`Data is not compatible with model signature. Failed to convert column ${String(name)} to type ` +
        `'${target ?? String(spec)}'. Error: '${messageOf(error)}'`, error);
    }
  }
  if (replaced.size === 0) return frame;
  return new Frame(frame.columns.map((column) => replaced.get(column.name) ?? column));
}

function castColumn(column: Column, spec: Spec, schema: Schema): Column | undefined {
  const values = readValues(column.dtype, column.values, column.validity);
  if (spec instanceof ColSpec && spec.type === 'binary') {
    return makeColumn(column.name, values.map((value) => {
      if (typeof value !== 'string') throw MlflowException.invalidParameterValue(`encoding without a string argument: ${pyRepr(value)}`);
      return decodeBase64Lines(value);
    }), 'object');
  }
  if (spec instanceof TensorSpec && spec.dtype === 'bytes') {
    return makeColumn(column.name, values.map((value) => {
      if (typeof value !== 'string') throw MlflowException.invalidParameterValue(`encoding without a string argument: ${pyRepr(value)}`);
      return new Uint8Array(Buffer.from(value, 'utf8'));
    }), 'object');
  }
  if (schema.isTensorSpec() && Array.isArray(values[0])) return undefined;
  if (spec instanceof ColSpec && !isDataType(spec.type)) return undefined; // complex types: not enforced here
  const numpyName = spec instanceof TensorSpec ? spec.dtype : dataTypeToPandas(spec.type as Parameters<typeof dataTypeToPandas>[0]);
  if (numpyName === 'object') return undefined;
  const dtype = numpyName === 'str' ? 'object' : parseDType(numpyName);
  return makeColumn(column.name, values.map((value, index) => coerce(value, dtype, values, index)), dtype);
}

/** One value as numpy's `astype(dtype)` converts it. */
function coerce(value: unknown, dtype: DType, container: unknown[], index: number): unknown {
  if (dtype === 'object') return value === null ? null : typeof value === 'string' ? value : pyStrOf(value, container, index);
  if (dtype === 'bool') return pythonTruth(value);
  if (isIntegerDType(dtype)) {
    if (value === null || (typeof value === 'number' && !Number.isFinite(value))) {
      throw MlflowException.invalidParameterValue('Cannot convert non-finite values (NA or inf) to integer');
    }
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'number') return Math.trunc(value);
    if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return BigInt(value.trim());
    return value;
  }
  if (isFloatDType(dtype)) {
    if (value === null) return null;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'string') {
      const number = Number(value.trim());
      if (value.trim() === '' || Number.isNaN(number) && !/^\s*[+-]?nan\s*$/i.test(value)) {
        throw MlflowException.invalidParameterValue(`could not convert string to float: ${pyRepr(value)}`);
      }
      return number;
    }
    return value;
  }
  return value; // datetimes: storeValues parses ISO strings and takes datetimes
}

function pyStrOf(value: unknown, container: unknown[], index: number): string {
  if (value instanceof PyDateTime) return value.toString();
  return pyRepr(value, container, index);
}

function pythonTruth(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}
