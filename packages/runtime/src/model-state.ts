/**
 * `model_state.json`: the own enumerable properties of an object model, the cloudpickle analogue
 * of runtime.md 11.4. Values JSON cannot carry are tagged (`{"$bigint": "…"}`, `$date`, `$bytes`,
 * `$number` for NaN/±Infinity/-0, `$map`, `$set`); anything else (functions, class instances, symbols)
 * is refused at save time.
 */
import { MlflowException } from '@pyfunc/format';

const TAGS = ['$bigint', '$date', '$bytes', '$number', '$map', '$set', '$object'] as const;

function failState(path: string, what: string): never {
  throw new MlflowException('INVALID_PARAMETER_VALUE',
    `Failed to serialize model state at \`${path}\`: ${what} cannot be saved. Keep only JSON-like data ` +
    '(numbers, strings, booleans, bigints, dates, bytes, arrays, plain objects, Maps, Sets) on the model object, ' +
    'build the rest in loadContext, or save the model from code (modelCode with setModel()).');
}

function encode(value: unknown, path: string, seen: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value === undefined) return { $object: 'undefined' };
  if (typeof value === 'number') {
    return Number.isFinite(value) && !Object.is(value, -0) ? value : { $number: String(Object.is(value, -0) ? '-0' : value) };
  }
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (typeof value === 'function') failState(path, 'a function');
  if (typeof value === 'symbol') failState(path, 'a symbol');
  const object = value as object;
  if (seen.has(object)) failState(path, 'a circular reference');
  seen.add(object);
  try {
    if (object instanceof Date) return { $date: object.toISOString() };
    if (object instanceof Uint8Array) return { $bytes: Buffer.from(object).toString('base64') };
    if (Array.isArray(object)) return object.map((item, index) => encode(item, `${path}[${index}]`, seen));
    if (object instanceof Map) {
      return { $map: [...object.entries()].map(([key, item], index) => [encode(key, `${path}<key ${index}>`, seen), encode(item, `${path}.get(${String(key)})`, seen)]) };
    }
    if (object instanceof Set) return { $set: [...object].map((item, index) => encode(item, `${path}<item ${index}>`, seen)) };
    const prototype = Object.getPrototypeOf(object) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      failState(path, `an instance of ${(object.constructor as { name?: string } | undefined)?.name ?? 'a class'}`);
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(object)) {
      const encoded = encode(item, `${path}.${key}`, seen);
      out[(TAGS as readonly string[]).includes(key) || key.startsWith('$') ? `$${key}` : key] = encoded;
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

/**
 * The JSON text of an object's own enumerable properties.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE naming the first property that cannot be saved.
 */
export function encodeModelState(model: object): string {
  const state: Record<string, unknown> = {};
  const seen = new Set<object>([model]);
  for (const [key, value] of Object.entries(model)) {
    state[key.startsWith('$') ? `$${key}` : key] = encode(value, key, seen);
  }
  return `${JSON.stringify(state, null, 2)}\n`;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const tagged = record[key];
    switch (key) {
      case '$bigint': return BigInt(tagged as string);
      case '$date': return new Date(tagged as string);
      case '$bytes': return new Uint8Array(Buffer.from(tagged as string, 'base64'));
      case '$number': return tagged === '-0' ? -0 : Number(tagged);
      case '$map': return new Map((tagged as [unknown, unknown][]).map(([k, v]) => [decode(k), decode(v)]));
      case '$set': return new Set((tagged as unknown[]).map(decode));
      case '$object': return undefined;
      default: break;
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key.startsWith('$$') ? key.slice(1) : key] = decode(item);
  return out;
}

/**
 * The properties saved by {@link encodeModelState}.
 * @throws {MlflowException} DATA_LOSS when the file is not valid state JSON.
 */
export function decodeModelState(text: string, path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MlflowException('DATA_LOSS', `The model state file '${path}' is corrupted: ${(error as Error).message}`, { cause: error, path });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new MlflowException('DATA_LOSS', `The model state file '${path}' is corrupted: not a JSON object.`, { path });
  }
  return decode(parsed) as Record<string, unknown>;
}
