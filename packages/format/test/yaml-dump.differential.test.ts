/**
 * dumpMlflowYaml against PyYAML's safe_dump (the oracle) on 10,000 generated MLmodel-shaped
 * documents per MLflow line, compared byte for byte; plus sort_keys=False and
 * allow_unicode=True (as MLflow writes python_env.yaml and meta.yaml) on 2,000 more each.
 * One oracle process per line (batches of 2,000 documents per case), both lines at once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { oracleLines, runOracle, type OracleLine } from '../../../test/oracle/src/index.js';
import { dumpMlflowYaml } from '../src/yaml/index.js';
import { randomDocument } from './yaml-generators.js';
import { toTaggedJson } from './yaml-tagged.js';

/** PYFUNC_TEST_SEED=<n> shifts the generators' seeds: other cases from the same generators. */
const seedShift = Number(process.env.PYFUNC_TEST_SEED ?? 0);

const BATCH = 2_000;

interface Variant {
  name: string;
  seedBase: number;
  count: number;
  sortKeys: boolean;
  allowUnicode: boolean;
}

const variants: Variant[] = [
  { name: 'defaults (sort_keys=True, allow_unicode=False)', seedBase: 1, count: 10_000, sortKeys: true, allowUnicode: false },
  { name: 'sort_keys=False', seedBase: 100_001, count: 1_000, sortKeys: false, allowUnicode: false },
  { name: 'allow_unicode=True', seedBase: 200_001, count: 1_000, sortKeys: true, allowUnicode: true },
];

interface Batch {
  variant: Variant;
  seeds: number[];
}

const batches: Batch[] = variants.flatMap((variant) => {
  const list: Batch[] = [];
  for (let start = 0; start < variant.count; start += BATCH) {
    const size = Math.min(BATCH, variant.count - start);
    list.push({ variant, seeds: Array.from({ length: size }, (_, i) => variant.seedBase + start + i + seedShift * 1_000_000) });
  }
  return list;
});

/** Python's dumps for every batch, one oracle process per line. */
async function pythonDumps(line: OracleLine): Promise<string[][]> {
  const cases = batches.map(({ variant, seeds }) => JSON.stringify({
    docs: seeds.map((seed) => JSON.parse(toTaggedJson(randomDocument(seed))) as unknown),
    sort_keys: variant.sortKeys,
    allow_unicode: variant.allowUnicode,
  }));
  const results = await runOracle(line, 'yaml.safe_dump_json', cases);
  return results.map((result) => {
    if (result.ok === undefined) throw new Error(`oracle failed: ${JSON.stringify(result.error)}`);
    return result.ok as string[];
  });
}

const answers = new Map<OracleLine, Promise<string[][]>>();
beforeAll(() => {
  for (const line of oracleLines) answers.set(line, pythonDumps(line));
});

function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const index = a.findIndex((lineText, i) => lineText !== b[i]);
  return `line ${index + 1}\n  python: ${JSON.stringify(a[index])}\n  ours:   ${JSON.stringify(b[index])}`;
}

describe.each(oracleLines)('dumpMlflowYaml equals PyYAML safe_dump (MLflow %s)', (line) => {
  it.each(variants)('$name: $count documents byte-identical', async (variant) => {
    const all = await answers.get(line)!;
    let matched = 0;
    let compared = 0;
    const mismatches: string[] = [];
    batches.forEach((batch, batchIndex) => {
      if (batch.variant !== variant) return;
      const texts = all[batchIndex]!;
      batch.seeds.forEach((seed, i) => {
        compared++;
        const expected = texts[i];
        const ours = dumpMlflowYaml(randomDocument(seed), { sortKeys: variant.sortKeys, allowUnicode: variant.allowUnicode });
        if (ours === expected) matched++;
        else if (mismatches.length < 3) {
          mismatches.push(typeof expected === 'string' ? `seed ${seed}: ${firstDifference(expected, ours)}`
            : `seed ${seed}: python failed ${JSON.stringify(expected)}`);
        }
      });
    });
    expect(compared).toBe(variant.count);
    expect(mismatches).toEqual([]);
    expect(matched).toBe(variant.count);
  });
});
