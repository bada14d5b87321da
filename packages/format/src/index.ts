export { MlflowException, errorCodeToHttpStatus } from './mlflow-exception.js';
export type { ErrorCode, MlflowExceptionOptions } from './mlflow-exception.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export {
  PyDate,
  PyDateTime,
  compareCodePoints,
  copyPyValue,
  formatPythonFloat,
  isFloatSlot,
  isPlainObject,
  isPyFloat,
  markFloat,
} from './py-values.js';
export type { PyValue } from './py-values.js';
export { dumpsPythonJson, parsePythonJson } from './python-json.js';
export type { DumpsPythonJsonOptions, ParsePythonJsonOptions } from './python-json.js';
export * from './yaml/index.js';
export * from './signature/index.js';
export { MLFLOW_COMPAT_VERSION, MLMODEL_FILE_NAME, Model, modelTagsDict, writeFileAtomic } from './model.js';
export type { FlavorConfig, ModelInit, SavedInputExampleInfo, ToDictOptions } from './model.js';
export * from './data/index.js';
export { castFrameToSchema } from './cast-frame-to-schema.js';
export { frameFromParsedJson } from './frame-from-parsed-json.js';
export type { FrameOrient } from './frame-from-parsed-json.js';
export { castSchemaType, parseTfServingInput } from './parse-tf-serving-input.js';
export type { CastSchemaTypeOptions } from './parse-tf-serving-input.js';
export {
  inferDataType,
  inferOutputSchema,
  inferParamSchema,
  inferSchema,
  inferSignature,
  mergeColumnTypes,
} from './infer-signature.js';
export type { InferSignatureOptions } from './infer-signature.js';
export {
  INPUT_EXAMPLE_FILE_NAME,
  SERVING_INPUT_EXAMPLE_FILE_NAME,
  decodeBase64Lines,
  encodeBase64Lines,
  encodeInputExample,
  inputExampleTypes,
  isInputExampleWithParams,
  loadInputExample,
  loadServingInputExample,
  saveInputExample,
  validateExampleParams,
  withParams,
} from './input-example.js';
export type {
  EncodeInputExampleOptions,
  EncodedInputExample,
  InputExample,
  InputExampleData,
  InputExampleWithParams,
  LoadInputExampleOptions,
  LoadedInputExample,
  SaveInputExampleOptions,
} from './input-example.js';
export {
  listRepr,
  pyClass,
  pyEquals,
  pyIsInstance,
  pyRepr,
  pyStr,
  pyTruthy,
  pyTypeName,
  setRepr,
  shapeRepr,
} from './py-repr.js';
export type { PyBuiltin, PyReprable } from './py-repr.js';
