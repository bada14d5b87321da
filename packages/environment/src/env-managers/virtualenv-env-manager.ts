/**
 * `virtualenv`: the machine's Python (or pyenv's, only when the model needs another version)
 * creates the environment with `python -m venv` (what MLflow 3.10+ does), pip installs
 * (environment.md 10.3).
 */
import { join } from 'node:path';
import { MlflowException } from '@pyfunc/format';
import type { EnvManager, Environment, PrepareOptions } from './env-manager.js';
import { runProcess, venvBin } from './env-manager.js';
import { findPythonInterpreter } from './find-python.js';
import { prepareVenvEnvironment, type VenvStrategy } from './venv-builder.js';

const strategy: VenvStrategy = {
  envManager: 'virtualenv',
  tool: 'pip',
  async create(dir, pythonEnv, context) {
    const found = await findPythonInterpreter(pythonEnv.python, {
      python: context.options.python, pyenv: context.options.pyenv, logger: context.logger,
      signal: context.options.signal, env: context.env,
    });
    context.logger.info({ python: found.path, version: found.version, source: found.source }, `using Python ${found.version}`);
    const result = await runProcess(found.path, ['-m', 'venv', dir], { env: context.env, signal: context.options.signal });
    if (result.exitCode !== 0) {
      throw new MlflowException('INTERNAL_ERROR',
        `\`${found.path} -m venv\` failed (is the venv module installed, e.g. python3-venv?):\n${result.stderr.trim()}`);
    }
  },
  async installCommand(dir, requirementsFile) {
    return [join(venvBin(dir), 'python'), '-m', 'pip', 'install', '-r', requirementsFile];
  },
  async installRequirementsCommand(dir, requirements) {
    return [join(venvBin(dir), 'python'), '-m', 'pip', 'install', '--quiet', ...requirements];
  },
};

/** The `virtualenv` manager. */
export const virtualenvEnvManager: EnvManager = {
  name: 'virtualenv',
  prepare(modelDir: string, options: PrepareOptions = {}): Promise<Environment> {
    return prepareVenvEnvironment(modelDir, options, strategy);
  },
};
