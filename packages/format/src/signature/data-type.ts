/**
 * MLflow's `DataType` (format spec 4.3): the eight scalar type names of column specs and params.
 */
import { MlflowException } from '../mlflow-exception.js';

/** The eight DataType names, in MLflow's declaration order. */
export const dataTypeNames = [
  'boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime',
] as const;

/** One of MLflow's scalar data types, by its name as written in signatures. */
export type DataType = (typeof dataTypeNames)[number];

/** `DataType.double` and friends: the names as constants. */
export const DataType = {
  boolean: 'boolean',
  integer: 'integer',
  long: 'long',
  float: 'float',
  double: 'double',
  string: 'string',
  binary: 'binary',
  datetime: 'datetime',
} as const satisfies Record<DataType, DataType>;

const numpyTypes: Record<DataType, string> = {
  boolean: 'bool', integer: 'int32', long: 'int64', float: 'float32', double: 'float64',
  string: 'str', binary: 'bytes', datetime: 'datetime64[ns]',
};

const sparkTypes: Record<DataType, string> = {
  boolean: 'BooleanType', integer: 'IntegerType', long: 'LongType', float: 'FloatType',
  double: 'DoubleType', string: 'StringType', binary: 'BinaryType', datetime: 'TimestampType',
};

/** Whether `value` is one of the eight DataType names. */
export function isDataType(value: unknown): value is DataType {
  return typeof value === 'string' && Object.hasOwn(numpyTypes, value);
}

/**
 * Reads a DataType name.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for anything else, listing the valid names.
 */
export function parseDataType(value: unknown): DataType {
  if (isDataType(value)) return value;
  throw new MlflowException('INVALID_PARAMETER_VALUE',
    `Unsupported type '${String(value)}', expected instance of DataType or one of ` +
    `[${dataTypeNames.map((name) => `'${name}'`).join(', ')}]`);
}

/** The numpy dtype name of a DataType (`DataType.to_numpy()`), e.g. `float64` for `double`. */
export function dataTypeToNumpy(type: DataType): string {
  return numpyTypes[type];
}

/** The pandas dtype of a DataType (`DataType.to_pandas()`): `object` for string and binary. */
export function dataTypeToPandas(type: DataType): string {
  return type === 'string' || type === 'binary' ? 'object' : numpyTypes[type];
}

/** The Spark SQL type name of a DataType (`DataType.to_spark()`), e.g. `DoubleType`. */
export function dataTypeToSpark(type: DataType): string {
  return sparkTypes[type];
}
