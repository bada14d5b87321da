export { DataType, dataTypeNames, dataTypeToNumpy, dataTypeToPandas, dataTypeToSpark, isDataType, parseDataType } from './data-type.js';
export {
  AnyType,
  ArrayType,
  ArrayType as Array,
  MapType,
  MapType as Map,
  ObjectType,
  ObjectType as Object,
  Property,
  SparkMLVector,
} from './column-type.js';
export type { ColumnType, TypeDict } from './column-type.js';
export { ColSpec } from './col-spec.js';
export type { ColumnName } from './col-spec.js';
export { TensorSpec, normalizeNumpyDtype } from './tensor-spec.js';
export { Schema } from './schema.js';
export type { Spec } from './schema.js';
export { ParamSpec, enforceParamScalar, isNumpyScalar } from './param-spec.js';
export type { ParamType } from './param-spec.js';
export { ParamSchema } from './param-schema.js';
export { ModelSignature } from './model-signature.js';
export type { ModelSignatureDict, ModelSignatureInit } from './model-signature.js';
