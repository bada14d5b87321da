export { enforceSchema, validateSchema } from './enforce-schema.js';
export type { EnforceSchemaOptions, EnforcedInput, NamedTensors } from './enforce-schema.js';
export { enforceParams } from './enforce-params.js';
export type { EnforceParamsOptions } from './enforce-params.js';
export type { MlflowCompat } from './enforce-type.js';
