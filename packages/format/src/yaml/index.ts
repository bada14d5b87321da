export { dumpMlflowYaml } from './dump-yaml.js';
export type { DumpMlflowYamlOptions } from './dump-yaml.js';
export { loadMlflowYaml } from './load-yaml.js';
export type { LoadMlflowYamlOptions } from './load-yaml.js';
export { resolvePlainScalarTag } from './resolve-scalar.js';
export type { ImplicitTag } from './resolve-scalar.js';
