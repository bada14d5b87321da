import { condaEnvManager } from './conda-env-manager.js';
import { MlflowException } from '@pyfunc/format';
import { envManagerNames, type EnvManager, type EnvManagerName } from './env-manager.js';
import { localEnvManager } from './local-env-manager.js';
import { uvEnvManager } from './uv-env-manager.js';
import { virtualenvEnvManager } from './virtualenv-env-manager.js';

export * from './env-manager.js';
export { condaActivationCommands, condaEnvManager, findCondaExecutables } from './conda-env-manager.js';
export { findPyenv, findPythonInterpreter, pythonVersionMatches, selectPyenvVersion, which } from './find-python.js';
export type { FindPythonOptions, FoundPython } from './find-python.js';
export { analyzeInstallFailure, InstallProgressParser } from './install-output.js';
export type { InstallFailure } from './install-output.js';
export { localEnvManager } from './local-env-manager.js';
export { UV_REQUIREMENT, ensureUv, uvEnvManager } from './uv-env-manager.js';
export type { EnsureUvOptions } from './uv-env-manager.js';
export { virtualenvEnvManager } from './virtualenv-env-manager.js';

/** The managers keyed by the `--env-manager` choices. */
export const envManagers: Readonly<Record<EnvManagerName, EnvManager>> = {
  local: localEnvManager,
  conda: condaEnvManager,
  virtualenv: virtualenvEnvManager,
  uv: uvEnvManager,
};

/** The CLI's and `mlflow.models.predict`'s default (environment.md 10.1). */
export const DEFAULT_ENV_MANAGER: EnvManagerName = 'virtualenv';

/**
 * The manager for an `--env-manager` value.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for any other value, listing the four.
 */
export function getEnvManager(name: string): EnvManager {
  if (!(envManagerNames as readonly string[]).includes(name)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `Invalid value for \`env_manager\`: ${name}. Must be one of ['local', 'conda', 'virtualenv', 'uv']`);
  }
  return envManagers[name as EnvManagerName];
}
