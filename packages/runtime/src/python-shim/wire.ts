/**
 * The one wire format between Node and Python, used both ways: by @pyfunc/python's workers
 * (Node calls a Python model) and by the Node runner of a TypeScript model's `python_function`
 * flavor (Python MLflow calls a TypeScript model, runtime.md 11.5). Exported as `@pyfunc/runtime/wire`.
 *
 * The Node ⇄ worker wire format (DESIGN.md "Node ⇄ Python"): length-prefixed messages of a small
 * JSON header followed by raw little-endian buffers, each padded to 8 bytes.
 *
 *   u32 LE header length | header JSON | pad to 8 | buffer 0 | pad | buffer 1 | pad | ...
 *
 * The header's `lens` lists the buffers' byte lengths. Values travel as JSON trees in which
 * one-key objects tagged `$…` carry what JSON cannot: `$d` dicts, `$float` integral or
 * non-finite floats, `$int` integers beyond 2^53, `$bytes`, `$datetime`, `$date`, and
 * `$frame` / `$series` / `$tensor` whose numeric storage is a buffer index.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Frame,
  MlflowException,
  PyDate,
  PyDateTime,
  Series,
  Tensor,
  isFloatSlot,
  isPlainObject,
  markFloat,
  parseIsoTimestamp,
  type Column,
  type DType,
  type DTypeValues,
  type Label,
} from '@pyfunc/format';

/** A JSON tree as sent in a header. */
export type WireTree = null | boolean | number | string | WireTree[] | { [key: string]: WireTree };

/** A decoded message: its header and its buffers. */
export interface WireMessage {
  readonly header: Record<string, unknown>;
  readonly buffers: readonly Uint8Array[];
}

const pad8 = (n: number): number => (8 - (n % 8)) % 8;
const ZEROS = Buffer.alloc(8);

/**
 * The body of a message: its buffers back to back, each padded to 8 bytes (what follows the
 * header on the pipe, or what is written to the shared file), and its size.
 */
export function bodyChunks(buffers: readonly Uint8Array[]): { chunks: Buffer[]; size: number } {
  const chunks: Buffer[] = [];
  let size = 0;
  for (const buffer of buffers) {
    chunks.push(Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    const padding = pad8(buffer.byteLength);
    if (padding > 0) chunks.push(ZEROS.subarray(0, padding));
    size += buffer.byteLength + padding;
  }
  return { chunks, size };
}

/** The byte size of a message body ({@link bodyChunks}'s `size`) without laying it out. */
export function bodySize(buffers: readonly Uint8Array[]): number {
  let size = 0;
  for (const buffer of buffers) size += buffer.byteLength + pad8(buffer.byteLength);
  return size;
}

/**
 * Frames a header and its buffers as one message (a list of chunks to write in order). With
 * `shared`, the body was written to the shared file there: the header says so (`shm`) and only
 * the header is framed.
 */
export function encodeMessage(
  header: Record<string, unknown>,
  buffers: readonly Uint8Array[] = [],
  options: { json?: boolean; shared?: SharedBody } = {},
): Buffer[] {
  if (options.json === true) {
    // debugging fallback: everything readable in the header, buffers as base64
    const b64 = buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'));
    return encodeMessage({ ...header, b64 }, []);
  }
  const framed: Record<string, unknown> = { ...header, lens: buffers.map((b) => b.byteLength) };
  if (options.shared !== undefined) framed.shm = { offset: options.shared.offset, size: options.shared.size };
  const json = Buffer.from(JSON.stringify(framed), 'utf8');
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32LE(json.length, 0);
  const chunks: Buffer[] = [prefix, json, ZEROS.subarray(0, pad8(4 + json.length))];
  return options.shared !== undefined ? chunks : chunks.concat(bodyChunks(buffers).chunks);
}

/** Where a message's buffers are when they were written to the shared file instead of the pipe. */
export interface SharedBody {
  readonly offset: number;
  readonly size: number;
}

/** The shared-file location a message header names (`shm`), if any. */
export function sharedBodyOf(header: Record<string, unknown>): SharedBody | undefined {
  const shm = header.shm;
  if (shm === null || typeof shm !== 'object') return undefined;
  const { offset, size } = shm as Record<string, unknown>;
  return typeof offset === 'number' && typeof size === 'number' ? { offset, size } : undefined;
}

/** Splits a message body (read from the shared file) into the buffers its header's `lens` lists. */
export function splitBody(header: Record<string, unknown>, body: Uint8Array): Uint8Array[] {
  const buffers: Uint8Array[] = [];
  let offset = 0;
  for (const len of (header.lens as number[] | undefined) ?? []) {
    if (offset + len > body.byteLength) throw new MlflowException('INTERNAL_ERROR', 'Python sent a shared message shorter than its header says.');
    buffers.push(new Uint8Array(body.buffer, body.byteOffset + offset, len));
    offset += len + pad8(len);
  }
  return buffers;
}

/** Reassembles messages from a byte stream. */
export class MessageReader {
  #chunks: Buffer[] = [];
  #size = 0;
  #need: { headerLength: number; header: Record<string, unknown>; total: number } | undefined;

  /** Feeds bytes; returns the messages completed by them. */
  push(chunk: Buffer): WireMessage[] {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    const out: WireMessage[] = [];
    for (;;) {
      if (this.#need === undefined) {
        if (this.#size < 4) break;
        const headerLength = this.#peek(4).readUInt32LE(0);
        const headerEnd = 4 + headerLength + pad8(4 + headerLength);
        if (this.#size < headerEnd) break;
        const head = this.#peek(4 + headerLength);
        let header: Record<string, unknown>;
        try {
          header = JSON.parse(head.toString('utf8', 4, 4 + headerLength)) as Record<string, unknown>;
        } catch (error) {
          throw new MlflowException('INTERNAL_ERROR', 'Python sent a malformed message header.', { cause: error });
        }
        // a body in the shared file does not follow the header
        const lens = Array.isArray(header.lens) && sharedBodyOf(header) === undefined ? (header.lens as number[]) : [];
        const total = headerEnd + lens.reduce((sum, len) => sum + len + pad8(len), 0);
        this.#need = { headerLength: headerEnd, header, total };
      }
      const need = this.#need;
      if (this.#size < need.total) break;
      const whole = this.#take(need.total);
      const buffers: Uint8Array[] = [];
      let offset = need.headerLength;
      const inline = sharedBodyOf(need.header) === undefined ? (need.header.lens as number[] | undefined) ?? [] : [];
      for (const len of inline) {
        buffers.push(new Uint8Array(whole.buffer, whole.byteOffset + offset, len));
        offset += len + pad8(len);
      }
      this.#need = undefined;
      if (Array.isArray(need.header.b64)) {
        for (const text of need.header.b64 as string[]) buffers.push(new Uint8Array(Buffer.from(text, 'base64')));
        delete need.header.b64;
      }
      out.push({ header: need.header, buffers });
    }
    return out;
  }

  #peek(n: number): Buffer {
    if (this.#chunks[0]!.length < n) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0]!;
  }

  #take(n: number): Buffer {
    let whole: Buffer;
    if (this.#chunks[0]!.length >= n) {
      whole = this.#chunks[0]!;
    } else {
      // a fresh allocation (not the shared pool), so typed views are 8-aligned
      whole = Buffer.allocUnsafeSlow(this.#size);
      let at = 0;
      for (const chunk of this.#chunks) {
        chunk.copy(whole, at);
        at += chunk.length;
      }
      this.#chunks = [whole];
    }
    const rest = whole.subarray(n);
    const later = this.#chunks.slice(1);
    this.#chunks = rest.length > 0 ? [rest, ...later] : later;
    this.#size -= n;
    return whole.subarray(0, n);
  }
}

// ------------------------------------------------------------------ encoding (Node -> Python)

const typedDTypes = new Set(['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'float16', 'float32', 'float64', 'datetime64[ns]', 'datetime64[us]', 'datetime64[ms]', 'datetime64[s]']);

function bytesOf(values: DTypeValues, dtype: DType): Uint8Array {
  const view = values as ArrayBufferView;
  if (dtype === 'float16') {
    // stored as rounded float32; numpy wants half precision bits
    const source = values as Float32Array;
    const half = new Uint16Array(source.length);
    for (let i = 0; i < source.length; i++) half[i] = toHalfBits(source[i]!);
    return new Uint8Array(half.buffer);
  }
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function toHalfBits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa = (mantissa | 0x800000) >> (1 - e);
    return sign | ((mantissa + 0x1000) >> 13);
  }
  const half = sign | (e << 10) | (mantissa >> 13);
  return (mantissa & 0x1000) !== 0 ? half + 1 : half;
}

function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction !== 0 ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Encodes a JS value as a wire tree, appending the buffers it references. */
export function encodeValue(value: unknown, buffers: Uint8Array[], container?: object, key?: string | number): WireTree {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { $float: Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf' };
    if (Number.isInteger(value)) {
      if (Object.is(value, -0) || !Number.isSafeInteger(value) || (container !== undefined && key !== undefined && isFloatSlot(container, key))) {
        return { $float: Object.is(value, -0) ? '-0.0' : value };
      }
    }
    return value;
  }
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (value instanceof Uint8Array) {
    buffers.push(value);
    return { $bytes: buffers.length - 1 };
  }
  if (value instanceof Date) return { $datetime: PyDateTime.fromDate(value).isoformat() };
  if (value instanceof PyDateTime) return { $datetime: value.isoformat() };
  if (value instanceof PyDate) return { $date: value.isoformat() };
  if (value instanceof Frame) return { $frame: { columns: value.columns.map((column) => encodeColumn(column, buffers)) } };
  if (value instanceof Series) {
    const column = encodeColumn(value, buffers);
    column.name = value.label;
    return { $series: column };
  }
  if (value instanceof Tensor) {
    const out: { [key: string]: WireTree } = { dtype: value.dtype, shape: [...value.shape] };
    encodeStorage(out, value.dtype, value.data, buffers);
    return { $tensor: out };
  }
  if (Array.isArray(value)) return value.map((item, index) => encodeValue(item, buffers, value, index));
  if (isPlainObject(value)) {
    const out: { [key: string]: WireTree } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = encodeValue(v, buffers, value as object, k);
    return { $d: out };
  }
  throw new MlflowException('INVALID_PARAMETER_VALUE',
    `Cannot send a value of type ${Object.prototype.toString.call(value).slice(8, -1)} to Python.`);
}

/** A column's or tensor's values: a raw buffer (`buf`) for typed dtypes, else encoded `values`. */
function encodeStorage(out: { [key: string]: WireTree }, dtype: DType, values: DTypeValues, buffers: Uint8Array[]): void {
  if (typedDTypes.has(dtype)) {
    buffers.push(bytesOf(values, dtype));
    out.buf = buffers.length - 1;
  } else {
    const list = values as unknown[];
    out.values = list.map((item, index) => encodeValue(item, buffers, list, index));
  }
}

function encodeColumn(column: Column, buffers: Uint8Array[]): { [key: string]: WireTree } {
  const out: { [key: string]: WireTree } = { name: column.name, dtype: column.dtype };
  encodeStorage(out, column.dtype, column.values, buffers);
  if (column.validity !== null) {
    buffers.push(column.validity);
    out.valid = buffers.length - 1;
  }
  return out;
}

// ------------------------------------------------------------------ decoding (Python -> Node)

function typedView(dtype: string, bytes: Uint8Array): DTypeValues {
  const ctor = {
    bool: Uint8Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
    int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
    float32: Float32Array, float64: Float64Array,
  }[dtype.startsWith('datetime64') ? 'int64' : dtype];
  if (dtype === 'float16') {
    const copy = new Uint8Array(bytes);
    const half = new Uint16Array(copy.buffer, 0, copy.length / 2);
    return Float32Array.from(half, fromHalfBits);
  }
  if (ctor === undefined) throw new MlflowException('INTERNAL_ERROR', `Python sent an unknown dtype '${dtype}'.`);
  const size = ctor.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % size !== 0) bytes = new Uint8Array(bytes);
  if (dtype === 'bool') return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new (ctor as unknown as new (buffer: ArrayBufferLike, offset: number, length: number) => DTypeValues)(bytes.buffer, bytes.byteOffset, bytes.byteLength / size);
}

function decodeColumn(node: Record<string, unknown>, buffers: readonly Uint8Array[]): Column {
  const dtype = node.dtype as DType;
  const name = (node.name ?? '') as Label;
  let values: DTypeValues;
  if (typeof node.buf === 'number') {
    values = typedView(dtype, buffers[node.buf]!);
  } else {
    const list = node.values as WireTree[];
    const out: unknown[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) out[i] = decodeInto(list[i]!, buffers, out, i);
    values = out;
  }
  return { name, dtype, values, validity: null };
}

function decodeInto(node: WireTree, buffers: readonly Uint8Array[], container: object, key: string | number): unknown {
  if (node !== null && typeof node === 'object' && !Array.isArray(node) && '$float' in node) {
    const raw = node.$float;
    const value = raw === 'nan' ? NaN : raw === 'inf' ? Infinity : raw === '-inf' ? -Infinity : raw === '-0.0' ? -0 : Number(raw);
    if (Number.isInteger(value)) markFloat(container, key);
    return value;
  }
  return decodeValue(node, buffers);
}

/** Decodes a wire tree into JS values: frames, series, tensors, bigints, bytes, datetimes. */
export function decodeValue(node: WireTree, buffers: readonly Uint8Array[]): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    const out: unknown[] = new Array(node.length);
    for (let i = 0; i < node.length; i++) out[i] = decodeInto(node[i]!, buffers, out, i);
    return out;
  }
  const [tag, value] = Object.entries(node)[0] ?? ['', null];
  switch (tag) {
    case '$d': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, WireTree>)) out[k] = decodeInto(v, buffers, out, k);
      return out;
    }
    case '$float': {
      const raw = value;
      return raw === 'nan' ? NaN : raw === 'inf' ? Infinity : raw === '-inf' ? -Infinity : raw === '-0.0' ? -0 : Number(raw);
    }
    case '$int': {
      const big = BigInt(value as string);
      return big;
    }
    case '$bytes':
      return new Uint8Array(buffers[value as number]!);
    case '$datetime':
      return parseIsoTimestamp(value as string);
    case '$date': {
      const [y, m, d] = (value as string).split('-').map(Number);
      return new PyDate(y!, m!, d!);
    }
    case '$frame': {
      const columns = ((value as Record<string, unknown>).columns as Record<string, unknown>[]).map((c) => decodeColumn(c, buffers));
      return new Frame(columns);
    }
    case '$series': {
      const spec = value as Record<string, unknown>;
      const column = decodeColumn(spec, buffers);
      return new Series(column.dtype, column.values, null, (spec.name ?? null) as Label | null);
    }
    case '$tensor': {
      const spec = value as Record<string, unknown>;
      const column = decodeColumn(spec, buffers);
      return new Tensor(column.dtype, spec.shape as number[], column.values);
    }
    default:
      throw new MlflowException('INTERNAL_ERROR', `Python sent an unknown value tag '${tag}'.`);
  }
}

/**
 * The folder holding `pyfunc_wire.py`, the Python side of this format (and the loader of
 * TypeScript models' `python_function` flavor); @pyfunc/python's worker imports the codec from it.
 */
export function pythonWireDir(): string {
  // dist/*.js is one level below the package root, src/python-shim/wire.ts two
  const candidates = ['../python/', '../../python/'].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, 'pyfunc_wire.py'))) ?? candidates[0]!;
}
