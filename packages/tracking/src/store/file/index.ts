export { FileStore, historyEntry as logModelHistoryEntry } from './file-store.js';
export type { FileStoreOptions } from './file-store.js';
