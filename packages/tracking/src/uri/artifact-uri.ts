import { existsSync } from 'node:fs';
import { MlflowException } from '@pyfunc/format';
import { isModelsUri, splitModelsUri } from './models-uri.js';
import {
  posixBasename, posixDirname, posixJoin, pyUnquote, pyUrlparse, pyUrlunparse,
} from './python-url.js';

/**
 * Split an artifact URI into the root a repository is opened at and the path to download
 * from it (format.md 7.2, MLflow's `_get_root_uri_and_artifact_path`): an existing local path
 * → its parent and last component; `models:/` URIs → the model part and the rest; anything
 * else → the URI without its last POSIX path component, and that component.
 */
export function splitArtifactUri(uri: string): { rootUri: string; artifactPath: string } {
  if (uri !== '' && existsSync(uri)) {
    return { rootUri: posixDirname(uri), artifactPath: posixBasename(uri) };
  }
  if (isModelsUri(uri)) return splitModelsUri(uri);
  let parsed = pyUrlparse(uri);
  let prefix = '';
  if (parsed.scheme && !parsed.path.startsWith('/')) {
    // urlunparse would make a relative path absolute: keep the scheme aside
    prefix = `${parsed.scheme}:`;
    parsed = { ...parsed, scheme: '' };
  }
  const artifactPath = posixBasename(parsed.path);
  const rootUri = prefix + pyUrlunparse({ ...parsed, path: posixDirname(parsed.path) });
  return { rootUri, artifactPath };
}

/** MLflow's `_join_posixpaths_and_append_absolute_suffixes`: an absolute suffix is appended, not substituted. */
function joinAppendingAbsolute(prefix: string, suffix: string): string {
  if (prefix.length === 0) return suffix;
  return posixJoin(prefix, suffix.replace(/^\/+/, ''));
}

/** Percent-decode until stable, as MLflow's `_decode` (at most 10 rounds). */
function decodeRepeatedly(url: string): string {
  let current = url;
  for (let i = 0; i < 10; i += 1) {
    const decoded = pyUrlunparse(pyUrlparse(pyUnquote(current)));
    if (decoded === current) return current;
    current = decoded;
  }
  throw MlflowException.invalidParameterValue(`Failed to decode url: ${url}`);
}

/**
 * Reject a query string that could walk out of a path once appended (`..` anywhere after
 * percent-decoding), as MLflow's `validate_query_string`.
 * @throws MlflowException `INVALID_PARAMETER_VALUE` "Invalid query string"
 */
export function validateQueryString(query: string): void {
  if (decodeRepeatedly(query).includes('..')) {
    throw MlflowException.invalidParameterValue('Invalid query string');
  }
}

/**
 * Append POSIX `paths` to the path of `uri`, keeping its query at the end (MLflow's
 * `append_to_uri_path`): `appendToUri('s3://b/root?x=1', 'model')` →
 * `s3://b/root/model?x=1`; a leading `/` on a suffix is dropped; a plain path is joined as a
 * path.
 * @throws MlflowException `INVALID_PARAMETER_VALUE` when the query contains `..`
 */
export function appendToUri(uri: string, ...paths: string[]): string {
  let path = '';
  for (const sub of paths) path = joinAppendingAbsolute(path, sub);
  let parsed = pyUrlparse(uri);
  validateQueryString(parsed.query);
  if (parsed.scheme.length === 0) return joinAppendingAbsolute(uri, path);
  let prefix = '';
  if (!parsed.path.startsWith('/')) {
    prefix = `${parsed.scheme}:`;
    parsed = { ...parsed, scheme: '' };
  }
  return prefix + pyUrlunparse({ ...parsed, path: joinAppendingAbsolute(parsed.path, path) });
}

/**
 * Check that a repository-relative artifact path stays inside its root (MLflow's
 * `validate_path_is_safe` on POSIX): after percent-decoding it must not contain `#` or a `..`
 * segment, nor be absolute (`/x`, `C:\x`, `\\server\share`).
 * @throws MlflowException `INVALID_PARAMETER_VALUE` "Invalid path"
 */
export function validateArtifactPath(path: string): string {
  let decoded: string;
  try {
    decoded = decodeRepeatedly(path);
  } catch {
    throw MlflowException.invalidParameterValue(`Invalid path: ${path}`, { path });
  }
  // eslint-disable-next-line no-control-regex
  decoded = decoded.replace(/[\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const invalid = (): MlflowException => MlflowException.invalidParameterValue(`Invalid path: ${path}`, { path });
  if (decoded.includes('#')) throw invalid();
  if (pyUrlparse(decoded).scheme === 'file') decoded = pyUnquote(pyUrlparse(decoded).path);
  if (
    decoded.split('/').includes('..')
    || decoded.startsWith('/')
    || /^[A-Za-z]:[\\/]/.test(decoded)
    || /^[\\/]{2}[^\\/]+[\\/]+[^\\/]/.test(decoded)
  ) {
    throw invalid();
  }
  return decoded;
}
