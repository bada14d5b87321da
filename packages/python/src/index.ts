/**
 * @pyfunc/python: run any Python MLflow model from Node. Workers run MLflow's own
 * `mlflow.pyfunc.load_model` in the model's environment; data moves as raw column buffers.
 */
export { backend, createPythonBackend, loadModel, loadModel as loadPythonModel, workerPids } from './python-backend.js';
export type { EnvManagerName, PythonLoadOptions } from './python-backend.js';
export { THREAD_VARIABLES, WorkerPool, defaultWorkerCount, threadLimits } from './worker-pool.js';
export type { WorkerPoolOptions } from './worker-pool.js';
export { PythonError, PythonWorker, WORKER_SCRIPT, toCodedError } from './python-worker.js';
export type { WorkerLaunch } from './python-worker.js';
export { MessageReader, decodeValue, encodeMessage, encodeValue } from '@pyfunc/runtime/wire';
export type { WireMessage, WireTree } from '@pyfunc/runtime/wire';
