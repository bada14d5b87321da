/**
 * Container dtype inference against pandas (`pd.DataFrame({"c": values})`) and numpy
 * (`np.array(values)`) on seeded random value lists.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as dist from '@pyfunc/format';
import { Frame, Tensor } from '../src/data/index.js';
import { PyDate, PyDateTime, isFloatSlot, markFloat } from '../src/py-values.js';
import { oracleLines, runOracle, type OracleResult } from '../../../test/oracle/src/index.js';

/** PYFUNC_TEST_SEED=<n> shifts the generators' seeds: other cases from the same generators. */
const seedShift = Number(process.env.PYFUNC_TEST_SEED ?? 0);

function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(7 + seedShift);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

type Maker = (values: unknown[]) => void;
const push = (value: unknown): Maker => (values) => values.push(value);
const makers: Record<string, Maker> = {
  int: (values) => values.push(Math.floor(random() * 2000) - 1000),
  float: (values) => values.push(Math.floor(random() * 2000) / 8 + 0.125),
  integralFloat: (values) => {
    values.push(Math.floor(random() * 10));
    markFloat(values, values.length - 1);
  },
  bigint: push(2n ** 62n + 3n),
  uint64: push(2n ** 63n + 5n),
  huge: push(2n ** 65n),
  bool: (values) => values.push(random() < 0.5),
  string: (values) => values.push(pick(['a', 'bc', 'é', ''])),
  bytes: push(new Uint8Array([1, 2])),
  datetime: push(new PyDateTime(2020, 5, 6, 7, 8, 9, 123456)),
  date: push(new PyDate(2021, 1, 1)),
  null: push(null),
  list: push([1, 2]),
  dict: push({ k: 'v' }),
};

/** Value lists: one kind, or two kinds mixed, with and without nulls. */
function valueLists(kinds: string[], count: number): unknown[][] {
  const lists: unknown[][] = [];
  for (let index = 0; index < count; index++) {
    const first = pick(kinds);
    const second = random() < 0.5 ? first : pick(kinds);
    const length = 1 + Math.floor(random() * 4);
    const values: unknown[] = [];
    for (let at = 0; at < length; at++) makers[at % 2 === 0 ? first : second]!(values);
    lists.push(values);
  }
  return lists;
}

const columnLists = [
  ...valueLists(Object.keys(makers).filter((kind) => kind !== 'null'), 50),
  ...valueLists(['int', 'float', 'string', 'datetime', 'null', 'list', 'bigint'], 20),
  [], [null, null],
];
const tensorLists = [
  ...valueLists(['int', 'float', 'integralFloat', 'bool', 'bigint', 'uint64', 'huge'], 25),
  ...valueLists(['string'], 3),
  ...valueLists(['bytes'], 2),
  ...valueLists(['int', 'null', 'list', 'dict', 'date'], 10),
];

/** Rebuilds values with the built package's classes and float marks (the oracle codec's). */
function bridge(values: unknown[]): unknown[] {
  const copy = values.map((value) => {
    if (value instanceof PyDateTime) {
      return new dist.PyDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond);
    }
    if (value instanceof PyDate) return new dist.PyDate(value.year, value.month, value.day);
    return value;
  });
  values.forEach((_, index) => {
    if (isFloatSlot(values, index)) dist.markFloat(copy, index);
  });
  return copy;
}

/** Our frame dtype as pandas of a given line names it (documented differences normalised). */
function pandasName(values: unknown[], ours: string, line: string): string {
  const hasNull = values.some((value) => value === null);
  // documented: booleans with missing values stay `bool` (+ validity), pandas uses object
  if (ours === 'bool' && hasNull) return 'object';
  if (line === '3') {
    // pandas 3: strings get the `str` dtype, datetimes microseconds
    const present = values.filter((value) => value !== null);
    if (ours === 'object' && present.length > 0 && present.every((value) => typeof value === 'string')) return 'str';
    if (ours === 'datetime64[ns]') return 'datetime64[us]';
  }
  return ours;
}

describe.each(oracleLines)('container dtypes vs pandas/numpy (MLflow %s.x venv)', (line) => {
  let columns: OracleResult[];
  let arrays: OracleResult[];

  beforeAll(async () => {
    [columns, arrays] = await Promise.all([
      runOracle(line, 'infer.series_dtype', columnLists.map(bridge)),
      runOracle(line, 'infer.array_dtype', tensorLists.map(bridge)),
    ]);
  }, 120_000);

  it('infers frame column dtypes as pandas does', () => {
    const mismatches: string[] = [];
    columnLists.forEach((values, index) => {
      const ours = Frame.fromColumns({ c: values }).column('c').dtype;
      const expected = columns[index]!.ok;
      if (pandasName(values, ours, line) !== expected) mismatches.push(`${index}: ours ${ours}, pandas ${String(expected)} for ${values.map(String).join(',')}`);
    });
    expect(mismatches).toEqual([]);
  });

  it('infers tensor dtypes and shapes as numpy does', () => {
    const mismatches: string[] = [];
    tensorLists.forEach((values, index) => {
      const expected = arrays[index]!;
      let ours: [string, number[]];
      try {
        const tensor = Tensor.from(values);
        ours = [tensor.dtype, [...tensor.shape]];
      } catch {
        // ragged lists: numpy 2 raises too
        if (expected.error === undefined) mismatches.push(`${index}: ours failed, numpy ${JSON.stringify(expected.ok)}`);
        return;
      }
      if (expected.error !== undefined) {
        mismatches.push(`${index}: numpy failed (${expected.error.message}), ours ${ours[0]}`);
        return;
      }
      const [dtype, shape] = expected.ok as [string, number[]];
      const numpyName = dtype.startsWith('<U') ? 'str' : dtype.startsWith('|S') ? 'bytes' : dtype;
      if (numpyName !== ours[0] || JSON.stringify(shape) !== JSON.stringify(ours[1])) {
        mismatches.push(`${index}: ours ${ours[0]} ${JSON.stringify(ours[1])}, numpy ${dtype} ${JSON.stringify(shape)}`);
      }
    });
    expect(mismatches).toEqual([]);
  });
});
