import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The path of `pyfunc_spark.py`, the Python module with `spark_udf(spark, model_uri, …)`: put its
 * folder on `sys.path` (or `spark.sparkContext.addPyFile(path)`) and `from pyfunc_spark import
 * spark_udf`.
 */
export function pythonShimPath(): string {
  return join(packageRoot, 'python', 'pyfunc_spark.py');
}

/** The path of the executor-side worker script (`dist/spark-worker.js`) the shim starts. */
export function sparkWorkerPath(): string {
  return join(packageRoot, 'dist', 'spark-worker.js');
}
