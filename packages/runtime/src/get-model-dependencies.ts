/**
 * `getModelDependencies` (runtime.md 9.4, environment.md 9): @pyfunc/environment's for local
 * models; a remote URI (`runs:/`, `models:/`, `mlflow-artifacts:/`, …) is downloaded first with
 * @pyfunc/tracking, as MLflow's `mlflow.pyfunc.get_model_dependencies` downloads the files it reads.
 */
import { getModelDependencies as getLocalModelDependencies, type GetModelDependenciesOptions as LocalOptions } from '@pyfunc/environment';
import { downloadArtifacts } from '@pyfunc/tracking';
import { localPathOf } from './load-model.js';

export interface GetModelDependenciesOptions extends LocalOptions {
  /** Tracking server or `mlruns/` for `runs:/` and `models:/` URIs; default `MLFLOW_TRACKING_URI`. */
  trackingUri?: string;
}

export async function getModelDependencies(modelUri: string, options: GetModelDependenciesOptions = {}): Promise<string> {
  const { trackingUri, ...rest } = options;
  if (typeof modelUri !== 'string' || modelUri === '' || localPathOf(modelUri) !== undefined) return getLocalModelDependencies(modelUri, rest);
  const local = await downloadArtifacts({ artifactUri: modelUri, ...(trackingUri !== undefined ? { trackingUri } : {}) });
  return getLocalModelDependencies(local, rest);
}
