export { isRunsUri, parseRunsUri } from './runs-uri.js';
export type { ParsedRunsUri } from './runs-uri.js';
export { improperModelsUriMessage, isModelsUri, parseModelsUri, splitModelsUri } from './models-uri.js';
export type { MlflowMajor, ParsedModelsUri } from './models-uri.js';
export { appendToUri, splitArtifactUri, validateArtifactPath, validateQueryString } from './artifact-uri.js';
export {
  databaseUriError,
  getRegistryUri,
  getTrackingUri,
  isDatabaseUri,
  isLocalUri,
  localFileUriToPath,
  pathToLocalFileUri,
} from './tracking-uri.js';
export { pyUrlparse, pyUrlunparse } from './python-url.js';
export type { PyParsedUrl } from './python-url.js';
