/**
 * `loadInputExample`: MLflow's `Model.load_input_example` / `_read_example` (format spec 6.6),
 * reading the example a model directory carries back into containers.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CscMatrix, CsrMatrix } from '../data/sparse.js';
import { Tensor } from '../data/tensor.js';
import { storeValues } from '../data/values.js';
import { frameFromParsedJson } from '../frame-from-parsed-json.js';
import { MlflowException } from '../mlflow-exception.js';
import type { SavedInputExampleInfo } from '../model.js';
import { castSchemaType, parseTfServingInput } from '../parse-tf-serving-input.js';
import { isFloatSlot, isPlainObject, markFloat, type PyValue } from '../py-values.js';
import { pyRepr, pyTruthy } from '../py-repr.js';
import { parsePythonJson } from '../python-json.js';
import type { Schema } from '../signature/schema.js';
import type { InputExampleData } from './encode-input-example.js';

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
      result.data = info.format === 'tf-serving' ? parseTfServing(raw, schema)
        : castSchemaType(raw, schema, { isFloat: rawIsFloat }) as InputExampleData;
      break;
    case 'sparse_matrix_csc':
    case 'sparse_matrix_csr':
      result.data = readSparse(raw, type === 'sparse_matrix_csc', path);
      break;
    default:
      result.data = frameFromParsedJson(raw, 'split', schema);
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
  if (!isPlainObject(raw)) return castSchemaType(raw, schema) as InputExampleData;
  return parseTfServingInput(raw, schema) as InputExampleData;
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
