/**
 * `frameFromParsedJson`: MLflow's `dataframe_from_parsed_json`, the pandas `split` / `records`
 * frame readers shared by `/invocations` (`dataframe_split`, `dataframe_records`) and the loading
 * of a `dataframe` input example (always `split`).
 */
import { castFrameToSchema } from './cast-frame-to-schema.js';
import { Frame, makeColumn, type Label } from './data/frame.js';
import { readValues } from './data/values.js';
import { MlflowException } from './mlflow-exception.js';
import { isPlainObject, type PyValue } from './py-values.js';
import { pyClass, pyRepr } from './py-repr.js';
import type { Schema } from './signature/schema.js';

/** The pandas orient of {@link frameFromParsedJson}: MLflow reads `split` and `records`. */
export type FrameOrient = 'split' | 'records';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Builds a frame from parsed JSON as MLflow's `dataframe_from_parsed_json` does: `split` is a
 * dict with `data` and optionally `columns` and `index` (`pd.DataFrame(index=, columns=, data=)`),
 * `records` a list of records (`pd.DataFrame(data=)`; a key missing from a record is NaN). With a
 * schema, the frame is then cast by {@link castFrameToSchema} (binary base64-decoded, datetimes
 * parsed, dtypes cast). The records are completed in place with their missing keys.
 * @throws {MlflowException} BAD_REQUEST ("Invalid input. ...", MLflow's
 *   `MlflowInvalidInputException`) when the value has the wrong shape for the orient, is not a
 *   valid frame representation, or does not fit the schema.
 */
export function frameFromParsedJson(decoded: PyValue, orient: FrameOrient, schema?: Schema | null): Frame {
  const frame = orient === 'split' ? splitFrame(decoded) : recordsFrame(decoded);
  return schema === undefined || schema === null ? frame : castFrameToSchema(frame, schema);
}

function splitFrame(raw: PyValue): Frame {
  if (!isPlainObject(raw)) {
    throw MlflowException.invalidInput(`Dataframe split format must be a dictionary. Got ${Array.isArray(raw) ? 'list' : `type ${pyClass(raw)}`}.`);
  }
  const keys = Object.keys(raw);
  if (!keys.includes('data') || keys.some((key) => key !== 'columns' && key !== 'data' && key !== 'index')) {
    throw MlflowException.invalidInput("Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. " +
      `Got {${keys.map((key) => pyRepr(key)).join(', ')}}.'`);
  }
  try {
    return buildSplitFrame(raw.data!, raw.columns, raw.index);
  } catch (error) {
    throw MlflowException.invalidInput(
      `Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '${messageOf(error)}'`, { cause: error });
  }
}

function recordsFrame(raw: PyValue): Frame {
  if (!Array.isArray(raw)) {
    throw MlflowException.invalidInput(
      `Dataframe records format must be a list of records. Got ${isPlainObject(raw) ? 'dictionary' : `type ${pyClass(raw)}`}.`);
  }
  try {
    if (raw.length > 0 && raw.every((row) => isPlainObject(row))) return fixBooleanColumns(fromRecords(raw as Record<string, unknown>[]));
    if (raw.length > 0 && raw.every((row) => !Array.isArray(row) && !isPlainObject(row))) {
      return fixBooleanColumns(Frame.fromRows(raw.map((cell) => [cell])));
    }
    return buildSplitFrame(raw, undefined, undefined);
  } catch (error) {
    throw MlflowException.invalidInput(
      `Provided dataframe_records field is not a valid dataframe representation in 'records' format. Error: '${messageOf(error)}'`, { cause: error });
  }
}

/** A pandas constructor error (wrapped by the callers into MLflow's message). */
function failure(message: string): MlflowException {
  return new MlflowException('BAD_REQUEST', message);
}

/** `pd.DataFrame(index=index, columns=columns, data=data)`. */
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
      const width = labels?.length ?? (Array.isArray(data[0]) ? data[0].length : 1);
      throw failure(`Shape of passed values is (${data.length}, ${width}), indices imply (${index.length}, ${width})`);
    }
  }
  if (data.length === 0) return new Frame((labels ?? []).map((label) => makeColumn(label, [], 'object')));
  if (data.every((row) => isPlainObject(row))) {
    return fixBooleanColumns(fromRecords(data as Record<string, unknown>[], labels));
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
function fromRecords(records: Record<string, unknown>[], labels?: Label[]): Frame {
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

/** pandas keeps a boolean column with missing values as `object` (the containers keep `bool`). */
function fixBooleanColumns(frame: Frame): Frame {
  if (!frame.columns.some((column) => column.dtype === 'bool' && column.validity !== null)) return frame;
  return new Frame(frame.columns.map((column) => (column.dtype === 'bool' && column.validity !== null
    ? makeColumn(column.name, readValues(column.dtype, column.values, column.validity), 'object')
    : column)));
}
