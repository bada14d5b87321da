/** Shared test helpers: models saved by real MLflow, inputs built the same way on both sides. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Frame, PyDateTime, Series, Tensor, fromTicks, makeColumn, type DType, type DatetimeUnit } from '@pyfunc/format';
import { oraclePython, runOracle, type OracleLine } from '../../../test/oracle/src/index.js';

/** One column of an input spec (values as the oracle codec carries them). */
export interface ColumnSpec { name: string | number; dtype: string; values: unknown[] }
/** An input both sides build: a frame, a tensor, or a plain value. */
export type InputSpec =
  | { kind: 'frame'; columns: ColumnSpec[] }
  | { kind: 'tensor'; dtype: string; shape: number[]; values: unknown[] }
  | { kind: 'raw'; value: unknown };

const opsFile = fileURLToPath(new URL('../../../test/oracle/ops_python.py', import.meta.url));
/** Models saved by the oracle, shared by test files (and runs): one directory per content key. */
const modelCache = join(tmpdir(), 'pyfunc-oracle-models');

/** A saved model's cache key: the line's interpreter, the saving code and the kind. */
function cacheKey(line: OracleLine, kind: string): string {
  return createHash('sha256').update(JSON.stringify([line, oraclePython(line), readFileSync(opsFile, 'utf8'), kind]))
    .digest('hex').slice(0, 24);
}

/**
 * The models, saved with real MLflow of `line`; returns kind -> path. A model saved before by the
 * same interpreter and the same ops_python.py code is taken from the cache in the temp dir (the
 * tests only read these directories); the others are saved in one oracle batch, then moved in.
 */
export async function saveModels(line: OracleLine, kinds: string[]): Promise<Record<string, string>> {
  mkdirSync(modelCache, { recursive: true });
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const kind of kinds) {
    const path = join(modelCache, `${kind}-${line}-${cacheKey(line, kind)}`);
    if (existsSync(join(path, 'MLmodel'))) out[kind] = path; else missing.push(kind);
  }
  if (missing.length === 0) return out;
  const dir = mkdtempSync(join(modelCache, `.saving-${line}-`));
  try {
    const results = await runOracle(line, 'python.save', missing.map((kind) => ({ kind, path: join(dir, kind) })));
    missing.forEach((kind, i) => {
      const result = results[i]!;
      if (result.error !== undefined) throw new Error(`saving ${kind} failed: ${result.error.type}: ${result.error.message}`);
      const path = join(modelCache, `${kind}-${line}-${cacheKey(line, kind)}`);
      try {
        renameSync(result.ok as string, path);
      } catch (error) {
        // another test file saved it meanwhile: theirs is as good
        if (!existsSync(join(path, 'MLmodel'))) throw error;
      }
      out[kind] = path;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** The JS value of an input spec. */
export function buildInput(spec: InputSpec): unknown {
  if (spec.kind === 'frame') {
    return new Frame(spec.columns.map((c) => makeColumn(c.name, c.values, c.dtype as DType)));
  }
  if (spec.kind === 'tensor') return new Tensor(spec.dtype, spec.shape, makeColumn('', spec.values, spec.dtype as DType).values);
  return spec.value;
}

function plainNumber(value: unknown): unknown {
  if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return value;
}

function columnValues(dtype: DType, values: ArrayLike<unknown>): [string, unknown[]] {
  if (dtype.startsWith('datetime64')) {
    const unit = dtype.slice(11, -1) as DatetimeUnit;
    return [dtype, Array.from(values as BigInt64Array, (t) => fromTicks(t, unit)?.isoformat() ?? null)];
  }
  if (dtype === 'str' || dtype === 'bytes' || dtype === 'object') return ['object', Array.from(values as unknown[], canon)];
  if (dtype === 'bool') return ['bool', Array.from(values as Uint8Array, (v) => v === 1)];
  return [dtype, Array.from(values as ArrayLike<unknown>, plainNumber)];
}

/** The same rendering as ops_python.canon, from what Node received. */
export function canon(value: unknown): unknown {
  if (value instanceof Frame) {
    return { kind: 'frame', columns: value.columns.map((c) => [c.name, ...columnValues(c.dtype, c.values)]) };
  }
  if (value instanceof Series) return { kind: 'series', name: value.label, values: columnValues(value.dtype, value.values) };
  if (value instanceof Tensor) return { kind: 'ndarray', shape: [...value.shape], values: columnValues(value.dtype, value.data) };
  if (value instanceof PyDateTime) return value.isoformat();
  if (Array.isArray(value)) return value.map(canon);
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canon(v)]));
  }
  return plainNumber(value);
}
