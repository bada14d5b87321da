/**
 * Reads what the env managers need from a model directory: the pyfunc flavor's `env` files,
 * `python_env.yaml` (environment.md 3.1) with the conda fallback (3.3), and the requirement
 * items of its dependencies (4.2). Kept small and private to the managers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { MlflowException, loadMlflowYaml, type Logger, type PyValue } from '@pyfunc/format';
import { PythonEnv } from '../python-env.js';
import { parseRequirements } from '../requirements.js';

/** The three keys of `python_env.yaml`, defaults applied. */
export interface PythonEnvSpec {
  python: string;
  buildDependencies: string[];
  dependencies: string[];
}

/** One `(req_str, is_constraint)` item of MLflow's `_parse_requirements`. */
export interface RequirementItem {
  reqStr: string;
  isConstraint: boolean;
}

/** The environment files the pyfunc flavor names (`env:`), relative to the model directory. */
export interface ModelEnvFiles {
  conda: string | undefined;
  virtualenv: string | undefined;
}

function isRecord(value: unknown): value is Record<string, PyValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function readText(path: string): string {
  // Python text mode: universal newlines, UTF-8
  return readFileSync(path, 'utf8').replace(/\r\n?/g, '\n');
}

/**
 * The pyfunc flavor's `env` of the model's MLmodel file.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when the directory has no MLmodel file.
 */
export function readModelEnvFiles(modelDir: string): ModelEnvFiles {
  const mlmodelPath = join(modelDir, 'MLmodel');
  if (!existsSync(mlmodelPath)) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST',
      `Could not find an "MLmodel" configuration file at "${modelDir}"`, { path: mlmodelPath });
  }
  const mlmodel = loadMlflowYaml(readText(mlmodelPath), { path: mlmodelPath });
  const flavors = isRecord(mlmodel) ? mlmodel.flavors : undefined;
  const pyfunc = isRecord(flavors) ? flavors.python_function : undefined;
  const env = isRecord(pyfunc) ? pyfunc.env : undefined;
  if (typeof env === 'string') return { conda: env, virtualenv: undefined };
  if (isRecord(env)) {
    return {
      conda: typeof env.conda === 'string' ? env.conda : undefined,
      virtualenv: typeof env.virtualenv === 'string' ? env.virtualenv : undefined,
    };
  }
  return { conda: undefined, virtualenv: undefined };
}

const pythonVersionPattern = /^\d+(\.\d+){0,2}$/;

/**
 * Refuses a `python` value that is not a plain version (mlflow-3.md 5.4: never passed to a
 * shell or a tool unchecked).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE
 */
export function validatePythonVersion(python: string, path?: string): string {
  if (!pythonVersionPattern.test(python)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `Invalid python version ${JSON.stringify(python)}${path ? ` in ${path}` : ''}: expected a version such as 3.10 or 3.10.12`,
      path ? { path } : undefined);
  }
  return python;
}

/**
 * The model's python environment as the virtualenv and uv managers read it
 * (`_get_python_env`): the flavor's virtualenv file, else the conda fallback.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when neither file exists.
 */
export function readModelPythonEnv(modelDir: string, currentPython: () => string, logger: Logger): PythonEnvSpec {
  const files = readModelEnvFiles(modelDir);
  const pythonEnvPath = join(modelDir, files.virtualenv ?? 'python_env.yaml');
  if (existsSync(pythonEnvPath)) {
    const document = loadMlflowYaml(readText(pythonEnvPath), { path: pythonEnvPath });
    const needsDefault = !isRecord(document) || !document.python;
    return PythonEnv.fromDict(document, { path: pythonEnvPath, defaultPython: needsDefault ? currentPython() : undefined });
  }
  const condaPath = join(modelDir, files.conda ?? 'conda.yaml');
  if (existsSync(condaPath)) {
    const document = loadMlflowYaml(readText(condaPath), { path: condaPath });
    const fromConda = PythonEnv.fromCondaDict(document, { path: condaPath, logger, currentPython: currentPython() });
    // environment.md 3.3 step 3: requirements.txt replaces the conda pip list
    const dependenciesOut = existsSync(join(modelDir, 'requirements.txt')) ? ['-r requirements.txt'] : fromConda.dependencies;
    return { python: fromConda.python, buildDependencies: fromConda.buildDependencies, dependencies: dependenciesOut };
  }
  throw new MlflowException('RESOURCE_DOES_NOT_EXIST',
    `The model at ${modelDir} has neither ${files.virtualenv ?? 'python_env.yaml'} nor ${files.conda ?? 'conda.yaml'}`, { path: pythonEnvPath });
}

/**
 * MLflow's `_parse_requirements` on a list of lines, `-r`/`-c` resolved against `baseDir`
 * (`confineTo`: references must stay inside that directory).
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST naming a missing referenced file;
 * INVALID_PARAMETER_VALUE for a reference escaping `confineTo`.
 */
export function parseRequirementItems(lines: readonly string[], baseDir: string, confineTo?: string): RequirementItem[] {
  return parseRequirements(lines, { baseDir, confineTo }).map(({ reqStr, isConstraint }) => ({ reqStr, isConstraint }));
}

const currentPythonVersions = new Map<string, string>();
/**
 * The `X.Y.Z` of `python` (default `python3`): MLflow's "current Python", the default of
 * `python_env.python`.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when it does not run.
 */
export function currentPython(python = 'python3'): string {
  const known = currentPythonVersions.get(python);
  if (known !== undefined) return known;
  const result = spawnSync(python, ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Could not run ${python} to learn the current Python version`);
  }
  const version = result.stdout.trim();
  currentPythonVersions.set(python, version);
  return version;
}
