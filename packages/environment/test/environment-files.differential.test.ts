import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '@pyfunc/format';
import { oracleLines, runOracle } from '../../../test/oracle/src/index.js';
import { dumpCondaEnv, mlflowCondaEnv, parseCondaEnv } from '../src/conda-env.js';
import { warnDependencyRequirementMismatches } from '../src/mismatch-warnings.js';
import { getModelDependencies } from '../src/model-dependencies.js';
import { PythonEnv } from '../src/python-env.js';
import { parseRequirements } from '../src/requirements.js';

function recorder(): { logger: Logger; warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  const logger: Logger = {
    debug() {}, info: (_f, message) => void infos.push(message), warn: (_f, message) => void warnings.push(message), child: () => logger,
  };
  return { logger, warnings, infos };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pyfunc-envfiles-'));
  dirs.push(dir);
  return dir;
}

const pythonEnvTexts = ['python: 3.10.12\nbuild_dependencies:\n- pip==23.2.1\ndependencies:\n- -r requirements.txt\n', 'python: 3.10\n',
  "python: '3.10'\n", 'python: 3.9.7\nextra: 1\n', '', 'python: null\ndependencies: []\n', 'dependencies: x\n', 'build_dependencies: 3\n',
  'python: [3]\n', '- a\n', 'python: "3.10; touch pwned"\n'];
const condaTexts = ['dependencies:\n- python=3.8.10\n- pip<=21.0\n- cudatoolkit=11\n- pip:\n  - a\n', 'dependencies:\n- python>3.8\n',
  'dependencies:\n- python\n', 'dependencies:\n- numpy\n- pip:\n  - b\n', 'dependencies:\n- python=3.9\n- pip=23.2.1\n- wheel\n- python=3.8\n- 3\n',
  'dependencies:\n- python>=3.8\n- setuptools==68.0.0\n- python=3.10.*\n'];
const current = { python_version: '3.10.12', packages: { pip: '23.2.1', setuptools: '68.0.0', wheel: null } };

describe.each(oracleLines)('environment files against MLflow %s.x', (line) => {
  it('reads python_env.yaml as _PythonEnv.from_yaml and writes it byte-identically', async () => {
    const expected = await runOracle(line, 'env.python_env', [...pythonEnvTexts.map((text) => ({ ...current, text })), current]);
    pythonEnvTexts.forEach((text, index) => {
      const answer = expected[index]!;
      if (answer.error !== undefined) {
        expect(() => PythonEnv.fromYamlText(text, { defaultPython: '3.10.12' }), text).toThrow(expect.objectContaining({ errorCode: 'INVALID_PARAMETER_VALUE' }));
      } else {
        const env = PythonEnv.fromYamlText(text, { defaultPython: '3.10.12' });
        const ok = answer.ok as { yaml: string; str: string };
        expect(env.toYamlText()).toBe(ok.yaml);
        expect(env.toString()).toBe(ok.str);
      }
    });
    const written = PythonEnv.current({ pythonVersion: '3.10.12', buildPackageVersions: { pip: '23.2.1', setuptools: '68.0.0', wheel: null } });
    expect(written.toYamlText()).toBe((expected.at(-1)!.ok as { yaml: string }).yaml);
    expect(written.toYamlText()).toBe('python: 3.10.12\nbuild_dependencies:\n- pip==23.2.1\n- setuptools==68.0.0\n- wheel\ndependencies:\n- -r requirements.txt\n');
  });

  it('falls back from conda.yaml as _PythonEnv.from_conda_yaml, with its warnings', async () => {
    const expected = await runOracle(line, 'env.python_env', condaTexts.map((conda) => ({ ...current, conda })));
    condaTexts.forEach((conda, index) => {
      const answer = expected[index]!;
      const { logger, warnings } = recorder();
      const run = () => PythonEnv.fromCondaDict(parseCondaEnv(conda, { strict: false }), { currentPython: '3.10.12', logger, path: 'conda.yaml' });
      if (answer.error !== undefined) {
        expect(run).toThrow(answer.error.message);
        return;
      }
      const ok = answer.ok as { str: string; warnings: string[] };
      expect(run().toString()).toBe(ok.str);
      expect(warnings.map((w) => w.replace(/^\S*conda\.yaml/, 'X'))).toEqual(ok.warnings.map((w) => w.replace(/^\S*conda\.yaml/, 'X')));
    });
  });

  it('builds conda.yaml as _mlflow_conda_env', async () => {
    interface CondaCase { python_version: string; packages: { pip?: string | null }; pip_deps: string[]; conda_deps?: string[];
      channels?: string[]; install_mlflow?: boolean }
    const cases: CondaCase[] = [
      { ...current, pip_deps: ['mlflow==2.22.0', 'cloudpickle==3.1.1'] },
      { ...current, pip_deps: [], install_mlflow: false },
      { ...current, packages: {}, pip_deps: ['x'], conda_deps: ['numpy'], channels: ['defaults'] },
      { ...current, pip_deps: ['naïve', 'a: b', "it's", '- x', '"q"', 'y'.repeat(90)] },
    ];
    const expected = await runOracle(line, 'env.conda_env', cases);
    const [version] = await runOracle(line, 'env.mlflow_version', [{}]);
    cases.forEach((item, index) => {
      const { logger, warnings } = recorder();
      const env = mlflowCondaEnv({ pythonVersion: item.python_version, pipVersion: item.packages.pip ?? null,
        additionalPipDeps: item.pip_deps, additionalCondaDeps: item.conda_deps, additionalCondaChannels: item.channels,
        installMlflow: item.install_mlflow ?? true, mlflowVersion: (version!.ok as { version: string }).version, logger });
      expect(dumpCondaEnv(env)).toBe(expected[index]!.ok);
      expect(warnings.length).toBe(item.packages.pip === undefined && item.pip_deps.length > 0 ? 1 : 0);
    });
    expect(dumpCondaEnv(mlflowCondaEnv({ pythonVersion: '3.10.12', pipVersion: '23.2.1', additionalPipDeps: ['mlflow==2.22.0', 'cloudpickle==3.1.1'] })))
      .toBe('channels:\n- conda-forge\ndependencies:\n- python=3.10.12\n- pip<=23.2.1\n- pip:\n  - mlflow==2.22.0\n  - cloudpickle==3.1.1\nname: mlflow-env\n');
  });

  it('warns about mismatches with the text MLflow logs', async () => {
    const [version] = await runOracle(line, 'env.mlflow_version', [{}]);
    const mlflowVersion = (version!.ok as { version: string }).version;
    const installed = { numpy: '1.26.4', foo: '2.0', 'scikit-learn': '1.4.2', mlflow: mlflowVersion, torch: '2.1.0rc1', 'databricks-agents': '0.1' };
    const cases = [
      [`mlflow==${mlflowVersion}`, 'numpy==9.9.9'], ['foo<1', './local.whl', '--index-url x'], ['scikit-learn==1.5.2', 'xgboost==2.1.1'],
      ['numpy>=1.0', 'torch>=2.0', 'databricks-agents==9', 'databricks_feature_lookup==1'], ['numpy==1.26.4; python_version < "3.8"'],
      ['Numpy!=1.26.4', 'numpy[x]==1.*'], [],
    ];
    const expected = await runOracle(line, 'env.mismatch', cases.map((reqs) => ({ reqs, installed })));
    cases.forEach((reqs, index) => {
      const { logger, warnings } = recorder();
      warnDependencyRequirementMismatches(reqs, { logger, installed, mlflowVersion,
        markerEnvironment: { python_version: '3.11', python_full_version: '3.11.7' } });
      expect(warnings, JSON.stringify(reqs)).toEqual(expected[index]!.ok);
    });
  });

  it('returns model dependencies as get_model_dependencies', async () => {
    const root = tempDir();
    const withReqs = join(root, 'with');
    const withoutReqs = join(root, 'without');
    const noPip = join(root, 'nopip');
    const mlmodel = 'flavors:\n  python_function:\n    env:\n      conda: conda.yaml\n      virtualenv: python_env.yaml\n    loader_module: mlflow.pyfunc.model\n';
    for (const [dir, conda] of [[withReqs, 'dependencies:\n- python=3.10.12\n- pip:\n  - a\n'], [withoutReqs, 'dependencies:\n- python=3.10.12\n- pip<=23\n- pip:\n  - a\n  - b\n'],
      [noPip, 'dependencies:\n- python=3.10.12\n']] as const) {
      mkdirSync(dir);
      writeFileSync(join(dir, 'MLmodel'), mlmodel);
      writeFileSync(join(dir, 'conda.yaml'), conda);
    }
    writeFileSync(join(withReqs, 'requirements.txt'), 'a');
    const uris = [withReqs, `file://${withoutReqs}`, noPip, withReqs];
    const formats = ['pip', 'pip', 'pip', 'foo'];
    const expected = await runOracle(line, 'env.model_deps', uris.map((uri, index) => ({ uri, format: formats[index] })));
    for (const [index, uri] of uris.entries()) {
      const answer = expected[index]!;
      const { logger, warnings } = recorder();
      if (answer.error !== undefined) {
        await expect(getModelDependencies(uri, { format: formats[index], logger })).rejects.toMatchObject({ errorCode: answer.error.code, message: answer.error.message });
        continue;
      }
      const ok = answer.ok as { path: string; text: string; warnings: string[] };
      const path = await getModelDependencies(uri, { format: formats[index], logger });
      expect(readFileSync(path, 'utf8')).toBe(ok.text);
      expect(warnings).toEqual(ok.warnings);
      if (index === 0) expect(path).toBe(ok.path);
    }
  });
});

describe('bad input', () => {
  it('names the file and line of malformed and option lines in strict mode', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'requirements.txt'), 'numpy==1.0\n# c\npkg --hash=sha256:abc\n');
    expect(() => parseRequirements(join(dir, 'requirements.txt'), { strict: true })).toThrow(/requirements\.txt, line 3.*--hash/);
    writeFileSync(join(dir, 'requirements.txt'), 'numpy==\n');
    expect(() => parseRequirements(join(dir, 'requirements.txt'), { strict: true })).toThrow(expect.objectContaining({
      errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/requirements\.txt, line 1: 'numpy=='/) }));
    writeFileSync(join(dir, 'requirements.txt'), '--index-url https://x\n');
    expect(() => parseRequirements(join(dir, 'requirements.txt'), { strict: true })).toThrow(/option line in .*requirements\.txt, line 1/);
    // MLflow's own (non-strict) parser keeps them verbatim
    expect(parseRequirements(join(dir, 'requirements.txt')).map((r) => r.reqStr)).toEqual(['--index-url https://x']);
  });

  it('refuses -r / -c references that escape the model directory', () => {
    const outside = tempDir();
    const model = join(outside, 'model');
    mkdirSync(model);
    writeFileSync(join(outside, 'secret.txt'), 'x');
    writeFileSync(join(model, 'requirements.txt'), 'a\n-c ../secret.txt\n');
    expect(() => parseRequirements(join(model, 'requirements.txt'), { confineTo: model })).toThrow(/requirements\.txt, line 2 references a file outside the model directory/);
    writeFileSync(join(model, 'requirements.txt'), '-r /etc/hostname\n');
    expect(() => parseRequirements(join(model, 'requirements.txt'), { confineTo: model })).toThrow(expect.objectContaining({ errorCode: 'INVALID_PARAMETER_VALUE' }));
    writeFileSync(join(model, 'requirements.txt'), '-r missing.txt\n');
    expect(() => parseRequirements(join(model, 'requirements.txt'), { confineTo: model })).toThrow(expect.objectContaining({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining('missing.txt') }));
  });

  it('refuses unknown conda keys and a python_env.yaml whose python is a float', () => {
    expect(() => parseCondaEnv('name: x\ndependences:\n- a\n', { path: 'conda.yaml' })).toThrow(/conda.yaml: unknown key 'dependences'/);
    expect(() => parseCondaEnv('dependencies:\n- 3\n', { path: 'conda.yaml' })).toThrow(/dependency 1 must be a string/);
    expect(() => PythonEnv.fromYamlText('python: 3.10\n', { path: 'python_env.yaml' })).toThrow(/python_env.yaml: `python` must be a string but got <class 'float'> \(quote the version, e.g. python: "3.1"\)/);
    expect(() => PythonEnv.fromYamlText('dependencies: []\n', { path: 'python_env.yaml' })).toThrow(expect.objectContaining({ errorCode: 'INVALID_PARAMETER_VALUE' }));
  });
});
