/**
 * What the virtualenv and uv managers share (environment.md 10.3, 10.4): read the model's
 * python env, name the environment, reuse it from the cache or build it there atomically,
 * install `build_dependencies` then `dependencies` from a directory that mirrors the model
 * (so `-r requirements.txt` resolves inside it), then any override.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { MlflowException, silentLogger, type Logger } from '@pyfunc/format';
import { EnvCache, defaultEnvCacheDir } from '../cache/env-cache.js';
import { getVirtualenvName } from '../env-name.js';
import {
  ShellEnvironment, runProcess, shellQuote, venvBin,
  type EnvManagerName, type EnvProgressEvent, type Environment, type PrepareOptions,
} from './env-manager.js';
import { InstallProgressParser, installError } from './install-output.js';
import { currentPython, parseRequirementItems, readModelPythonEnv, validatePythonVersion, type PythonEnvSpec } from './python-env-source.js';

export { currentPython };

/** What a venv-style manager plugs into {@link prepareVenvEnvironment}. */
export interface VenvStrategy {
  envManager: Extract<EnvManagerName, 'virtualenv' | 'uv'>;
  /** Tool name in messages (`pip`, `uv`). */
  tool: string;
  /** Creates an empty environment at `dir` for `pythonEnv.python`; returns a note for the log. */
  create(dir: string, pythonEnv: PythonEnvSpec, context: BuildContext): Promise<void>;
  /** The argv that installs `-r <requirementsFile>` into the environment at `dir`. */
  installCommand(dir: string, requirementsFile: string, context: BuildContext): Promise<string[]>;
  /** The argv that installs `requirements` directly (override). */
  installRequirementsCommand(dir: string, requirements: string[], context: BuildContext): Promise<string[]>;
}

/** Shared state of one build. */
export interface BuildContext {
  options: PrepareOptions;
  logger: Logger;
  emit: (event: EnvProgressEvent) => void;
  env: NodeJS.ProcessEnv;
  cacheDir: string;
}

/** Mirrors the model's top-level entries as symlinks in `dir` (beside the build, so an abandoned one is collected with it). */
async function mirrorModelDir(modelDir: string, dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  for (const entry of await fs.readdir(modelDir)) {
    try {
      await fs.symlink(join(modelDir, entry), join(dir, entry));
    } catch {
      await fs.cp(join(modelDir, entry), join(dir, entry), { recursive: true });
    }
  }
  return dir;
}

/** Runs one install step, streaming progress and the build log; throws the tool's error. */
export async function runInstall(argv: string[], step: 'build_dependencies' | 'dependencies' | 'override',
  cwd: string | undefined, context: BuildContext, tool: string): Promise<void> {
  const parser = new InstallProgressParser(step, context.emit);
  context.logger.info({ command: argv.map(shellQuote).join(' '), step }, `installing ${step.replace('_', ' ')}`);
  const result = await runProcess(argv[0]!, argv.slice(1), {
    cwd, env: context.env, signal: context.options.signal,
    onLine: (line, stream) => {
      if (line.trim() === '') return;
      context.logger.debug({ stream, step }, line);
      parser.line(line);
    },
  });
  if (result.exitCode !== 0) throw installError(tool, step, `${result.stdout}\n${result.stderr}`, result.exitCode);
}

/**
 * Prepares a virtualenv/uv environment for the model in `modelDir`.
 * @throws {MlflowException} see {@link EnvManager.prepare}.
 */
export async function prepareVenvEnvironment(modelDir: string, options: PrepareOptions, strategy: VenvStrategy): Promise<Environment> {
  const started = Date.now();
  const logger = (options.logger ?? silentLogger).child({ envManager: strategy.envManager });
  const emit = (event: EnvProgressEvent) => options.onProgress?.(event);
  const absoluteModelDir = resolve(modelDir);
  emit({ phase: 'resolving', envManager: strategy.envManager, modelDir: absoluteModelDir });
  const pythonEnv = readModelPythonEnv(absoluteModelDir, () => currentPython(options.python), logger);
  validatePythonVersion(pythonEnv.python, join(absoluteModelDir, 'python_env.yaml'));
  // -r/-c references must stay inside the model directory (MLflow does not check this)
  parseRequirementItems(pythonEnv.buildDependencies, absoluteModelDir, absoluteModelDir);
  parseRequirementItems(pythonEnv.dependencies, absoluteModelDir, absoluteModelDir);
  const name = getVirtualenvName(pythonEnv, absoluteModelDir, options.envId);
  const cacheDir = options.cacheDir ?? defaultEnvCacheDir();
  const cache = new EnvCache(cacheDir);
  const extraEnv = { ...options.extraEnv };
  const finish = (path: string, built: boolean): Environment => {
    if (!built) emit({ phase: 'cached', envName: name, path });
    emit({ phase: 'done', envName: name, path, built, durationMs: Date.now() - started });
    return new ShellEnvironment({
      envManager: strategy.envManager, name, path, python: join(venvBin(path), 'python'), built,
      activationCommands: [`source ${shellQuote(join(venvBin(path), 'activate'))}`],
      extraEnv, binDirs: [venvBin(path)], activationEnv: { VIRTUAL_ENV: path },
    });
  };
  const cached = cache.lookup(name);
  if (cached !== undefined && options.pipRequirementsOverride === undefined) {
    logger.debug({ path: cached }, 'reusing cached environment');
    return finish(cached, false);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, PIP_NO_INPUT: '1', ...extraEnv };
  delete env.VIRTUAL_ENV;
  delete env.PYTHONHOME;
  const context: BuildContext = { options, logger, emit, env, cacheDir };
  const entry = await cache.getOrBuild(name, async (dir) => {
    emit({ phase: 'creating', envName: name, python: pythonEnv.python });
    logger.info({ python: pythonEnv.python, dir }, 'creating environment');
    await strategy.create(dir, pythonEnv, context);
    const mirror = await mirrorModelDir(absoluteModelDir, `${dir}.mirror`);
    try {
      for (const [step, requirements] of [
        ['build_dependencies', pythonEnv.buildDependencies], ['dependencies', pythonEnv.dependencies],
      ] as const) {
        if (requirements.length === 0) continue;
        const file = `requirements.${randomBytes(16).toString('hex')}.txt`;
        await fs.writeFile(join(mirror, file), requirements.join('\n'));
        await runInstall(await strategy.installCommand(dir, file, context), step, mirror, context, strategy.tool);
      }
    } finally {
      await fs.rm(mirror, { recursive: true, force: true });
    }
    if (options.pipRequirementsOverride !== undefined && options.pipRequirementsOverride.length > 0) {
      await runInstall(await strategy.installRequirementsCommand(dir, options.pipRequirementsOverride, context),
        'override', undefined, context, strategy.tool);
    }
    const smoke = await runProcess(join(venvBin(dir), 'python'), ['-c', ''], { env, signal: options.signal });
    if (smoke.exitCode !== 0) {
      throw new MlflowException('INTERNAL_ERROR', `The new environment's Python does not start: ${smoke.stderr.trim()}`);
    }
  }, {
    logger, signal: options.signal, lockTimeoutMs: options.lockTimeoutMs,
    onWait: (owner) => emit({ phase: 'waiting', envName: name, ownerPid: owner?.pid }),
    metadata: { envManager: strategy.envManager, python: pythonEnv.python, modelDir: absoluteModelDir },
  });
  if (!entry.built && options.pipRequirementsOverride !== undefined && options.pipRequirementsOverride.length > 0) {
    // an override on a reused environment goes in place, as MLflow does
    await runInstall(await strategy.installRequirementsCommand(entry.path, options.pipRequirementsOverride, context),
      'override', undefined, context, strategy.tool);
  }
  return finish(entry.path, entry.built);
}
