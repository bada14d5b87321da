export * from './files-index.js';
export * from './managers-index.js';
