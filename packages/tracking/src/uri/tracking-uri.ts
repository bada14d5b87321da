import { resolve } from 'node:path';
import { MlflowException } from '@pyfunc/format';
import { pyHostname, pyQuote, pyUnquote, pyUrlparse } from './python-url.js';

const databaseEngines = ['postgresql', 'mysql', 'sqlite', 'mssql'];

/** True for SQLAlchemy database URIs (`sqlite:///…`, `postgresql+psycopg2://…`, …). */
export function isDatabaseUri(uri: string): boolean {
  const scheme = pyUrlparse(uri).scheme.toLowerCase();
  return databaseEngines.some((engine) => scheme.startsWith(engine));
}

/**
 * Database tracking URIs are MLflow's SQLAlchemy store, which this project does not
 * implement: point at a tracking server started on that database instead.
 */
export function databaseUriError(uri: string): MlflowException {
  const scheme = pyUrlparse(uri).scheme;
  return new MlflowException(
    'NOT_IMPLEMENTED',
    `Tracking URI '${uri}' names a '${scheme}' database; @pyfunc/tracking reads MLflow through a `
      + 'tracking server or a local mlruns directory, not a database. Start a server on it '
      + `(\`mlflow server --backend-store-uri ${uri}\`) and set MLFLOW_TRACKING_URI to the server's `
      + 'http(s) URL, e.g. http://127.0.0.1:5000.',
    { path: uri },
  );
}

/** `file://` URI of an absolute local path, percent-encoded as Python's `Path.as_uri()`. */
export function pathToLocalFileUri(path: string): string {
  return `file://${pyQuote(resolve(path))}`;
}

/** The local path a `file:` URI (or a plain path, returned as is) points at (MLflow's `local_file_uri_to_path`). */
export function localFileUriToPath(uri: string): string {
  const path = uri.startsWith('file:') ? pyUrlparse(uri).path : uri;
  return pyUnquote(path);
}

/**
 * The tracking URI (format.md 7.8): `MLFLOW_TRACKING_URI` when set and non-empty, else the
 * `file://` URI of `./mlruns` under the current directory (MLflow 2.x's default; 3.7+ would
 * default to `sqlite:///mlflow.db`, which this project does not read).
 * @throws MlflowException `NOT_IMPLEMENTED` for database URIs, suggesting a tracking server
 */
export function getTrackingUri(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.MLFLOW_TRACKING_URI;
  if (fromEnv) {
    if (isDatabaseUri(fromEnv)) throw databaseUriError(fromEnv);
    return fromEnv;
  }
  return pathToLocalFileUri(resolve('mlruns'));
}

/** The registry URI: `MLFLOW_REGISTRY_URI` when set, else the tracking URI. */
export function getRegistryUri(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.MLFLOW_REGISTRY_URI;
  if (fromEnv) {
    if (isDatabaseUri(fromEnv)) throw databaseUriError(fromEnv);
    return fromEnv;
  }
  return getTrackingUri(env);
}

/**
 * True for local filesystem locations: a plain path, or a `file:` URI (MLflow's `is_local_uri`,
 * POSIX rules); every other scheme answers false.
 * @throws MlflowException `INVALID_PARAMETER_VALUE` for a `file://` URI with a remote host
 */
export function isLocalUri(uri: string, options: { isTrackingOrRegistryUri?: boolean } = {}): boolean {
  if (uri === 'databricks' && (options.isTrackingOrRegistryUri ?? true)) return false;
  const parsed = pyUrlparse(uri);
  if (parsed.scheme === '') return true;
  const hostname = pyHostname(parsed.netloc);
  const remote = hostname !== null
    && !(hostname === '.' || hostname.startsWith('localhost') || hostname.startsWith('127.0.0.1'));
  if (parsed.scheme === 'file') {
    if (remote) {
      throw MlflowException.invalidParameterValue(
        `${uri} is not a valid remote uri. For remote access on windows, please consider using a `
          + 'different scheme such as SMB (e.g. smb://<hostname>/<path>).',
        { path: uri },
      );
    }
    return true;
  }
  return false;
}
