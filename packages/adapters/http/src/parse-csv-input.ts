/**
 * CSV bodies as `pandas.read_csv` with default options reads them (serving.md 5).
 */
import { ColSpec, Frame, MlflowException, dataTypeToPandas, isDataType, makeColumn, type Column, type DType, type Schema } from '@pyfunc/format';

const MISSING = new Set(['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN',
  '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null']);
const TRUE = new Set(['True', 'TRUE', 'true']);
const FALSE = new Set(['False', 'FALSE', 'false']);
const INTEGER = /^\s*[+-]?\d+\s*$/;
const FLOAT = /^\s*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity|Inf|Infinity|INF)\s*$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function parseFailure(message: string, stack?: string): MlflowException {
  const error = new MlflowException('BAD_REQUEST', 'Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid ' +
    `CSV-formatted Pandas DataFrame produced using the \`pandas.DataFrame.to_csv()\` method. Error: '${message}'`);
  (error as MlflowException & { stackTrace?: string }).stackTrace = stack ?? new Error(message).stack ?? message;
  return error;
}

/** Splits CSV text into records of fields: `,` separated, `"` quoted with `""` escapes, any line end; blank lines skipped. */
export function splitCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let sawField = false;
  let index = 0;
  const endRow = (): void => {
    if (sawField || row.length > 0 || field !== '') {
      row.push(field);
      rows.push(row);
    }
    row = [];
    field = '';
    sawField = false;
  };
  while (index < text.length) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"') {
        if (text[index + 1] === '"') { field += '"'; index += 2; continue; }
        quoted = false;
      } else field += char;
      index++;
      continue;
    }
    if (char === '"') { quoted = true; sawField = true; }
    else if (char === ',') { row.push(field); field = ''; sawField = true; }
    else if (char === '\n' || char === '\r') {
      endRow();
      if (char === '\r' && text[index + 1] === '\n') index++;
    } else field += char;
    index++;
  }
  if (quoted) throw parseFailure('Error tokenizing data. C error: EOF inside string starting at row ' + rows.length);
  endRow();
  return rows;
}

function inferColumn(name: string, cells: (string | null)[]): Column {
  const present = cells.filter((cell): cell is string => cell !== null);
  if (present.length === 0) return makeColumn(name, cells.map(() => Number.NaN), 'float64');
  if (present.every((cell) => INTEGER.test(cell))) {
    const values = cells.map((cell) => (cell === null ? null : BigInt(cell.trim())));
    const inRange = values.every((value) => value === null || (value >= INT64_MIN && value <= INT64_MAX));
    if (cells.some((cell) => cell === null)) return makeColumn(name, values.map((value) => (value === null ? Number.NaN : Number(value))), 'float64');
    if (inRange) return makeColumn(name, values.map((value) => (value! >= BigInt(Number.MIN_SAFE_INTEGER) && value! <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value)), 'int64');
    return makeColumn(name, cells, 'object');
  }
  if (present.every((cell) => INTEGER.test(cell) || FLOAT.test(cell))) {
    return makeColumn(name, cells.map((cell) => (cell === null ? Number.NaN : Number(cell.trim().replace(/^([+-]?)inf(inity)?$/i, '$1Infinity')))), 'float64');
  }
  if (present.every((cell) => TRUE.has(cell) || FALSE.has(cell))) {
    if (cells.some((cell) => cell === null)) return makeColumn(name, cells.map((cell) => (cell === null ? Number.NaN : TRUE.has(cell))), 'object');
    return makeColumn(name, cells.map((cell) => TRUE.has(cell!)), 'bool');
  }
  return makeColumn(name, cells.map((cell) => (cell === null ? Number.NaN : cell)), 'object');
}

function forcedColumn(name: string, position: number, cells: (string | null)[], pandasType: string): Column {
  if (pandasType === 'object') return makeColumn(name, cells.map((cell) => (cell === null ? Number.NaN : cell)), 'object');
  if (pandasType.startsWith('datetime64')) {
    throw parseFailure(`the dtype ${pandasType} is not supported for parsing, pass this column using parse_dates instead`);
  }
  if (pandasType === 'bool') {
    if (cells.some((cell) => cell === null)) throw parseFailure(`Bool column has NA values in column ${position}`);
    return makeColumn(name, cells.map((cell) => {
      if (TRUE.has(cell!)) return true;
      if (FALSE.has(cell!)) return false;
      throw parseFailure(`Unable to parse string "${cell}" at position 0`);
    }), 'bool');
  }
  if (pandasType.startsWith('int')) {
    if (cells.some((cell) => cell === null)) throw parseFailure(`Integer column has NA values in column ${position}`);
    if (!cells.every((cell) => INTEGER.test(cell!))) {
      throw parseFailure(`cannot safely convert passed user dtype of ${pandasType} for ${cells.every((cell) => FLOAT.test(cell!)) ? 'float64' : 'object'} dtyped data in column ${position}`);
    }
    return makeColumn(name, cells.map((cell) => Number(cell!.trim())), pandasType as DType);
  }
  return makeColumn(name, cells.map((cell) => {
    if (cell === null) return Number.NaN;
    if (!INTEGER.test(cell) && !FLOAT.test(cell)) throw parseFailure(`could not convert string to float: '${cell}'`);
    return Number(cell.trim().replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
  }), pandasType as DType);
}

/**
 * A CSV body as a frame (serving.md 5.1), with the schema's dtypes forced when given (5.2).
 * Rows with more fields than the header are refused (divergence: pandas shifts them into an index).
 * @throws {MlflowException} BAD_REQUEST "Failed to parse input as a Pandas DataFrame. ..." (with a stack trace).
 */
export function parseCsvInput(text: string, schema?: Schema): Frame {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows = splitCsv(body);
  if (rows.length === 0) throw parseFailure('No columns to parse from file');
  const header = rows[0]!;
  const seen = new Map<string, number>();
  const names = header.map((cell, index) => {
    let name = cell === '' ? `Unnamed: ${index}` : cell;
    const count = seen.get(name);
    if (count !== undefined) {
      seen.set(name, count + 1);
      name = `${name}.${count + 1}`;
    } else seen.set(name, 0);
    return name;
  });
  const data = rows.slice(1);
  data.forEach((row, index) => {
    if (row.length > names.length) {
      throw parseFailure(`Expected ${names.length} fields in line ${index + 2}, saw ${row.length}` +
        ' (pandas would silently turn the extra leading fields into a row index; this server refuses such rows)');
    }
  });
  let dtypes: Map<string, string> | undefined;
  if (schema !== undefined) {
    dtypes = new Map();
    for (const [position, spec] of schema.inputs.entries()) {
      if (!(spec instanceof ColSpec) || !isDataType(spec.type)) {
        throw parseFailure(spec instanceof ColSpec ? `data type '${String(spec.type)}' not understood`
          : 'TensorSpec cannot be converted to pandas types');
      }
      dtypes.set(spec.name === null ? String(position) : String(spec.name), dataTypeToPandas(spec.type));
    }
  }
  const columns = names.map((name, position) => {
    const cells = data.map((row) => {
      const cell = row[position];
      return cell === undefined || MISSING.has(cell) ? null : cell;
    });
    const forced = dtypes?.get(name);
    return forced === undefined ? inferColumn(name, cells) : forcedColumn(name, position, cells, forced === 'str' ? 'object' : forced);
  });
  return new Frame(columns);
}
