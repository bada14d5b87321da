/**
 * The MLflow pin and what counts as an MLflow requirement (environment.md 6).
 *
 * This package is not MLflow, so it has no MLflow version of its own: the pin names the MLflow
 * version the model targets on the Python side. {@link DEFAULT_MLFLOW_VERSION} is the version
 * this project writes into MLmodel files and is tested against (the 2.22 line); pass
 * `mlflowVersion` to target another release (e.g. a 3.x model).
 */
import { MLFLOW_COMPAT_VERSION } from '@pyfunc/format';
import { Version } from './pep440.js';
import { Requirement } from './requirement.js';

/** The MLflow version pinned by default: `MLFLOW_COMPAT_VERSION` of @pyfunc/format (2.22.x). */
export const DEFAULT_MLFLOW_VERSION: string = MLFLOW_COMPAT_VERSION;

/** Whether `mlflowVersion` is a 3.x (or later) release, whose rules differ in places. */
export function isMlflow3(mlflowVersion: string = DEFAULT_MLFLOW_VERSION): boolean {
  return new Version(mlflowVersion).major >= 3n;
}

/**
 * `_generate_mlflow_version_pinning`: `mlflow==<version>`; a dev build `X.Y.Z.devN` pins
 * `mlflow==X.Y.(Z-1)`.
 * @param mlflowVersion - the MLflow version the model targets (default {@link DEFAULT_MLFLOW_VERSION}).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when `mlflowVersion` is not a PEP 440 version.
 */
export function generateMlflowVersionPinning(mlflowVersion: string = DEFAULT_MLFLOW_VERSION): string {
  const version = new Version(mlflowVersion);
  if (!version.isDevrelease) return `mlflow==${mlflowVersion}`;
  return `mlflow==${version.major}.${version.minor}.${version.micro - 1n}`;
}

/** Options naming the MLflow line whose rules apply. */
export interface MlflowLineOptions {
  /** The targeted MLflow version; 3.x adds `mlflow-tracing` as an MLflow requirement. */
  mlflowVersion?: string;
}

/**
 * `_is_mlflow_requirement` (environment.md 6.2).
 */
export function isMlflowRequirement(requirement: string, options: MlflowLineOptions = {}): boolean {
  const names = isMlflow3(options.mlflowVersion) ? ['mlflow', 'mlflow-skinny', 'mlflow-tracing'] : ['mlflow', 'mlflow-skinny'];
  try {
    return names.includes(new Requirement(requirement).name.toLowerCase());
  } catch {
    // cut at the first per-requirement option (a space-separated token starting with '-')
    const tokens = requirement.split(' ');
    const cut = tokens.findIndex((token) => token.startsWith('-'));
    const specifier = (cut === -1 ? tokens : tokens.slice(0, cut)).join(' ');
    try {
      return new Requirement(specifier).name.toLowerCase() === 'mlflow';
    } catch {
      const squashed = requirement.replaceAll(' ', '').toLowerCase();
      return squashed.includes('/mlflow') || squashed.includes('mlflow@git');
    }
  }
}

/** `_contains_mlflow_requirement` */
export function containsMlflowRequirement(requirements: readonly string[], options: MlflowLineOptions = {}): boolean {
  return requirements.some((requirement) => isMlflowRequirement(requirement, options));
}
