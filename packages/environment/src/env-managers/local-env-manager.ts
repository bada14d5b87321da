/**
 * `local`: no environment is built; commands run with the configured Python (environment.md
 * 10.8). The model's Python version is compared with it as MLflow does at load (8.2).
 */
import { dirname, resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MlflowException, loadMlflowYaml, silentLogger, type PyValue } from '@pyfunc/format';
import { ShellEnvironment, runProcess, shellQuote, type EnvManager, type Environment, type PrepareOptions } from './env-manager.js';
import { which } from './find-python.js';

function pythonVersionOfModel(modelDir: string): string | undefined {
  const path = join(modelDir, 'MLmodel');
  if (!existsSync(path)) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Could not find an "MLmodel" configuration file at "${modelDir}"`, { path });
  }
  const mlmodel = loadMlflowYaml(readFileSync(path, 'utf8'), { path }) as Record<string, PyValue> | null;
  const flavors = mlmodel?.flavors as Record<string, PyValue> | undefined;
  const pyfunc = flavors?.python_function as Record<string, PyValue> | undefined;
  const version = pyfunc?.python_version;
  return typeof version === 'string' ? version : undefined;
}

/** The `local` manager. */
export const localEnvManager: EnvManager = {
  name: 'local',
  async prepare(modelDir: string, options: PrepareOptions = {}): Promise<Environment> {
    const started = Date.now();
    const logger = (options.logger ?? silentLogger).child({ envManager: 'local' });
    const absoluteModelDir = resolve(modelDir);
    options.onProgress?.({ phase: 'resolving', envManager: 'local', modelDir: absoluteModelDir });
    if (options.pipRequirementsOverride !== undefined && options.pipRequirementsOverride.length > 0) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', '`pip_requirements_override` is not supported for local env manager.');
    }
    const modelPython = pythonVersionOfModel(absoluteModelDir);
    const configured = options.python ?? 'python3';
    const path = which(configured);
    if (path === undefined) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `The local env manager needs a Python interpreter: ${configured} was not found on PATH`);
    }
    const probe = await runProcess(path, ['-c', 'import platform, sys; print(platform.python_version()); print(sys.executable)'],
      { signal: options.signal, timeoutMs: 30_000 });
    if (probe.exitCode !== 0) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `${configured} does not run: ${probe.stderr.trim()}`);
    }
    const [version = '', executable = path] = probe.stdout.trim().split('\n');
    if (modelPython === undefined) {
      logger.warn({ python: version }, `The python version of the model was not found in the MLmodel file; it may be incompatible with the running Python ${version}`);
    } else if (modelPython.split('.').slice(0, 2).join('.') !== version.split('.').slice(0, 2).join('.')) {
      logger.warn({ modelPython, python: version },
        `The version of Python that the model was saved in, \`Python ${modelPython}\`, differs from the version of Python that is currently running, \`Python ${version}\`, and may be incompatible`);
    }
    options.onProgress?.({ phase: 'done', envName: 'local', path: undefined, built: false, durationMs: Date.now() - started });
    return new ShellEnvironment({
      envManager: 'local', name: 'local', path: undefined, python: executable, built: false,
      // the configured interpreter's directory first, so `python` means it in shell commands too
      activationCommands: [`export PATH=${shellQuote(dirname(executable))}:"$PATH"`], extraEnv: options.extraEnv, binDirs: [dirname(executable)],
    });
  },
};
