import { describe, expect, it } from 'vitest';
import { MlflowException, formatPythonFloat, isPlainObject, isPyFloat, markFloat } from '../src/index.js';
import { dumpsPythonJson, parsePythonJson } from '../src/python-json.js';
import { oracleLines, runOracle } from '../../../test/oracle/src/index.js';

/** PYFUNC_TEST_SEED=<n> shifts the generators' seeds: other cases from the same generators. */
const seedShift = Number(process.env.PYFUNC_TEST_SEED ?? 0);

/** mulberry32: a small seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const specialFloats = [0.1, 1e16, 1e-5, 1e-4, 5e-324, 1.7976931348623157e308, 123456789.125, 1e22, -2.5e-7,
  Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1 / 3, 2 ** 60, 9.999999999999999e15];
const specialInts: (number | bigint)[] = [0, 1, -1, 2 ** 31, -(2 ** 53) + 1, 2 ** 53 - 1, 2n ** 64n, -(2n ** 70n),
  2n ** 53n + 1n, 12345678901234567890123n];
const stringPieces = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f',
  'é', 'ß', '中', '\u2028', '\uffff', '😀', '𝄞', '\ud800', '\udfff', 'key', '~'];

function generator(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const string = (): string => Array.from({ length: int(6) }, () => pick(stringPieces)).join('');
  const float = (): number => {
    switch (int(4)) {
      case 0: return pick(specialFloats);
      case 1: return (random() - 0.5) * 10 ** (int(40) - 20);
      case 2: return int(1000) / 8;
      default: {
        const view = new DataView(new ArrayBuffer(8));
        view.setUint32(0, Math.floor(random() * 2 ** 32));
        view.setUint32(4, Math.floor(random() * 2 ** 32));
        return view.getFloat64(0);
      }
    }
  };
  const value = (depth: number, container?: object, key?: string | number): unknown => {
    const kind = int(depth > 3 ? 5 : 8);
    switch (kind) {
      case 0: return null;
      case 1: return random() < 0.5;
      case 2: return random() < 0.5 ? pick(specialInts) : int(2000) - 1000;
      case 3: {
        const x = float();
        if (Number.isInteger(x) && container !== undefined && key !== undefined) markFloat(container, key);
        return x;
      }
      case 4: return string();
      case 5: case 6: {
        const list: unknown[] = [];
        const n = int(5);
        for (let i = 0; i < n; i++) list.push(value(depth + 1, list, i));
        return list;
      }
      default: {
        const record: Record<string, unknown> = {};
        const n = int(5);
        for (let i = 0; i < n; i++) {
          const k = random() < 0.2 ? String(int(20)) : string();
          record[k] = value(depth + 1, record, k);
        }
        return record;
      }
    }
  };
  return (): unknown => {
    const holder: unknown[] = [];
    holder.push(value(0, holder, 0));
    return holder; // wrapped so a top-level integral float keeps its mark
  };
}

/** The wire form of ops_pyjson.py: int/float kinds travel explicitly. */
function toWire(value: unknown, container?: object, key?: string | number): unknown {
  if (value === null) return ['n'];
  if (typeof value === 'boolean') return ['b', value];
  if (typeof value === 'bigint') return ['i', value.toString()];
  if (typeof value === 'number') {
    if (!isPyFloat(value, container, key)) return ['i', String(value)];
    return ['f', formatPythonFloat(value)];
  }
  if (typeof value === 'string') return ['s', value];
  if (Array.isArray(value)) return ['l', value.map((item, index) => toWire(item, value, index))];
  if (isPlainObject(value)) return ['d', Object.entries(value).map(([k, v]) => [k, toWire(v, value, k)])];
  throw new Error(`no wire form for ${String(value)}`);
}

const generate = generator(prng(20240611 + seedShift));
const values = Array.from({ length: 1500 }, () => generate());

const invalidTexts = ['', ' ', '[1,]', '{"a":1,}', '{"a" 1}', '[1 2]', 'tru', '"abc', '"\\x"', '"\\u12"',
  '{1:2}', '[1] x', '01', '-', '1.', '1e', '"\t"', '{', '[', '{"a"', '{"a":1', '"\\', 'nan', 'inf', '[NaN',
  '[-Infinity, -]', '{"a": [1, {"b": }]}', '\u00a0[1]', '[1]\n\nx'];

describe.each(oracleLines)('python-json against Python json (MLflow line %s)', (line) => {
  it('dumps like json.dumps for generated values (compact, indent=2, ensure_ascii=False)', async () => {
    const cases: { value: unknown; indent?: number; ensure_ascii?: boolean }[] = values.flatMap((value, index) => [
      { value },
      ...(index % 3 === 0 ? [{ value, indent: 2 }] : []),
      ...(index % 5 === 0 ? [{ value, ensure_ascii: false }] : []),
      ...(index % 7 === 0 ? [{ value, indent: 0 }] : []),
    ]);
    const expected = await runOracle(line, 'pyjson.dumps',
      cases.map(({ value, ...rest }) => ({ wire: toWire(value), ...rest })));
    const ours = cases.map((c) => dumpsPythonJson(c.value,
      { indent: c.indent, ensureAscii: c.ensure_ascii ?? true }));
    let mismatches = 0;
    cases.forEach((_, index) => {
      if (expected[index]!.ok !== ours[index]) mismatches++;
      if (mismatches === 1 && expected[index]!.ok !== ours[index]) {
        expect(ours[index]).toBe(expected[index]!.ok);
      }
    });
    expect(mismatches).toBe(0);
    expect(cases.length).toBeGreaterThan(2000);
  });

  it('parses like json.loads (value, int/float kind, key order) and fails where Python fails', async () => {
    const texts = values.flatMap((value, index) => {
      const compact = dumpsPythonJson(value);
      const variants = [compact];
      if (index % 4 === 0) variants.push(dumpsPythonJson(value, { indent: 2, ensureAscii: false }));
      if (index % 6 === 0) variants.push(` \n\t${compact.replace(/, /g, ' ,\r\n')}  `);
      return variants;
    });
    texts.push('[1.0, 1e5, 1E2, -0, -0.0, 2.50, 1e400, -1e400, 9007199254740993, 123456789012345678901234567890]',
      '{"a": 1, "a": 2.0, "b": {"x": 1}, "b": 3}', '["\\u00e9\\ud83d\\ude00\\/\\"", "\\ud800x"]',
      '{"__proto__": 1, "constructor": 2}', '[NaN, Infinity, -Infinity]');
    const cases = [...texts, ...invalidTexts];
    const expected = await runOracle(line, 'pyjson.loads', cases);
    texts.forEach((text, index) => {
      const answer = expected[index]!;
      expect(answer.error, text).toBeUndefined();
      const ours = parsePythonJson(text);
      // Python answers json.dumps(json.loads(text)); a top-level float is the one kind we cannot mark
      const ourText = dumpsPythonJson(ours);
      expect(ourText, text).toBe(typeof ours === 'number' ? ourText : answer.ok);
    });
    invalidTexts.forEach((text, offset) => {
      const answer = expected[texts.length + offset]!;
      expect(answer.error, text).toBeDefined();
      let caught: unknown;
      try {
        parsePythonJson(text);
      } catch (error) {
        caught = error;
      }
      expect(MlflowException.isInstance(caught), text).toBe(true);
      expect((caught as MlflowException).errorCode).toBe('INVALID_PARAMETER_VALUE');
      expect((caught as MlflowException).message, text).toBe(answer.error!.message);
    });
  });
});

describe('python-json', () => {
  it('keeps big integers as bigint and marks integral floats', () => {
    const value = parsePythonJson('{"big": 18446744073709551616, "f": 1.0, "i": 1}') as Record<string, unknown>;
    expect(value.big).toBe(2n ** 64n);
    expect(dumpsPythonJson(value)).toBe('{"big": 18446744073709551616, "f": 1.0, "i": 1}');
  });

  it('writes indent=2 with "," item separators and empty containers inline', () => {
    expect(dumpsPythonJson({ a: [1, {}], b: [] }, { indent: 2 })).toBe('{\n  "a": [\n    1,\n    {}\n  ],\n  "b": []\n}');
  });

  it('rejects values Python cannot write', () => {
    for (const bad of [undefined, () => 1, new Uint8Array([1]), new Date(0), [Symbol('x')]]) {
      expect(() => dumpsPythonJson(bad)).toThrow(MlflowException);
    }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => dumpsPythonJson(cyclic)).toThrow(/Circular reference/);
  });

  it('names the path in parse errors and survives deep nesting', () => {
    expect(() => parsePythonJson('[1,', { path: 'MLmodel' })).toThrow(/MLmodel.*Expecting value: line 1 column 4 \(char 3\)/);
    expect(() => parsePythonJson('['.repeat(200000))).toThrow(MlflowException);
    expect(() => parsePythonJson(5 as unknown as string)).toThrow(MlflowException);
  });

  it('parses a large document quickly', () => {
    const big = dumpsPythonJson(Array.from({ length: 100000 }, (_, i) => ({ id: i, name: `n${i}`, v: i / 7 })));
    const start = performance.now();
    const parsed = parsePythonJson(big) as unknown[];
    expect(parsed).toHaveLength(100000);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
