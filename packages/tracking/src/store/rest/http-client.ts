/**
 * The HTTP transport to an MLflow tracking server: auth headers, bounded retries with
 * exponential backoff, timeouts, and errors mapped to `MlflowException` (format.md 7.7).
 * Requests go through Node's built-in `fetch`; TLS settings switch to a `node:https` shim.
 */
import { Buffer } from 'node:buffer';
import { MlflowException } from '@pyfunc/format';
import { errorFromResponse } from './errors.js';
import { createNodeFetch } from './node-fetch.js';

/** Options of {@link MlflowHttpClient}; {@link MlflowHttpClient.fromEnv} fills them from MLflow's variables. */
export interface MlflowHttpClientOptions {
  /** Bearer token (`MLFLOW_TRACKING_TOKEN`); ignored when username and password are both set. */
  token?: string;
  /** Basic auth user (`MLFLOW_TRACKING_USERNAME`). */
  username?: string;
  /** Basic auth password (`MLFLOW_TRACKING_PASSWORD`). */
  password?: string;
  /** Skip TLS certificate verification (`MLFLOW_TRACKING_INSECURE_TLS=true`). */
  insecureTls?: boolean;
  /** CA bundle (PEM) to verify the server with (`MLFLOW_TRACKING_SERVER_CERT_PATH`). */
  serverCertPath?: string;
  /** Client certificate with its key, PEM (`MLFLOW_TRACKING_CLIENT_CERT_PATH`). */
  clientCertPath?: string;
  /** Retries after the first attempt (`MLFLOW_HTTP_REQUEST_MAX_RETRIES`); default 5. */
  maxRetries?: number;
  /**
   * Backoff unit in milliseconds (`MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR`, which is in seconds);
   * retry n waits `factor * 2^(n-1)` (the first retry immediately, as urllib3), at most 120 s;
   * a `Retry-After` header on 429/503 wins when shorter than that cap. Default 2000.
   */
  backoffFactorMs?: number;
  /** Per-attempt timeout in milliseconds (`MLFLOW_HTTP_REQUEST_TIMEOUT`, seconds); default 120000. */
  timeoutMs?: number;
  /** A `fetch` to use instead of the built-in one (tests, proxies). */
  fetch?: typeof fetch;
}

/** A request body that can be produced again for a retry (a file stream is reopened). */
export type RequestBody = string | Uint8Array | (() => ReadableStream<Uint8Array> | Uint8Array | string);

/** Options of one {@link MlflowHttpClient.request}. */
export interface HttpRequestOptions {
  /** Query fields; arrays repeat the key, `undefined` is left out. */
  query?: Record<string, unknown>;
  /** JSON body (an object, serialized with `JSON.stringify`). */
  json?: unknown;
  /** Raw body. */
  body?: RequestBody;
  headers?: Record<string, string>;
  /** Do not throw on a non-2xx answer (the caller inspects `status`). */
  allowErrorStatus?: boolean;
}

/** HTTP statuses MLflow retries (`_TRANSIENT_FAILURE_RESPONSE_CODES`). */
export const RETRY_STATUS_CODES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Node/undici error codes of a connection that failed or broke; these are retried. */
const RETRY_NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH',
  'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);

const MAX_BACKOFF_MS = 120_000;

function truthy(value: string | undefined): boolean {
  return value !== undefined && ['true', '1', 'yes', 'y', 't'].includes(value.trim().toLowerCase());
}

function intFromEnv(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw MlflowException.invalidParameterValue(`Environment variable ${name} must be a non-negative number, got '${raw}'`);
  }
  return value;
}

/** The error code and message of a network failure (`fetch` TypeError and its `cause`). */
function networkFailure(error: unknown): { code: string | undefined; text: string } {
  let current: unknown = error;
  let code: string | undefined;
  const parts: string[] = [];
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const c = (current as { code?: unknown }).code;
    if (typeof c === 'string' && code === undefined) code = c;
    if (current.message && !parts.includes(current.message)) parts.push(current.message);
    current = (current as { cause?: unknown }).cause;
  }
  return { code, text: parts.join(': ') || String(error) };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A client for one MLflow tracking server (`baseUrl` = the tracking URI, `http(s)://host:port[/prefix]`).
 * JSON API calls go to `<baseUrl>/api/2.0/mlflow/<endpoint>`; raw requests take any URL.
 */
export class MlflowHttpClient {
  /** The server root, without a trailing `/`. */
  readonly baseUrl: string;
  readonly maxRetries: number;
  readonly backoffFactorMs: number;
  readonly timeoutMs: number;
  private readonly authorization: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(baseUrl: string, options: MlflowHttpClientOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(baseUrl);
    } catch {
      throw MlflowException.invalidParameterValue(`Invalid tracking server URL: '${baseUrl}'`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw MlflowException.invalidParameterValue(
        `A tracking server URL must be http or https, got '${baseUrl}'`);
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.maxRetries = options.maxRetries ?? 5;
    this.backoffFactorMs = options.backoffFactorMs ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    if (!(Number.isInteger(this.maxRetries) && this.maxRetries >= 0)) {
      throw MlflowException.invalidParameterValue(`maxRetries must be a non-negative integer, got ${this.maxRetries}`);
    }
    if (options.username !== undefined && options.password !== undefined) {
      this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64')}`;
    } else if (options.token !== undefined && options.token !== '') {
      this.authorization = `Bearer ${options.token}`;
    }
    if (options.fetch !== undefined) {
      this.fetchImpl = options.fetch;
    } else if (options.insecureTls === true || options.serverCertPath !== undefined || options.clientCertPath !== undefined) {
      if (options.insecureTls === true && options.serverCertPath !== undefined) {
        throw MlflowException.invalidParameterValue(
          "When 'MLFLOW_TRACKING_INSECURE_TLS' is true, 'MLFLOW_TRACKING_SERVER_CERT_PATH' must not be set");
      }
      this.fetchImpl = createNodeFetch(options);
    } else {
      this.fetchImpl = globalThis.fetch;
    }
  }

  /**
   * A client configured from MLflow's environment variables: `MLFLOW_TRACKING_TOKEN`,
   * `MLFLOW_TRACKING_USERNAME`/`PASSWORD`, `MLFLOW_TRACKING_INSECURE_TLS`,
   * `MLFLOW_TRACKING_SERVER_CERT_PATH`, `MLFLOW_TRACKING_CLIENT_CERT_PATH`,
   * `MLFLOW_HTTP_REQUEST_MAX_RETRIES`, `MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR` (seconds) and
   * `MLFLOW_HTTP_REQUEST_TIMEOUT` (seconds).
   */
  static fromEnv(baseUrl: string, env: Record<string, string | undefined> = process.env): MlflowHttpClient {
    const backoff = intFromEnv(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR');
    const timeout = intFromEnv(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT');
    const options: MlflowHttpClientOptions = {};
    const nonEmpty = (name: string): string | undefined => (env[name] ? env[name] : undefined);
    if (nonEmpty('MLFLOW_TRACKING_TOKEN')) options.token = env.MLFLOW_TRACKING_TOKEN!;
    if (nonEmpty('MLFLOW_TRACKING_USERNAME')) options.username = env.MLFLOW_TRACKING_USERNAME!;
    if (nonEmpty('MLFLOW_TRACKING_PASSWORD')) options.password = env.MLFLOW_TRACKING_PASSWORD!;
    if (truthy(env.MLFLOW_TRACKING_INSECURE_TLS)) options.insecureTls = true;
    if (nonEmpty('MLFLOW_TRACKING_SERVER_CERT_PATH')) options.serverCertPath = env.MLFLOW_TRACKING_SERVER_CERT_PATH!;
    if (nonEmpty('MLFLOW_TRACKING_CLIENT_CERT_PATH')) options.clientCertPath = env.MLFLOW_TRACKING_CLIENT_CERT_PATH!;
    const retries = intFromEnv(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES');
    if (retries !== undefined) options.maxRetries = Math.floor(retries);
    if (backoff !== undefined) options.backoffFactorMs = backoff * 1000;
    if (timeout !== undefined) options.timeoutMs = timeout * 1000;
    return new MlflowHttpClient(baseUrl, options);
  }

  /**
   * `<baseUrl>/api/2.0/mlflow/<endpoint>`; an endpoint starting with `/` is taken from the server
   * root, and an absolute `http(s)://` URL is used as is.
   */
  apiUrl(endpoint: string): string {
    if (/^https?:\/\//i.test(endpoint)) return endpoint;
    return endpoint.startsWith('/') ? `${this.baseUrl}${endpoint}` : `${this.baseUrl}/api/2.0/mlflow/${endpoint}`;
  }

  /**
   * Calls a JSON endpoint: GET sends `fields` as the query string, POST, PATCH and DELETE as a
   * JSON body (as MLflow's `call_endpoint`). Resolves to the parsed response object (`{}` for an empty body).
   * @throws {MlflowException} the server's error code, or one mapped from the HTTP status.
   */
  async callApi<T = Record<string, unknown>>(method: string, endpoint: string, fields?: Record<string, unknown>): Promise<T> {
    const upper = method.toUpperCase();
    const url = this.apiUrl(endpoint);
    const response = upper === 'GET'
      ? await this.request(upper, url, { query: fields })
      : await this.request(upper, url, { json: fields ?? {} });
    const text = await this.readText(response, url);
    if (text.trim() === '') return {} as T;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as T;
    } catch {
      // fall through
    }
    throw new MlflowException('INTERNAL_ERROR',
      `API request to endpoint ${url} was successful but the response body was not in a valid JSON format. Response body: '${text.slice(0, 200)}'`,
      { path: url });
  }

  /** Reads a response body as text, mapping a broken connection to a coded error. */
  async readText(response: Response, url: string): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw this.transportError(error, url, 1);
    }
  }

  /** The `Authorization` header this client sends, if any. */
  authHeaders(): Record<string, string> {
    return this.authorization !== undefined ? { Authorization: this.authorization } : {};
  }

  /**
   * One HTTP request with retries: on MLflow's transient statuses (408, 429, 500, 502, 503,
   * 504) and on refused, reset or timed-out connections, up to `maxRetries` more attempts with
   * exponential backoff. A non-2xx final answer throws (unless `allowErrorStatus`); the
   * response body is left for the caller to read or stream.
   * @throws {MlflowException} mapped from the server's answer, or TEMPORARILY_UNAVAILABLE
   *   (connection failures), DEADLINE_EXCEEDED (timeouts) naming the URL.
   */
  async request(method: string, url: string, options: HttpRequestOptions = {}): Promise<Response> {
    const target = new URL(url);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined || value === null) continue;
      for (const item of Array.isArray(value) ? value : [value]) target.searchParams.append(key, String(item));
    }
    const headers: Record<string, string> = { 'User-Agent': 'pyfunc-ts-mlflow-client', ...this.authHeaders(), ...options.headers };
    if (options.json !== undefined) headers['Content-Type'] ??= 'application/json';
    const href = target.href;
    for (let attempt = 1; ; attempt += 1) {
      const lastAttempt = attempt > this.maxRetries;
      let response: Response;
      try {
        const init: RequestInit & { duplex?: 'half' } = {
          method, headers, signal: AbortSignal.timeout(this.timeoutMs),
        };
        if (options.json !== undefined) init.body = JSON.stringify(options.json);
        else if (options.body !== undefined) {
          const body = typeof options.body === 'function' ? options.body() : options.body;
          init.body = body as RequestInit['body'];
          if (body instanceof ReadableStream) init.duplex = 'half';
        }
        response = await this.fetchImpl(href, init);
      } catch (error) {
        const failure = networkFailure(error);
        const retryable = isAbort(error) || (failure.code !== undefined && RETRY_NETWORK_CODES.has(failure.code));
        if (!retryable || lastAttempt) throw this.transportError(error, href, attempt);
        await sleep(this.backoffMs(attempt, undefined));
        continue;
      }
      if (response.ok || options.allowErrorStatus === true) return response;
      if (RETRY_STATUS_CODES.has(response.status) && !lastAttempt) {
        const retryAfter = response.headers.get('retry-after');
        await response.body?.cancel().catch(() => undefined);
        await sleep(this.backoffMs(attempt, retryAfter));
        continue;
      }
      const text = await response.text().catch(() => '');
      throw errorFromResponse(response.status, text, href);
    }
  }

  /** Milliseconds to wait before retry `attempt` (1-based). */
  private backoffMs(attempt: number, retryAfter: string | null | undefined): number {
    const exponential = attempt <= 1 ? 0 : this.backoffFactorMs * 2 ** (attempt - 1);
    let wait = Math.min(MAX_BACKOFF_MS, exponential);
    if (retryAfter !== null && retryAfter !== undefined && /^\d+(\.\d+)?$/.test(retryAfter.trim())) {
      wait = Math.min(MAX_BACKOFF_MS, Math.max(wait, Number(retryAfter) * 1000));
    }
    return wait;
  }

  /** The coded error for a request that got no (complete) answer. */
  private transportError(error: unknown, url: string, attempts: number): MlflowException {
    if (MlflowException.isInstance(error)) return error;
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    if (isAbort(error)) {
      return new MlflowException('DEADLINE_EXCEEDED',
        `API request to ${url} timed out after ${this.timeoutMs} ms${tries}. To wait longer, set MLFLOW_HTTP_REQUEST_TIMEOUT (seconds).`,
        { path: url, cause: error });
    }
    const failure = networkFailure(error);
    const reason = failure.code !== undefined ? `${failure.text} (${failure.code})` : failure.text;
    if (failure.code !== undefined && RETRY_NETWORK_CODES.has(failure.code)) {
      return new MlflowException('TEMPORARILY_UNAVAILABLE',
        `API request to ${url} failed${tries}: ${reason}. Is the MLflow tracking server at ${this.baseUrl} running and reachable?`,
        { path: url, cause: error });
    }
    return new MlflowException('INTERNAL_ERROR', `API request to ${url} failed${tries}: ${reason}`, { path: url, cause: error });
  }
}
