export { createProgram, exitCodeFor, main } from './main.js';
export type { CliContext } from './context.js';
export type { ModelSummary } from './commands/inspect.js';
export { generateDockerfile, JAVA_FLAVORS, UBUNTU_BASE_IMAGE } from './commands/generate-dockerfile.js';
export type { DockerfileSpec } from './commands/generate-dockerfile.js';
export { splitRequirementsOverride } from './commands/predict.js';
export { parseSize } from './commands/serve.js';
export { createCliLogger, prettyLine } from './logger.js';
export type { LogOptions } from './logger.js';
