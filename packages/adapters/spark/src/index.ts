export {
  checkUdfReturnType,
  inferSparkResultType,
  isValidUdfReturnType,
  parseSparkType,
  resolveSparkResultType,
  sparkPrimitive,
  sparkTypeRepr,
  sparkTypeToDdl,
  sparkTypeToParsableDdl,
} from './spark-type.js';
export type { SparkField, SparkPrimitiveName, SparkType } from './spark-type.js';
export { argumentNames, arrowArgumentsToFrame, vectorToColumn } from './arrow-input.js';
export type { ArrowInputOptions } from './arrow-input.js';
export { convertArrayValues, formatFloat32, predictionToFrame, predictionToSparkValues } from './convert-output.js';
export { sparkTypeToArrow, sparkValuesToArrow } from './arrow-output.js';
export {
  SparkWorkerState,
  describeSparkUdf,
  encodeWorkerMessage,
  runSparkWorker,
} from './worker.js';
export type { DescribeResult, WorkerRequest } from './worker.js';
export { pythonShimPath, sparkWorkerPath } from './python-shim-path.js';
