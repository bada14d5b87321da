import { MlflowException } from '@pyfunc/format';
import type { ArtifactRepository } from '../types.js';
import { getTrackingUri, pyUrlparse } from '../uri/index.js';
import { HttpArtifactRepository, resolveMlflowArtifactsUri } from './http-repository.js';
import { LocalArtifactRepository } from './local-repository.js';

/** What a repository factory is given besides the URI. */
export interface ArtifactRepositoryContext {
  /** The tracking URI in effect (resolves `mlflow-artifacts:` URIs). */
  trackingUri?: string;
  registryUri?: string;
}

/** Builds the repository for one artifact URI of its scheme. */
export type ArtifactRepositoryFactory = (artifactUri: string, context: ArtifactRepositoryContext) => ArtifactRepository;

const builtins: Record<string, ArtifactRepositoryFactory> = {
  '': (uri) => new LocalArtifactRepository(uri),
  file: (uri) => new LocalArtifactRepository(uri),
  http: (uri) => new HttpArtifactRepository(uri),
  https: (uri) => new HttpArtifactRepository(uri),
  'mlflow-artifacts': (uri, context) =>
    new HttpArtifactRepository(resolveMlflowArtifactsUri(uri, context.trackingUri ?? getTrackingUri())),
};

const registry = new Map<string, ArtifactRepositoryFactory>(Object.entries(builtins));

/** The scheme that selects a repository: lower-cased, '' for plain and Windows drive paths. */
export function artifactUriScheme(uri: string): string {
  const scheme = pyUrlparse(uri).scheme;
  return /^[a-z]$/.test(scheme) ? '' : scheme;
}

/**
 * Register the repository for a URI scheme (`s3`, `gs`, …), replacing any earlier one; plugins
 * call this once on import. Returns a function that restores the previous registration.
 */
export function registerArtifactRepository(scheme: string, factory: ArtifactRepositoryFactory): () => void {
  const key = scheme.toLowerCase();
  const previous = registry.get(key);
  registry.set(key, factory);
  return () => {
    if (registry.get(key) !== factory) return;
    if (previous) registry.set(key, previous);
    else registry.delete(key);
  };
}

/** The schemes with a registered repository, sorted. */
export function registeredArtifactSchemes(): string[] {
  return [...registry.keys()].sort();
}

/**
 * The repository for a concrete artifact URI (MLflow's `get_artifact_repository`): local paths
 * and `file:`, `http(s):`, `mlflow-artifacts:` (via the tracking server named by
 * `trackingUri`), and any scheme a plugin registered. `runs:/` and `models:/` URIs name no
 * repository until resolved: use `resolveArtifactUri` or `downloadArtifacts`.
 * @throws MlflowException `INVALID_PARAMETER_VALUE` for a scheme with no registered repository
 */
export function getArtifactRepository(artifactUri: string, context: ArtifactRepositoryContext = {}): ArtifactRepository {
  const scheme = artifactUriScheme(artifactUri);
  if (scheme === 'runs' || scheme === 'models') {
    throw MlflowException.invalidParameterValue(
      `${artifactUri} is a ${scheme}:/ URI, which names no artifact repository by itself; resolve it `
        + 'first with resolveArtifactUri() or download it with downloadArtifacts().',
      { path: artifactUri },
    );
  }
  const factory = registry.get(scheme);
  if (!factory) {
    const schemes = registeredArtifactSchemes().map((s) => `'${s}'`).join(', ');
    throw MlflowException.invalidParameterValue(
      `Could not find a registered artifact repository for: ${artifactUri} (scheme '${scheme}'). `
        + `Currently registered schemes are: [${schemes}]. A plugin can add one with `
        + `registerArtifactRepository('${scheme}', (uri, context) => repository).`,
      { path: artifactUri },
    );
  }
  return factory(artifactUri, context);
}
