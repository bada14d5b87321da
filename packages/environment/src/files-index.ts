// Public API of the environment files part of @pyfunc/environment (merged into index.ts).
export { Marker, Requirement, canonicalRequirement, canonicalizeName, parseRequirement } from './requirement.js';
export type { MarkerEnvironment, MarkerList } from './requirement.js';
export { SPECIFIER_OPERATORS, Specifier, SpecifierSet, Version, compareVersions, parseVersion } from './pep440.js';
export type { ContainsOptions, SpecifierOperator } from './pep440.js';
export {
  CONSTRAINTS_FILE_NAME, REQUIREMENTS_FILE_NAME, formatRequirementsFile, parseRequirements, readRequirementsFile, writeRequirementsFile,
} from './requirements.js';
export type { ParseRequirementsOptions, ParsedRequirement } from './requirements.js';
export { BUILD_PACKAGES, PYTHON_ENV_FILE_NAME, PythonEnv, pythonStringRepr } from './python-env.js';
export type { CurrentPythonOptions, PythonEnvInit } from './python-env.js';
export { getPythonInfo } from './python-info.js';
export type { PythonInfo } from './python-info.js';
export {
  CONDA_ENV_FILE_NAME, CONDA_ENV_KEYS, dumpCondaEnv, getCondaDeps, getPipDeps, isPipDeps, mlflowCondaEnv, overwritePipDeps, parseCondaEnv,
  readCondaEnv, writeCondaEnv,
} from './conda-env.js';
export type { CondaEnv, MlflowCondaEnvOptions } from './conda-env.js';
export {
  DEFAULT_MLFLOW_VERSION, containsMlflowRequirement, generateMlflowVersionPinning, isMlflow3, isMlflowRequirement,
} from './mlflow-pin.js';
export type { MlflowLineOptions } from './mlflow-pin.js';
export {
  deduplicateRequirements, parsePipRequirements, processCondaEnv, processPipRequirements, removeIncompatibleRequirements,
  staticVersionConstraintValidator, validateEnvArguments, writeEnvironmentFiles,
} from './process-requirements.js';
export type {
  DeduplicateOptions, PipRequirementsArgument, ProcessRequirementsOptions, ProcessedRequirements, TargetPython, VersionConstraintValidator,
} from './process-requirements.js';
export {
  checkRequirementSatisfied, formatMismatch, mismatchWarningMessage, warnDependencyRequirementMismatches,
} from './mismatch-warnings.js';
export type { MismatchOptions, MismatchedPackageInfo } from './mismatch-warnings.js';
export { getModelDependencies } from './model-dependencies.js';
export type { GetModelDependenciesOptions } from './model-dependencies.js';
