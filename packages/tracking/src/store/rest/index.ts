export { MlflowHttpClient, RETRY_STATUS_CODES } from './http-client.js';
export type { HttpRequestOptions, MlflowHttpClientOptions, RequestBody } from './http-client.js';
export { RestStore } from './rest-store.js';
export type { RestStoreOptions } from './rest-store.js';
export { errorCodeForHttpStatus, errorFromResponse } from './errors.js';
