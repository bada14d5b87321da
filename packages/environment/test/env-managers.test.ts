import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@pyfunc/format';
import {
  InstallProgressParser, analyzeInstallFailure, condaActivationCommands, condaEnvManager, envManagers,
  findCondaExecutables, findPythonInterpreter, getEnvManager, localEnvManager, selectPyenvVersion,
  uvEnvManager, virtualenvEnvManager, type EnvProgressEvent,
} from '../src/managers-index.js';

const root = mkdtempSync(join(tmpdir(), 'pyfunc-env-managers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mlmodel = 'flavors:\n  python_function:\n    env:\n      conda: conda.yaml\n      virtualenv: python_env.yaml\n    loader_module: x\n    python_version: 3.11.7\n';
function model(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 'model-'));
  writeFileSync(join(dir, 'MLmodel'), mlmodel);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('envManagers', () => {
  it('is keyed by the --env-manager choices', () => {
    expect(Object.keys(envManagers).sort()).toEqual(['conda', 'local', 'uv', 'virtualenv']);
    for (const [name, manager] of Object.entries(envManagers)) expect(manager.name).toBe(name);
  });

  it('refuses other values with MLflow\'s message', () => {
    expect(() => getEnvManager('venv')).toThrow(expect.objectContaining({
      errorCode: 'INVALID_PARAMETER_VALUE',
      message: "Invalid value for `env_manager`: venv. Must be one of ['local', 'conda', 'virtualenv', 'uv']",
    }));
  });

  it('local refuses pip_requirements_override', async () => {
    await expect(localEnvManager.prepare(model({}), { pipRequirementsOverride: ['six'] }))
      .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('refuses -r references that escape the model directory, before building', async () => {
    writeFileSync(join(root, 'outside.txt'), 'six\n');
    const dir = model({ 'python_env.yaml': 'python: 3.11.7\ndependencies:\n- -r ../outside.txt\n' });
    for (const manager of [virtualenvEnvManager, uvEnvManager]) {
      await expect(manager.prepare(dir, { cacheDir: join(root, 'cache') }))
        .rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    }
  });

  it('reports a missing environment file with RESOURCE_DOES_NOT_EXIST', async () => {
    const dir = model({ 'python_env.yaml': 'python: 3.11.7\ndependencies:\n- -r requirements.txt\n' });
    await expect(virtualenvEnvManager.prepare(dir, { cacheDir: join(root, 'cache') }))
      .rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });
});

describe('pyenv (environment.md 10.3 step 4)', () => {
  it('selects the greatest X.Y.Z with the requested prefix', () => {
    expect(selectPyenvVersion('  3.10.0\n  3.10.14\n  3.10.2\n  3.1.4\n  3.10-dev\n', '3.10')).toBe('3.10.14');
    expect(selectPyenvVersion('3.10.0\n3.1.4\n', '3.1')).toBe('3.10.0'); // a plain string prefix, as MLflow
    expect(selectPyenvVersion('3.9.1\n', '3.12')).toBeUndefined();
  });

  it('installs the selected version with pyenv when no interpreter matches', async () => {
    const pyenvRoot = join(root, 'pyenv-root');
    const bin = join(root, 'stub-bin');
    mkdirSync(bin, { recursive: true });
    const realPython = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'pyenv'), `#!/bin/bash
case "$1" in
  root) echo "${pyenvRoot}" ;;
  install)
    if [ "$2" = "--list" ]; then printf '  3.10.0\\n  3.10.14\\n  3.10.2\\n  3.1.4\\n  3.10-dev\\n'; exit 0; fi
    /bin/mkdir -p "${pyenvRoot}/versions/$3/bin" && /bin/ln -sf "${realPython}" "${pyenvRoot}/versions/$3/bin/python" ;;
esac
`);
    chmodSync(join(bin, 'pyenv'), 0o755);
    const found = await findPythonInterpreter('3.10', {
      python: join(root, 'no-such-python'), pyenv: join(bin, 'pyenv'), logger: silentLogger,
      env: { PATH: bin },
    });
    expect(found).toEqual({ path: join(pyenvRoot, 'versions', '3.10.14', 'bin', 'python'), version: '3.10.14', source: 'pyenv-install' });
  });
});

describe('conda (environment.md 10.5)', () => {
  it('activates through conda.sh when CONDA_EXE is set', () => {
    const env = { CONDA_EXE: '/opt/conda/bin/conda', PATH: '' };
    expect(findCondaExecutables({ ...env, PATH: '' }).conda).toBeUndefined();
    expect([...condaActivationCommands('/opt/conda/bin/conda', 'mlflow-abc', env), 'cmd'].join(' && '))
      .toBe('source /opt/conda/bin/../etc/profile.d/conda.sh && conda activate mlflow-abc 1>&2 && cmd');
  });

  it('says clearly that conda is missing', async () => {
    const dir = model({ 'conda.yaml': 'dependencies:\n- python=3.11.7\n' });
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(condaEnvManager.prepare(dir, { cacheDir: join(root, 'cache') })).rejects.toMatchObject({
        errorCode: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringMatching(/needs conda.*MLFLOW_CONDA_HOME/s),
      });
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('pip and uv output', () => {
  it('turns pip lines into progress with counts', () => {
    const events: EnvProgressEvent[] = [];
    const parser = new InstallProgressParser('dependencies', (event) => events.push(event));
    for (const line of ['Collecting six', '  Downloading six-1.16.0-py2.py3-none-any.whl (11 kB)', '  Using cached numpy-2.0.whl (19.5 MB)',
      'Installing collected packages: six, numpy', 'Successfully installed numpy-2.0 six-1.16.0']) parser.line(line);
    expect(events).toEqual([
      { phase: 'downloading', package: 'six-1.16.0-py2.py3-none-any.whl', completed: 1 },
      { phase: 'downloading', package: 'numpy-2.0.whl', completed: 2 },
      { phase: 'installing', step: 'dependencies', completed: 0, total: 2 },
      { phase: 'installing', step: 'dependencies', completed: 2, total: 2 },
    ]);
  });

  it('turns uv lines into progress with counts', () => {
    const events: EnvProgressEvent[] = [];
    const parser = new InstallProgressParser('build_dependencies', (event) => events.push(event));
    for (const line of ['Resolved 3 packages in 90ms', 'Prepared 2 packages in 4ms', 'Installed 3 packages in 1ms', ' + pip==25.0', ' + six==1.16.0']) parser.line(line);
    expect(events).toEqual([
      { phase: 'downloading', completed: 0, total: 3 },
      { phase: 'downloading', completed: 2, total: 2 },
      { phase: 'installing', step: 'build_dependencies', completed: 3, total: 3 },
      { phase: 'installing', step: 'build_dependencies', package: 'pip==25.0', completed: 1 },
      { phase: 'installing', step: 'build_dependencies', package: 'six==1.16.0', completed: 2 },
    ]);
  });

  it('finds the failed requirement in pip\'s and uv\'s errors', () => {
    expect(analyzeInstallFailure('Looking in links: /x\nERROR: Could not find a version that satisfies the requirement nope==1.0 (from versions: none)\nERROR: No matching distribution found for nope==1.0\n'))
      .toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', requirement: 'nope==1.0', toolMessage: expect.stringMatching(/^ERROR: Could not find/) });
    expect(analyzeInstallFailure('  × No solution found when resolving dependencies:\n  ╰─▶ Because nope was not found in the package\n      registry and you require nope==1.0, we can\n      conclude that your requirements are unsatisfiable.'))
      .toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', requirement: 'nope==1.0' });
    expect(analyzeInstallFailure("ERROR: Invalid requirement: 'a b c'")).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', requirement: 'a b c' });
    expect(analyzeInstallFailure('something else broke')).toMatchObject({ errorCode: 'INTERNAL_ERROR', requirement: undefined });
  });
});
