#!/usr/bin/env node
/**
 * The `pyfunc-spark-worker` bin: started by python/pyfunc_spark.py with its request pipe on fd 3
 * and its answer pipe on fd 4; exits when fd 3 closes (the PySpark worker ended).
 */
import '@pyfunc/python'; // registers the python_function backend for Python models
import { runSparkWorker } from './worker.js';

const inputFd = Number(process.env.PYFUNC_SPARK_INPUT_FD ?? 3);
const outputFd = Number(process.env.PYFUNC_SPARK_OUTPUT_FD ?? 4);

runSparkWorker(inputFd, outputFd).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`pyfunc-spark-worker: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
