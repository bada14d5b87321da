// The env managers' public API; merged into src/index.ts by the maintainer.
export * from './env-managers/index.js';
export * from './cache/index.js';
export { getCondaEnvName, getEnvName, getVirtualenvName, pythonRepr, virtualenvNameText } from './env-name.js';
export type { CondaEnvNameOptions, GetEnvNameOptions, PythonReprValue } from './env-name.js';
export type { PythonEnvSpec, RequirementItem } from './env-managers/python-env-source.js';
