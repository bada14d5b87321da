export { LocalArtifactRepository } from './local-repository.js';
export {
  artifactUriScheme,
  getArtifactRepository,
  registerArtifactRepository,
  registeredArtifactSchemes,
} from './registry.js';
export type { ArtifactRepositoryContext, ArtifactRepositoryFactory } from './registry.js';
export { REGISTERED_MODEL_META_FILE_NAME, downloadArtifacts, resolveArtifactUri } from './download.js';
export type { DownloadArtifactsOptions } from './download.js';
export { HttpArtifactRepository, resolveMlflowArtifactsUri } from './http-repository.js';
