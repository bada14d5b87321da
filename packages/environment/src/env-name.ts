/**
 * Environment names as MLflow computes them (environment.md 10.6): `mlflow-` + SHA-1 of the
 * python env and its expanded requirements (virtualenv, uv) or of the conda file (conda).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { pyRepr, silentLogger, type Logger } from '@pyfunc/format';
import {
  currentPython, parseRequirementItems, readModelEnvFiles, readModelPythonEnv, type PythonEnvSpec, type RequirementItem,
} from './env-managers/python-env-source.js';

/** A value whose Python `repr` this module can write. */
export type PythonReprValue = string | boolean | null | readonly PythonReprValue[] | { readonly [key: string]: PythonReprValue };

/** Python's `repr` of strings, booleans, `None`, lists and dicts (insertion order). */
export function pythonRepr(value: PythonReprValue): string {
  if (typeof value === 'string') return pyRepr(value);
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null) return 'None';
  if (Array.isArray(value)) return `[${(value as readonly PythonReprValue[]).map(pythonRepr).join(', ')}]`;
  return `{${Object.entries(value).map(([key, item]) => `${pyRepr(key)}: ${pythonRepr(item)}`).join(', ')}}`;
}

function sha1(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

function compareCodePoints(a: string, b: string): number {
  // Python compares str by code point; JS `<` compares UTF-16 units
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    const difference = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

/** The text MLflow hashes for a virtualenv/uv environment name (10.6). */
export function virtualenvNameText(pythonEnv: PythonEnvSpec, requirements: readonly RequirementItem[],
  envId?: string): string {
  const dict = pythonRepr({
    python: pythonEnv.python,
    build_dependencies: pythonEnv.buildDependencies,
    dependencies: pythonEnv.dependencies,
  });
  const sorted = [...requirements].sort((a, b) =>
    compareCodePoints(a.reqStr, b.reqStr) || Number(a.isConstraint) - Number(b.isConstraint));
  const items = sorted.map((item) =>
    `_Requirement(req_str=${pyRepr(item.reqStr)}, is_constraint=${item.isConstraint ? 'True' : 'False'})`);
  return dict + items.join('') + (envId ?? '');
}

/**
 * MLflow's `_get_virtualenv_name`: `mlflow-<sha1>` of the python env and its dependencies
 * expanded against `modelDir` (so `-r requirements.txt` counts by content).
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when a referenced requirements file is missing.
 */
export function getVirtualenvName(pythonEnv: PythonEnvSpec, modelDir: string, envId?: string): string {
  const requirements = parseRequirementItems(pythonEnv.dependencies, modelDir);
  return `mlflow-${sha1(virtualenvNameText(pythonEnv, requirements, envId))}`;
}

/** Options of {@link getCondaEnvName}. */
export interface CondaEnvNameOptions {
  envId?: string;
  /** MLflow's `env_root_dir`: adds `-<sha1 of the normalised path>`. */
  envRootDir?: string;
}

/**
 * MLflow's `_get_conda_env_name` from the conda file's text (`undefined` = no file).
 * Line endings are normalised as Python's text mode does.
 */
export function getCondaEnvName(condaYamlText: string | undefined, options: CondaEnvNameOptions = {}): string {
  const text = (condaYamlText ?? '').replace(/\r\n?/g, '\n') + (options.envId ?? '');
  let name = `mlflow-${sha1(text)}`;
  if (options.envRootDir) {
    let root = normalize(options.envRootDir);
    if (root.length > 1 && root.endsWith('/')) root = root.slice(0, -1);
    name += `-${sha1(root)}`;
  }
  return name;
}

/** Options of {@link getEnvName}. */
export interface GetEnvNameOptions {
  envManager: 'virtualenv' | 'uv' | 'conda';
  /** Appended to the hashed text (MLflow's `env_id`: the MLflow version or `MLFLOW_HOME` when installing MLflow). */
  envId?: string;
  /** conda only: MLflow's `env_root_dir`. */
  envRootDir?: string;
  /** The Python `X.Y.Z` used when the model's files name none (default: `python3`'s version). */
  currentPython?: () => string;
  logger?: Logger;
}

/**
 * The environment name MLflow gives the model's environment under `envManager`.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when the model or a referenced file is missing;
 * INVALID_PARAMETER_VALUE when its environment files are invalid.
 */
export function getEnvName(modelDir: string, options: GetEnvNameOptions): string {
  const logger = options.logger ?? silentLogger;
  if (options.envManager === 'conda') {
    const files = readModelEnvFiles(modelDir);
    const condaPath = files.conda === undefined ? undefined : join(modelDir, files.conda);
    const text = condaPath !== undefined && existsSync(condaPath) ? readFileSync(condaPath, 'utf8') : undefined;
    return getCondaEnvName(text, options);
  }
  const pythonEnv = readModelPythonEnv(modelDir, options.currentPython ?? (() => currentPython()), logger);
  return getVirtualenvName(pythonEnv, modelDir, options.envId);
}
