/**
 * `conda.yaml` (environment.md 2): MLflow's `_mlflow_conda_env`, reading the pip section, and
 * replacing it.
 */
import { readFileSync } from 'node:fs';
import {
  MlflowException,
  copyPyValue,
  dumpMlflowYaml,
  isPlainObject,
  loadMlflowYaml,
  silentLogger,
  writeFileAtomic,
  type Logger,
  type PyValue,
} from '@pyfunc/format';
import { DEFAULT_MLFLOW_VERSION, containsMlflowRequirement } from './mlflow-pin.js';

/** `conda.yaml` */
export const CONDA_ENV_FILE_NAME = 'conda.yaml';

/** A conda environment document: `name`, `channels`, `dependencies` (strings and `{pip: [...]}`). */
export type CondaEnv = Record<string, PyValue>;

/** The keys conda's environment files define; others are refused by {@link parseCondaEnv}. */
export const CONDA_ENV_KEYS = ['name', 'channels', 'dependencies', 'prefix', 'variables'] as const;

/** Options of {@link mlflowCondaEnv}. */
export interface MlflowCondaEnvOptions {
  /** The target Python's `X.Y.Z`, written as `python=<X.Y.Z>`. Required. */
  pythonVersion: string;
  /** The target Python's pip version; absent or `null` writes bare `pip` and warns. */
  pipVersion?: string | null;
  additionalCondaDeps?: string[];
  additionalPipDeps?: string[];
  additionalCondaChannels?: string[];
  /** Prepend `mlflow==<mlflowVersion>` unless the pip deps already hold MLflow. Default `true`. */
  installMlflow?: boolean;
  /** The MLflow version for that pin (default {@link DEFAULT_MLFLOW_VERSION}). */
  mlflowVersion?: string;
  logger?: Logger;
}

/**
 * `_mlflow_conda_env`: `name: mlflow-env`, `channels: [conda-forge]`, dependencies
 * `python=<X.Y.Z>`, `pip<=<pip>` when there are pip deps, then `{pip: [...]}`.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when `pythonVersion` is missing.
 */
export function mlflowCondaEnv(options: MlflowCondaEnvOptions): CondaEnv {
  if (typeof options.pythonVersion !== 'string' || options.pythonVersion === '') {
    throw new MlflowException('INVALID_PARAMETER_VALUE', 'mlflowCondaEnv needs the target Python version (`pythonVersion`).');
  }
  const logger = options.logger ?? silentLogger;
  const additionalPip = options.additionalPipDeps ?? [];
  const mlflowVersion = options.mlflowVersion ?? DEFAULT_MLFLOW_VERSION;
  const mlflowDeps = (options.installMlflow ?? true) && !containsMlflowRequirement(additionalPip, { mlflowVersion })
    ? [`mlflow==${mlflowVersion}`] : [];
  const pipDeps = [...mlflowDeps, ...additionalPip];
  const condaDeps: PyValue[] = [...(options.additionalCondaDeps ?? [])];
  if (pipDeps.length > 0) {
    if (options.pipVersion) {
      condaDeps.push(`pip<=${options.pipVersion}`);
    } else {
      logger.warn({}, 'Failed to resolve installed pip version. ``pip`` will be added to conda.yaml environment spec without a version specifier.');
      condaDeps.push('pip');
    }
  }
  return {
    name: 'mlflow-env',
    channels: ['conda-forge', ...(options.additionalCondaChannels ?? [])],
    dependencies: [`python=${options.pythonVersion}`, ...condaDeps, { pip: pipDeps }],
  };
}

/** `yaml.safe_dump(env, default_flow_style=False)`: sorted keys, block style. */
export function dumpCondaEnv(condaEnv: CondaEnv): string {
  return dumpMlflowYaml(condaEnv, { sortKeys: true });
}

/**
 * Writes `conda.yaml` atomically.
 * @throws {MlflowException} IO_ERROR when it cannot be written.
 */
export async function writeCondaEnv(path: string, condaEnv: CondaEnv): Promise<void> {
  await writeFileAtomic(path, dumpCondaEnv(condaEnv));
}

/** `_is_pip_deps`: a mapping with a `pip` key. */
export function isPipDeps(dep: unknown): dep is { pip: PyValue } {
  return isPlainObject(dep) && 'pip' in dep;
}

/**
 * `_get_pip_deps`: the `pip` list of the first `{pip: ...}` dependency, or `[]`.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when there is no `dependencies` list or the pip section is not a list of strings.
 */
export function getPipDeps(condaEnv: CondaEnv | null | undefined, path?: string): string[] {
  if (condaEnv === null || condaEnv === undefined) return [];
  const where = path ?? 'conda_env';
  const deps = condaEnv.dependencies;
  if (!Array.isArray(deps)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      deps === undefined ? `Invalid ${where}: it has no \`dependencies\` key` : `Invalid ${where}: \`dependencies\` must be a list`, { path });
  }
  for (const dep of deps) {
    if (isPipDeps(dep)) {
      const pip = dep.pip;
      if (!Array.isArray(pip) || pip.some((item) => typeof item !== 'string')) {
        throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid ${where}: the \`pip\` section must be a list of strings`, { path });
      }
      return [...pip] as string[];
    }
  }
  return [];
}

/** The string (conda) dependencies of a conda env. */
export function getCondaDeps(condaEnv: CondaEnv): string[] {
  const deps = condaEnv.dependencies;
  return Array.isArray(deps) ? deps.filter((dep): dep is string => typeof dep === 'string') : [];
}

/** `_overwrite_pip_deps`: every `{pip: ...}` becomes `{pip: newPipDeps}`; appended if none. */
export function overwritePipDeps(condaEnv: CondaEnv, newPipDeps: readonly string[]): CondaEnv {
  const deps = Array.isArray(condaEnv.dependencies) ? condaEnv.dependencies : [];
  let found = false;
  const newDeps: PyValue[] = deps.map((dep) => {
    if (isPipDeps(dep)) {
      found = true;
      return { pip: [...newPipDeps] };
    }
    return copyPyValue(dep);
  });
  if (!found) newDeps.push({ pip: [...newPipDeps] });
  return { ...copyPyValue(condaEnv), dependencies: newDeps };
}

/**
 * Parses `conda.yaml` text, validating its shape.
 * @param options - `path` named in errors; `strict` (default true) refuses keys conda does not define.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for malformed YAML, a non-mapping, unknown keys,
 *   or a `dependencies` entry that is neither a string nor a mapping.
 */
export function parseCondaEnv(text: string, options: { path?: string; strict?: boolean } = {}): CondaEnv {
  const where = options.path ?? CONDA_ENV_FILE_NAME;
  const value = loadMlflowYaml(text, { path: options.path });
  if (!isPlainObject(value)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid ${where}: expected a mapping`, { path: options.path });
  }
  if (options.strict ?? true) {
    const unknown = Object.keys(value).filter((key) => !(CONDA_ENV_KEYS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      throw new MlflowException('INVALID_PARAMETER_VALUE',
        `Invalid ${where}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; expected ${CONDA_ENV_KEYS.join(', ')}`,
        { path: options.path });
    }
    const deps = value.dependencies;
    if (deps !== undefined && deps !== null) {
      if (!Array.isArray(deps)) {
        throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid ${where}: \`dependencies\` must be a list`, { path: options.path });
      }
      deps.forEach((dep, index) => {
        if (typeof dep !== 'string' && !isPlainObject(dep)) {
          throw new MlflowException('INVALID_PARAMETER_VALUE',
            `Invalid ${where}: dependency ${index + 1} must be a string or a {pip: [...]} mapping`, { path: options.path });
        }
      });
    }
  }
  return value as CondaEnv;
}

/**
 * Reads `conda.yaml`.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when missing; INVALID_PARAMETER_VALUE as {@link parseCondaEnv}.
 */
export function readCondaEnv(path: string, options: { strict?: boolean } = {}): CondaEnv {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Could not read ${path}: ${(error as Error).message}`, { path, cause: error });
  }
  return parseCondaEnv(text, { ...options, path });
}
