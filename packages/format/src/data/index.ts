export {
  NAT,
  allocateValues,
  datetimeUnitOf,
  datetimeUnits,
  dtypes,
  integerRange,
  isBigIntDType,
  isDType,
  isDatetimeDType,
  isFloatDType,
  isIntegerDType,
  isTypedDType,
  itemSize,
  numericDTypes,
  parseDType,
  roundToFloat16,
} from './dtype.js';
export type { DType, DTypeValues, DatetimeDType, DatetimeUnit, NumericDType } from './dtype.js';
export { PyTimestamp, fromTicks, parseIsoTimestamp, toTicks } from './py-timestamp.js';
export { inferColumnDType, inferTensorDType, readValues, storeValues } from './values.js';
export type { StoredValues } from './values.js';
export { Tensor } from './tensor.js';
export { Frame, Series, isMissingValue, makeColumn } from './frame.js';
export type { Column, DTypeMap, FrameOptions, Label } from './frame.js';
export { CscMatrix, CsrMatrix } from './sparse.js';
export type { SparseParts } from './sparse.js';
export { concatFrames, rowCount, sliceRows } from './rows.js';
