import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowException, type PyValue } from '@pyfunc/format';
import { oracleLines, runOracle } from '../../../test/oracle/src/index.js';
import { dumpCondaEnv } from '../src/conda-env.js';
import { generateMlflowVersionPinning } from '../src/mlflow-pin.js';
import { processCondaEnv, processPipRequirements, validateEnvArguments } from '../src/process-requirements.js';
import { PythonEnv } from '../src/python-env.js';
import { pick, randomRequirement, rng } from './generators.js';

/** PYFUNC_TEST_SEED=<n> shifts the generators' seeds: other cases from the same generators. */
const seedShift = Number(process.env.PYFUNC_TEST_SEED ?? 0);

interface Case {
  default?: string[];
  pip?: unknown;
  extra?: unknown;
  conda_env?: unknown;
  files?: Record<string, string>;
  python_version: string;
  packages: Record<string, string | null>;
}

const mergeable = ['numpy', 'numpy==1.26.4', 'numpy>=1.20', 'numpy<2', 'numpy>=1.20,<2', 'Numpy', 'requests[socks]', 'requests>1.0',
  'requests<3.0', 'markdown[e1]>=3.5.1', 'markdown[e2]<4', 'markdown', 'x>=1,<3', 'x!=2', 'x>=1', 'x>=1.0', 'databricks-connect',
  'pyspark==3.5.0', 'pyspark-connect', 'mlflow-skinny==2.22.0', 'mlflow[gateway]', 'git+https://github.com/mlflow/mlflow@branch',
  './dist/mlflow-2.22.0.whl', 'mlflow --hash=sha256:abc', 'torch==2.0.0+cu118', 'torch==2.0.0', 'scikit-learn==1.5.2', 'pandas>=2',
  'a==1 # pinned', 'b \\', '>=2', '# c', '', '  d  ', '-e ./pkg', '--index-url https://x', 'url#egg=x', 'mlflow-tracing', 'x; python_version < "3.8"',
  'x>=2; python_version >= "3.8"', 'torch==2.0.0; sys_platform == "linux"'];
const references = ['-r extra.txt', '-c c.txt', '--requirement extra.txt', '--constraint c.txt', '-rextra.txt', '-r sub/nested.txt', '-r missing.txt'];
const files = { 'extra.txt': 'x\n-c cons.txt', 'cons.txt': 'y<2', 'c.txt': 'x<2\nz==1', 'sub/nested.txt': 'q==1\n-r inner.txt', 'sub/inner.txt': 'w',
  'reqs.txt': 'numpy\n-r extra.txt', 'conda.yaml': 'name: x\ndependencies:\n- python=3.9\n- pip:\n  - pandas\n  - pandas\n  - -c c.txt\n' };

function randomLines(random: () => number): string[] {
  return Array.from({ length: Math.floor(random() * 5) }, () => {
    const roll = random();
    // `===` is left to the PEP 440 test: packaging 26 (3.x venv) parses it differently (README)
    return roll < 0.55 ? pick(random, mergeable) : roll < 0.7 ? pick(random, references) : randomRequirement(random).replaceAll('===', '==');
  });
}

function generateCases(seed: number, count: number): Case[] {
  const random = rng(seed);
  const cases: Case[] = [];
  for (let index = 0; index < count; index++) {
    const packages = { pip: pick(random, ['23.2.1', null]), setuptools: pick(random, ['68.0.0', null]), wheel: pick(random, ['0.41.2', null]) };
    const base: Case = { python_version: pick(random, ['3.10.12', '3.9.7', '3.11.7']), packages, files };
    const roll = random();
    const defaults = random() < 0.7 ? ['cloudpickle==3.1.1', ...randomLines(random).filter((line) => !line.startsWith('-') && line.trim() !== '')].sort() : [];
    if (roll < 0.35) cases.push({ ...base, default: defaults, pip: random() < 0.9 ? randomLines(random) : pick(random, ['reqs.txt', 'missing.txt']) });
    else if (roll < 0.6) cases.push({ ...base, default: defaults, extra: randomLines(random) });
    else if (roll < 0.7) cases.push({ ...base, default: defaults });
    else if (roll < 0.85) {
      const deps: PyValue[] = [pick(random, ['python=3.9', 'python=3.10.12']), ...(random() < 0.5 ? ['pip'] : [])];
      if (random() < 0.85) deps.push({ pip: randomLines(random) });
      if (random() < 0.2) deps.push('numpy=1.26');
      const env: Record<string, PyValue> = { name: pick(random, ['x', 'mlflow-env']), dependencies: deps };
      if (random() < 0.5) env.channels = ['conda-forge', 'defaults'];
      cases.push({ ...base, conda_env: random() < 0.85 ? env : 'conda.yaml' });
    } else {
      // argument errors: several given, or the wrong types
      const bad = pick<Partial<Case>>(random, [{ pip: ['numpy'], conda_env: { dependencies: [] } }, { pip: ['a'], extra: ['b'] },
        { pip: 42 }, { extra: 42 }, { pip: ['a', 1] }, { conda_env: 42 }, { conda_env: ['x'] }, { pip: { a: 1 } }, { extra: ['a'], conda_env: {} }]);
      cases.push({ ...base, default: defaults, ...bad });
    }
  }
  return cases;
}

// hand-picked from environment.md 5 conformance checks
const fixed: Case[] = [
  { pip: ['numpy'] }, { pip: ['mlflow-skinny==2.22.0', 'x'] }, { pip: ['git+https://github.com/mlflow/mlflow@branch', 'x'] },
  { pip: ['requests>1.0', 'requests[socks]', 'requests<3.0'] }, { pip: ['markdown[e1]>=3.5.1', 'markdown[e2]<4', 'markdown'] },
  { pip: ['x>=1,<3', 'x!=2'] }, { pip: ['x>=1', 'x>=1.0'] }, { pip: ['databricks-connect', 'pyspark==3.5.0'] }, { pip: ['-c c.txt', 'x'] },
  { default: ['cloudpickle==3.1.1', 'numpy==1.26.4', 'scikit-learn==1.5.2'], extra: ['pandas>=2', 'numpy'] },
  { conda_env: { name: 'x', dependencies: ['python=3.9', { pip: ['pandas'] }] } }, { conda_env: 'conda.yaml' },
  { pip: ['a==1 # pinned', 'b \\', '>=2', '# c', '', '  d  '] }, { pip: ['-r extra.txt'] }, { pip: ['-rextra.txt'] }, { pip: ['-r missing.txt'] },
].map((item) => ({ python_version: '3.10.12', packages: { pip: '23.2.1', setuptools: '68.0.0', wheel: '0.41.2' }, files, ...item }));

type Outcome = { ok: Record<string, unknown> } | { error: string };

async function ours(item: Case, cwd: string, mlflowVersion: string): Promise<Outcome> {
  const validations: string[][] = [];
  const target = { pythonVersion: item.python_version, buildPackageVersions: item.packages };
  const options = { target, mlflowVersion, baseDir: cwd, validateVersionConstraints: (pair: [string, string]) => void validations.push([...pair]) };
  try {
    validateEnvArguments(item.conda_env, item.pip, item.extra);
    const conda = typeof item.conda_env === 'string' ? join(cwd, item.conda_env) : item.conda_env;
    const pip = typeof item.pip === 'string' ? join(cwd, item.pip) : item.pip;
    const processed = item.conda_env !== undefined && item.conda_env !== null
      ? await processCondaEnv(conda, options)
      : await processPipRequirements(item.default ?? [], pip as string[], item.extra as string[], options);
    return { ok: {
      conda_yaml: dumpCondaEnv(processed.condaEnv), requirements_txt: processed.requirements.join('\n'), requirements: processed.requirements,
      constraints: processed.constraints, python_env_yaml: PythonEnv.current(target).toYamlText(), validations,
    } };
  } catch (error) {
    if (!MlflowException.isInstance(error)) throw error;
    return { error: error.message.replaceAll(cwd + '/', '') };
  }
}

function theirs(answer: Awaited<ReturnType<typeof runOracle>>[number]): Outcome {
  if (answer.error !== undefined) return { error: answer.error.message.replace(/\/tmp\/tmp[^/']+\//g, '') };
  return { ok: JSON.parse(JSON.stringify(answer.ok, (_key, value: unknown) => value)) as Record<string, unknown> };
}

describe.each(oracleLines)('combining requirements against MLflow %s.x', (line) => {
  let cwd: string;
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'pyfunc-env-diff-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(cwd, name)), { recursive: true });
      writeFileSync(join(cwd, name), text);
    }
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('pins the MLflow version as MLflow does', async () => {
    const [answer] = await runOracle(line, 'env.mlflow_version', [{}]);
    const { version, pin } = answer!.ok as { version: string; pin: string };
    expect(generateMlflowVersionPinning(version)).toBe(pin);
    expect(generateMlflowVersionPinning('2.22.1.dev0')).toBe('mlflow==2.22.0');
  });

  it('gives the same files and errors as MLflow on 200 generated + 16 spec cases', async () => {
    const [versionAnswer] = await runOracle(line, 'env.mlflow_version', [{}]);
    const mlflowVersion = (versionAnswer!.ok as { version: string }).version;
    const cases = [...fixed, ...generateCases((line === '2' ? 22 : 33) + seedShift, 200)];
    const expected = await runOracle(line, 'env.process', cases);
    const mismatches: unknown[] = [];
    let errors = 0;
    for (const [index, item] of cases.entries()) {
      const mine = await ours(item, cwd, mlflowVersion);
      const reference = theirs(expected[index]!);
      if ('error' in reference) errors++;
      if (JSON.stringify(mine) !== JSON.stringify(reference)) mismatches.push({ item: JSON.stringify([item.pip, item.extra, item.default, item.conda_env]), mine, reference });
    }
    expect(mismatches).toEqual([]);
    expect(errors).toBeGreaterThan(10); // the error paths were exercised
    expect(cases.length - errors).toBeGreaterThan(150);
  });
});
