/**
 * `uv`: `uv venv --python <version>` (uv finds or downloads the interpreter), `uv pip install`
 * (environment.md 10.4). uv itself comes from PyPI into a tool environment under the cache
 * directory, built once, atomically.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MlflowException, silentLogger } from '@pyfunc/format';
import { EnvCache, defaultEnvCacheDir } from '../cache/env-cache.js';
import type { EnvManager, Environment, PrepareOptions } from './env-manager.js';
import { runProcess, venvBin } from './env-manager.js';
import { findPythonInterpreter, which } from './find-python.js';
import { prepareVenvEnvironment, type BuildContext, type VenvStrategy } from './venv-builder.js';

/** The uv release the tool environment installs from PyPI. */
export const UV_REQUIREMENT = 'uv==0.9.*';

/** Options of {@link ensureUv}. */
export interface EnsureUvOptions extends Pick<PrepareOptions, 'cacheDir' | 'python' | 'logger' | 'signal' | 'lockTimeoutMs'> {
  /** An existing uv binary to use instead (also `$PYFUNC_UV`). */
  uv?: string;
}

/**
 * The path of a uv binary: `options.uv` or `$PYFUNC_UV`, else the one in the package's tool
 * environment `<cacheDir>/.tools/uv-…`, pip-installed from PyPI on first use.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when uv cannot be installed.
 */
export async function ensureUv(options: EnsureUvOptions = {}): Promise<string> {
  const explicit = options.uv ?? process.env.PYFUNC_UV;
  if (explicit) {
    const path = which(explicit);
    if (path === undefined) throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `uv not found at ${explicit}`);
    return path;
  }
  const tools = new EnvCache(join(options.cacheDir ?? defaultEnvCacheDir(), '.tools'));
  const name = `uv-${UV_REQUIREMENT.replace(/[^0-9A-Za-z.]+/g, '_')}`;
  const cached = tools.lookup(name);
  if (cached !== undefined) return join(venvBin(cached), 'uv');
  const logger = options.logger ?? silentLogger;
  const entry = await tools.getOrBuild(name, async (dir) => {
    const python = options.python ?? 'python3';
    const created = await runProcess(python, ['-m', 'venv', dir], { signal: options.signal });
    if (created.exitCode !== 0) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Could not create the uv tool environment with ${python}: ${created.stderr.trim()}`);
    }
    logger.info({ requirement: UV_REQUIREMENT, dir }, 'installing uv from PyPI');
    const installed = await runProcess(join(venvBin(dir), 'python'), ['-m', 'pip', 'install', '--quiet', UV_REQUIREMENT], {
      signal: options.signal, env: { ...process.env, PIP_NO_INPUT: '1' },
    });
    if (installed.exitCode !== 0 || !existsSync(join(venvBin(dir), 'uv'))) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Could not install ${UV_REQUIREMENT} from PyPI:\n${installed.stderr.trim()}`);
    }
  }, { logger, signal: options.signal, lockTimeoutMs: options.lockTimeoutMs });
  return join(venvBin(entry.path), 'uv');
}

async function uvFor(context: BuildContext): Promise<string> {
  return ensureUv({ ...context.options, cacheDir: context.cacheDir, logger: context.logger });
}

const strategy: VenvStrategy = {
  envManager: 'uv',
  tool: 'uv',
  async create(dir, pythonEnv, context) {
    const uv = await uvFor(context);
    // an installed interpreter of that version saves uv's own search (pyenv shims are slow);
    // otherwise uv finds or downloads one for the version string
    const local = await findPythonInterpreter(pythonEnv.python, {
      python: context.options.python, pyenv: false, allowInstall: false, logger: context.logger,
      signal: context.options.signal, env: context.env,
    }).catch(() => undefined);
    const result = await runProcess(uv, ['venv', dir, `--python=${local?.path ?? pythonEnv.python}`], {
      env: context.env, signal: context.options.signal,
    });
    if (result.exitCode !== 0) {
      const looked = await findPythonInterpreter(pythonEnv.python, {
        python: context.options.python, pyenv: false, allowInstall: false, logger: context.logger, env: context.env,
      }).then(() => '', (error: Error) => ` ${error.message.split(', and pyenv')[0]}.`);
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST',
        `uv could not find or download Python ${pythonEnv.python}, which the model requires.${looked}\nuv said:\n${result.stderr.trim()}`);
    }
  },
  async installCommand(dir, requirementsFile, context) {
    return [await uvFor(context), 'pip', 'install', '--prerelease=allow', '--python', join(venvBin(dir), 'python'), '-r', requirementsFile];
  },
  async installRequirementsCommand(dir, requirements, context) {
    return [await uvFor(context), 'pip', 'install', '--prerelease=allow', '--python', join(venvBin(dir), 'python'), '--quiet', ...requirements];
  },
};

/** The `uv` manager. */
export const uvEnvManager: EnvManager = {
  name: 'uv',
  prepare(modelDir: string, options: PrepareOptions = {}): Promise<Environment> {
    return prepareVenvEnvironment(modelDir, options, strategy);
  },
};
