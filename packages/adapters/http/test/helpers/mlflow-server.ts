/** Real `mlflow models serve` for the differential tests: the shared starter of the test oracle. */
export { freePort, startMlflowServer, type MlflowServer } from '../../../../../test/oracle/src/mlflow-serve.js';
