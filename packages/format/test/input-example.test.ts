/**
 * Input examples: the conformance checks of format spec 6 (checks 1-9) and the reader's and
 * writer's error paths. The same behaviours are compared against real MLflow in
 * input-example.differential.test.ts.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frame, Tensor, makeColumn } from '../src/data/index.js';
import { MlflowException } from '../src/mlflow-exception.js';
import { isFloatSlot, isPlainObject } from '../src/py-values.js';
import { parsePythonJson } from '../src/python-json.js';
import { Schema } from '../src/signature/schema.js';
import {
  decodeBase64Lines,
  encodeBase64Lines,
  encodeInputExample,
  loadInputExample,
  loadServingInputExample,
  saveInputExample,
  withParams,
  type InputExample,
} from '../src/input-example.js';

let root: string;
let counter = 0;
const freshDir = (): string => join(root, String(counter++));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pyfunc-example-unit-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeExample(text: string, name = 'input_example.json'): Promise<string> {
  const dir = freshDir();
  await saveInputExample(dir, 'placeholder'); // creates the directory
  await writeFile(join(dir, name), text);
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<MlflowException> {
  try {
    await promise;
  } catch (error) {
    expect(MlflowException.isInstance(error)).toBe(true);
    return error as MlflowException;
  }
  throw new Error('expected a rejection');
}

describe('conformance checks (format spec 6)', () => {
  it('1: a frame with named columns is written in split orient', async () => {
    const dir = freshDir();
    const info = await saveInputExample(dir, Frame.fromColumns({ a: [1, 2], b: ['x', 'y'] }));
    expect(await readFile(join(dir, 'input_example.json'), 'utf8')).toBe('{"columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]}');
    expect(info).toEqual({
      artifact_path: 'input_example.json', type: 'dataframe', pandas_orient: 'split',
      serving_input_path: 'serving_input_example.json',
    });
    expect(await readFile(join(dir, 'serving_input_example.json'), 'utf8')).toBe(
      '{\n  "dataframe_split": {\n    "columns": [\n      "a",\n      "b"\n    ],\n    "data": [\n' +
      '      [\n        1,\n        "x"\n      ],\n      [\n        2,\n        "y"\n      ]\n    ]\n  }\n}');
  });

  it('2: default integer column labels leave out `columns` and give `pandas_orient: values`', () => {
    const encoded = encodeInputExample(Frame.fromRows([[1, 2], [3, 4]]));
    expect(encoded.inputExampleJson).toBe('{"data": [[1, 2], [3, 4]]}');
    expect(encoded.info.pandas_orient).toBe('values');
    // labels 1, 0 are not the default ones
    const swapped = encodeInputExample(new Frame([makeColumn(1, [1]), makeColumn(0, [2])]));
    expect(swapped.inputExampleJson).toBe('{"columns": [1, 0], "data": [[1, 2]]}');
    expect(swapped.info.pandas_orient).toBe('split');
  });

  it('3: a tensor is its nested list, the serving file wraps it under "inputs"', () => {
    const encoded = encodeInputExample(Tensor.from([[1, 2], [3, 4]]));
    expect(encoded.inputExampleJson).toBe('[[1, 2], [3, 4]]');
    expect(encoded.servingInputExampleJson).toBe(
      '{\n  "inputs": [\n    [\n      1,\n      2\n    ],\n    [\n      3,\n      4\n    ]\n  ]\n}');
    expect(encoded.info).toEqual({ artifact_path: 'input_example.json', type: 'ndarray', serving_input_path: 'serving_input_example.json' });
  });

  it('4: an LLM request with params: params at the top level of the serving example', async () => {
    const messages = { messages: [{ role: 'user', content: 'hi' }] };
    const encoded = encodeInputExample(withParams(messages, { temperature: 0.1 }));
    expect(encoded.inputExampleJson).toBe('{"inputs": {"messages": [{"role": "user", "content": "hi"}]}, "params": {"temperature": 0.1}}');
    expect(encoded.servingInputExampleJson).toBe(
      '{\n  "messages": [\n    {\n      "role": "user",\n      "content": "hi"\n    }\n  ],\n  "temperature": 0.1\n}');
    expect(encoded.info).toEqual({ artifact_path: 'input_example.json', params: 'true', type: 'json_object', serving_input_path: 'serving_input_example.json' });
    expect(Object.keys(encoded.info)).toEqual(['artifact_path', 'params', 'type', 'serving_input_path']);
    // options.params is the same as the tuple
    expect(encodeInputExample(messages, { params: { temperature: 0.1 } })).toEqual(encoded);
    // and other dicts get a "params" key beside "inputs"
    expect(encodeInputExample(withParams({ q: 1 }, { t: 2 })).servingInputExampleJson)
      .toBe('{\n  "inputs": {\n    "q": 1\n  },\n  "params": {\n    "t": 2\n  }\n}');
    const dir = freshDir();
    const info = await saveInputExample(dir, withParams(messages, { temperature: 0.1 }));
    const loaded = await loadInputExample(dir, info);
    expect(loaded).toEqual({ data: messages, params: { temperature: 0.1 } });
  });

  it('5: bytes are written with base64.encodebytes (a newline every 76 characters and at the end)', () => {
    expect(encodeInputExample(new Uint8Array(Buffer.from('hi'))).inputExampleJson).toBe('"aGk=\\n"');
    const sixty = new Uint8Array(60).fill(0x7a);
    const text = encodeBase64Lines(sixty);
    expect(text).toBe(`${'enp6'.repeat(19)}\nenp6\n`);
    expect(text.split('\n')[0]).toHaveLength(76);
    expect(decodeBase64Lines(text)).toEqual(sixty);
    expect(encodeBase64Lines(new Uint8Array(0))).toBe('');
  });

  it('6: NaN in a json_object is written as the bare token and read back', async () => {
    const dir = freshDir();
    const info = await saveInputExample(dir, { x: Number.NaN });
    expect(await readFile(join(dir, 'input_example.json'), 'utf8')).toBe('{"x": NaN}');
    const loaded = await loadInputExample(dir, info);
    expect(isPlainObject(loaded.data) && Number.isNaN(loaded.data.x)).toBe(true);
  });

  it('7: a legacy tf-serving ndarray example reads as a tensor', async () => {
    const dir = await writeExample('{"inputs": [[1.0]]}');
    const loaded = await loadInputExample(dir, { artifact_path: 'input_example.json', type: 'ndarray', format: 'tf-serving' });
    expect(loaded.data).toBeInstanceOf(Tensor);
    const tensor = loaded.data as Tensor;
    expect([tensor.dtype, tensor.shape, tensor.toNested()]).toEqual(['float64', [1, 1], [[1]]]);
    const instances = await writeExample('{"instances": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}');
    const rows = await loadInputExample(instances, { artifact_path: 'input_example.json', type: 'ndarray', format: 'tf-serving' });
    const { a, b } = rows.data as { a: Tensor; b: Tensor };
    expect([a.dtype, a.toNested(), b.dtype, b.toNested()]).toEqual(['int64', [1, 2], 'str', ['x', 'y']]);
  });

  it('8: an unknown example type is an error', async () => {
    const dir = await writeExample('"x"');
    const error = await rejection(loadInputExample(dir, { artifact_path: 'input_example.json', type: 'foo' }));
    expect(error.errorCode).toBe('INTERNAL_ERROR');
    expect(error.message).toBe('This version of mlflow can not load example of type foo');
  });

  it('9: a non-ASCII string is escaped', async () => {
    const dir = freshDir();
    await saveInputExample(dir, 'é');
    expect(await readFile(join(dir, 'input_example.json'), 'utf8')).toBe('"\\u00e9"');
    expect(await readFile(join(dir, 'serving_input_example.json'), 'utf8')).toBe('{\n  "inputs": "\\u00e9"\n}');
  });
});

describe('saveInputExample', () => {
  it('writes nothing for an example MLflow refuses, and leaves no temporary files', async () => {
    const dir = freshDir();
    const error = await rejection(saveInputExample(dir, { a: Tensor.from([1]), b: 1 } as unknown as InputExample));
    expect(error.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toBe('Mixed types in dictionary are not supported as input examples. Found numpy arrays and other types.');
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    const ok = freshDir();
    await saveInputExample(ok, [1, 2]);
    expect((await readdir(ok)).sort()).toEqual(['input_example.json', 'serving_input_example.json']);
  });

  it('keeps a plain two-item list a list; only withParams() carries params', () => {
    const records: Record<string, number>[] = [{ a: 1 }, { b: 2 }];
    expect(encodeInputExample(records).inputExampleJson).toBe('[{"a": 1}, {"b": 2}]');
    expect(encodeInputExample(withParams(records[0]!, records[1]!)).inputExampleJson).toBe('{"inputs": {"a": 1}, "params": {"b": 2}}');
    expect(() => encodeInputExample(withParams('x', { a: 1 }), { params: { b: 1 } })).toThrow(/twice/);
  });

  it('refuses a series and values Python cannot write, with MLflow\'s codes', () => {
    const expectThrow = (run: () => unknown, code: string, pattern: RegExp) => {
      try {
        run();
      } catch (error) {
        expect(MlflowException.isInstance(error)).toBe(true);
        expect((error as MlflowException).errorCode).toBe(code);
        expect((error as MlflowException).message).toMatch(pattern);
        return;
      }
      throw new Error('expected an error');
    };
    const frame = Frame.fromColumns({ a: [1] });
    expectThrow(() => encodeInputExample(frame.series('a') as unknown as InputExample), 'INVALID_PARAMETER_VALUE', /but got '<class 'pandas\.core\.series\.Series'>'$/);
    expectThrow(() => encodeInputExample([Tensor.from([1])]), 'INTERNAL_ERROR', /Numpy arrays in list are not supported/);
    expectThrow(() => encodeInputExample({ a: [frame] } as unknown as InputExample), 'INVALID_PARAMETER_VALUE', /Object of type DataFrame is not JSON serializable/);
    expectThrow(() => encodeInputExample({ a: undefined } as unknown as Record<string, null>), 'INVALID_PARAMETER_VALUE', /not JSON serializable/);
    expectThrow(() => encodeInputExample(withParams('x', { p: [[1]] })), 'INVALID_PARAMETER_VALUE',
      /^Failed to infer schema for parameters: \[\('p', \[\[1\]\], MlflowException\('Expected parameters to be 1D array or scalar, got 2D array'\)\)\]$/);
  });

  it('writes float columns with NaN, NaT as "NaT", nested tensors as lists', () => {
    const frame = new Frame([
      makeColumn('f', [1, null], 'float64'),
      makeColumn('t', ['2024-01-02T03:04:05.000000001', null], 'datetime64[ns]'),
      makeColumn('o', [null, 'x'], 'object'),
    ]);
    expect(encodeInputExample(frame).inputExampleJson)
      .toBe('{"columns": ["f", "t", "o"], "data": [[1.0, "2024-01-02T03:04:05.000000001", null], [NaN, "NaT", "x"]]}');
    expect(encodeInputExample({ nested: { t: Tensor.from([1.5, Number.NaN]) } } as unknown as InputExample).inputExampleJson)
      .toBe('{"nested": {"t": [1.5, NaN]}}');
  });
});

describe('loadInputExample', () => {
  it('names a missing file with RESOURCE_DOES_NOT_EXIST', async () => {
    const dir = freshDir();
    const error = await rejection(loadInputExample(dir, { artifact_path: 'input_example.json', type: 'json_object' }));
    expect(error.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(error.path).toBe(join(dir, 'input_example.json'));
    expect(error.message).toContain(join(dir, 'input_example.json'));
  });

  it('rejects split frames with other keys, naming the keys', async () => {
    const dir = await writeExample('{"columns": ["a"], "data": [[1]], "extra": 1}');
    const error = await rejection(loadInputExample(dir, { artifact_path: 'input_example.json', type: 'dataframe', pandas_orient: 'split' }));
    expect(error.errorCode).toBe('BAD_REQUEST');
    expect(error.message).toBe("Invalid input. Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. " +
      "Got {'columns', 'data', 'extra'}.'");
    const missing = await writeExample('{"columns": ["a"]}');
    await expect(loadInputExample(missing, { artifact_path: 'input_example.json', type: 'dataframe' }))
      .rejects.toMatchObject({ errorCode: 'BAD_REQUEST' });
    const mismatch = await writeExample('{"columns": ["a", "b"], "data": [[1]]}');
    const shape = await rejection(loadInputExample(mismatch, { artifact_path: 'input_example.json', type: 'dataframe' }));
    expect(shape.message).toBe("Invalid input. Provided dataframe_split field is not a valid dataframe representation in 'split' format. " +
      "Error: '2 columns passed, passed data had 1 columns'");
  });

  it('reads `pandas_orient: values` as split, with an index, and casts to the schema', async () => {
    const dir = await writeExample('{"data": [[1, "aGk=\\n", "2024-01-02T03:04:05"]], "index": [7]}');
    const schema = Schema.fromJson('[{"type": "float", "name": 0}, {"type": "binary", "name": 1}, {"type": "datetime", "name": 2}]');
    const loaded = await loadInputExample(dir, { artifact_path: 'input_example.json', type: 'dataframe', pandas_orient: 'values' }, { schema });
    const frame = loaded.data as Frame;
    expect(frame.columns.map((column) => column.dtype)).toEqual(['float32', 'object', 'datetime64[ns]']);
    expect(frame.column(1).values[0]).toEqual(new Uint8Array(Buffer.from('hi')));
    const failing = await writeExample('{"columns": ["a"], "data": [[null]]}');
    const error = await rejection(loadInputExample(failing, { artifact_path: 'input_example.json', type: 'dataframe' },
      { schema: Schema.fromJson('[{"type": "long", "name": "a"}]') }));
    expect(error.errorCode).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^Invalid input\. Data is not compatible with model signature\. Failed to convert column a to type 'int64'/);
  });

  it('keeps the float kind of a top-level float and reads params', async () => {
    const dir = await writeExample('{"inputs": 1.0, "params": {"a": 1}}');
    const loaded = await loadInputExample(dir, { artifact_path: 'input_example.json', type: 'json_object', params: 'true' });
    expect(loaded.data).toBe(1);
    expect(isFloatSlot(loaded, 'data')).toBe(true);
    expect(loaded.params).toEqual({ a: 1 });
    const bare = await writeExample('2.0');
    expect(isFloatSlot(await loadInputExample(bare, { artifact_path: 'input_example.json', type: 'json_object' }), 'data')).toBe(true);
  });

  it('reads sparse parts, and refuses malformed ones', async () => {
    const dir = await writeExample('{"data": [1.5, 2.0], "indices": [1, 0], "indptr": [0, 1, 2], "shape": [2, 2]}');
    const loaded = await loadInputExample(dir, { artifact_path: 'input_example.json', type: 'sparse_matrix_csr' });
    expect((loaded.data as { toDense(): Tensor }).toDense().toNested()).toEqual([[0, 1.5], [2, 0]]);
    const bad = await writeExample('{"data": [1], "indices": [5], "indptr": [0, 1], "shape": [1, 1]}');
    await expect(loadInputExample(bad, { artifact_path: 'input_example.json', type: 'sparse_matrix_csr' }))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('gives malformed JSON a coded error', async () => {
    const dir = await writeExample('{"a": ');
    await expect(loadInputExample(dir, { artifact_path: 'input_example.json', type: 'json_object' }))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('casts an ndarray example to the tensor schema, refusing a dict for an unnamed one', async () => {
    const dir = await writeExample('{"a": [1, 2]}');
    const error = await rejection(loadInputExample(dir, { artifact_path: 'input_example.json', type: 'ndarray' },
      { schema: Schema.fromJson('[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]') }));
    expect(error.errorCode).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/un-named  model signature/);
    const named = await loadInputExample(dir, { artifact_path: 'input_example.json', type: 'ndarray' },
      { schema: Schema.fromJson('[{"name": "a", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]') });
    expect((named.data as { a: Tensor }).a.dtype).toBe('float32');
  });

  it('reads the serving example text, or undefined without one', async () => {
    const dir = freshDir();
    const info = await saveInputExample(dir, parsePythonJson('{"x": 1.0}'));
    expect(await loadServingInputExample(dir, info)).toBe('{\n  "inputs": {\n    "x": 1.0\n  }\n}');
    expect(await loadServingInputExample(dir, { artifact_path: 'input_example.json', type: 'json_object' })).toBeUndefined();
    await expect(loadServingInputExample(dir, { ...info, serving_input_path: 'nope.json' }))
      .rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });
});
