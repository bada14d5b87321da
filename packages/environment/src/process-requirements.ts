/**
 * Combining `pip_requirements` / `extra_pip_requirements` / `conda_env` as every MLflow
 * `save_model` does (environment.md 5): argument validation, de-duplication, the MLflow pin,
 * constraints, and writing the four environment files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MlflowException, isPlainObject, loadMlflowYaml, silentLogger, type Logger, type PyValue } from '@pyfunc/format';
import {
  CONDA_ENV_FILE_NAME,
  dumpCondaEnv,
  getPipDeps,
  mlflowCondaEnv,
  overwritePipDeps,
  type CondaEnv,
} from './conda-env.js';
import { DEFAULT_MLFLOW_VERSION, containsMlflowRequirement, generateMlflowVersionPinning, isMlflow3 } from './mlflow-pin.js';
import { Version, type PackagingCompat, type SpecifierSet } from './pep440.js';
import { PYTHON_ENV_FILE_NAME, PythonEnv } from './python-env.js';
import { Requirement } from './requirement.js';
import { CONSTRAINTS_FILE_NAME, REQUIREMENTS_FILE_NAME, parseRequirements, pySplitLines } from './requirements.js';
import { writeFileAtomic } from '@pyfunc/format';
import { pythonTypeName } from './python-env.js';

/** pip requirements as MLflow accepts them: a path to a requirements file, or a list of lines. */
export type PipRequirementsArgument = string | readonly string[];

/**
 * `_validate_env_arguments`: at most one of the three may be given.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE (a `ValueError` in MLflow) with MLflow's message.
 */
export function validateEnvArguments(condaEnv: unknown, pipRequirements: unknown, extraPipRequirements: unknown): void {
  const given = [condaEnv, pipRequirements, extraPipRequirements].filter((value) => value !== undefined && value !== null);
  if (given.length > 1) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      'Only one of `conda_env`, `pip_requirements`, and `extra_pip_requirements` can be specified');
  }
}

/** Options for resolving requirement-file references. */
export interface ParsePipRequirementsOptions {
  /** Base of `-r`/`-c` references in a list (MLflow: the working directory). */
  baseDir?: string;
}

/**
 * `_parse_pip_requirements`: a path is read as a *list of lines* (so its references resolve
 * against `baseDir`, the working directory by default); a list is parsed with 4.2.
 * @returns requirements and constraints.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE (MLflow: `TypeError`) for other types;
 *   RESOURCE_DOES_NOT_EXIST for a missing file.
 */
export function parsePipRequirements(pipRequirements: unknown, options: ParsePipRequirementsOptions = {}): { requirements: string[]; constraints: string[] } {
  if (pipRequirements === undefined || pipRequirements === null) return { requirements: [], constraints: [] };
  if (typeof pipRequirements === 'string') {
    let text: string;
    try {
      text = readFileSync(pipRequirements, 'utf8');
    } catch (error) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `[Errno 2] No such file or directory: '${pipRequirements}'`,
        { path: pipRequirements, cause: error });
    }
    return parsePipRequirements(pySplitLines(text), options);
  }
  // Python iterates a dict's keys: MLflow accepts {"numpy": ...} as ["numpy"]
  if (isPlainObject(pipRequirements)) return parsePipRequirements(Object.keys(pipRequirements), options);
  if (Array.isArray(pipRequirements) && pipRequirements.every((item) => typeof item === 'string')) {
    const requirements: string[] = [];
    const constraints: string[] = [];
    for (const item of parseRequirements(pipRequirements as string[], { baseDir: options.baseDir })) {
      (item.isConstraint ? constraints : requirements).push(item.reqStr);
    }
    return { requirements, constraints };
  }
  const typeName = Array.isArray(pipRequirements) ? 'list' : pythonTypeName(pipRequirements);
  throw new MlflowException('INVALID_PARAMETER_VALUE',
    '`pip_requirements` must be either a string path to a pip requirements file on the local filesystem ' +
    `or an iterable of pip requirement strings, but got \`<class '${typeName}'>\``);
}

/**
 * Validates that two requirement strings for the same package can be satisfied together
 * (MLflow: a `pip install --dry-run`). Throw to refuse.
 */
export type VersionConstraintValidator = (requirements: [string, string]) => void;

function candidateVersions(sets: SpecifierSet[]): Version[] {
  const candidates: Version[] = [new Version('0'), new Version('0.dev0'), new Version('999999999')];
  for (const set of sets) {
    for (const specifier of set.specifiers) {
      const text = specifier.version.replace(/\.\*$/, '');
      if (!Version.isValid(text)) continue;
      const version = new Version(text);
      const release = [...version.release];
      const epoch = version.epoch !== 0n ? `${version.epoch}!` : '';
      candidates.push(version, new Version(`${version.public}.post999999`), new Version(`${epoch}${release.join('.')}.dev0`));
      for (let index = 0; index < release.length; index++) {
        const bumped = release.slice(0, index + 1);
        bumped[index] = bumped[index]! + 1n;
        candidates.push(new Version(`${epoch}${bumped.join('.')}`), new Version(`${epoch}${bumped.join('.')}.dev0`));
        if (bumped[index]! >= 2n) {
          const lowered = release.slice(0, index + 1);
          lowered[index] = lowered[index]! - 1n;
          candidates.push(new Version(`${epoch}${lowered.join('.')}.999999`));
        }
      }
      candidates.push(new Version(`${epoch}${release.join('.')}.1`), new Version(`${epoch}${release.join('.')}.0.1`));
    }
  }
  return candidates;
}

/**
 * The static part of MLflow's version-constraint validation (environment.md 5.6): refuses two
 * requirements whose specifier sets no version satisfies together (checked on the versions the
 * specifiers name and their neighbours, pre-releases allowed).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE "The specified requirements versions are incompatible. ..."
 */
export const staticVersionConstraintValidator: VersionConstraintValidator = (requirements) => {
  const parsed = requirements.map((text) => new Requirement(text));
  const sets = parsed.map((requirement) => (typeof requirement.specifier === 'string'
    ? new (requirement.constructor as typeof Requirement)(`x${requirement.specifier}`).specifier : requirement.specifier) as SpecifierSet);
  const satisfiable = candidateVersions(sets).some((version) => sets.every((set) => set.contains(version, { prereleases: true })));
  if (!satisfiable) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `The specified requirements versions are incompatible. Detected conflicts: \n${requirements.join(' and ')} ` +
      'cannot be satisfied by any version.');
  }
};

/** Options of {@link deduplicateRequirements}. */
export interface DeduplicateOptions {
  /** The targeted MLflow version; 3.x keys by (name, marker) and re-parses merged specifiers. */
  mlflowVersion?: string;
  /** Checks merged specifiers (default {@link staticVersionConstraintValidator}). */
  validateVersionConstraints?: VersionConstraintValidator;
  /**
   * The `packaging` release whose rendering applies (default: `'26'` for MLflow 3.x, whose
   * environments carry packaging 26, `'legacy'` (24.x) for 2.22).
   */
  packaging?: PackagingCompat;
}

function localLabel(version: string): boolean {
  return Version.isValid(version) && new Version(version).local !== undefined;
}

/**
 * MLflow's `_strip_local_version_label` renders a `Version` subclass whose `local` is `None`;
 * packaging 26's `str(Version)` reads the label from its own slot, so there it strips nothing.
 */
function stripLocal(version: string, packaging: PackagingCompat): string {
  if (!Version.isValid(version)) return version;
  const parsed = new Version(version);
  return packaging === '26' ? parsed.toString() : parsed.public;
}

/**
 * `_deduplicate_requirements` (environment.md 5.5): merges requirements for the same name (as
 * written) keeping the first position; extras are unioned; differing specifiers are validated and
 * joined (2.22: verbatim `old,new`; 3.x: re-parsed). Unparsable lines are kept once each.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for incompatible versions.
 */
export function deduplicateRequirements(requirements: readonly string[], options: DeduplicateOptions = {}): string[] {
  const v3 = isMlflow3(options.mlflowVersion);
  const validate = options.validateVersionConstraints ?? staticVersionConstraintValidator;
  const packaging = options.packaging ?? (v3 ? '26' : 'legacy');
  const deduped = new Map<string, Requirement | string>();
  for (const text of requirements) {
    let parsed: Requirement;
    try {
      parsed = new Requirement(text, { packaging });
    } catch {
      if (!deduped.has(`\0${text}`)) deduped.set(`\0${text}`, text);
      continue;
    }
    const key = v3 ? `${parsed.name}\0${parsed.marker?.toString() ?? ''}` : parsed.name;
    const existing = deduped.get(key) as Requirement | undefined;
    if (existing === undefined) {
      deduped.set(key, parsed);
      continue;
    }
    const existingSet = typeof existing.specifier === 'string' ? new Requirement(`x${existing.specifier}`).specifier as SpecifierSet : existing.specifier;
    const parsedSet = parsed.specifier as SpecifierSet;
    if (existing.hasSpecifier && parsed.hasSpecifier && !existingSet.equals(parsedSet)) {
      const oldSpecs = existingSet.specifiers;
      const newSpecs = parsedSet.specifiers;
      if (v3 && oldSpecs.length === 1 && newSpecs.length === 1 && oldSpecs[0]!.operator === '==' && newSpecs[0]!.operator === '==' &&
        stripLocal(oldSpecs[0]!.version, packaging) === stripLocal(newSpecs[0]!.version, packaging) &&
        localLabel(oldSpecs[0]!.version) !== localLabel(newSpecs[0]!.version)) {
        if (localLabel(newSpecs[0]!.version)) parsed.specifier = existing.specifier;
      } else {
        validate([existing.toString(), text]);
        const joined = `${existing.specifier.toString()},${parsed.specifier.toString()}`;
        parsed.specifier = v3 ? new Requirement(`x${joined}`, { packaging }).specifier : joined;
      }
    }
    if (existing.hasSpecifier && !parsed.hasSpecifier) parsed.specifier = existing.specifier;
    const oldExtras = new Set(existing.extras);
    const newExtras = new Set(parsed.extras);
    const sameExtras = oldExtras.size === newExtras.size && [...oldExtras].every((extra) => newExtras.has(extra));
    if (oldExtras.size > 0 && newExtras.size > 0 && !sameExtras) parsed.extras = [...new Set([...oldExtras, ...newExtras])];
    else if (oldExtras.size > 0 && newExtras.size === 0) parsed.extras = [...existing.extras];
    deduped.set(key, parsed);
  }
  return [...deduped.values()].map((value) => value.toString());
}

function requirementName(text: string): string {
  try {
    return new Requirement(text).name;
  } catch {
    return text;
  }
}

/** `_remove_incompatible_requirements`: with `databricks-connect`, drop `pyspark` and `pyspark-connect`. */
export function removeIncompatibleRequirements(requirements: readonly string[]): string[] {
  const names = new Set(requirements.map(requirementName));
  if (names.has('databricks-connect') && (names.has('pyspark') || names.has('pyspark-connect'))) {
    return requirements.filter((text) => !['pyspark', 'pyspark-connect'].includes(requirementName(text)));
  }
  return [...requirements];
}

/** The facts about the target Python that the written files record. */
export interface TargetPython {
  /** `X.Y.Z` of the target interpreter. */
  pythonVersion: string;
  /** pip, setuptools, wheel versions (`null`: not installed). */
  buildPackageVersions?: Partial<Record<'pip' | 'setuptools' | 'wheel', string | null>>;
}

/** Options shared by {@link processPipRequirements} and {@link processCondaEnv}. */
export interface ProcessRequirementsOptions extends DeduplicateOptions, ParsePipRequirementsOptions {
  /** The target Python (required to build conda.yaml / python_env.yaml). */
  target: TargetPython;
  /** The MLflow version the pin names (default {@link DEFAULT_MLFLOW_VERSION}). */
  mlflowVersion?: string;
  logger?: Logger;
  /**
   * Called with the final requirement list (before `-c constraints.txt`) to warn about
   * mismatches with the target environment (MLflow's step 5); e.g. a bound
   * `warnDependencyRequirementMismatches`. Skipped when absent.
   */
  warnMismatches?: (requirements: string[]) => void | Promise<void>;
}

/** What the processing functions return: MLflow's `(conda_env, pip_requirements, pip_constraints)`. */
export interface ProcessedRequirements {
  condaEnv: CondaEnv;
  requirements: string[];
  constraints: string[];
}

/**
 * `_process_pip_requirements` (environment.md 5.3).
 * @param defaultPipRequirements - inferred + flavor defaults (already sorted by the caller).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for bad arguments or incompatible versions.
 */
export async function processPipRequirements(defaultPipRequirements: readonly string[], pipRequirements: PipRequirementsArgument | null | undefined,
  extraPipRequirements: PipRequirementsArgument | null | undefined, options: ProcessRequirementsOptions): Promise<ProcessedRequirements> {
  const mlflowVersion = options.mlflowVersion ?? DEFAULT_MLFLOW_VERSION;
  let requirements: string[];
  let constraints: string[] = [];
  if (pipRequirements !== undefined && pipRequirements !== null) {
    ({ requirements, constraints } = parsePipRequirements(pipRequirements, options));
  } else if (extraPipRequirements !== undefined && extraPipRequirements !== null) {
    const extra = parsePipRequirements(extraPipRequirements, options);
    constraints = extra.constraints;
    requirements = [...defaultPipRequirements, ...extra.requirements];
  } else {
    requirements = [...defaultPipRequirements];
  }
  if (!containsMlflowRequirement(requirements, { mlflowVersion })) requirements.unshift(generateMlflowVersionPinning(mlflowVersion));
  let sanitized = deduplicateRequirements(requirements, { ...options, mlflowVersion });
  sanitized = removeIncompatibleRequirements(sanitized);
  await options.warnMismatches?.(sanitized);
  if (constraints.length > 0) sanitized.push(`-c ${CONSTRAINTS_FILE_NAME}`);
  const condaEnv = mlflowCondaEnv({
    pythonVersion: options.target.pythonVersion,
    pipVersion: options.target.buildPackageVersions?.pip ?? null,
    additionalPipDeps: sanitized,
    installMlflow: false,
    mlflowVersion,
    logger: options.logger,
  });
  return { condaEnv, requirements: sanitized, constraints };
}

/**
 * `_process_conda_env` (environment.md 5.4): keeps the user's conda env, replaces its pip section;
 * no de-duplication.
 * @param condaEnv - a mapping, or a path to a YAML file.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE (MLflow: `TypeError`) for other types.
 */
export async function processCondaEnv(condaEnv: unknown, options: ProcessRequirementsOptions): Promise<ProcessedRequirements> {
  const mlflowVersion = options.mlflowVersion ?? DEFAULT_MLFLOW_VERSION;
  let env: CondaEnv;
  let path: string | undefined;
  if (typeof condaEnv === 'string') {
    path = condaEnv;
    let text: string;
    try {
      text = readFileSync(condaEnv, 'utf8');
    } catch (error) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `[Errno 2] No such file or directory: '${condaEnv}'`, { path, cause: error });
    }
    const loaded = loadMlflowYaml(text, { path });
    if (!isPlainObject(loaded)) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid conda env file ${path}: expected a mapping`, { path });
    }
    env = loaded as CondaEnv;
  } else if (isPlainObject(condaEnv)) {
    env = condaEnv as CondaEnv;
  } else {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      'Expected a string path to a conda env yaml file or a `dict` representing a conda env, ' +
      `but got \`${Array.isArray(condaEnv) ? 'list' : pythonTypeName(condaEnv)}\``);
  }
  const { requirements, constraints } = parsePipRequirements(getPipDeps(env, path), options);
  if (!containsMlflowRequirement(requirements, { mlflowVersion })) requirements.unshift(generateMlflowVersionPinning(mlflowVersion));
  await options.warnMismatches?.(requirements);
  if (constraints.length > 0) requirements.push(`-c ${CONSTRAINTS_FILE_NAME}`);
  return { condaEnv: overwritePipDeps(env, requirements), requirements, constraints };
}

/**
 * Writes `conda.yaml`, `constraints.txt` (when there are constraints), `requirements.txt` and
 * `python_env.yaml` into `directory`, each atomically (MLflow's save step; environment.md 5.3 step 9).
 * @throws {MlflowException} IO_ERROR when a file cannot be written.
 */
export async function writeEnvironmentFiles(directory: string, processed: ProcessedRequirements, target: TargetPython): Promise<void> {
  const files: Array<[string, string]> = [[CONDA_ENV_FILE_NAME, dumpCondaEnv(processed.condaEnv)]];
  if (processed.constraints.length > 0) files.push([CONSTRAINTS_FILE_NAME, processed.constraints.join('\n')]);
  files.push([REQUIREMENTS_FILE_NAME, processed.requirements.join('\n')]);
  files.push([PYTHON_ENV_FILE_NAME, PythonEnv.current(target).toYamlText()]);
  for (const [name, text] of files) await writeFileAtomic(join(directory, name), text);
}

export type { PyValue };
