/**
 * `/invocations` bodies to model input (serving.md 4-6): MLflow's three JSON paths (unified LLM,
 * type hint, classic with `dataframe_split` / `dataframe_records` / `instances` / `inputs`) and
 * CSV, with the schema casts MLflow applies before `predict`.
 */
import {
  MlflowException,
  frameFromParsedJson,
  isFloatSlot,
  isPlainObject,
  markFloat,
  parsePythonJson,
  parseTfServingInput,
  pyClass,
  pyRepr,
  type Model,
  type PyValue,
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
  /**
   * `raw` (serve's `--input-mode raw`, an addition to MLflow): every model takes the type-hint
   * path (serving.md 4.4) — the model gets the `inputs` value exactly as decoded, no frame or
   * tensor conversion. Chat/completions bodies keep their own path. Default `mlflow`.
   */
  inputMode?: InputMode;
}

/** How JSON bodies become model input: MLflow's conversions, or the `inputs` value untouched. */
export type InputMode = 'mlflow' | 'raw';

/** The part of a model's metadata the parser reads. */
export type ParseMetadata = Pick<Model, 'getInputSchema' | 'getParamsSchema' | 'signature'>;

function invalidInput(message: string, cause?: unknown): MlflowException {
  return MlflowException.invalidInput(message, cause === undefined ? undefined : { cause });
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
    return decoderFor(encoding).decode(start === 0 ? body : body.subarray(start));
  } catch (error) {
    throw invalidInput(`The request body is not valid ${encoding.toUpperCase()} text: ${messageOf(error)}`, error);
  }
}

const decoders = new Map<string, InstanceType<typeof TextDecoder>>();

/** A strict decoder per encoding, made once (a non-streaming `decode` keeps no state between calls). */
function decoderFor(encoding: string): InstanceType<typeof TextDecoder> {
  let decoder = decoders.get(encoding);
  if (decoder === undefined) {
    decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
    decoders.set(encoding, decoder);
  }
  return decoder;
}

/** One of MLflow's four format keys ({@link SUPPORTED_FORMATS}), by comparison (no array search). */
function isFormatKey(name: string): boolean {
  return name === 'inputs' || name === 'dataframe_split' || name === 'dataframe_records' || name === 'instances';
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
  // the format keys present, in the body's order (one pass, no intermediate arrays: every request comes here)
  const keys = Object.keys(object);
  let formatKeyCount = 0;
  let formatKey: string | undefined;
  for (let index = 0; index < keys.length; index++) {
    const name = keys[index]!;
    if (isFormatKey(name)) {
      formatKeyCount++;
      formatKey ??= name;
    }
  }
  const raw = options.inputMode === 'raw';
  if (raw || metadata.signature?.isSignatureFromTypeHint === true) {
    if (!('inputs' in object)) {
      const why = raw ? 'the server runs with --input-mode raw' : 'the model contains a valid type hint';
      throw new MlflowException('INVALID_PARAMETER_VALUE', `Request payload must be a dictionary with 'inputs' key when ${why}. ` +
        `Found keys in payload: dict_keys([${(raw ? keys : keys.filter(isFormatKey)).map((name) => pyRepr(name)).join(', ')}]).`);
    }
    return { data: object.inputs, params, path: 'type_hint', stream };
  }
  if (formatKeyCount !== 1) {
    // divergence 7: every received key is listed, not only the recognized ones
    const received = Object.keys(object).filter((key) => key !== 'params');
    throw new MlflowException('BAD_REQUEST', `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ` +
      `[${received.map((key) => pyRepr(key)).join(', ')}]. ${SCORING_PROTOCOL_CHANGE_INFO}`);
  }
  const key = formatKey!;
  const value = object[key]!;
  let data: unknown;
  if (key === 'dataframe_split') data = frameFromParsedJson(value, 'split', schema);
  else if (key === 'dataframe_records') data = frameFromParsedJson(value, 'records', schema);
  else {
    // the format key alone: the server ignores every other key (serving.md 4.5)
    const input: Record<string, PyValue> = { [key]: value };
    if (isFloatSlot(object, key)) markFloat(input, key);
    data = parseTfServingInput(input, schema);
  }
  return { data, params, path: 'classic', stream };
}
