/**
 * `python_env.yaml`: MLflow's `_PythonEnv` (environment.md 3): validation, defaults, the file
 * MLflow writes, the fallback from `conda.yaml`, and the Python `repr` used in env names.
 */
import { readFileSync } from 'node:fs';
import {
  MlflowException,
  dumpMlflowYaml,
  isPlainObject,
  isPyFloat,
  loadMlflowYaml,
  pyRepr,
  silentLogger,
  writeFileAtomic,
  type Logger,
  type PyValue,
} from '@pyfunc/format';
import { REQUIREMENTS_FILE_NAME } from './requirements.js';

/** `python_env.yaml` */
export const PYTHON_ENV_FILE_NAME = 'python_env.yaml';
/** The build packages recorded in `build_dependencies`, in order. */
export const BUILD_PACKAGES = ['pip', 'setuptools', 'wheel'] as const;

/** The Python class name MLflow's messages print for a value (`<class 'float'>`). */
export function pythonTypeName(value: unknown, container?: object, key?: string | number): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return isPyFloat(value, container, key) ? 'float' : 'int';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Uint8Array) return 'bytes';
  if (isPlainObject(value)) return 'dict';
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name === 'PyDate' ? 'datetime.date' : name === 'PyDateTime' ? 'datetime.datetime' : 'object';
}

/** Python's `repr` of a string (environment.md 10.6); @pyfunc/format's `pyRepr`. */
export function pythonStringRepr(text: string): string {
  return pyRepr(text);
}

/** Python's `repr` of a list of strings. */
function pythonListRepr(items: readonly string[]): string {
  return `[${items.map(pythonStringRepr).join(', ')}]`;
}

/** The fields of {@link PythonEnv}, camelCased. */
export interface PythonEnvInit {
  python?: string | null;
  buildDependencies?: string[] | null;
  dependencies?: string[] | null;
}

/** Options that name the target interpreter's facts. */
export interface CurrentPythonOptions {
  /** The target Python's `X.Y.Z` (the default of `python`). */
  pythonVersion: string;
  /** Installed versions of pip, setuptools, wheel (`null`/absent: not installed). */
  buildPackageVersions?: Partial<Record<(typeof BUILD_PACKAGES)[number], string | null>>;
}

/**
 * A model's Python environment, as MLflow's `_PythonEnv`: `python` (version), `buildDependencies`
 * (installed first) and `dependencies`.
 */
export class PythonEnv {
  readonly python: string;
  readonly buildDependencies: string[];
  readonly dependencies: string[];

  /**
   * @param init - the fields; falsy values fall back to the defaults.
   * @param defaultPython - the current Python's `X.Y.Z`, used when `python` is empty.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when `python` is empty and no default is given.
   */
  constructor(init: PythonEnvInit, defaultPython?: string) {
    const python = init.python || defaultPython;
    if (python === undefined || python === '') {
      throw new MlflowException('INVALID_PARAMETER_VALUE',
        'python_env needs a `python` version: none was given and no current Python version is known.');
    }
    this.python = python;
    this.buildDependencies = init.buildDependencies && init.buildDependencies.length > 0 ? [...init.buildDependencies] : [];
    this.dependencies = init.dependencies && init.dependencies.length > 0 ? [...init.dependencies] : [];
  }

  /**
   * `_PythonEnv.current()`: the saving interpreter's version, `pip==..`, `setuptools==..`,
   * `wheel==..` (bare names when not installed) and `-r requirements.txt`.
   */
  static current(options: CurrentPythonOptions): PythonEnv {
    return new PythonEnv({
      python: options.pythonVersion,
      buildDependencies: BUILD_PACKAGES.map((name) => {
        const version = options.buildPackageVersions?.[name];
        return version ? `${name}==${version}` : name;
      }),
      dependencies: [`-r ${REQUIREMENTS_FILE_NAME}`],
    });
  }

  /**
   * `_PythonEnv.from_dict`: validates a parsed `python_env.yaml`.
   * @param value - the YAML document.
   * @param options - `path` named in errors; `defaultPython` for an empty `python`.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for a non-mapping document, unknown keys,
   *   a non-string `python` (`python: 3.10` is the float 3.1) or non-list dependencies.
   */
  static fromDict(value: PyValue | undefined, options: { path?: string; defaultPython?: string } = {}): PythonEnv {
    const where = options.path ?? PYTHON_ENV_FILE_NAME;
    if (!isPlainObject(value)) {
      throw new MlflowException('INVALID_PARAMETER_VALUE',
        `Invalid ${where}: expected a mapping with keys python, build_dependencies, dependencies but got ${pythonTypeName(value)}`,
        { path: options.path });
    }
    const unknown = Object.keys(value).filter((key) => !['python', 'build_dependencies', 'dependencies'].includes(key));
    if (unknown.length > 0) {
      throw new MlflowException('INVALID_PARAMETER_VALUE',
        `Invalid ${where}: _PythonEnv.__init__() got an unexpected keyword argument '${unknown[0]}'`, { path: options.path });
    }
    const { python, build_dependencies: build, dependencies } = value as Record<string, PyValue>;
    if (python !== undefined && python !== null && typeof python !== 'string') {
      throw new MlflowException('INVALID_PARAMETER_VALUE',
        `Invalid ${where}: \`python\` must be a string but got <class '${pythonTypeName(python, value, 'python')}'>` +
        (typeof python === 'number' ? ` (quote the version, e.g. python: "${String(python)}")` : ''), { path: options.path });
    }
    const list = (field: string, item: PyValue | undefined): string[] | undefined => {
      if (item === undefined || item === null) return undefined;
      if (!Array.isArray(item)) {
        throw new MlflowException('INVALID_PARAMETER_VALUE',
          `Invalid ${where}: \`${field}\` must be a list but got <class '${pythonTypeName(item, value, field)}'>`, { path: options.path });
      }
      const bad = item.findIndex((entry) => typeof entry !== 'string');
      if (bad !== -1) {
        throw new MlflowException('INVALID_PARAMETER_VALUE',
          `Invalid ${where}: \`${field}\` item ${bad + 1} must be a string but got <class '${pythonTypeName(item[bad], item, bad)}'>`,
          { path: options.path });
      }
      return item as string[];
    };
    const env = new PythonEnv({
      python: python ?? undefined,
      buildDependencies: list('build_dependencies', build),
      dependencies: list('dependencies', dependencies),
    }, options.defaultPython);
    return env;
  }

  /**
   * Parses `python_env.yaml` text.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for malformed YAML or invalid content (see {@link fromDict}).
   */
  static fromYamlText(text: string, options: { path?: string; defaultPython?: string } = {}): PythonEnv {
    return PythonEnv.fromDict(loadMlflowYaml(text, { path: options.path }), options);
  }

  /**
   * Reads `python_env.yaml` (`_PythonEnv.from_yaml`).
   * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when missing; INVALID_PARAMETER_VALUE when invalid.
   */
  static fromYaml(path: string, options: { defaultPython?: string } = {}): PythonEnv {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Could not read ${path}: ${(error as Error).message}`, { path, cause: error });
    }
    return PythonEnv.fromYamlText(text, { ...options, path });
  }

  /**
   * `_PythonEnv.from_conda_yaml`: the fallback for models without `python_env.yaml`
   * (environment.md 3.3, steps 1-2; step 3 is the caller's).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for an unpinned python, a `<`/`>`/`!=`
   *   python comparator, or a dependency that is neither a string nor a `{pip: [...]}` mapping.
   */
  static fromCondaYaml(path: string, options: { currentPython: string; logger?: Logger }): PythonEnv {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Could not read ${path}: ${(error as Error).message}`, { path, cause: error });
    }
    return PythonEnv.fromCondaDict(loadMlflowYaml(text, { path }), { ...options, path });
  }

  /** {@link fromCondaYaml} on an already-parsed conda document. */
  static fromCondaDict(condaEnv: PyValue, options: { currentPython: string; logger?: Logger; path?: string }): PythonEnv {
    const logger = options.logger ?? silentLogger;
    const where = options.path ?? 'conda.yaml';
    if (!isPlainObject(condaEnv)) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid ${where}: expected a mapping`, { path: options.path });
    }
    const deps = condaEnv.dependencies ?? [];
    if (!Array.isArray(deps)) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid ${where}: \`dependencies\` must be a list`, { path: options.path });
    }
    let python: string | undefined;
    let buildDependencies: string[] | undefined;
    let dependencies: string[] | undefined;
    const unmatched: string[] = [];
    const pattern = /^(python|pip|setuptools|wheel)(<=|>=|==|!=|<|>|=)?([\d.]+)?$/;
    for (const dep of deps) {
      if (typeof dep === 'string') {
        const match = pattern.exec(dep);
        if (match === null) {
          unmatched.push(dep);
          continue;
        }
        const [, name, operator, version] = match;
        if (python === undefined && name === 'python') {
          if (operator === undefined) {
            throw new MlflowException('INVALID_PARAMETER_VALUE',
              `Invalid dependency for python: ${dep}. It must be pinned (e.g. python=3.8.13).`, { path: options.path });
          }
          if (operator === '<' || operator === '>' || operator === '!=') {
            throw new MlflowException('INVALID_PARAMETER_VALUE',
              `Invalid version comparator for python: '${operator}'. Must be one of ['<=', '>=', '=', '=='].`, { path: options.path });
          }
          python = version ?? '';
          if (python !== '') continue;
          python = undefined;
          continue;
        }
        buildDependencies ??= [];
        buildDependencies.push(name! + (operator === '=' ? '==' : operator ?? '') + (version ?? ''));
      } else if (isPlainObject(dep) && 'pip' in dep) {
        dependencies = dep.pip as string[];
      } else {
        throw new MlflowException('INVALID_PARAMETER_VALUE',
          `Invalid conda dependency: ${JSON.stringify(dep)}. Must be str or dict in the form of {"pip": [...]}`, { path: options.path });
      }
    }
    if (python === undefined) {
      logger.warn({ path: options.path }, `${where} does not include a python version specification. Using the current python version ${options.currentPython}.`);
      python = options.currentPython;
    }
    if (unmatched.length > 0) {
      logger.warn({ dependencies: unmatched },
        `The following conda dependencies will not be installed in the resulting environment: ${pythonListRepr(unmatched)}`);
    }
    return PythonEnv.fromDict({ python, build_dependencies: buildDependencies ?? null, dependencies: dependencies ?? null } as PyValue,
      { path: options.path, defaultPython: options.currentPython });
  }

  /** `to_dict()` with MLflow's snake_case keys, in MLflow's order. */
  toDict(): { python: string; build_dependencies: string[]; dependencies: string[] } {
    return { python: this.python, build_dependencies: [...this.buildDependencies], dependencies: [...this.dependencies] };
  }

  /** The YAML MLflow writes: keys in order (not sorted), empty values omitted. */
  toYamlText(): string {
    const data: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.toDict())) {
      if (Array.isArray(value) ? value.length > 0 : value !== '') data[key] = value;
    }
    return dumpMlflowYaml(data, { sortKeys: false });
  }

  /**
   * Writes `python_env.yaml` atomically (`_PythonEnv.to_yaml`).
   * @throws {MlflowException} IO_ERROR when the file cannot be written.
   */
  async toYaml(path: string): Promise<void> {
    await writeFileAtomic(path, this.toYamlText());
  }

  /** `str(_PythonEnv)`: Python's repr of `to_dict()`, the text hashed into env names. */
  toString(): string {
    return `{'python': ${pythonStringRepr(this.python)}, 'build_dependencies': ${pythonListRepr(this.buildDependencies)}, ` +
      `'dependencies': ${pythonListRepr(this.dependencies)}}`;
  }
}
