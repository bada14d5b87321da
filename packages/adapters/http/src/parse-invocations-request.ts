/**
 * `/invocations` bodies to model input (serving.md 4-6): MLflow's three JSON paths (unified LLM,
 * type hint, classic with `dataframe_split` / `dataframe_records` / `instances` / `inputs`) and
 * CSV, with the schema casts MLflow applies before `predict`.
 */
import {
  AnyType,
  ArrayType,
  ColSpec,
  Frame,
  MlflowException,
  PyDateTime,
  Tensor,
  TensorSpec,
  dataTypeToNumpy,
  dataTypeToPandas,
  decodeBase64Lines,
  isDataType,
  isFloatDType,
  isFloatSlot,
  isIntegerDType,
  isPlainObject,
  makeColumn,
  markFloat,
  parseDType,
  parsePythonJson,
  pyClass,
  pyRepr,
  pyStr,
  readValues,
  type Column,
  type DType,
  type Label,
  type Model,
  type PyValue,
  type Schema,
  type Spec,
} from '@pyfunc/format';
import type { InvocationsFormat } from './content-type.js';
import { parseCsvInput } from './parse-csv-input.js';
import { REQUIRED_INPUT_FORMAT, SCORING_PROTOCOL_CHANGE_INFO, SUPPORTED_FORMATS, abbreviate } from './messages.js';

/** Which of MLflow's request paths a body took (serving.md 4.2). */
export type InvocationsPath = 'llm' | 'type_hint' | 'classic' | 'csv';

/** A parsed `/invocations` body: what `predict(data, params)` receives. */
export interface ParsedInvocationsRequest {
  /** The model input (a `Frame`, `Tensor`, dict of tensors, list or the raw JSON value). */
  data: unknown;
  /** The params as sent (`null` when absent); enforcement happens in `predict`. */
  params: PyValue | Record<string, unknown> | null;
  /** The path taken; `llm` answers are not wrapped in `{"predictions": ...}`. */
  path: InvocationsPath;
  /** True when the JSON body had `"stream": true` and streaming was asked for (removed from the data). */
  stream: boolean;
}

/** Options of {@link parseInvocationsRequest}. */
export interface ParseInvocationsRequestOptions {
  /** Take a top-level `"stream": true` out of JSON bodies (serving.md 7.4, opt-in). */
  enableStreaming?: boolean;
  /**
   * Apply the schema's dtypes while parsing CSV (the server does; `mlflow models predict` does
   * not: serving.md 10.2). Default true.
   */
  csvSchema?: boolean;
}

/** The part of a model's metadata the parser reads. */
export type ParseMetadata = Pick<Model, 'getInputSchema' | 'getParamsSchema' | 'signature'>;

function invalidInput(message: string, cause?: unknown): MlflowException {
  return new MlflowException('BAD_REQUEST', `Invalid input. ${message}`, cause === undefined ? undefined : { cause });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The body's text: `json.loads`' encoding detection (BOMs, UTF-16/32 by zero bytes), strict. */
export function decodeBody(body: Uint8Array | string, format: InvocationsFormat): string {
  if (typeof body === 'string') return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  let encoding = 'utf-8';
  let start = 0;
  const [b0, b1, b2, b3] = [body[0], body[1], body[2], body[3]];
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) start = 3;
  else if (format === 'json') {
    if (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) encoding = 'utf-32le';
    else if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) encoding = 'utf-32be';
    else if (b0 === 0xff && b1 === 0xfe) { encoding = 'utf-16le'; start = 2; }
    else if (b0 === 0xfe && b1 === 0xff) { encoding = 'utf-16be'; start = 2; }
    else if (body.length >= 4 && b0 !== 0 && b1 === 0 && b2 !== 0 && b3 === 0) encoding = 'utf-16le';
    else if (body.length >= 2 && b0 === 0 && b1 !== 0) encoding = 'utf-16be';
  }
  if (encoding.startsWith('utf-32')) return decodeUtf32(body, encoding === 'utf-32le');
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body.subarray(start));
  } catch (error) {
    throw invalidInput(`The request body is not valid ${encoding.toUpperCase()} text: ${messageOf(error)}`, error);
  }
}

function decodeUtf32(body: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength - (body.byteLength % 4));
  let text = '';
  for (let offset = 4; offset < view.byteLength; offset += 4) {
    const code = view.getUint32(offset, littleEndian);
    if (code > 0x10ffff) throw invalidInput('The request body is not valid UTF-32 text');
    text += String.fromCodePoint(code);
  }
  return text;
}

/**
 * Parses an `/invocations` body (serving.md 4-5) for a model with this metadata. Used by the
 * server and by `pyfunc predict`.
 * @throws {MlflowException} BAD_REQUEST (MLflow's "Invalid input." and format-key errors, CSV
 *   parse failures, invalid UTF-8); INVALID_PARAMETER_VALUE for a type-hinted model without `inputs`.
 */
export function parseInvocationsRequest(body: Uint8Array | string, format: InvocationsFormat, metadata: ParseMetadata,
  options: ParseInvocationsRequestOptions = {}): ParsedInvocationsRequest {
  const schema = metadata.getInputSchema() ?? undefined;
  const text = decodeBody(body, format);
  if (format === 'csv') {
    return { data: parseCsvInput(text, options.csvSchema === false ? undefined : schema), params: null, path: 'csv', stream: false };
  }
  let json: PyValue;
  try {
    json = parsePythonJson(text);
  } catch (error) {
    throw invalidInput(`Ensure that input is a valid JSON formatted string. Error: 'JSONDecodeError(${pyRepr(messageOf(error))})'` +
      `\nInput: \n${abbreviate(text)}\n`, error);
  }
  if (Array.isArray(json)) throw invalidInput(`${REQUIRED_INPUT_FORMAT}. Received a list.`);
  if (!isPlainObject(json)) throw invalidInput(`${REQUIRED_INPUT_FORMAT}. Received unexpected input type '${pyClass(json)}.`);
  const object = json as Record<string, PyValue>;
  let stream = false;
  if (options.enableStreaming === true && object.stream === true) {
    stream = true;
    delete object.stream;
  }
  if ('messages' in object || 'prompt' in object || 'input' in object) {
    const names = new Set((metadata.getParamsSchema()?.params ?? []).map((param) => param.name));
    const data: Record<string, PyValue> = {};
    const params: Record<string, PyValue> = {};
    for (const [key, value] of Object.entries(object)) {
      const target = names.has(key) ? params : data;
      target[key] = value;
      if (isFloatSlot(object, key)) markFloat(target, key);
    }
    return { data, params, path: 'llm', stream };
  }
  const params = 'params' in object ? object.params! : null;
  const formatKeys = Object.keys(object).filter((key) => (SUPPORTED_FORMATS as readonly string[]).includes(key));
  if (metadata.signature?.isSignatureFromTypeHint === true) {
    if (!('inputs' in object)) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', "Request payload must be a dictionary with 'inputs' key when the model " +
        `contains a valid type hint. Found keys in payload: dict_keys([${formatKeys.map((key) => pyRepr(key)).join(', ')}]).`);
    }
    return { data: object.inputs, params, path: 'type_hint', stream };
  }
  if (formatKeys.length !== 1) {
    // divergence 7: every received key is listed, not only the recognized ones
    const received = Object.keys(object).filter((key) => key !== 'params');
    throw new MlflowException('BAD_REQUEST', `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ` +
      `[${received.map((key) => pyRepr(key)).join(', ')}]. ${SCORING_PROTOCOL_CHANGE_INFO}`);
  }
  const key = formatKeys[0]!;
  const value = object[key]!;
  let data: unknown;
  if (key === 'dataframe_split') data = frameFromSplit(value, schema);
  else if (key === 'dataframe_records') data = frameFromRecords(value, schema);
  else data = parseTfServingInput(key, value, schema, isFloatSlot(object, key));
  return { data, params, path: 'classic', stream };
}

// ---------------------------------------------------------------------------------------------
// inputs / instances (serving.md 4.8, 4.9)

function parseTfServingInput(key: string, value: PyValue, schema: Schema | undefined, valueIsFloat: boolean): unknown {
  try {
    if (key === 'instances' && Array.isArray(value) && value.length > 0 && isPlainObject(value[0])) {
      const types = namedSpecs(schema);
      const columns = new Map<string, unknown[]>();
      for (const item of value) {
        if (!isPlainObject(item)) throw invalidInput(`Ensure that the input is a valid JSON-formatted string.\nError: AttributeError("'${pyTypeOf(item)}' object has no attribute 'items'")`);
        for (const [name, cell] of Object.entries(item)) {
          const column = columns.get(name) ?? [];
          const converted = convertDataType(cell, types.get(name), { container: item, key: name });
          column.push(converted instanceof Tensor ? (converted.ndim === 0 ? converted.get() : converted.toNested()) : converted);
          if (converted instanceof Tensor && converted.ndim === 0 && isFloatDType(converted.dtype)) markFloat(column, column.length - 1);
          columns.set(name, column);
        }
      }
      const out: Record<string, Tensor> = {};
      for (const [name, values] of columns) out[name] = toTensor(values);
      checkLengths(out, schema);
      return out;
    }
    const result = castSchemaType(value, schema, valueIsFloat);
    if (key === 'instances' && isPlainObject(result)) checkLengths(result as Record<string, unknown>, schema);
    return result;
  } catch (error) {
    if (MlflowException.isInstance(error)) throw error;
    throw invalidInput(`Ensure that the input is a valid JSON-formatted string.\nError: ${messageOf(error)}`, error);
  }
}

function pyTypeOf(value: unknown): string {
  return pyClass(value).slice(8, -2);
}

function checkLengths(columns: Record<string, unknown>, schema: Schema | undefined): void {
  let names = Object.keys(columns);
  if (schema !== undefined && schema.hasInputNames()) {
    const required = new Set(schema.inputs.filter((spec) => spec.required && !(spec instanceof ColSpec && spec.type instanceof ArrayType))
      .map((spec) => String(spec.name)));
    names = names.filter((name) => required.has(name));
  }
  const lengths = new Set<number>();
  for (const name of names) {
    const value = columns[name];
    if (value instanceof Tensor && value.ndim > 0) lengths.add(value.shape[0]!);
    else if (Array.isArray(value)) lengths.add(value.length);
  }
  if (lengths.size > 1) throw invalidInput('The length of values for each input/column name are not the same');
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

/** MLflow's `_cast_schema_type`. */
function castSchemaType(raw: PyValue, schema: Schema | undefined, rawIsFloat: boolean): unknown {
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
    return out;
  }
  const first = schema?.inputs[0];
  if (Array.isArray(data)) {
    if (data.length > 0 && data.every((item) => isPlainObject(item))) {
      return data.map((record) => {
        const out: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(record as Record<string, unknown>)) {
          out[name] = convertDataType(value, types.get(name), { container: record as object, key: name });
        }
        return out;
      });
    }
    return convertDataType(data, first, {});
  }
  const holder = { value: data };
  if (rawIsFloat) markFloat(holder, 'value');
  try {
    return convertDataType(data, first, { container: holder, key: 'value' });
  } catch (error) {
    throw invalidInput(`Failed to convert data \`${pyRepr(data)}\` to type \`${String(first)}\` defined in the model signature.`, error);
  }
}

/** numpy's inference for a list mixing strings with numbers or bools: every leaf becomes its `str()`. */
function numpyStrings(value: unknown[]): unknown[] {
  let strings = false;
  let others = false;
  let blocked = false;
  const visit = (item: unknown): void => {
    if (Array.isArray(item)) item.forEach(visit);
    else if (typeof item === 'string') strings = true;
    else if (typeof item === 'number' || typeof item === 'bigint' || typeof item === 'boolean') others = true;
    else blocked = true;
  };
  visit(value);
  if (!strings || !others || blocked) return value;
  const convert = (items: unknown[]): unknown[] => items.map((item, index) => (Array.isArray(item) ? convert(item)
    : typeof item === 'string' ? item : pyStr(item, items, index)));
  return convert(value);
}

function containerDType(numpyName: string): DType {
  try {
    return parseDType(numpyName);
  } catch (error) {
    throw invalidInput(`data type '${numpyName}' is not supported`, error);
  }
}

/** MLflow's `convert_data_type`. */
function convertDataType(value: unknown, spec: Spec | undefined, where: { container?: object; key?: string | number }): unknown {
  const list = Array.isArray(value);
  const wrap = (): unknown[] => {
    const items = [value];
    if (where.container !== undefined && where.key !== undefined && isFloatSlot(where.container, where.key)) markFloat(items, 0);
    return items;
  };
  const scalarTensor = (dtype?: DType): Tensor => {
    const tensor = toTensor(wrap(), dtype);
    return new Tensor(tensor.dtype, [], tensor.data);
  };
  if (spec === undefined) return list ? toTensor(numpyStrings(value as unknown[])) : scalarTensor();
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
  return value;
}

// ---------------------------------------------------------------------------------------------
// dataframe_split / dataframe_records (serving.md 4.6, 4.7, 6.2)

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
    frame = buildSplitFrame(raw.data!, raw.columns, raw.index);
  } catch (error) {
    throw invalidInput(`Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '${messageOf(error)}'`, error);
  }
  return schema === undefined ? frame : castFrameToSchema(frame, schema);
}

function frameFromRecords(raw: PyValue, schema: Schema | undefined): Frame {
  if (!Array.isArray(raw)) {
    throw invalidInput(`Dataframe records format must be a list of records. Got ${isPlainObject(raw) ? 'dictionary' : `type ${pyClass(raw)}`}.`);
  }
  let frame: Frame;
  try {
    if (raw.length > 0 && raw.every((row) => isPlainObject(row))) {
      frame = fixBooleanColumns(recordsFrame(raw as Record<string, unknown>[]));
    } else if (raw.length > 0 && raw.every((row) => !Array.isArray(row) && !isPlainObject(row))) {
      frame = fixBooleanColumns(Frame.fromRows(raw.map((cell) => [cell])));
    } else {
      frame = buildSplitFrame(raw, undefined, undefined);
    }
  } catch (error) {
    throw invalidInput(`Provided dataframe_records field is not a valid dataframe representation in 'records' format. Error: '${messageOf(error)}'`, error);
  }
  return schema === undefined ? frame : castFrameToSchema(frame, schema);
}

function failure(message: string): MlflowException {
  return new MlflowException('BAD_REQUEST', message);
}

function buildSplitFrame(data: PyValue, columns: PyValue | undefined, index: PyValue | undefined): Frame {
  let labels: Label[] | undefined;
  if (columns !== undefined && columns !== null) {
    if (!Array.isArray(columns)) throw failure('columns must be a list');
    labels = columns.map((label) => {
      if (typeof label !== 'string' && typeof label !== 'number') throw failure(`Unsupported column label ${pyRepr(label)}`);
      return label;
    });
  }
  if (!Array.isArray(data)) throw failure('DataFrame constructor not properly called!');
  if (index !== undefined && index !== null) {
    if (!Array.isArray(index)) throw failure(`Index(...) must be called with a collection of some kind, ${pyRepr(index)} was passed`);
    if (index.length !== data.length) {
      throw failure(`Shape of passed values is (${data.length}, ${labels?.length ?? (Array.isArray(data[0]) ? data[0].length : 1)}), indices imply (${index.length}, ${labels?.length ?? (Array.isArray(data[0]) ? data[0].length : 1)})`);
    }
  }
  if (data.length === 0) return new Frame((labels ?? []).map((label) => makeColumn(label, [], 'object')));
  if (data.every((row) => isPlainObject(row))) {
    return fixBooleanColumns(recordsFrame(data as Record<string, unknown>[], labels));
  }
  if (data.every((row) => !Array.isArray(row))) {
    // a 1-d list: one column
    if (labels !== undefined && labels.length !== 1) throw failure(`Shape of passed values is (${data.length}, 1), indices imply (${data.length}, ${labels.length})`);
    return fixBooleanColumns(Frame.fromRows(data.map((cell) => [cell]), labels));
  }
  const width = Math.max(...data.map((row) => (Array.isArray(row) ? row.length : 1)));
  if (!data.every((row) => Array.isArray(row) && row.length === (data[0] as unknown[]).length)) {
    if (labels !== undefined) throw failure(`${labels.length} columns passed, passed data had ${width} columns`);
    const padded = data.map((row) => (Array.isArray(row) ? [...row, ...Array.from({ length: width - row.length }, () => null)] : [row]));
    return fixBooleanColumns(Frame.fromRows(padded));
  }
  if (labels !== undefined && width !== labels.length) throw failure(`${labels.length} columns passed, passed data had ${width} columns`);
  return fixBooleanColumns(Frame.fromRows(data as unknown[][], labels));
}

/** `pd.DataFrame(records)`: a key missing from a record is NaN (an explicit null stays None). */
function recordsFrame(records: Record<string, unknown>[], labels?: Label[]): Frame {
  const columns: Label[] = labels ?? [];
  if (labels === undefined) {
    const seen = new Set<string>();
    for (const record of records) {
      for (const key of Object.keys(record)) {
        if (!seen.has(key)) {
          seen.add(key);
          columns.push(key);
        }
      }
    }
  }
  for (const record of records) {
    for (const label of columns) if (!Object.hasOwn(record, String(label))) record[String(label)] = Number.NaN;
  }
  return Frame.fromRecords(records, { columns });
}

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
    const target = spec instanceof TensorSpec ? spec.dtype : isDataType(spec.type) ? dataTypeToPandas(spec.type) : undefined;
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
      if (typeof value !== 'string') throw failure(`encoding without a string argument: ${pyRepr(value)}`);
      return decodeBase64Lines(value);
    }), 'object');
  }
  if (spec instanceof TensorSpec && spec.dtype === 'bytes') {
    return makeColumn(column.name, values.map((value) => {
      if (typeof value !== 'string') throw failure(`encoding without a string argument: ${pyRepr(value)}`);
      return new Uint8Array(Buffer.from(value, 'utf8'));
    }), 'object');
  }
  if (schema.isTensorSpec() && Array.isArray(values[0])) return undefined;
  if (spec instanceof ColSpec && !isDataType(spec.type)) return undefined;
  const numpyName = spec instanceof TensorSpec ? spec.dtype : dataTypeToPandas(spec.type as Parameters<typeof dataTypeToPandas>[0]);
  if (numpyName === 'object') return undefined;
  const dtype = numpyName === 'str' ? 'object' : parseDType(numpyName);
  return makeColumn(column.name, values.map((value, index) => coerce(value, dtype, values, index)), dtype);
}

function coerce(value: unknown, dtype: DType, container: unknown[], index: number): unknown {
  if (dtype === 'object') return value === null ? null : typeof value === 'string' ? value : value instanceof PyDateTime ? value.toString() : pyRepr(value, container, index);
  if (dtype === 'bool') {
    if (value === null || value === undefined) return false;
    if (typeof value === 'number') return value !== 0;
    if (typeof value === 'bigint') return value !== 0n;
    if (typeof value === 'string') return value.length > 0;
    if (typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.length > 0;
    return true;
  }
  if (isIntegerDType(dtype)) {
    if (value === null || (typeof value === 'number' && !Number.isFinite(value))) {
      throw failure('Cannot convert non-finite values (NA or inf) to integer');
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
      if (value.trim() === '' || (Number.isNaN(number) && !/^\s*[+-]?nan\s*$/i.test(value))) {
        throw failure(`could not convert string to float: ${pyRepr(value)}`);
      }
      return number;
    }
    return value;
  }
  return value;
}
