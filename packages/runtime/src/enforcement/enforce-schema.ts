/**
 * MLflow's `_enforce_schema` (runtime spec 3.1-3.7) on this project's containers.
 */
import {
  ArrayType,
  ColSpec,
  CscMatrix,
  CsrMatrix,
  Frame,
  MlflowException,
  ObjectType,
  Series,
  Tensor,
  TensorSpec,
  isFloatSlot,
  isNumpyScalar,
  isPlainObject,
  listRepr,
  markFloat,
  pyClass,
  pyTypeName,
  silentLogger,
  type Column,
  type Label,
  type Logger,
  type Schema,
} from '@pyfunc/format';
import {
  columnFromValues,
  enforceColumnType,
  enforceComplexColumn,
  internal,
  type MlflowCompat,
} from './enforce-type.js';
import { enforceTensorSpec, frameToTensor, reshapeAndCastColumn } from './enforce-tensor.js';

/** Tensors by input name (a dict of numpy arrays). */
export type NamedTensors = Record<string, Tensor>;

/** What enforcement hands the model: a frame for column schemas, tensors for tensor schemas. */
export type EnforcedInput = Frame | Tensor | NamedTensors | CsrMatrix | CscMatrix;

/** Options of {@link enforceSchema}. */
export interface EnforceSchemaOptions {
  /** Receives MLflow's warnings (extra inputs). */
  logger?: Logger;
  /** Whose messages to reproduce: MLflow 2.x or 3.x (default 3). */
  mlflowVersion?: MlflowCompat;
  /** MLflow 3's `MLFLOW_DISABLE_SCHEMA_DETAILS`: a generic missing-inputs message. */
  disableSchemaDetails?: boolean;
}

function labelKey(label: unknown): string {
  return `${typeof label}:${String(label)}`;
}

/** `pd.DataFrame(list)`: records, rows or one column `0`. */
function frameFromList(list: readonly unknown[]): Frame {
  if (list.length === 0) return new Frame([]);
  const first = list[0];
  if (isPlainObject(first)) {
    const labels: string[] = [];
    const seen = new Set<string>();
    for (const record of list) {
      if (!isPlainObject(record)) throw internal('Mixing dicts with non-Series may lead to ambiguous ordering.');
      for (const key of Object.keys(record)) if (!seen.has(key)) { seen.add(key); labels.push(key); }
    }
    return new Frame(labels.map((label) => {
      const values: unknown[] = [];
      list.forEach((record, row) => {
        const object = record as Record<string, unknown>;
        // pandas fills absent keys with NaN
        values.push(Object.hasOwn(object, label) ? object[label] : Number.NaN);
        copyFloat(object, label, values, row);
      });
      return columnFromValues(label, values);
    }));
  }
  if (Array.isArray(first) || first instanceof Tensor) {
    const rows = list.map((row) => (row instanceof Tensor ? (row.toNested() as unknown[]) : row));
    if (rows.some((row) => !Array.isArray(row))) throw internal('Mixing lists with scalars is not supported');
    const width = Math.max(...rows.map((row) => (row as unknown[]).length));
    return new Frame(Array.from({ length: width }, (_, position) => {
      const values = rows.map((row) => ((row as unknown[]).length > position ? (row as unknown[])[position] : null));
      rows.forEach((row, index) => copyFloat(row as unknown[], position, values, index));
      return columnFromValues(position, values);
    }));
  }
  const values = [...list];
  list.forEach((_, index) => copyFloat(list as unknown[], index, values, index));
  return new Frame([columnFromValues(0, values)]);
}

function copyFloat(from: object, fromKey: string | number, to: unknown[], toKey: number): void {
  const value = (from as Record<string | number, unknown>)[fromKey];
  if (typeof value === 'number' && Number.isInteger(value) && isFloatSlot(from, fromKey)) markFloat(to, toKey);
}


/** `pd.DataFrame(ndarray)`. */
function frameFromTensor(tensor: Tensor): Frame {
  if (tensor.ndim === 0) throw internal('DataFrame constructor not properly called!');
  if (tensor.ndim > 2) throw internal(`Must pass 2-d input. shape=(${tensor.shape.join(', ')})`);
  const dtype = tensor.dtype === 'str' || tensor.dtype === 'bytes' ? 'object' : tensor.dtype;
  if (tensor.ndim === 1) {
    return new Frame([{ name: 0, dtype, values: tensor.dtype === dtype ? tensor.data : [...(tensor.data as unknown[])], validity: null }]);
  }
  const [rows, cols] = tensor.shape as [number, number];
  return new Frame(Array.from({ length: cols }, (_, position) => {
    const slice = Array.from({ length: rows }, (_, row) => tensor.data[row * cols + position]);
    const storage = tensor.data instanceof Array ? slice : (tensor.data.constructor as unknown as { from(values: unknown[]): Column["values"] }).from(slice);
    return { name: position, dtype, values: storage, validity: null };
  }));
}

/** `pd.DataFrame(dict)` (column-wise). */
function frameFromColumnDict(dict: Record<string, unknown>): Frame {
  const dictValues = Object.values(dict);
  if (dictValues.some((value) => isPlainObject(value))) {
    // dict values are Series indexed by their keys; lists alongside them are ambiguous
    if (dictValues.some((value) => Array.isArray(value) || value instanceof Tensor)) {
      throw castError('Mixing dicts with non-Series may lead to ambiguous ordering.');
    }
    const index: string[] = [];
    const seen = new Set<string>();
    for (const value of dictValues) {
      if (!isPlainObject(value)) continue;
      for (const key of Object.keys(value)) if (!seen.has(key)) { seen.add(key); index.push(key); }
    }
    return new Frame(Object.entries(dict).map(([key, value]) => {
      const values = isPlainObject(value)
        ? index.map((row) => (Object.hasOwn(value, row) ? value[row] : Number.NaN))
        : index.map(() => value);
      return columnFromValues(key, values);
    }));
  }
  const entries = Object.entries(dict).map(([key, value]): [string, unknown] => [key,
    value instanceof Tensor && value.ndim > 1 ? value.toNested() : value]);
  let length: number | undefined;
  for (const [, value] of entries) {
    const size = Array.isArray(value) ? value.length : value instanceof Tensor ? (value.ndim === 0 ? undefined : value.shape[0]) :
      value instanceof Series ? value.length : undefined;
    if (value instanceof Tensor && value.ndim === 0) {
      throw castError('Data must be 1-dimensional, got ndarray of shape () instead');
    }
    if (isPlainObject(value)) throw castError('Mixing dicts with non-Series may lead to ambiguous ordering.');
    if (size === undefined) continue;
    if (length !== undefined && length !== size) throw castError('All arrays must be of the same length');
    length = size;
  }
  if (length === undefined) throw castError('If using all scalar values, you must pass an index');
  return new Frame(entries.map(([key, value]) => {
    if (value instanceof Tensor) {
      const column = frameFromTensor(value).columns[0]!;
      return { ...column, name: key };
    }
    if (value instanceof Series) return { name: key, dtype: value.dtype, values: value.values, validity: value.validity };
    if (Array.isArray(value)) {
      const values = [...value];
      value.forEach((_, index) => copyFloat(value, index, values, index));
      return columnFromValues(key, values);
    }
    const values = new Array<unknown>(length).fill(value);
    return columnFromValues(key, values);
  }));
}

function castError(message: string): MlflowException {
  return internal('This model contains a column-based signature, which suggests a DataFrame input. ' +
    `There was an error casting the input data to a DataFrame: ${message}`);
}

function isDictScalar(value: unknown): boolean {
  return value === null || value === undefined || isNumpyScalar(value);
}

function seriesToFrame(series: Series): Frame {
  return new Frame([{ name: series.label ?? 0, dtype: series.dtype, values: series.values, validity: series.validity }]);
}

/** Pre-conversion of 3.1 for column-based schemas. */
function toFrame(input: unknown, schema: Schema): Frame {
  if (input instanceof Frame) return input;
  if (isNumpyScalar(input)) return new Frame([columnFromValues(0, [input])]);
  if (isPlainObject(input)) {
    const values = Object.values(input);
    const complex = schema.inputs.some((spec) => spec instanceof ColSpec && (spec.type instanceof ArrayType || spec.type instanceof ObjectType));
    const simple = values.every((value) => isDictScalar(value) || (Array.isArray(value) && value.every((item) => typeof item === 'string')));
    if (complex || simple) {
      return new Frame(Object.entries(input).map(([key, value]) => {
        const cell = [value];
        copyFloat(input, key, cell, 0);
        return columnFromValues(key, cell);
      }));
    }
    if (values.every((value) => value instanceof Tensor && value.dtype === 'str' && value.ndim === 0)) {
      return new Frame(Object.entries(input).map(([key, value]) => columnFromValues(key, [(value as Tensor).toNested()], 'object')));
    }
    return frameFromColumnDict(input);
  }
  if (Array.isArray(input)) return frameFromList(input);
  if (input instanceof Tensor) return frameFromTensor(input);
  throw internal(`Expected input to be DataFrame. Found: ${pyTypeName(input)}`);
}

/**
 * MLflow's `_enforce_schema`: checks `data` against an input schema and converts it the way
 * MLflow does. Column-based schemas give a {@link Frame} with exactly the schema's present
 * columns in schema order; tensor-based ones a {@link Tensor} (or sparse matrix) for an
 * unnamed spec and {@link NamedTensors} for named specs.
 *
 * Accepts frames, series, tensors, sparse matrices, records (dicts), lists (of records,
 * rows or scalars) and scalars.
 * @throws {MlflowException} with MLflow's message: INTERNAL_ERROR where MLflow raises an
 * MlflowException without a code ("Model is missing inputs …", "Incompatible input types for
 * column …"), INVALID_PARAMETER_VALUE where MLflow gives that code (tensor shape problems,
 * params). Python errors MLflow lets escape (pandas/numpy `ValueError`, `TypeError`) become
 * INTERNAL_ERROR with the same text. `PyFuncModel.predict` wraps all of them in
 * INVALID_PARAMETER_VALUE "Failed to enforce schema of data …".
 */
export function enforceSchema(data: unknown, schema: Schema, options: EnforceSchemaOptions = {}): EnforcedInput {
  const logger = options.logger ?? silentLogger;
  const compat: MlflowCompat = options.mlflowVersion ?? 3;
  let input: unknown = data instanceof Series ? seriesToFrame(data) : data;
  const tensorSchema = schema.isTensorSpec();
  if (!tensorSchema) input = toFrame(input, schema);

  if (schema.hasInputNames()) {
    const required = schema.requiredInputNames();
    const optional = schema.optionalInputNames();
    let actual: Label[] = [];
    if (new Set(required.map(labelKey)).size === 1 && input instanceof Tensor) {
      input = { [String(required[0])]: input };
      actual = [required[0]!];
    } else if (input instanceof Frame) actual = input.columnNames;
    else if (isPlainObject(input)) actual = Object.keys(input);
    const actualKeys = new Set(actual.map(labelKey));
    const requiredKeys = new Set(required.map(labelKey));
    const optionalKeys = new Set(optional.map(labelKey));
    const missing = required.filter((name) => !actualKeys.has(labelKey(name)));
    const extra = actual.filter((name) => !requiredKeys.has(labelKey(name)) && !optionalKeys.has(labelKey(name)));
    if (missing.length > 0) {
      let message: string;
      if (compat === 3 && options.disableSchemaDetails === true) {
        message = 'Input schema validation failed. Mismatched or missing input(s).';
        if (extra.length > 0) message += ' Note that there were extra inputs provided.';
      } else {
        message = `Model is missing inputs ${listRepr(missing)}.`;
        if (extra.length > 0) message += ` Note that there were extra inputs: ${listRepr(extra)}${compat === 3 ? '.' : ''}`;
      }
      throw internal(message);
    }
    if (extra.length > 0) {
      logger.warn({ extraInputs: extra }, 'Found extra inputs in the model input that are not defined in the model ' +
        `signature: \`${listRepr(extra)}\`. These inputs will be ignored.`);
    }
  } else if (!tensorSchema) {
    const frame = input as Frame;
    if (frame.columns.length < schema.length) {
      throw internal(`Model inference is missing inputs. The model signature declares ${schema.length} inputs  but ` +
        `the provided value only has ${frame.columns.length} inputs. Note: the inputs were not named in the ` +
        'signature so we can only verify their count.');
    }
  }

  if (tensorSchema) return enforceTensorSchema(input, schema);
  const frame = input as Frame;
  if (schema.hasInputNames()) {
    const columns: Column[] = [];
    for (const spec of schema.inputs as readonly ColSpec[]) {
      const name = spec.name!;
      if (!frame.hasColumn(name)) continue;
      const column = frame.column(name);
      columns.push(typeof spec.type === 'string'
        ? enforceColumnType(name, column, spec.type, compat)
        : enforceComplexColumn(column, spec.type, spec.required === true, compat));
    }
    return new Frame(columns);
  }
  const columns = (schema.inputs as readonly ColSpec[]).map((spec, index) => {
    const column = frame.columns[index]!;
    return typeof spec.type === 'string'
      ? enforceColumnType(column.name, column, spec.type, compat)
      : enforceComplexColumn(column, spec.type, true, compat);
  });
  return new Frame(columns);
}

/** `_enforce_tensor_schema`. */
function enforceTensorSchema(input: unknown, schema: Schema): EnforcedInput {
  const specs = schema.inputs as readonly TensorSpec[];
  if (schema.hasInputNames()) {
    if (isPlainObject(input)) {
      const out: NamedTensors = {};
      for (const spec of specs) {
        const value = input[String(spec.name)];
        if (!(value instanceof Tensor)) {
          throw MlflowException.invalidParameterValue('This model contains a tensor-based model signature with input names, ' +
            'which suggests a dictionary input mapping input name to a numpy array, but a dict with value type ' +
            `${pyClass(value)} was found.`);
        }
        out[String(spec.name)] = enforceTensorSpec(value, spec);
      }
      return out;
    }
    if (input instanceof Frame) {
      const out: NamedTensors = {};
      for (const spec of specs) out[String(spec.name)] = reshapeAndCastColumn(spec.name!, input.column(spec.name!), spec);
      return out;
    }
    throw MlflowException.invalidParameterValue('This model contains a tensor-based model signature with input names, ' +
      'which suggests a dictionary input mapping input name to tensor, or a pandas DataFrame input containing columns ' +
      `mapping input name to flattened list value from tensor, but an input of type ${pyClass(input)} was found.`);
  }
  const spec = specs[0]!;
  if (input instanceof Frame) {
    if (input.columns.length === 0 || input.numRows === 0) throw internal('Input DataFrame is empty.');
    if (input.columns.length === 1) return reshapeAndCastColumn(null, input.columns[0]!, spec);
    const count = input.columns.length;
    if (spec.shape.length !== 2 || spec.shape[0] !== -1 || spec.shape[1] !== count) {
      throw MlflowException.invalidParameterValue('This model contains a model signature with an unnamed input. Since the ' +
        'input data is a pandas DataFrame containing multiple columns, the input shape must be of the structure ' +
        `(-1, number_of_dataframe_columns). Instead, the input DataFrame passed had ${count} columns and an input shape ` +
        `of ${spec.shape.length === 1 ? `(${spec.shape[0]},)` : `(${spec.shape.join(', ')})`} with all values within the DataFrame of scalar type. Please adjust ` +
        'the passed in DataFrame to match the expected structure');
    }
    return enforceTensorSpec(frameToTensor(input.columns), spec);
  }
  if (input instanceof Tensor || input instanceof CsrMatrix || input instanceof CscMatrix) return enforceTensorSpec(input, spec);
  throw MlflowException.invalidParameterValue('This model contains a tensor-based model signature with no input names, ' +
    'which suggests a numpy array input or a pandas dataframe input with proper column values, but an input of type ' +
    `${pyClass(input)} was found.`);
}

/**
 * `mlflow.models.validate_schema`: {@link enforceSchema} with the result discarded.
 * @throws {MlflowException} as {@link enforceSchema}.
 */
export function validateSchema(data: unknown, schema: Schema, options: EnforceSchemaOptions = {}): void {
  enforceSchema(data, schema, options);
}
