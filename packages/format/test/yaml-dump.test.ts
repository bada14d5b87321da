/** dumpMlflowYaml: format.md 2.5 conformance checks 1-6 and the emitter rules they rest on. */
import { describe, expect, it } from 'vitest';
import { MlflowException } from '../src/mlflow-exception.js';
import { PyDate, PyDateTime, markFloat } from '../src/py-values.js';
import { dumpMlflowYaml } from '../src/yaml/index.js';

const pythonModel = {
  artifact_path: 'model',
  flavors: {
    python_function: {
      cloudpickle_version: '3.1.1', code: null, env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
      loader_module: 'mlflow.pyfunc.model', python_model: 'python_model.pkl', python_version: '3.10.12', streamable: false,
    },
  },
  is_signature_from_type_hint: false, mlflow_version: '2.22.0', model_size_bytes: 1061,
  model_uuid: '4f0c1a7e9b8d4c2a8e3f6b5d7a9c0e1f', prompts: null, run_id: '8ede7df408dd42ed9fc39019ef7df309',
  signature: { inputs: '[{"type": "string", "required": true}]', outputs: '[{"type": "string", "required": true}]', params: null },
  type_hint_from_example: false, utc_time_created: '2025-05-20 08:15:02.118830',
};

describe('dumpMlflowYaml conformance (format.md 2.5)', () => {
  it('1: writes the 2.22 PythonModel MLmodel byte for byte', () => {
    expect(dumpMlflowYaml(pythonModel)).toBe(`artifact_path: model
flavors:
  python_function:
    cloudpickle_version: 3.1.1
    code: null
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
    python_version: 3.10.12
    streamable: false
is_signature_from_type_hint: false
mlflow_version: 2.22.0
model_size_bytes: 1061
model_uuid: 4f0c1a7e9b8d4c2a8e3f6b5d7a9c0e1f
prompts: null
run_id: 8ede7df408dd42ed9fc39019ef7df309
signature:
  inputs: '[{"type": "string", "required": true}]'
  outputs: '[{"type": "string", "required": true}]'
  params: null
type_hint_from_example: false
utc_time_created: '2025-05-20 08:15:02.118830'
`);
  });

  it('2: folds the four-column iris signature with continuation indent 4', () => {
    const column = (name: string) => `{"type": "double", "name": "${name}", "required": true}`;
    const inputs = `[${['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'].map(column).join(', ')}]`;
    const signature = { inputs, outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]', params: null };
    expect(dumpMlflowYaml({ signature })).toBe(`signature:
  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type":
    "double", "name": "sepal width (cm)", "required": true}, {"type": "double", "name":
    "petal length (cm)", "required": true}, {"type": "double", "name": "petal width
    (cm)", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
`);
  });

  it('3: escapes non-ASCII in double quotes (\\x, \\u, \\U) unless allowUnicode', () => {
    expect(dumpMlflowYaml({ a: 'çödé', b: '日本語', c: '😀' })).toBe('a: "\\xE7\\xF6d\\xE9"\nb: "\\u65E5\\u672C\\u8A9E"\nc: "\\U0001F600"\n');
    expect(dumpMlflowYaml({ a: 'çödé', b: '日本語', c: '😀' }, { allowUnicode: true })).toBe('a: çödé\nb: 日本語\nc: 😀\n');
  });

  it('4: quotes strings that would read back as something else, and only those', () => {
    const quoted = ['12', '3.10', 'yes', 'on', '~', 'null', '2024-01-01', '0777', '1_000', '1:20', '=', '<<', '.inf',
      'a: b', 'a #b', ' x', 'x ', '- x', '#x', "'x", 'abc:'];
    for (const text of quoted) {
      expect(dumpMlflowYaml({ k: text }), text).toBe(`k: '${text.replaceAll("'", "''")}'\n`);
    }
    const plain = ['1e10', '3.10.12', 'a,b', 'a[b]', '?x', '-x', "it's", '-r requirements.txt', 'pip<=23.2.1'];
    for (const text of plain) expect(dumpMlflowYaml({ k: text }), text).toBe(`k: ${text}\n`);
    expect(dumpMlflowYaml({ k: "'x" })).toBe("k: '''x'\n");
    expect(dumpMlflowYaml({ k: '' })).toBe("k: ''\n");
  });

  it('5: writes floats as Python repr with .0 before a bare exponent', () => {
    const doc: Record<string, number> = { a: 1e-5, b: 1e16, c: 0.1, d: Number.NaN, e: Infinity, f: -Infinity, g: -0, h: 3, i: 1e22 };
    markFloat(doc, 'h');
    expect(dumpMlflowYaml(doc)).toBe('a: 1.0e-05\nb: 1.0e+16\nc: 0.1\nd: .nan\ne: .inf\nf: -.inf\ng: -0.0\nh: 3.0\ni: 1.0e+22\n');
  });

  it('6: writes empty containers inline and nests sequences without indenting them under keys', () => {
    expect(dumpMlflowYaml({})).toBe('{}\n');
    expect(dumpMlflowYaml({ d: {}, l: [], n: { x: [1, [2, 3], { a: 1, b: [] }] } })).toBe(
      'd: {}\nl: []\nn:\n  x:\n  - 1\n  - - 2\n    - 3\n  - a: 1\n    b: []\n');
  });
});

describe('dumpMlflowYaml details', () => {
  it('sorts keys by code point, or keeps insertion order with sortKeys false', () => {
    const doc = { b: 1, a: 2, B: 3, _: 4, '😀': 5, '\uffff': 6 };
    expect(dumpMlflowYaml(doc)).toBe('B: 3\n_: 4\na: 2\nb: 1\n"\\uFFFF": 6\n"\\U0001F600": 5\n');
    expect(dumpMlflowYaml({ z: 1, a: 2 }, { sortKeys: false })).toBe('z: 1\na: 2\n');
  });

  it('writes ints, bigints, booleans, dates and bytes as PyYAML does', () => {
    expect(dumpMlflowYaml({ i: 2 ** 53 - 1, b: 2n ** 64n, t: true, d: new PyDate(2024, 1, 2),
      dt: new PyDateTime(2024, 1, 2, 3, 4, 5, 6, 0), n: new PyDateTime(2024, 1, 2, 3, 4, 5), y: new Uint8Array([104, 105]) }))
      .toBe('b: 18446744073709551616\nd: 2024-01-02\ndt: 2024-01-02 03:04:05.000006+00:00\ni: 9007199254740991\n' +
        'n: 2024-01-02 03:04:05\nt: true\ny: !!binary |\n  aGk=\n');
    expect(dumpMlflowYaml(new Uint8Array())).toBe('!!binary ""\n');
  });

  it('ends a plain root scalar with the document end marker', () => {
    expect(dumpMlflowYaml('abc')).toBe('abc\n...\n');
    expect(dumpMlflowYaml(null)).toBe('null\n...\n');
    expect(dumpMlflowYaml('')).toBe("''\n");
    expect(dumpMlflowYaml([])).toBe('[]\n');
  });

  it('writes keys of 123 or more code points, empty and multi-line keys as complex keys', () => {
    expect(dumpMlflowYaml({ [`${'k'.repeat(122)}`]: 1 })).toBe(`${'k'.repeat(122)}: 1\n`);
    expect(dumpMlflowYaml({ [`${'k'.repeat(123)}`]: 1 })).toBe(`? ${'k'.repeat(123)}\n: 1\n`);
    expect(dumpMlflowYaml({ '': 1 })).toBe("? ''\n: 1\n");
    expect(dumpMlflowYaml({ 'a\nb': 1 })).toBe("? 'a\n\n  b'\n: 1\n");
  });

  it('folds single-quoted text at single spaces past column 80, never inside runs of spaces', () => {
    expect(dumpMlflowYaml({ a: 'x '.repeat(60) })).toBe(
      "a: 'x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x\n  x x x x x x x x x x x x x x x x x x x x x '\n");
    const long = `${'w'.repeat(100)} tail`;
    expect(dumpMlflowYaml({ a: long })).toBe(`a: ${'w'.repeat(100)}\n  tail\n`);
    expect(dumpMlflowYaml({ a: `${'w'.repeat(100)}  tail` })).toBe(`a: ${'w'.repeat(100)}  tail\n`);
  });

  it('breaks double-quoted text with an escaped line break', () => {
    expect(dumpMlflowYaml({ b: `${'é'.repeat(3)} ${'y'.repeat(90)}` })).toBe(`b: "\\xE9\\xE9\\xE9 ${'y'.repeat(90)}"\n`);
    expect(dumpMlflowYaml({ b: `\t${'ab '.repeat(30)}` })).toBe(
      'b: "\\tab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab\\\n  \\ ab ab ab ab "\n');
  });

  it('writes an object reached twice once, with an anchor, then as aliases', () => {
    const shared = [1, 2];
    expect(dumpMlflowYaml({ a: shared, b: shared, c: { z: shared } })).toBe('a: &id001\n- 1\n- 2\nb: *id001\nc:\n  z: *id001\n');
  });

  it('rejects values YAML cannot represent with INVALID_PARAMETER_VALUE', () => {
    for (const bad of [undefined, () => 1, Symbol('s'), new Date(0), new Map(), new (class Foo {})()]) {
      let error: unknown;
      try {
        dumpMlflowYaml({ a: [bad] });
      } catch (caught) {
        error = caught;
      }
      expect(MlflowException.isInstance(error)).toBe(true);
      expect((error as MlflowException).errorCode).toBe('INVALID_PARAMETER_VALUE');
      expect((error as MlflowException).message).toContain('a[0]');
    }
  });
});
