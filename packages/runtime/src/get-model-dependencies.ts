/**
 * `getModelDependencies` (runtime.md 9.4, environment.md 9) is @pyfunc/environment's: the runtime
 * re-exports it so that MLflow's `mlflow.pyfunc.get_model_dependencies` has its camelCase twin here.
 */
export { getModelDependencies } from '@pyfunc/environment';
export type { GetModelDependenciesOptions } from '@pyfunc/environment';
