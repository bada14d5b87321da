/**
 * Load-time requirement mismatch warnings (environment.md 8.1), with MLflow's text. Installed
 * versions come from the Python environment that will run the model, never from Node.
 */
import { silentLogger, type Logger } from '@pyfunc/format';
import { isMlflow3 } from './mlflow-pin.js';
import { Version, type PackagingCompat } from './pep440.js';
import { Requirement, canonicalizeName, type MarkerEnvironment } from './requirement.js';

/** One mismatch: MLflow's `_MismatchedPackageInfo`. */
export interface MismatchedPackageInfo {
  packageName: string;
  installedVersion: string | null;
  requirement: string;
}

/** ` <name> (current: <version|uninstalled>, required: <line>)` without the leading dash. */
export function formatMismatch(info: MismatchedPackageInfo): string {
  return `${info.packageName} (current: ${info.installedVersion || 'uninstalled'}, required: ${info.requirement})`;
}

/** Options of {@link warnDependencyRequirementMismatches}. */
export interface MismatchOptions {
  logger?: Logger;
  /**
   * Installed distribution versions in the target environment, keyed by distribution name as
   * written in the requirement (lookups also try the PEP 503 form); `null`/absent: not installed.
   * Include `mlflow` (the running MLflow version) and, for `mlflow[gateway]`, set
   * `mlflowGatewayAvailable`.
   */
  installed: Record<string, string | null | undefined>;
  /** Whether `mlflow.gateway` imports in the target environment (default true). */
  mlflowGatewayAvailable?: boolean;
  /** MLflow line rules: 3.x skips requirements whose marker is false in `markerEnvironment`. */
  mlflowVersion?: string;
  /** The target interpreter's marker environment (3.x only). */
  markerEnvironment?: MarkerEnvironment;
  /**
   * The `packaging` release of the target environment, which decides whether a pre-release
   * installed version satisfies `>=2.0` (`'26'`: yes; `'legacy'`: no). Default: `'26'` for MLflow
   * 3.x, `'legacy'` for 2.22.
   */
  packaging?: PackagingCompat;
}

const ignored = ['databricks-feature-lookup', 'databricks-agents'].map(canonicalizeName);

function lookup(installed: MismatchOptions['installed'], name: string): string | null {
  const direct = installed[name];
  if (direct !== undefined) return direct;
  const normalized = canonicalizeName(name);
  for (const [key, value] of Object.entries(installed)) {
    if (canonicalizeName(key) === normalized && value !== undefined) return value;
  }
  return null;
}

/** `_check_requirement_satisfied`: the mismatch for one line, or `undefined`. */
export function checkRequirementSatisfied(requirementString: string, options: MismatchOptions): MismatchedPackageInfo | undefined {
  let requirement: Requirement;
  try {
    requirement = new Requirement(requirementString);
  } catch {
    return undefined;
  }
  if (isMlflow3(options.mlflowVersion) && requirement.marker !== undefined && options.markerEnvironment !== undefined &&
    !requirement.marker.evaluate(options.markerEnvironment)) return undefined;
  const name = requirement.name;
  const installedVersion = lookup(options.installed, name);
  if (installedVersion === null) return { packageName: name, installedVersion: null, requirement: requirementString };
  if (name === 'mlflow' && requirement.extras.includes('gateway') && options.mlflowGatewayAvailable === false) {
    return { packageName: 'mlflow[gateway]', installedVersion: null, requirement: requirementString };
  }
  if (name === 'mlflow' && new Version(installedVersion).isDevrelease) return undefined;
  const specifier = requirement.specifier;
  if (typeof specifier !== 'string' && specifier.size > 0 && !specifier.contains(installedVersion, { packaging: options.packaging ?? (isMlflow3(options.mlflowVersion) ? '26' : 'legacy') })) {
    return { packageName: name, installedVersion, requirement: requirementString };
  }
  return undefined;
}

/** The warning text MLflow logs for these mismatch lines. */
export function mismatchWarningMessage(mismatches: readonly MismatchedPackageInfo[]): string {
  return "Detected one or more mismatches between the model's dependencies and the current Python environment:\n" +
    ` - ${mismatches.map(formatMismatch).join('\n - ')}\n` +
    'To fix the mismatches, call `mlflow.pyfunc.get_model_dependencies(model_uri)` to fetch the model\'s environment ' +
    'and install dependencies using the resulting environment file.';
}

/**
 * `warn_dependency_requirement_mismatches`: logs one warning listing every requirement the target
 * environment does not satisfy (skipping unparsable lines and Databricks packages MLflow ignores);
 * an unexpected failure becomes a single warning. Never throws.
 * @returns the mismatches found (also when none were logged).
 */
export function warnDependencyRequirementMismatches(requirements: readonly string[], options: MismatchOptions): MismatchedPackageInfo[] {
  const logger = options.logger ?? silentLogger;
  try {
    const mismatches: MismatchedPackageInfo[] = [];
    for (const requirement of requirements) {
      const info = checkRequirementSatisfied(requirement, options);
      if (info !== undefined && !ignored.includes(canonicalizeName(info.packageName))) mismatches.push(info);
    }
    if (mismatches.length > 0) logger.warn({ mismatches }, mismatchWarningMessage(mismatches));
    return mismatches;
  } catch (error) {
    logger.warn({ error }, `Encountered an unexpected error (${String(error)}) while detecting model dependency mismatches. ` +
      'Set logging level to DEBUG to see the full traceback.');
    return [];
  }
}
