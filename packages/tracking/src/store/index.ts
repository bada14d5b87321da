import { MlflowException } from '@pyfunc/format';
import type { TrackingStore } from '../types.js';
import { databaseUriError, getTrackingUri, isDatabaseUri, pyUrlparse } from '../uri/index.js';
import { FileStore } from './file/index.js';
import { MlflowHttpClient, RestStore } from './rest/index.js';

/**
 * The store behind a tracking URI (MLflow's `_get_store`): a local path or `file:` URI →
 * `FileStore` (`mlruns/`), `http(s)://` → `RestStore` with auth and TLS from the environment
 * (`MlflowHttpClient.fromEnv`). Default: `getTrackingUri()`.
 * @throws MlflowException `NOT_IMPLEMENTED` for database URIs (run `mlflow server` on them) and
 *   other schemes (`databricks`, …)
 */
export function getTrackingStore(trackingUri: string = getTrackingUri()): TrackingStore {
  if (isDatabaseUri(trackingUri)) throw databaseUriError(trackingUri);
  const scheme = pyUrlparse(trackingUri).scheme;
  if (scheme === '' || scheme === 'file') return new FileStore(trackingUri);
  if (scheme === 'http' || scheme === 'https') {
    return new RestStore(trackingUri, { http: MlflowHttpClient.fromEnv(trackingUri) });
  }
  throw new MlflowException(
    'NOT_IMPLEMENTED',
    `Tracking URI '${trackingUri}' has scheme '${scheme}', which @pyfunc/tracking does not support: `
      + 'use a tracking server (http:// or https://) or a local mlruns directory (a path or file: URI).',
    { path: trackingUri },
  );
}
