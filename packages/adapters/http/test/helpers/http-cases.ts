/**
 * The requests of the server-vs-server differential test: hand-picked from serving.md's
 * conformance checks plus seeded random ones (valid frames and inputs, truncated JSON).
 */

/** One request, sent to both servers. */
export interface HttpCase {
  name: string;
  model: 'nosig' | 'cols' | 'tensor' | 'params' | 'sk';
  method: 'GET' | 'POST' | 'HEAD' | 'PUT';
  path: string;
  contentType: string | null;
  body: string | Uint8Array;
  malformed: boolean;
  /** A deliberate difference: what MLflow answers and what we answer instead. */
  divergence?: { mlflowStatus: number | Partial<Record<'2' | '3', number>>; ourStatus: number; why: string };
  /** False where the bodies legitimately differ (the /version text). */
  compareBody?: boolean;
}

/** A seeded generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JSON_TYPE = 'application/json';

export function buildCases(seed: number): HttpCase[] {
  const random = seededRandom(seed);
  const int = (max: number): number => Math.floor(random() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const cases: HttpCase[] = [];
  const add = (model: HttpCase['model'], name: string, body: string | Uint8Array, options: Partial<HttpCase> = {}): void => {
    cases.push({ name, model, method: 'POST', path: '/invocations', contentType: JSON_TYPE, body, malformed: false, ...options });
  };
  const bad = (model: HttpCase['model'], name: string, body: string | Uint8Array, options: Partial<HttpCase> = {}): void =>
    add(model, name, body, { malformed: true, ...options });

  // endpoints (serving.md 2)
  for (const path of ['/ping', '/health']) cases.push({ name: `GET ${path}`, model: 'nosig', method: 'GET', path, contentType: null, body: '', malformed: false });
  cases.push({ name: 'GET /version', model: 'nosig', method: 'GET', path: '/version', contentType: null, body: '', malformed: false, compareBody: false });
  cases.push({ name: 'HEAD /ping', model: 'nosig', method: 'HEAD', path: '/ping', contentType: null, body: '', malformed: false,
    divergence: { mlflowStatus: { 2: 200, 3: 405 }, ourStatus: 200, why: "2.22's app.route adds HEAD; 3.x registers /ping with app.get only (405); we follow 2.22 and serving.md 2" } });
  cases.push({ name: 'GET /invocations', model: 'nosig', method: 'GET', path: '/invocations', contentType: null, body: '', malformed: true });
  cases.push({ name: 'PUT /ping', model: 'nosig', method: 'PUT', path: '/ping', contentType: JSON_TYPE, body: '{}', malformed: true });
  cases.push({ name: 'GET /nope', model: 'nosig', method: 'GET', path: '/nope', contentType: null, body: '', malformed: true });
  cases.push({ name: 'POST /nope', model: 'nosig', method: 'POST', path: '/nope', contentType: JSON_TYPE, body: '{}', malformed: true });

  // content types (serving.md 3)
  const valid = '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2.5], [3, 4.0]]}}';
  add('cols', 'charset=UTF-8', valid, { contentType: 'application/json; charset=UTF-8' });
  add('cols', 'charset=utf-8 no space', valid, { contentType: 'application/json;charset=utf-8' });
  for (const type of ['application/json; charset=latin-1', 'application/json;', 'application/json; format=pandas-split',
    'application/csv', 'Application/JSON', 'text/json', 'application/jsonlines', 'text/plain; charset=latin-1',
    'application/json; Charset=utf-8', 'application/json-numpy-split']) {
    bad('cols', `content type ${type}`, valid, { contentType: type });
  }
  // serving.md 3 says MLflow crashes (500) here; 2.22.5 and 3.x answer 415 "Got 'None'" as we do
  bad('cols', 'no content type', valid, { contentType: null });
  bad('nosig', 'invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x73, 0x22, 0x3a, 0x20, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    { divergence: { mlflowStatus: { 2: 500, 3: 400 }, ourStatus: 400, why: 'serving.md 4.1: MLflow 2.22 does not catch the decode error (3.x answers 400 as we do)' } });

  // JSON shapes on the column model (serving.md 4.5-4.7)
  add('cols', 'split', valid);
  add('cols', 'records', '{"dataframe_records": [{"a": 1, "b": 2.5}, {"a": 3, "b": 4.0}]}');
  add('cols', 'split with s', '{"dataframe_split": {"columns": ["a", "b", "s"], "data": [[1, 2.5, "x"], [3, 4.0, null]]}}');
  add('cols', 'split 1-d data one column', '{"dataframe_split": {"columns": ["a"], "data": [1, 2]}}', { malformed: true });
  add('cols', 'records with float for long', '{"dataframe_records": [{"a": 1.7, "b": 1}]}');
  add('cols', 'unknown key ignored', '{"dataframe_records": [{"a": 1, "b": 2.0}], "foo": 1}');
  add('cols', 'inputs as columns', '{"inputs": {"a": [1, 2], "b": [0.5, 1.5]}}');
  add('cols', 'instances records', '{"instances": [{"a": 1, "b": 0.5}, {"a": 2, "b": 1.5}]}');
  add('cols', 'split with index', '{"dataframe_split": {"index": [5, 6], "columns": ["a", "b"], "data": [[1, 2.0], [3, 4.0]]}}');
  add('cols', 'split BOM', `\ufeff${valid}`);
  add('cols', 'split whitespace', `  \n${valid}\n  `);
  bad('cols', 'split is a list', '{"dataframe_split": [[1, 2]]}');
  bad('cols', 'split is a string', '{"dataframe_split": "x"}');
  bad('cols', 'split extra key', '{"dataframe_split": {"data": [[1]], "extra": 1}}');
  bad('cols', 'split without data', '{"dataframe_split": {"columns": ["a"]}}');
  bad('cols', 'split index mismatch', '{"dataframe_split": {"index": [1, 2], "data": [[1], [2], [3]]}}');
  bad('cols', 'split width mismatch', '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2, 3]]}}');
  bad('cols', 'records is a dict', '{"dataframe_records": {"a": [1]}}');
  bad('cols', 'records is a string', '{"dataframe_records": "x"}');
  bad('cols', 'records is a number', '{"dataframe_records": 3}');
  bad('cols', 'two format keys', '{"dataframe_records": [], "dataframe_split": {"data": []}}');
  bad('cols', 'no format key', '{"columns": ["a"], "data": [[1]]}');
  bad('cols', 'empty object', '{}');
  bad('cols', 'only params', '{"params": {"a": 1}}');
  bad('cols', 'typo input_data', '{"input_data": [[1, 2]]}');
  bad('cols', 'list body', '[1, 2]');
  bad('cols', 'int body', '1');
  bad('cols', 'string body', '"1"');
  bad('cols', 'null body', 'null');
  bad('cols', 'true body', 'true');
  bad('cols', 'not json', 'this is,,,, not valid json');
  bad('cols', 'empty body', '');
  bad('cols', 'missing column', '{"dataframe_records": [{"a": 1}]}');
  bad('cols', 'string for double', '{"dataframe_records": [{"a": 1, "b": "x"}]}');
  bad('cols', 'null for long', '{"dataframe_records": [{"a": null, "b": 1.0}]}');
  bad('cols', 'inputs rows for named columns', '{"inputs": [[1, 2], [3, 4]]}');
  bad('cols', 'csv with missing long', 'a,b\n1,2\nNA,3\n', { contentType: 'text/csv' });
  add('cols', 'csv', 'a,b\n1,2\n3,4\n', { contentType: 'text/csv' });
  add('cols', 'csv charset', 'a,b,s\n1,2.5,x\n3,4,\n', { contentType: 'text/csv; charset=utf-8' });
  bad('cols', 'empty csv', '', { contentType: 'text/csv' });
  bad('cols', 'csv float for long', 'a,b\n1.5,2\n', { contentType: 'text/csv' });

  // the schema-less echo model (serving.md 4.8, 5, 7)
  add('nosig', 'inputs mixed', '{"inputs": [1, "a"]}');
  add('nosig', 'inputs dict', '{"inputs": {"x": [1, 2], "y": [3, 4]}}');
  add('nosig', 'inputs nested', '{"inputs": [[1, 2], [3, 4]]}');
  add('nosig', 'inputs scalar string', '{"inputs": "hi"}');
  add('nosig', 'inputs NaN Infinity', '{"inputs": [NaN, Infinity, -Infinity]}');
  add('nosig', 'inputs big int', '{"inputs": [9007199254740993]}');
  add('nosig', 'inputs floats', '{"inputs": [1.0, 0.1, 1e-05, 1e16, -0.0]}');
  add('nosig', 'inputs unicode', '{"inputs": ["\u00e9", "\ud83d\ude00"]}');
  add('nosig', 'inputs records', '{"inputs": [{"a": 1}, {"a": 2}]}');
  add('nosig', 'inputs bools', '{"inputs": [true, false]}');
  add('nosig', 'params ignored', '{"inputs": [1], "params": {"p": 1}}');
  add('nosig', 'records scalars', '{"dataframe_records": [1, 2, 3]}');
  add('nosig', 'records mixed nulls', '{"dataframe_records": [{"a": 1, "b": "x"}, {"a": null, "c": true}]}');
  add('nosig', 'split ints and floats', '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2.5], [null, 3]]}}');
  add('nosig', 'split integer labels', '{"dataframe_split": {"data": [[1, 2], [3, 4]]}}');
  add('nosig', 'llm messages', '{"messages": [{"role": "user", "content": "hi"}], "temperature": 0.5}');
  add('nosig', 'llm prompt', '{"prompt": "hi", "max_tokens": 3}');
  add('nosig', 'llm input wins', '{"input": "x", "inputs": [1]}');
  add('nosig', 'csv ints', 'a,b\n1,2\n3,4\n', { contentType: 'text/csv' });
  add('nosig', 'csv missing tokens', 'a\nNA\nnull\n', { contentType: 'text/csv' });
  add('nosig', 'csv strings and bools', 'a,b,c\n1,x,\n2,,true\n', { contentType: 'text/csv' });
  add('nosig', 'csv quoted', 'a,b\n"x,y",1\n"he said ""hi""",2\n', { contentType: 'text/csv' });
  add('nosig', 'csv CRLF', 'a,b\r\n1.5,TRUE\r\n2,FALSE\r\n', { contentType: 'text/csv' });
  add('nosig', 'csv header only', 'a,b\n', { contentType: 'text/csv' });
  add('nosig', 'csv duplicate names', 'a,a,\n1,2,3\n', { contentType: 'text/csv' });
  bad('nosig', 'csv extra field', 'a,b\n1,2,3\n', { contentType: 'text/csv', divergence: { mlflowStatus: 200, ourStatus: 400, why: 'serving.md 5.1: pandas shifts the row into an index; we refuse it' } });
  bad('nosig', 'empty csv', '', { contentType: 'text/csv' });
  bad('nosig', 'instances ragged records', '{"instances": [{"x": 1}, {"x": 2, "y": 3}]}');
  bad('nosig', 'model raises ValueError', '{"dataframe_records": [{"__action": "value_error"}]}');
  bad('nosig', 'model raises RESOURCE_EXHAUSTED', '{"dataframe_records": [{"__action": "mlflow_error"}]}');
  bad('nosig', 'model too slow', '{"dataframe_records": [{"__action": "sleep", "__seconds": 3}]}',
    { divergence: { mlflowStatus: 504, ourStatus: 504, why: 'serving.md 8.3: same status; MLflow writes a text body, we write a JSON DEADLINE_EXCEEDED error' } });

  // tensor model
  add('tensor', 'inputs 2-d', '{"inputs": [[1, 2], [3.5, 4]]}');
  add('tensor', 'instances 2-d', '{"instances": [[1, 2]]}');
  add('tensor', 'split tensor', '{"dataframe_split": {"data": [[1, 2], [3, 4]]}}');
  bad('tensor', 'wrong shape', '{"inputs": [[1, 2, 3]]}');
  bad('tensor', 'dict for unnamed', '{"inputs": {"a": [1]}}');
  bad('tensor', 'csv for tensor', '0,1\n1,2\n', { contentType: 'text/csv' });

  // params model (serving.md 4.5 table)
  add('params', 'no params', '{"dataframe_records": [{"x": 1}]}');
  add('params', 'params p', '{"dataframe_records": [{"x": 1}], "params": {"p": 3}}');
  add('params', 'params t', '{"inputs": [1, 2], "params": {"t": "zz"}}');
  add('params', 'params unknown', '{"dataframe_records": [{"x": 1}], "params": {"zzz": 1}}');
  add('params', 'params null', '{"dataframe_records": [{"x": 1}], "params": null}');
  bad('params', 'params wrong type', '{"dataframe_records": [{"x": 1}], "params": {"p": "x"}}');
  bad('params', 'params list', '{"dataframe_records": [{"x": 1}], "params": [1]}');
  add('params', 'llm with params', '{"prompt": "hi", "p": 7, "x": 1}');

  // a real scikit-learn model (LinearRegression on double columns a, b)
  add('sk', 'split', '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], [3, 4]]}}');
  add('sk', 'records', '{"dataframe_records": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]}');
  add('sk', 'csv', 'a,b\n1,2\n3,4\n', { contentType: 'text/csv' });
  add('sk', 'inputs columns', '{"inputs": {"a": [1.5], "b": [0.25]}}');
  add('sk', 'floats', '{"dataframe_split": {"columns": ["a", "b"], "data": [[0.1, 1e-05], [1e16, -0.0]]}}');
  bad('sk', 'missing column', '{"dataframe_records": [{"a": 1}]}');
  bad('sk', 'string for double', '{"dataframe_records": [{"a": "x", "b": 1}]}');
  bad('sk', 'inputs rows', '{"inputs": [[1, 2], [3, 4]]}');
  bad('sk', 'csv with text', 'a,b\nx,1\n', { contentType: 'text/csv' });
  for (let index = 0; index < 8; index++) {
    const rows = Array.from({ length: 1 + int(3) }, () => `[${(random() * 20).toFixed(int(5))}, ${(random() * 5).toFixed(int(5))}]`);
    add('sk', `random split ${index}`, `{"dataframe_split": {"columns": ["a", "b"], "data": [${rows.join(', ')}]}}`);
  }

  // seeded random: valid frames for the column model, frames of mixed cells for the echo model
  const word = (): string => pick(['a', 'bb', 'x y', 'é', '', '0', 'true', 'NaN']);
  const double = (): number | string => pick([() => (random() * 100 - 50).toFixed(int(4)), () => String(int(1000)), () => '0.1', () => '1e-7', () => '-0.0'])();
  for (let index = 0; index < 40; index++) {
    const rows = 1 + int(4);
    const data = Array.from({ length: rows }, () => [String(int(2000) - 1000), double(), random() < 0.2 ? 'null' : JSON.stringify(word())]);
    if (index % 2 === 0) {
      add('cols', `random split ${index}`, `{"dataframe_split": {"columns": ["a", "b", "s"], "data": [${data.map((row) => `[${row.join(', ')}]`).join(', ')}]}}`);
    } else {
      add('cols', `random records ${index}`, `{"dataframe_records": [${data.map((row) => `{"a": ${row[0]}, "b": ${row[1]}, "s": ${row[2]}}`).join(', ')}]}`);
    }
  }
  const cell = (): string => pick([() => String(int(100)), () => (random() * 10).toFixed(2), () => JSON.stringify(word()), () => 'true', () => 'false', () => 'null'])();
  for (let index = 0; index < 25; index++) {
    const kind = int(3);
    if (kind === 0) {
      const column = pick([() => String(int(9)), () => (random() * 10).toFixed(1), () => JSON.stringify(word())]);
      add('nosig', `random column ${index}`, `{"dataframe_split": {"columns": ["c"], "data": [${Array.from({ length: 1 + int(4) }, () => `[${column()}]`).join(', ')}]}}`);
    } else if (kind === 1) {
      add('nosig', `random inputs ${index}`, `{"inputs": [${Array.from({ length: 1 + int(5) }, () => pick([() => String(int(50)), () => (random() * 9).toFixed(3)])()).join(', ')}]}`);
    } else {
      add('nosig', `random records ${index}`, `{"dataframe_records": [${Array.from({ length: 1 + int(3) }, () => `{"k": ${cell()}}`).join(', ')}]}`);
    }
  }
  // seeded random malformed: valid bodies cut short (JSON syntax errors)
  const sources = cases.filter((c) => !c.malformed && c.contentType === JSON_TYPE && typeof c.body === 'string' && c.body.length > 10);
  for (let index = 0; index < 40; index++) {
    const source = pick(sources);
    const text = source.body as string;
    bad(source.model, `truncated ${index} (${source.name})`, text.slice(0, 1 + int(text.length - 2)));
  }
  return cases;
}
