import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getCondaEnvName, getEnvName, pythonRepr } from '../src/env-name.js';
import { oracleLines, runOracle } from '../../../test/oracle/src/index.js';

/** PYFUNC_TEST_SEED=<n> shifts the generators' seeds: other cases from the same generators. */
const seedShift = Number(process.env.PYFUNC_TEST_SEED ?? 0);

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const root = mkdtempSync(join(tmpdir(), 'pyfunc-env-name-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mlmodel = 'flavors:\n  python_function:\n    env:\n      conda: conda.yaml\n      virtualenv: python_env.yaml\n    loader_module: x\n';

interface Fixture { dir: string; envId?: string }

function makeModel(files: Record<string, string>, mlmodelText = mlmodel): string {
  const dir = mkdtempSync(join(root, 'm-'));
  writeFileSync(join(dir, 'MLmodel'), mlmodelText);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const pieces = ['numpy==1.26.4', 'scikit-learn>=1.0', "pandas ; python_version < '3.9'", 'b', 'a', 'A', 'é-pkg',
  'x # comment', '# only comment', '', '  spaced  ', 'url#egg=x', 'quote"d', "it's", 'tab\there', 'mlflow==2.22.0',
  'cont \\', 'dup', 'dup', '-e ./pkg', '--index-url https://x', 'ünï==1', 'z<2'];

function generated(count: number): Fixture[] {
  const random = mulberry32(4242 + seedShift);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const fixtures: Fixture[] = [];
  for (let i = 0; i < count; i += 1) {
    const requirements = Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(pieces));
    const constraints = Array.from({ length: Math.floor(random() * 3) }, () => pick(pieces));
    if (constraints.length > 0) requirements.push('-c constraints.txt');
    if (random() < 0.2) requirements.push('-r sub/extra.txt');
    const python = pick(['3.10.12', '3.11.7', "'3.10'", '3.9']);
    const build = pick([[], ['pip'], ['pip==23.2.1', 'setuptools==68.0.0', 'wheel==0.41.2']]);
    const deps = pick([['-r requirements.txt'], ['-r requirements.txt', 'extra==1'], ['only-this']]);
    const yaml = [`python: ${python}`,
      ...(build.length ? ['build_dependencies:', ...build.map((b) => `- ${b}`)] : []),
      'dependencies:', ...deps.map((d) => `- ${JSON.stringify(d)}`)].join('\n');
    const files: Record<string, string> = {
      'python_env.yaml': `${yaml}\n`,
      'requirements.txt': requirements.join(random() < 0.5 ? '\n' : '\r\n'),
      'sub/extra.txt': 'nested==1\n-c ../constraints.txt\n',
    };
    files['constraints.txt'] = constraints.join('\n');
    fixtures.push({ dir: makeModel(files), envId: random() < 0.3 ? '2.22.0' : undefined });
  }
  return fixtures;
}

const specExample = makeModel({
  'python_env.yaml': 'python: 3.10.12\nbuild_dependencies:\n- pip==23.2.1\n- setuptools==68.0.0\n- wheel==0.41.2\ndependencies:\n- -r requirements.txt\n',
  'requirements.txt': 'mlflow==2.22.0\ncloudpickle==3.1.1\nnumpy==1.26.4',
});
// no python_env.yaml: the conda fallback (environment.md 3.3), with and without requirements.txt
const condaOnly = makeModel({
  'conda.yaml': 'channels:\n- conda-forge\ndependencies:\n- python=3.8.10\n- pip<=21.0\n- cudatoolkit=11\n- pip:\n  - a\n  - b==2\nname: mlflow-env\n',
});
const condaWithRequirements = makeModel({
  'conda.yaml': 'dependencies:\n- python>=3.9.1\n- pip=23.0\n- pip:\n  - a\n',
  'requirements.txt': 'r1==1\nr2',
});
const legacyEnv = makeModel({ 'conda.yaml': 'dependencies:\n- python=3.10.1\n- pip:\n  - q\n' },
  'flavors:\n  python_function:\n    env: conda.yaml\n    loader_module: x\n');
const fixtures: Fixture[] = [
  { dir: specExample }, { dir: specExample, envId: '2.22.0' }, { dir: condaOnly }, { dir: condaWithRequirements },
  { dir: legacyEnv }, ...generated(60),
];

const condaTexts = [
  'channels:\n- conda-forge\ndependencies:\n- python=3.10.12\n- pip<=23.2.1\n- pip:\n  - mlflow==2.22.0\n  - cloudpickle==3.1.1\nname: mlflow-env\n',
  'name: x\r\ndependencies:\r\n- python=3.9\r\n', 'a\rb\r\n', 'ünïcode: é\n', '',
];

describe('environment names (environment.md 10.6)', () => {
  it('matches the spec vectors', () => {
    expect(getEnvName(specExample, { envManager: 'virtualenv' })).toBe('mlflow-cc21e960078954a3e835000453bd413239bfed82');
    expect(getEnvName(specExample, { envManager: 'uv', envId: '2.22.0' })).toBe('mlflow-299f6cc2801573d2b15e47acee71ecbec4b503ad');
    expect(getCondaEnvName(condaTexts[0])).toBe('mlflow-486ca09907a06ede50dcf2811aacb55eb449ba0f');
    expect(getCondaEnvName(condaTexts[0], { envRootDir: '/srv/mlflow-envs/' }))
      .toBe('mlflow-486ca09907a06ede50dcf2811aacb55eb449ba0f-656d8e5520651b9b00b851b83943e11c041e9576');
    expect(getCondaEnvName(undefined)).toBe('mlflow-da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(getCondaEnvName('a: 1\r\nb: 2\r\n')).toBe(getCondaEnvName('a: 1\nb: 2\n'));
  });

  it('writes Python reprs', () => {
    expect(pythonRepr(["it's", 'a"b', "both'\"", 'tab\t\\', 'é\u200b', true, null])).toBe(
      `["it's", 'a"b', 'both\\'"', 'tab\\t\\\\', 'é\\u200b', True, None]`);
  });

  it('refuses an unpinned python in the conda fallback', () => {
    const dir = makeModel({ 'conda.yaml': 'dependencies:\n- python\n' });
    expect(() => getEnvName(dir, { envManager: 'virtualenv' })).toThrow(expect.objectContaining({ errorCode: 'INVALID_PARAMETER_VALUE' }));
  });
});

describe.each(oracleLines)('environment names against MLflow %s', (line) => {
  it('virtualenv/uv names agree with _get_virtualenv_name', async () => {
    const answers = await runOracle(line, 'envname.virtualenv_name',
      fixtures.map((f) => ({ model_dir: f.dir, env_id: f.envId ?? null })));
    const ours = fixtures.map((f) => {
      try { return { ok: getEnvName(f.dir, { envManager: 'virtualenv', envId: f.envId }) }; }
      catch (error) { return { error: (error as Error).message }; }
    });
    expect(ours.map((o) => o.ok ?? 'error')).toEqual(answers.map((a) => (a.error ? 'error' : a.ok)));
  });

  it('conda names agree with _get_conda_env_name', async () => {
    const cases: { text: string | undefined; envId?: string; envRootDir?: string }[] = [];
    for (const text of condaTexts) {
      for (const envId of [undefined, '3.17.2']) {
        for (const envRootDir of [undefined, '/srv/envs/', '/a//b/./c/../d', 'rel/dir/']) cases.push({ text, envId, envRootDir });
      }
    }
    cases.push({ text: undefined });
    const oracleCases = cases.map((c, index) => {
      let condaPath: string | null = null;
      if (c.text !== undefined) {
        condaPath = join(root, `conda-${index}.yaml`);
        writeFileSync(condaPath, c.text);
      }
      return { conda_path: condaPath, env_id: c.envId ?? null, env_root_dir: c.envRootDir ?? null };
    });
    const answers = await runOracle(line, 'envname.conda_name', oracleCases);
    expect(cases.map((c) => getCondaEnvName(c.text, c))).toEqual(answers.map((a) => a.ok));
  });
});
