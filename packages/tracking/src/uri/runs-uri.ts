import { MlflowException } from '@pyfunc/format';
import { pyUrlparse } from './python-url.js';

/** A parsed `runs:/<run_id>/<path>` URI. */
export interface ParsedRunsUri {
  runId: string;
  /** The run-relative artifact path; `null` when the URI names the run's root. */
  artifactPath: string | null;
}

function improperRunsUri(uri: string): MlflowException {
  return MlflowException.invalidParameterValue(
    `Not a proper runs:/ URI: ${uri}. Runs URIs must be of the form 'runs:/<run_id>/run-relative/path/to/artifact'`,
    { path: uri },
  );
}

/** True when `uri`'s scheme is `runs` (as Python's `urlparse` reads it). */
export function isRunsUri(uri: string): boolean {
  try {
    return pyUrlparse(uri).scheme === 'runs';
  } catch {
    return false;
  }
}

/**
 * Split `runs:/<run_id>/<path>` into the run id and the artifact path (format.md 7.3), as
 * MLflow's `RunsArtifactRepository.parse_runs_uri`. A netloc (`runs://profile@databricks/…`) is
 * ignored here, as MLflow ignores it while parsing.
 * @throws MlflowException `INVALID_PARAMETER_VALUE` "Not a proper runs:/ URI: …"
 */
export function parseRunsUri(uri: string): ParsedRunsUri {
  let path: string;
  try {
    const parsed = pyUrlparse(uri);
    if (parsed.scheme !== 'runs') throw improperRunsUri(uri);
    path = parsed.path;
  } catch (error) {
    if (MlflowException.isInstance(error)) throw error;
    throw improperRunsUri(uri);
  }
  if (!path.startsWith('/') || path.length <= 1) throw improperRunsUri(uri);
  const parts = path.slice(1).split('/');
  const runId = parts[0]!;
  if (runId === '') throw improperRunsUri(uri);
  const artifactPath = parts.length > 1 ? parts.slice(1).join('/') : '';
  return { runId, artifactPath: artifactPath === '' ? null : artifactPath };
}
