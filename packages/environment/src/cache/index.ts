export { ENV_COMPLETE_MARKER, EnvCache, defaultEnvCacheDir } from './env-cache.js';
export type { CacheEntry, GetOrBuildOptions } from './env-cache.js';
export { acquireFileLock } from './file-lock.js';
export type { FileLock, FileLockOptions, LockOwner } from './file-lock.js';
