/**
 * Finds an interpreter for the Python version a model asks for: the configured Python and
 * `pythonX.Y` on PATH first, then pyenv's installed versions, then `pyenv install`
 * (environment.md 10.3 step 4). Missing everything is a coded error naming what is missing.
 */
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { MlflowException, type Logger } from '@pyfunc/format';
import { runProcess } from './env-manager.js';
import { validatePythonVersion } from './python-env-source.js';

/** Options of {@link findPythonInterpreter}. */
export interface FindPythonOptions {
  /** Tried first (default `python3`). */
  python?: string;
  /** pyenv binary, or false to never use pyenv (default: `/databricks/.pyenv/bin/pyenv` or `pyenv` on PATH). */
  pyenv?: string | false;
  /** Allow `pyenv install` when no installed interpreter matches (default true). */
  allowInstall?: boolean;
  logger: Logger;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** A found interpreter. */
export interface FoundPython {
  path: string;
  version: string;
  source: 'path' | 'pyenv' | 'pyenv-install';
}

/** The full path of `command` on PATH, or undefined. */
export function which(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (command.includes('/')) return existsSync(command) ? command : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch { /* next */ }
  }
  return undefined;
}

function versionKey(version: string): number[] {
  return version.split('.').map(Number);
}

function compareVersions(a: string, b: string): number {
  const left = versionKey(a);
  const right = versionKey(b);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** True when installed version `actual` (X.Y.Z) satisfies the requested `X`, `X.Y` or `X.Y.Z`. */
export function pythonVersionMatches(requested: string, actual: string): boolean {
  const want = versionKey(requested);
  const have = versionKey(actual);
  return want.every((part, index) => have[index] === part);
}

/**
 * MLflow's choice from `pyenv install --list` for a non-`X.Y.Z` request: lines matching
 * `X.Y.Z` that start with the request (a plain string prefix), the greatest.
 */
export function selectPyenvVersion(installListOutput: string, requested: string): string | undefined {
  const candidates = installListOutput.split('\n').map((l) => l.trim())
    .filter((l) => /^\d+\.\d+\.\d+$/.test(l) && l.startsWith(requested));
  return candidates.sort(compareVersions).at(-1);
}

async function probe(python: string, options: FindPythonOptions): Promise<{ version: string; path: string } | undefined> {
  try {
    const result = await runProcess(python, ['-c', 'import platform, sys; print(platform.python_version()); print(sys.executable)'],
      { env: options.env, signal: options.signal, timeoutMs: 30_000 });
    if (result.exitCode !== 0) return undefined;
    const [version, path] = result.stdout.trim().split('\n');
    return version && path ? { version: version.trim(), path: path.trim() } : undefined;
  } catch (error) {
    if (MlflowException.isInstance(error) && error.errorCode === 'CANCELLED') throw error;
    return undefined;
  }
}

/** The pyenv binary MLflow would use, honouring `options.pyenv`. */
export function findPyenv(pyenv: string | false | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (pyenv === false) return undefined;
  if (pyenv !== undefined) return which(pyenv, env);
  if (existsSync('/databricks/.pyenv/bin/pyenv')) return '/databricks/.pyenv/bin/pyenv';
  return which('pyenv', env);
}

/**
 * An interpreter whose version matches `requested`.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for a malformed version;
 * RESOURCE_DOES_NOT_EXIST naming the version and what was tried when none is available.
 */
export async function findPythonInterpreter(requested: string, options: FindPythonOptions): Promise<FoundPython> {
  validatePythonVersion(requested);
  const env = options.env ?? process.env;
  const parts = requested.split('.');
  const names = [options.python ?? 'python3'];
  if (parts.length >= 2) names.push(`python${parts[0]}.${parts[1]}`);
  names.push(`python${parts[0]}`);
  const seen: string[] = [];
  for (const name of [...new Set(names)]) {
    const path = isAbsolute(name) ? name : which(name, env);
    if (path === undefined) continue;
    const found = await probe(path, options);
    if (found === undefined) continue;
    seen.push(`${name} is ${found.version}`);
    if (pythonVersionMatches(requested, found.version)) return { path: found.path, version: found.version, source: 'path' };
  }
  const pyenv = findPyenv(options.pyenv, env);
  const looked = `looked for ${[...new Set(names)].join(', ')} on PATH${seen.length ? ` (${seen.join('; ')})` : ''}`;
  if (pyenv === undefined) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST',
      `Python ${requested} is required by the model but is not installed: ${looked}, and pyenv, which could install it, `
      + 'was not found. Install Python ' + requested + ' or pyenv (https://github.com/pyenv/pyenv#installation), '
      + 'or use the uv env manager.');
  }
  const rootResult = await runProcess(pyenv, ['root'], { env, signal: options.signal, timeoutMs: 30_000 });
  const root = env.PYENV_ROOT || rootResult.stdout.trim();
  const installed = (() => {
    try { return readdirSync(join(root, 'versions')).filter((v) => /^\d+\.\d+\.\d+$/.test(v)); } catch { return []; }
  })();
  const match = installed.filter((v) => pythonVersionMatches(requested, v)).sort(compareVersions).at(-1);
  if (match !== undefined && existsSync(join(root, 'versions', match, 'bin', 'python'))) {
    return { path: join(root, 'versions', match, 'bin', 'python'), version: match, source: 'pyenv' };
  }
  if (options.allowInstall === false) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST',
      `Python ${requested} is required by the model but is not installed: ${looked}; pyenv at ${pyenv} has ${installed.join(', ') || 'no versions'}.`);
  }
  let version = requested;
  if (!/^\d+\.\d+\.\d+$/.test(requested)) {
    const list = await runProcess(pyenv, ['install', '--list'], { env, signal: options.signal, timeoutMs: 60_000 });
    const selected = selectPyenvVersion(list.stdout, requested);
    if (selected === undefined) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Could not find python version that matches ${requested}`);
    }
    version = selected;
  }
  options.logger.info({ version, pyenv }, `installing Python ${version} with pyenv`);
  const install = await runProcess(pyenv, ['install', '--skip-existing', version], {
    env, signal: options.signal, timeoutMs: 30 * 60_000,
  });
  const interpreter = join(root, 'versions', version, 'bin', 'python');
  if (install.exitCode !== 0 || !existsSync(interpreter)) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST',
      `Python ${requested} is required by the model but is not installed (${looked}), and \`pyenv install ${version}\` failed:\n`
      + `${(install.stderr || install.stdout).trim().split('\n').slice(-15).join('\n')}`);
  }
  return { path: interpreter, version, source: 'pyenv-install' };
}
