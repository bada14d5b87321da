import { MlflowException } from '@pyfunc/format';
import { pyUrlparse } from './python-url.js';

/** Which MLflow line's rules to follow: 2.22 has no logged-model URIs. */
export type MlflowMajor = 2 | 3;

/**
 * A parsed `models:/` URI: exactly one of `version`, `stage`, `alias`, `latest` with `name`,
 * or (3.x) `modelId` alone.
 */
export interface ParsedModelsUri {
  name?: string;
  /** Decimal string. */
  version?: string;
  stage?: string;
  alias?: string;
  /** `models:/<name>/latest`: the greatest version over all stages. */
  latest?: boolean;
  /** 3.x `models:/<model_id>`: a logged model. */
  modelId?: string;
}

/** MLflow's text for a malformed `models:/` URI, in the wording of each line. */
export function improperModelsUriMessage(uri: string, mlflowMajor: MlflowMajor = 3): string {
  if (mlflowMajor === 2) {
    return `Not a proper models:/ URI: ${uri}. Models URIs must be of the form 'models:/model_name/suffix' `
      + "or 'models:/model_name@alias' where suffix is a model version, stage, or the string 'latest' "
      + 'and where alias is a registered model alias. Only one of suffix or alias can be defined at a time.';
  }
  return `Not a proper models:/ URI: ${uri}. Models URIs must be of the form 'models:/name/suffix' `
    + "or 'models:/name@alias' where suffix is a version, stage, or the string 'latest' "
    + 'and where alias is a registered model alias. Only one of suffix or alias can be defined at a time.';
}

// Python's str.isdigit: decimal digits plus the super/subscript digits.
const pyDigits = /^[\p{Nd}\u00B2\u00B3\u00B9\u2070\u2074-\u2079\u2080-\u2089]+$/u;

/** True when `uri`'s scheme is `models` (as Python's `urlparse` reads it). */
export function isModelsUri(uri: string): boolean {
  try {
    return pyUrlparse(uri).scheme === 'models';
  } catch {
    return false;
  }
}

/**
 * Parse a `models:/` URI (format.md 7.4, MLflow's `_parse_model_uri`): `models:/<name>/<version>`,
 * `models:/<name>/<stage>`, `models:/<name>/latest`, `models:/<name>@<alias>` and, with
 * `mlflowMajor: 3` (the default), `models:/<model_id>`.
 * @throws MlflowException `INVALID_PARAMETER_VALUE` "Not a proper models:/ URI: …"
 */
export function parseModelsUri(uri: string, options: { mlflowMajor?: MlflowMajor } = {}): ParsedModelsUri {
  const major = options.mlflowMajor ?? 3;
  const improper = (): MlflowException =>
    MlflowException.invalidParameterValue(improperModelsUriMessage(uri, major), { path: uri });
  let path: string;
  try {
    const parsed = pyUrlparse(uri, false);
    if (parsed.scheme !== 'models') throw improper();
    path = parsed.path;
  } catch (error) {
    if (MlflowException.isInstance(error)) throw error;
    throw improper();
  }
  if (!path.startsWith('/') || path.length <= 1) throw improper();
  const parts = path.replace(/^\/+/, '').split('/');
  if (parts.length > 2 || parts[0]!.trim() === '') throw improper();
  if (parts.length === 2) {
    const [name, suffix] = parts as [string, string];
    if (suffix.trim() === '') throw improper();
    if (pyDigits.test(suffix)) return { name, version: suffix };
    if (suffix.toLowerCase() === 'latest') return { name, latest: true };
    return { name, stage: suffix };
  }
  const only = parts[0]!;
  const at = only.lastIndexOf('@');
  if (at >= 0) {
    const alias = only.slice(at + 1);
    if (alias.trim() === '') throw improper();
    return { name: only.slice(0, at), alias };
  }
  if (major === 2) throw improper();
  return { modelId: only };
}

/**
 * Split `models:/<name>/<version>/path/to/file` into `models:/<name>/<version>` and
 * `path/to/file` (`models:/<name>@<alias>/x` into `models:/<name>@<alias>` and `x`), as MLflow's
 * `ModelsArtifactRepository.split_models_uri`; trailing `/` are dropped first.
 */
export function splitModelsUri(uri: string): { rootUri: string; artifactPath: string } {
  const trimmed = uri.replace(/\/+$/, '');
  const parsed = pyUrlparse(trimmed);
  const path = parsed.path;
  if ((path.match(/\//g)?.length ?? 0) >= 2 && !path.endsWith('/')) {
    // Python's path.split('/', 3): at most four pieces, the last holding the remainder
    const pieces: string[] = [];
    let remaining = path;
    for (let i = 0; i < 3; i += 1) {
      const slash = remaining.indexOf('/');
      if (slash < 0) break;
      pieces.push(remaining.slice(0, slash));
      remaining = remaining.slice(slash + 1);
    }
    pieces.push(remaining);
    const cut = pieces[1]!.includes('@') ? 2 : 3;
    const base = parsed.netloc ? `models://${parsed.netloc}` : 'models:';
    return { rootUri: base + pieces.slice(0, cut).join('/'), artifactPath: pieces.slice(cut).join('/') };
  }
  return { rootUri: trimmed, artifactPath: '' };
}
