/** loadMlflowYaml: format.md 2.6 (YAML 1.1 resolution), conformance check 10, errors. */
import { describe, expect, it } from 'vitest';
import { MlflowException } from '../src/mlflow-exception.js';
import { PyDate, PyDateTime, isFloatSlot, type PyValue } from '../src/py-values.js';
import { loadMlflowYaml } from '../src/yaml/index.js';

function load(text: string): Record<string, PyValue> {
  return loadMlflowYaml(text) as Record<string, PyValue>;
}

function loadError(text: string, path?: string): MlflowException {
  try {
    loadMlflowYaml(text, { path });
  } catch (error) {
    if (MlflowException.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe('loadMlflowYaml (format.md 2.6)', () => {
  it('10: reads an unquoted python_version 3.10 as the float 3.1; 3.10.12 stays a string', () => {
    const doc = load('python_version: 3.10\nfull: 3.10.12\nversion: 1\n');
    expect(doc.python_version).toBe(3.1);
    expect(isFloatSlot(doc, 'python_version')).toBe(true);
    expect(doc.full).toBe('3.10.12');
    expect(doc.version).toBe(1);
    expect(isFloatSlot(doc, 'version')).toBe(false);
  });

  it('resolves plain scalars by YAML 1.1 rules', () => {
    const doc = load('a: 1e3\nb: 1.0e+3\nc: 0o17\nd: 0x1F\ne: 017\nf: 1:20\ng: 1_000\nh: yes\ni: off\nj: ~\n' +
      'k: .inf\nl: -.inf\nm: y\nn: 0b101\no: 190:20:30.15\np: "12"\nq: -.5\n');
    expect(doc).toEqual({ a: '1e3', b: 1000, c: '0o17', d: 31, e: 15, f: 80, g: 1000, h: true, i: false, j: null,
      k: Infinity, l: -Infinity, m: 'y', n: 5, o: 685230.15, p: '12', q: '-.5' });
    expect(Number.isNaN(load('a: .NaN').a)).toBe(true);
    expect(isFloatSlot(doc, 'b')).toBe(true);
    expect(isFloatSlot(doc, 'd')).toBe(false);
  });

  it('keeps 1.0 a float, and ints beyond 2^53 exact as bigint', () => {
    const doc = load('f: 1.0\nlist: [2.0, 2]\nbig: 123456789012345678901234567890\nsafe: 9007199254740991\n');
    expect(isFloatSlot(doc, 'f')).toBe(true);
    expect(isFloatSlot(doc.list as PyValue[], 0)).toBe(true);
    expect(isFloatSlot(doc.list as PyValue[], 1)).toBe(false);
    expect(doc.big).toBe(123456789012345678901234567890n);
    expect(doc.safe).toBe(9007199254740991);
  });

  it('reads timestamps as PyDate / PyDateTime with the zone PyYAML gives', () => {
    const doc = load('d: 2024-01-02\nn: 2025-05-20 08:15:02.118830\nz: 2024-01-01T10:20:30Z\no: 2001-12-14 21:59:43.10 -5\nq: "2024-01-02"\n');
    expect(doc.d).toEqual(new PyDate(2024, 1, 2));
    expect(doc.n).toEqual(new PyDateTime(2025, 5, 20, 8, 15, 2, 118830, null));
    expect(doc.z).toEqual(new PyDateTime(2024, 1, 1, 10, 20, 30, 0, 0));
    expect(doc.o).toEqual(new PyDateTime(2001, 12, 14, 21, 59, 43, 100000, -300));
    expect(doc.q).toBe('2024-01-02');
  });

  it('applies merge keys, aliases, duplicate keys and non-string keys as PyYAML does', () => {
    expect(load('base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n').d).toEqual({ x: 1, y: 3 });
    expect(load('<<: [{a: 1}, {a: 2}]')).toEqual({ a: 1 }); // PyYAML 6 keeps the first one-letter key
    expect(load('<<: [{ab: 1}, {ab: 2}]')).toEqual({ ab: 2 });
    expect(load('a: 1\na: 2')).toEqual({ a: 2 });
    expect(load('{1: a, true: b, 1.0: c, null: d, 2024-01-01: e, 1.5: f}'))
      .toEqual({ 1: 'c', None: 'd', '2024-01-01': 'e', '1.5': 'f' });
    const shared = load('a: &x [1]\nb: *x');
    expect(shared.a).toBe(shared.b);
  });

  it('reads !!binary, !!set, !!omap and block scalars', () => {
    const doc = load('b: !!binary aGVsbG8=\ns: !!set {x, y}\no: !!omap [x: 1, y: 2]\nl: |\n  one\n  two\nf: >-\n  a\n  b\n');
    expect(doc.b).toEqual(new Uint8Array(Buffer.from('hello')));
    expect(doc.s).toEqual({ x: null, y: null });
    expect(doc.o).toEqual([['x', 1], ['y', 2]]);
    expect(doc.l).toBe('one\ntwo\n');
    expect(doc.f).toBe('a b');
  });

  it('accepts a BOM and CRLF line ends; an empty text is null', () => {
    expect(loadMlflowYaml('\ufeffa: 1\r\nb: |\r\n  x\r\n  y\r\n')).toEqual({ a: 1, b: 'x\ny\n' });
    expect(loadMlflowYaml('')).toBeNull();
    expect(loadMlflowYaml('# only a comment\n')).toBeNull();
  });

  it('keeps __proto__ an ordinary key', () => {
    const doc = load('__proto__: {polluted: 1}\n');
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.keys(doc)).toEqual(['__proto__']);
  });

  it.each([
    ['a: !!python/object:os.system x', "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system'"],
    ['a: !foo 1', "could not determine a constructor for the tag '!foo'"],
    ['a: 1\n---\nb: 2', 'expected a single document'],
    ['a: [1, 2', 'line 1'],
    ['a: "\x01"', 'unacceptable character #x0001'],
    ['? [1]\n: a', 'found unhashable key'],
    ['a: *nope', "found undefined alias 'nope'"],
    ['a: 2023-02-29', 'day is out of range for month'],
    ['a: !!binary aGVsbG8', 'Incorrect padding'],
    ['a: =', "tag:yaml.org,2002:value"],
    [': v', "expected <block end>, but found ':'"],
  ])('rejects %j with INVALID_PARAMETER_VALUE', (text, reason) => {
    const error = loadError(text, '/m/MLmodel');
    expect(error.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toMatch(/^Malformed YAML in \/m\/MLmodel: /);
    expect(error.message).toContain(reason);
    expect(error.message).toMatch(/\(line \d+, column \d+\)$/);
    expect(error.path).toBe('/m/MLmodel');
  });
});
