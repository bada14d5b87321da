/** The wire format on its own: framing across arbitrary chunk boundaries and value round trips. */
import { describe, expect, it } from 'vitest';
import { Frame, PyDate, PyDateTime, Series, Tensor, isFloatSlot, markFloat } from '@pyfunc/format';
import { MessageReader, decodeValue, encodeMessage, encodeValue, type WireTree } from '@pyfunc/runtime/wire';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function roundTrip(value: unknown): unknown {
  const buffers: Uint8Array[] = [];
  const tree = encodeValue(value, buffers);
  const bytes = Buffer.concat(encodeMessage({ ok: tree }, buffers));
  const [message] = new MessageReader().push(bytes);
  return decodeValue(message!.header.ok as WireTree, message!.buffers);
}

describe('wire', () => {
  it('reassembles messages split at every kind of boundary', () => {
    const random = rng(7);
    const messages = Array.from({ length: 40 }, (_, i) => ({
      header: { id: i, text: 'ü'.repeat(Math.floor(random() * 50)) },
      buffers: Array.from({ length: Math.floor(random() * 4) }, () => Uint8Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256))),
    }));
    const stream = Buffer.concat(messages.flatMap((m) => encodeMessage(m.header, m.buffers)));
    const reader = new MessageReader();
    const got: { header: Record<string, unknown>; buffers: Uint8Array[] }[] = [];
    for (let at = 0; at < stream.length;) {
      const size = 1 + Math.floor(random() * 200);
      for (const m of reader.push(stream.subarray(at, at + size))) got.push({ header: m.header, buffers: m.buffers.map((b) => new Uint8Array(b)) });
      at += size;
    }
    expect(got.map((m) => m.header.id)).toEqual(messages.map((m) => m.header.id));
    got.forEach((m, i) => {
      expect(m.header.text).toBe(messages[i]!.header.text);
      expect(m.buffers).toEqual(messages[i]!.buffers);
    });
  });

  it('keeps Python types: big ints, integral floats, bytes, datetimes, nested dicts', () => {
    const list = [1, 2, -0, NaN, Infinity];
    markFloat(list, 1);
    const value = { big: 2n ** 63n - 1n, list, b: new Uint8Array([1, 2]), d: new PyDate(2024, 2, 29), t: new PyDateTime(2024, 1, 2, 3, 4, 5, 6), n: null };
    const back = roundTrip(value) as Record<string, unknown>;
    expect(back.big).toBe(2n ** 63n - 1n);
    expect(back.list).toEqual([1, 2, -0, NaN, Infinity]);
    expect(Object.is((back.list as number[])[2], -0)).toBe(true);
    expect(isFloatSlot(back.list as object, 1)).toBe(true);
    expect(isFloatSlot(back.list as object, 0)).toBe(false);
    expect(back.b).toEqual(new Uint8Array([1, 2]));
    expect((back.d as PyDate).isoformat()).toBe('2024-02-29');
    expect((back.t as PyDateTime).isoformat()).toBe('2024-01-02T03:04:05.000006');
  });

  it('moves frame columns, series and tensors as raw buffers with their dtypes', () => {
    const frame = Frame.fromColumns({
      i: BigInt64Array.from([1n, 2n ** 60n]), f: Float64Array.from([0.1, NaN]), s: ['a', null],
      i8: Int8Array.from([-1, 1]), u4: Uint32Array.from([1, 4294967295]),
    });
    const back = roundTrip(frame) as Frame;
    expect(back.columns.map((c) => c.dtype)).toEqual(['int64', 'float64', 'object', 'int8', 'uint32']);
    expect(back.toColumns()).toEqual(frame.toColumns());
    const series = Series.from([1.5, 2.5], { name: 'x' });
    const s2 = roundTrip(series) as Series;
    expect(s2.label).toBe('x');
    expect(s2.toArray()).toEqual([1.5, 2.5]);
    const tensor = new Tensor('float16', [2], Float32Array.from([0.5, 65504]));
    expect(Array.from((roundTrip(tensor) as Tensor).data as Float32Array)).toEqual([0.5, 65504]);
  });
});
