/**
 * Seeded generators of MLmodel-shaped documents for the YAML differential tests: nested
 * mappings and lists like flavors / signature / metadata, filled with the scalars that stress
 * PyYAML's style choice and line folding.
 */
import { PyDate, PyDateTime, markFloat } from '../src/py-values.js';

/** mulberry32: a small seeded PRNG, so a failing document reproduces from its seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Strings PyYAML's resolvers turn into non-strings, or that sit next to them. */
export const trickyScalars = [
  '12', '-12', '+12', '0', '00', '3.10', '3.10.12', '1e3', '1e10', '1.0e+10', '1e+3', '1.5e-3',
  '0o17', '0x1F', '0x1f_ff', '0b1011', '0777', '0_7', '1_000', '1:20', '1:20:30', '-1:20',
  '1:20.5', '190:20:30.15', '.5', '-.5', '+.5', '5.', '.', '..', '.inf', '-.inf', '+.Inf', '.NaN',
  '.nan', 'nan', 'inf', 'yes', 'no', 'Yes', 'NO', 'on', 'Off', 'OFF', 'y', 'n', 'Y', 'N', 'true',
  'True', 'TRUE', 'false', 'tRue', '~', 'null', 'Null', 'NULL', 'nULL', 'none', 'None', '',
  '=', '<<', '<', '!', '&', '*', '2024-01-01', '2024-1-1', '2024-01-01 10:20:30',
  '2024-01-01T10:20:30Z', '2024-01-01t10:20:30.123456+05:30', '2024-01-01 1:2:03', '2001-12-14 21:59:43.10 -5',
  '2024-13-45', '1.2.3', '1-2', '0.1', '-0.0', '1__0', '0x', '0b', '+', '-', '---', '...',
  '--- x', '... x', '-x', '- x', '?x', '? x', ':x', ': x', 'x:', 'a: b', 'a:b', 'a #b', 'a#b',
  '#x', "'x", '"x', "it's", 'a,b', 'a[b]', '[a]', '{a}', '&a', '*a', '!a', '|a', '>a', '%a',
  '@a', '`a', ' x', 'x ', '  ', ' ', '\t', 'a\tb', '\n', 'a\nb', 'a\n\nb', '\na', 'a\n', 'a \nb',
  'a\n b', '-r requirements.txt', 'pip<=23.2.1', 'mlflow==2.22.0', 'python_function',
  'conda-forge', 'https://example.com/some/path?q=1&r=2#frag',
];

const words = ['model', 'python', 'flavor', 'sklearn', 'pyfunc', 'x', 'a', 'the', 'signature',
  'inputs', 'tensor', 'double', 'required', 'name', '(cm)', 'sepal', 'length', 'petal', 'width',
  '"type":', '"double",', '{"name":', '[1,', '2]', 'é', 'çödé', '日本語', '😀', 'Ünïcödé',
  'a:', '#', 'b#c', "it's", '"q"', '\\', '-', '?', '!', 'yes', '12', '3.10'];

const specialChars = ['\t', '\x00', '\x01', '\x07', '\x08', '\x0b', '\x0c', '\r', '\x1b', '\x1f',
  '\x7f', '\x85', '\xa0', '\xad', '\u2028', '\u2029', '\ufeff', '\ufffe', '\uffff', '\ue000',
  '\ud7ff', '\u00ff', '\u0100', '😀', '\u{10ffff}', '\u{1f600}', '\\', '"', "'", ':', '#', ' '];

function randomWord(rng: Rng): string {
  switch (rng.int(0, 5)) {
    case 0: return rng.pick(words);
    case 1: {
      let text = '';
      const length = rng.int(1, 12);
      for (let i = 0; i < length; i++) text += String.fromCharCode(rng.int(0x21, 0x7e));
      return text;
    }
    case 2: return 'w'.repeat(rng.int(60, 130)); // a word longer than a line
    case 3: return rng.pick(specialChars);
    case 4: {
      let text = '';
      const length = rng.int(1, 6);
      for (let i = 0; i < length; i++) text += String.fromCodePoint(rng.pick([rng.int(0xa0, 0x17f), rng.int(0x3040, 0x30ff), rng.int(0x1f300, 0x1f64f)]));
      return text;
    }
    default: return rng.pick(['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'lorem', 'ipsum', 'dolor']);
  }
}

/** A random string from one of the stressing shapes. */
export function randomString(rng: Rng, maxWords = 24): string {
  switch (rng.int(0, 9)) {
    case 0: return rng.pick(trickyScalars);
    case 1: { // a sentence: single spaces, sometimes runs of spaces, long enough to fold
      const count = rng.int(1, maxWords);
      let text = '';
      for (let i = 0; i < count; i++) {
        if (i > 0) text += rng.chance(0.1) ? ' '.repeat(rng.int(2, 4)) : ' ';
        text += randomWord(rng);
      }
      return text;
    }
    case 2: { // lines
      const count = rng.int(1, 4);
      const lines: string[] = [];
      for (let i = 0; i < count; i++) lines.push(randomString(rng, 8));
      return lines.join(rng.pick(['\n', '\n\n', ' \n', '\n ', '\r\n']));
    }
    case 3: return rng.pick(['', ' ', '  ']) + randomString(rng, 10) + rng.pick(['', ' ', '  ', '\n']);
    case 4: { // a signature-like JSON string
      const columns = rng.int(1, 6);
      const parts: string[] = [];
      for (let i = 0; i < columns; i++) {
        parts.push(`{"type": "${rng.pick(['double', 'long', 'string', 'tensor'])}", "name": "${randomWord(rng)} ${randomWord(rng)}", "required": ${rng.pick(['true', 'false'])}}`);
      }
      return `[${parts.join(', ')}]`;
    }
    case 5: return rng.pick(trickyScalars) + rng.pick(['', ' ', 'x', ':', ' #', '\n']) + rng.pick(trickyScalars);
    case 6: return randomWord(rng) + randomWord(rng);
    case 7: { // a long run of printable ASCII with spaces sprinkled in
      let text = '';
      const length = rng.int(70, 170);
      for (let i = 0; i < length; i++) text += rng.chance(0.15) ? ' ' : String.fromCharCode(rng.int(0x21, 0x7e));
      return text;
    }
    case 8: return `${rng.pick(['', ' '])}${rng.pick(specialChars)}${randomWord(rng)}${rng.pick(specialChars)}`;
    default: return randomWord(rng);
  }
}

/** A random key: identifiers mostly, sometimes anything a string can be. */
export function randomKey(rng: Rng): string {
  switch (rng.int(0, 9)) {
    case 0: return randomString(rng, 8);
    case 1: return rng.pick(trickyScalars);
    case 2: return 'k'.repeat(rng.int(115, 130));
    case 3: return `${rng.pick(['a', 'B', '_', '1', 'é', '😀', 'Z', '-'])}${rng.int(0, 99)}`;
    default: return rng.pick(['artifact_path', 'flavors', 'python_function', 'loader_module',
      'env', 'conda', 'virtualenv', 'signature', 'inputs', 'outputs', 'params', 'metadata',
      'run_id', 'model_uuid', 'utc_time_created', 'mlflow_version', 'code', 'data', 'predict_fn',
      'python_version', 'sklearn_version', 'serialization_format', 'pickled_model', 'streamable',
      'databricks_runtime', 'model_size_bytes', 'Key', 'key', 'KEY', '_k', '1k', 'a b', 'a.b']);
  }
}

const floatPool = [0.1, 1.5, -2.25, 1e-5, 1e-7, 1e16, 1e17, 1e22, 1.7976931348623157e308, 5e-324,
  2.2250738585072014e-308, 123456789.123, -0.0, Number.NaN, Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY, 3.14159, 1 / 3, 2 ** 53, 2 ** 63, 1e15 + 0.3, 0.000123];

/** Puts a random scalar into `container[key]`, marking integral floats. */
function setScalar(rng: Rng, container: Record<string, unknown> | unknown[], key: string | number): void {
  let value: unknown;
  let float = false;
  switch (rng.int(0, 11)) {
    case 0: value = rng.int(-1000, 1000); break;
    case 1: value = rng.pick([0, 1, -1, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1)]); break;
    case 2: value = rng.pick([2n ** 53n, 2n ** 64n, -(2n ** 70n), 10n ** 30n + 7n]); break;
    case 3: value = rng.pick(floatPool); break;
    case 4: value = (rng.next() - 0.5) * 10 ** rng.int(-30, 30); break;
    case 5: value = rng.int(-100, 100); float = true; break; // an integral float: 3.0
    case 6: value = rng.pick([true, false]); break;
    case 7: value = null; break;
    case 8: value = new PyDate(rng.int(1, 9999), rng.int(1, 12), rng.int(1, 28)); break;
    case 9: value = new PyDateTime(rng.int(1970, 2100), rng.int(1, 12), rng.int(1, 28), rng.int(0, 23),
      rng.int(0, 59), rng.int(0, 59), rng.pick([0, 1, 118830, 999999]),
      rng.pick([null, null, 0, 330, -300, 59, -1439])); break;
    default: value = randomString(rng);
  }
  if (Array.isArray(container)) container[key as number] = value;
  else container[key as string] = value;
  if (float) markFloat(container, key);
}

function randomNode(rng: Rng, depth: number): Record<string, unknown> | unknown[] {
  if (rng.chance(0.65)) {
    const object: Record<string, unknown> = {};
    const size = depth > 3 ? rng.int(0, 2) : rng.int(0, 4);
    for (let i = 0; i < size; i++) fill(rng, object, randomKey(rng), depth);
    return object;
  }
  const list: unknown[] = [];
  const size = depth > 3 ? rng.int(0, 2) : rng.int(0, 4);
  for (let i = 0; i < size; i++) fill(rng, list, i, depth);
  return list;
}

function fill(rng: Rng, container: Record<string, unknown> | unknown[], key: string | number, depth: number): void {
  if (key === '__proto__') return;
  if (depth < 5 && rng.chance(0.3)) {
    const child = randomNode(rng, depth + 1);
    if (Array.isArray(container)) container[key as number] = child;
    else container[key as string] = child;
    return;
  }
  setScalar(rng, container, key);
}

/** An MLmodel-shaped document with random content in every slot. */
export function randomDocument(seed: number): Record<string, unknown> {
  const rng = new Rng(seed);
  const doc: Record<string, unknown> = {
    artifact_path: rng.pick(['model', 'my model', 'model/sub', randomString(rng, 4)]),
    flavors: {
      python_function: {
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: rng.pick(['mlflow.sklearn', 'mlflow.pyfunc.model']),
        python_version: rng.pick(['3.10.12', '3.9', '3.10', '3.11.7']),
        code: null,
      },
      [rng.pick(['sklearn', 'xgboost', 'custom'])]: randomNode(rng, 2),
    },
    mlflow_version: rng.pick(['2.22.0', '3.1.0', '1.30']),
    model_uuid: rng.pick(['4f0c1a7e9b8d4c2a8e3f6b5d7a9c0e1f', '1234', '1e10']),
    utc_time_created: rng.pick(['2025-05-20 08:15:02.118830', '2024-01-12 05:17:31']),
  };
  if (rng.chance(0.8)) {
    doc.signature = { inputs: randomString(rng, 60), outputs: randomString(rng, 20), params: rng.chance(0.5) ? null : randomString(rng) };
  }
  const metadata: Record<string, unknown> = {};
  const size = rng.int(0, 5);
  for (let i = 0; i < size; i++) fill(rng, metadata, randomKey(rng), 1);
  doc.metadata = metadata;
  const extras = rng.int(0, 3);
  for (let i = 0; i < extras; i++) fill(rng, doc, randomKey(rng), 1);
  return doc;
}
