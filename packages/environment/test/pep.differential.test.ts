import { describe, expect, it } from 'vitest';
import { oracleLines, runOracle } from '../../../test/oracle/src/index.js';
import { SpecifierSet, Version, compareVersions } from '../src/pep440.js';
import { Requirement } from '../src/requirement.js';
import { randomRequirement, randomSpecifier, randomVersion, rng } from './generators.js';

/** PYFUNC_TEST_SEED=<n> shifts the generators' seeds: other cases from the same generators. */
const seedShift = Number(process.env.PYFUNC_TEST_SEED ?? 0);

function ours<T>(fn: () => T): { ok: T } | { error: true } {
  try {
    return { ok: fn() };
  } catch {
    return { error: true };
  }
}

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, item: unknown) => (item instanceof Map ? Object.fromEntries(item) : item)));
}

/**
 * Cases where packaging 26 (the 3.x oracle venv) departs from packaging 24.2 and our port follows
 * 24.2 (see the package README): `===` specifiers. Skipped on line 3 only.
 */
function packaging26Divergence(text: string): boolean {
  return text.includes('===');
}

const random = rng(4242 + seedShift);
const fixedRequirements = ['scikit-learn >= 1.0', 'Pandas[b,a] == 1.0 ; python_version < "3.8"', 'foo @ https://x/y.whl ; python_version<"3.8"',
  'x>=1.0.0-RC1', '-e ./pkg', './local.whl', 'git+https://x/y', '--index-url https://x', 'pkg --hash=sha256:abc',
  'mlflow @ git+https://github.com/mlflow/mlflow@branch', 'x;sys_platform==\'linux\'', 'numpy>=1.0,!=1.5,<2'];
const requirementCases = [...fixedRequirements, ...Array.from({ length: 600 }, () => randomRequirement(random))];
const versionCases = Array.from({ length: 300 }, () => ({ text: randomVersion(random), other: randomVersion(random) }));
const containsCases = [
  { spec: '~=1.4.2', version: '1.4.9' }, { spec: '~=1.4.2', version: '1.5' }, { spec: '==1.0', version: '1.0+cu118' },
  { spec: '==1.0+local', version: '1.0' }, { spec: '>=1.0', version: '2.0.0rc1' }, { spec: '>=1.0rc1', version: '2.0.0rc1' },
  ...Array.from({ length: 600 }, () => {
    const count = 1 + Math.floor(random() * 2);
    return { spec: Array.from({ length: count }, () => randomSpecifier(random)).join(','), version: randomVersion(random),
      other: random() < 0.3 ? randomSpecifier(random) : randomSpecifier(random).replace(/(\d)$/, '$1.0') };
  }),
];

describe.each(oracleLines)('PEP 440/508 against packaging (mlflow %s line)', (line) => {
  // the 2.22 oracle venv has packaging 24.2, the 3.x one packaging 26
  const packaging = line === '3' ? '26' as const : 'legacy' as const;
  it(`parses and renders ${requirementCases.length} requirements as packaging does`, async () => {
    const expected = await runOracle(line, 'env.requirement', requirementCases.map((text) => ({ text })));
    const mismatches: unknown[] = [];
    requirementCases.forEach((text, index) => {
      if (line === '3' && packaging26Divergence(text)) return;
      const answer = expected[index]!;
      const mine = ours(() => {
        const r = new Requirement(text, { packaging });
        return { name: r.name, str: r.toString(), extras: [...new Set(r.extras)].sort(), specifier: r.specifier.toString(),
          url: r.url ?? null, marker: r.marker?.toString() ?? null };
      });
      const theirs = answer.error !== undefined ? { error: true } : { ok: plain(answer.ok) };
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) mismatches.push({ text, mine, theirs });
    });
    expect(mismatches).toEqual([]);
    // at least 500 cases compared on each line
    expect(requirementCases.length - (line === '3' ? requirementCases.filter(packaging26Divergence).length : 0)).toBeGreaterThanOrEqual(500);
  });

  it(`normalises and orders ${versionCases.length} versions as packaging does`, async () => {
    const expected = await runOracle(line, 'env.version', versionCases);
    const mismatches: unknown[] = [];
    versionCases.forEach((item, index) => {
      const answer = expected[index]!;
      const mine = ours(() => {
        const v = new Version(item.text);
        new Version(item.other);
        return { str: v.toString(), public: v.public, base: v.baseVersion, pre: v.isPrerelease, post: v.isPostrelease,
          dev: v.isDevrelease, cmp: Math.sign(compareVersions(item.text, item.other)) };
      });
      const theirs = answer.error !== undefined ? { error: true } : { ok: plain(answer.ok) };
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) mismatches.push({ item, mine, theirs });
    });
    expect(mismatches).toEqual([]);
  });

  it(`matches ${containsCases.length} specifier sets as packaging does`, async () => {
    const expected = await runOracle(line, 'env.contains', containsCases);
    const mismatches: unknown[] = [];
    containsCases.forEach((item, index) => {
      if (line === '3' && (packaging26Divergence(item.spec) || packaging26Divergence('other' in item ? item.other : ''))) return;
      const answer = expected[index]!;
      const mine = ours(() => {
        const set = new SpecifierSet(item.spec, { packaging });
        return { str: set.toString(), contains: set.contains(item.version, { packaging }),
          eq: 'other' in item && item.other !== undefined ? set.equals(new SpecifierSet(item.other, { packaging })) : null };
      });
      const theirs = answer.error !== undefined ? { error: true } : { ok: plain(answer.ok) };
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) mismatches.push({ item, mine, theirs });
    });
    expect(mismatches).toEqual([]);
  });
});
