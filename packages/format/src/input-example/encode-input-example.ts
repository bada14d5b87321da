/**
 * `encodeInputExample`: MLflow's `_Example` (format spec 6.1-6.4), the two JSON files MLflow
 * writes for an input example and the `saved_input_example_info` it records, computed
 * without touching the disk.
 */
import { Frame } from '../data/frame.js';
import { CscMatrix, CsrMatrix } from '../data/sparse.js';
import { Tensor } from '../data/tensor.js';
import { MlflowException } from '../mlflow-exception.js';
import type { SavedInputExampleInfo } from '../model.js';
import { PyDate, PyDateTime, isPlainObject, type PyValue } from '../py-values.js';
import { pyClass, pyRepr, pyTypeName } from '../py-repr.js';
import { dumpsPythonJson } from '../python-json.js';
import {
  frameToSplitDict,
  sparseToDict,
  tensorToList,
  toPythonJson,
} from './to-python-json.js';

/** The file MLflow writes the input example to (`input_example.json`). */
export const INPUT_EXAMPLE_FILE_NAME = 'input_example.json';
/** The file MLflow writes the serving-format example to (`serving_input_example.json`). */
export const SERVING_INPUT_EXAMPLE_FILE_NAME = 'serving_input_example.json';

/** The keys whose presence makes a dict an LLM request that is served unwrapped. */
const LLM_INPUT_KEYS = ['messages', 'prompt', 'input'] as const;

/**
 * The data of an input example: a frame, a tensor, a dict of tensors, a CSR/CSC matrix, or a
 * JSON-like value (dict, list, string, number, boolean, bigint, bytes, datetime).
 */
export type InputExampleData =
  | Frame
  | Tensor
  | { readonly [name: string]: Tensor }
  | CsrMatrix
  | CscMatrix
  | PyValue
  | Date
  | ReadonlyMap<string, unknown>
  | readonly unknown[];

const withParamsMarker = Symbol.for('pyfunc.InputExampleWithParams');

/** An example with inference params, MLflow's `(data, params)` tuple; see {@link withParams}. */
export type InputExampleWithParams = readonly [InputExampleData, Readonly<Record<string, unknown>>] & {
  readonly [withParamsMarker]: true;
};

/** An input example: its data alone, or data with params ({@link withParams}). */
export type InputExample = InputExampleData | InputExampleWithParams;

/**
 * MLflow's `(data, params)` tuple: an example whose file also carries inference params.
 * A plain two-element array stays a list example (`[{...}, {...}]` is a common list of
 * records), so the pair is marked explicitly.
 */
export function withParams(data: InputExampleData, params: Readonly<Record<string, unknown>>): InputExampleWithParams {
  const pair = [data, params] as unknown as InputExampleWithParams;
  Object.defineProperty(pair, withParamsMarker, { value: true });
  return Object.freeze(pair);
}

/** Whether a value was made by {@link withParams}. */
export function isInputExampleWithParams(value: unknown): value is InputExampleWithParams {
  return Array.isArray(value) && (value as unknown as Record<symbol, unknown>)[withParamsMarker] === true;
}

/** Options of {@link encodeInputExample} and `saveInputExample`. */
export interface EncodeInputExampleOptions {
  /** Inference params saved with the example (instead of {@link withParams}). */
  params?: Readonly<Record<string, unknown>>;
}

/** The two files of an input example and the metadata MLflow records in MLmodel. */
export interface EncodedInputExample {
  /** `saved_input_example_info`, keys as MLflow writes them. */
  info: SavedInputExampleInfo;
  /** The exact text of `input_example.json` (no trailing newline). */
  inputExampleJson: string;
  /** The exact text of `serving_input_example.json`, when MLflow writes one. */
  servingInputExampleJson?: string;
}

function invalid(message: string): MlflowException {
  return MlflowException.invalidParameterValue(message);
}

const expectedTypesMessage = 'Expected one of the following types:\n' +
  '- pandas.DataFrame\n- numpy.ndarray\n- dictionary of (name -> numpy.ndarray)\n' +
  '- scipy.sparse.csr_matrix\n- scipy.sparse.csc_matrix\n- dict\n- list\n- scalars\n' +
  '- datetime.datetime\n- pydantic model instance\n';

/**
 * Checks example params as MLflow's `_validate_params` (params schema inference, spec 5.7):
 * each value must be a scalar (not bytes), a date/datetime, a dict, or a 1-D list or tensor.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE "Failed to infer schema for parameters: [...]".
 */
export function validateExampleParams(params: unknown): asserts params is Record<string, unknown> {
  if (!isPlainObject(params)) {
    throw invalid(`Expected params to be a dictionary, got ${pyTypeName(params)}`);
  }
  const failures: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    const problem = paramProblem(name, value);
    if (problem !== undefined) {
      failures.push(`(${pyRepr(name)}, ${reprParam(value, params, name)}, MlflowException(${pyRepr(problem)}))`);
    }
  }
  if (failures.length > 0) throw invalid(`Failed to infer schema for parameters: [${failures.join(', ')}]`);
}

function reprParam(value: unknown, container: object, key: string): string {
  if (value instanceof Uint8Array) return `b'${Buffer.from(value).toString('latin1')}'`;
  if (value instanceof Tensor) return `array(${pyRepr(value.toNested())})`;
  return pyRepr(value, container, key);
}

function isParamScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ||
    typeof value === 'bigint' || value instanceof PyDate || value instanceof PyDateTime || value instanceof Date;
}

function paramProblem(name: string, value: unknown): string | undefined {
  if (value instanceof Uint8Array) {
    return `Binary type is not supported for parameters, ParamSpec '${name}'has dtype 'binary'`;
  }
  if (isParamScalar(value) || isPlainObject(value)) return undefined;
  if (value instanceof Tensor) {
    if (value.ndim > 1) return `Expected parameters to be 1D array or scalar, got ${value.ndim}D array`;
    if (value.dtype === 'bytes') return `Binary type is not supported for parameters, ParamSpec '${name}'has dtype 'binary'`;
    return undefined;
  }
  if (Array.isArray(value)) {
    if (value.some((item) => Array.isArray(item) || item instanceof Tensor)) {
      return 'Expected parameters to be 1D array or scalar, got 2D array';
    }
    return undefined;
  }
  if (value === null || value === undefined) return 'Expected parameters to be 1D array or scalar, got NoneType';
  return `Expected parameters to be 1D array or scalar, got ${pyTypeName(value)}`;
}

function containsTensor(value: unknown): boolean {
  if (value instanceof Tensor) return true;
  if (Array.isArray(value)) return value.some(containsTensor);
  if (value instanceof Map) return [...value.values()].some(containsTensor);
  if (isPlainObject(value)) return Object.values(value).some(containsTensor);
  return false;
}

function isScalarExample(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ||
    typeof value === 'bigint' || value instanceof Uint8Array || value instanceof PyDateTime ||
    value instanceof Date;
}

function dictEntries(value: unknown): [string, unknown][] | undefined {
  if (value instanceof Map) return [...(value as Map<string, unknown>).entries()];
  if (isPlainObject(value)) return Object.entries(value);
  return undefined;
}

/**
 * Encodes an input example as MLflow 2.22's `_Example` does: the `input_example.json` and
 * `serving_input_example.json` texts (Python `json.dumps`, byte for byte) and the
 * `saved_input_example_info` mapping. Give params with {@link withParams} or `options.params`.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for a dict mixing tensors and other values,
 * a series, unsupported values and invalid params; INTERNAL_ERROR (MLflow's code for its
 * `TensorsNotSupportedException`) for a list containing tensors.
 */
export function encodeInputExample(example: InputExample, options: EncodeInputExampleOptions = {}): EncodedInputExample {
  let data: unknown = example;
  let params: Readonly<Record<string, unknown>> | undefined = options.params;
  if (isInputExampleWithParams(example)) {
    if (params !== undefined) throw invalid('Params were given twice: in the example and in options.params');
    [data, params] = example;
  }
  if (params !== undefined) validateExampleParams(params);
  let type: string;
  let modelInput: unknown;
  let servingInput: Record<string, unknown> | Map<string, unknown>;
  let pandasOrient: string | undefined;
  let unifiedLlmInput = false;

  const entries = data instanceof Frame || data instanceof Tensor ? undefined : dictEntries(data);
  if (entries !== undefined) {
    const tensorCount = entries.filter(([, value]) => value instanceof Tensor).length;
    if (tensorCount > 0) {
      if (tensorCount !== entries.length) {
        throw invalid('Mixed types in dictionary are not supported as input examples. Found numpy arrays and other types.');
      }
      type = 'ndarray';
      const dict = new Map<string, unknown>();
      for (const [name, tensor] of entries) dict.set(name, tensorToList(tensor as Tensor, { nanToNull: true }));
      modelInput = dict;
      servingInput = new Map([['inputs', dict]]);
    } else {
      type = 'json_object';
      unifiedLlmInput = LLM_INPUT_KEYS.some((key) => entries.some(([name]) => name === key));
      modelInput = toPythonJson(data);
      servingInput = unifiedLlmInput ? modelInput as Map<string, unknown> | Record<string, unknown>
        : new Map([['inputs', modelInput]]);
    }
  } else if (data instanceof Tensor) {
    type = 'ndarray';
    modelInput = tensorToList(data, { nanToNull: true });
    servingInput = new Map([['inputs', modelInput]]);
  } else if (Array.isArray(data)) {
    if (containsTensor(data)) {
      throw new MlflowException('INTERNAL_ERROR', 'Multidimensional arrays (aka tensors) are not supported. ' +
        'Numpy arrays in list are not supported as input examples.');
    }
    type = 'json_object';
    modelInput = toPythonJson(data);
    servingInput = new Map([['inputs', modelInput]]);
  } else if (data instanceof CsrMatrix || data instanceof CscMatrix) {
    type = data instanceof CscMatrix ? 'sparse_matrix_csc' : 'sparse_matrix_csr';
    servingInput = new Map([['inputs', tensorToList(data.toDense(), { nanToNull: false })]]);
    modelInput = sparseToDict(data);
  } else if (data instanceof Frame) {
    const split = frameToSplitDict(data);
    modelInput = split;
    servingInput = new Map([['dataframe_split', split]]);
    type = 'dataframe';
    pandasOrient = 'columns' in split ? 'split' : 'values';
  } else if (isScalarExample(data)) {
    type = 'json_object';
    modelInput = toPythonJson(data);
    servingInput = new Map([['inputs', modelInput]]);
  } else {
    throw invalid(`${expectedTypesMessage}but got '${pyClass(data)}'`);
  }

  if (params !== undefined) {
    // `(data, {})` too: the file gets `params: {}`, though MLmodel records no `params` flag
    const jsonParams = toPythonJson(params) as Record<string, unknown>;
    modelInput = new Map<string, unknown>([['inputs', modelInput], ['params', jsonParams]]);
    const merged = new Map<string, unknown>(servingInput instanceof Map ? servingInput : Object.entries(servingInput));
    if (unifiedLlmInput) {
      for (const [key, value] of Object.entries(jsonParams)) merged.set(key, value);
    } else {
      merged.set('params', jsonParams);
    }
    servingInput = merged;
  }

  // key order as MLflow builds the mapping
  const finalInfo: SavedInputExampleInfo = { artifact_path: INPUT_EXAMPLE_FILE_NAME } as SavedInputExampleInfo;
  if (params !== undefined && Object.keys(params).length > 0) finalInfo.params = 'true';
  finalInfo.type = type;
  if (pandasOrient !== undefined) finalInfo.pandas_orient = pandasOrient;
  finalInfo.serving_input_path = SERVING_INPUT_EXAMPLE_FILE_NAME;
  return {
    info: finalInfo,
    inputExampleJson: dumpsPythonJson(modelInput),
    servingInputExampleJson: dumpsPythonJson(servingInput, { indent: 2 }),
  };
}
