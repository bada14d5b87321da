/**
 * `conda`: `conda env create` from the model's conda.yaml (environment.md 10.5), into the
 * cache under the conda env name. Where neither conda nor mamba exists, a coded error says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MlflowException, silentLogger } from '@pyfunc/format';
import { EnvCache, defaultEnvCacheDir } from '../cache/env-cache.js';
import { getCondaEnvName } from '../env-name.js';
import {
  ShellEnvironment, runProcess, shellQuote, type EnvManager, type EnvProgressEvent, type Environment, type PrepareOptions,
} from './env-manager.js';
import { which } from './find-python.js';
import { readModelEnvFiles } from './python-env-source.js';
import { runInstall, type BuildContext } from './venv-builder.js';

/** The conda executables MLflow would use (10.5 step 1), or undefined where absent. */
export function findCondaExecutables(env: NodeJS.ProcessEnv = process.env): { conda: string | undefined; create: string | undefined } {
  const locate = (command: string) => {
    if (env.MLFLOW_CONDA_HOME) return which(join(env.MLFLOW_CONDA_HOME, 'bin', command), env);
    if (env.CONDA_EXE) return which(join(dirname(env.CONDA_EXE), command), env);
    return which(command, env);
  };
  return { conda: locate('conda'), create: locate(env.MLFLOW_CONDA_CREATE_ENV_CMD || 'conda') };
}

/** The activation commands of a conda environment (10.5 step 8); `target` is a name or prefix. */
export function condaActivationCommands(conda: string, target: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.CONDA_EXE || env.MLFLOW_CONDA_HOME) {
    return [`source ${shellQuote(`${dirname(conda)}/../etc/profile.d/conda.sh`)}`, `conda activate ${shellQuote(target)} 1>&2`];
  }
  return [`source ${shellQuote(which('activate', env) ?? 'activate')} ${shellQuote(target)} 1>&2`];
}

/** The `conda` manager. */
export const condaEnvManager: EnvManager = {
  name: 'conda',
  async prepare(modelDir: string, options: PrepareOptions = {}): Promise<Environment> {
    const started = Date.now();
    const logger = (options.logger ?? silentLogger).child({ envManager: 'conda' });
    const emit = (event: EnvProgressEvent) => options.onProgress?.(event);
    const absoluteModelDir = resolve(modelDir);
    emit({ phase: 'resolving', envManager: 'conda', modelDir: absoluteModelDir });
    const files = readModelEnvFiles(absoluteModelDir);
    const condaFile = join(absoluteModelDir, files.conda ?? 'conda.yaml');
    if (!existsSync(condaFile)) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `The model has no conda environment file ${condaFile}`, { path: condaFile });
    }
    const env: NodeJS.ProcessEnv = { ...process.env, PIP_NO_INPUT: '1', ...options.extraEnv };
    const { conda, create } = findCondaExecutables(env);
    const usable = async (path: string | undefined) =>
      path !== undefined && (await runProcess(path, ['--help'], { env, timeoutMs: 60_000 }).catch(() => undefined))?.exitCode === 0;
    if (!(await usable(conda)) || !(await usable(create))) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST',
        `The conda env manager needs conda${env.MLFLOW_CONDA_CREATE_ENV_CMD ? ` and ${env.MLFLOW_CONDA_CREATE_ENV_CMD}` : ''}, `
        + `which ${conda === undefined ? 'was not found' : `does not run (${conda})`}. Install conda or mamba `
        + '(https://conda.io/projects/conda/en/latest/user-guide/install/index.html), put it on PATH or set '
        + 'MLFLOW_CONDA_HOME to its installation directory, or use the virtualenv or uv env manager.');
    }
    if (!/^(1|true)$/i.test(env.MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING ?? '')) {
      logger.warn({}, 'Use of conda is discouraged. If you use it, please ensure that you have accepted the Anaconda terms of service; '
        + 'set MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING=TRUE to hide this message.');
    }
    const name = getCondaEnvName(readFileSync(condaFile, 'utf8'), { envId: options.envId });
    const cache = new EnvCache(join(options.cacheDir ?? defaultEnvCacheDir(), 'conda'));
    const context: BuildContext = { options, logger, emit, env, cacheDir: options.cacheDir ?? defaultEnvCacheDir() };
    const entry = await cache.getOrBuild(name, async (prefix) => {
      emit({ phase: 'creating', envName: name, python: 'conda' });
      await runInstall([create!, 'env', 'create', '--prefix', prefix, '--file', condaFile], 'dependencies', absoluteModelDir, context, 'conda');
      if (options.pipRequirementsOverride?.length) {
        await runInstall([conda!, 'install', '--prefix', prefix, '--yes', ...options.pipRequirementsOverride.map((r) => r.replace('==', '='))],
          'override', undefined, context, 'conda');
      }
    }, {
      inPlace: true, logger, signal: options.signal, lockTimeoutMs: options.lockTimeoutMs,
      onWait: (owner) => emit({ phase: 'waiting', envName: name, ownerPid: owner?.pid }),
      metadata: { envManager: 'conda', modelDir: absoluteModelDir },
    });
    if (!entry.built) emit({ phase: 'cached', envName: name, path: entry.path });
    emit({ phase: 'done', envName: name, path: entry.path, built: entry.built, durationMs: Date.now() - started });
    return new ShellEnvironment({
      envManager: 'conda', name, path: entry.path, python: join(entry.path, 'bin', 'python'), built: entry.built,
      activationCommands: condaActivationCommands(conda!, entry.path, env), extraEnv: options.extraEnv,
      binDirs: [join(entry.path, 'bin')], activationEnv: { CONDA_PREFIX: entry.path },
    });
  },
};
