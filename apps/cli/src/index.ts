export { createProgram, exitCodeFor, main } from './main.js';
export type { CliContext } from './context.js';
export type { ModelSummary } from './commands/inspect.js';
