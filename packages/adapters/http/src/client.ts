/**
 * A client for MLflow scoring servers (ours or `mlflow models serve`), like MLflow's
 * `ScoringServerClient` (serving.md 14) without its defects (dict inputs work, bytes are sent).
 */
import { Frame, MlflowException, Series, Tensor, dumpsPythonJson, encodeBase64Lines, isPlainObject, parsePythonJson, type PyValue } from '@pyfunc/format';
import { toJsonable } from './serialize-predictions.js';

/** Options of {@link createClient}. */
export interface ScoringClientOptions {
  /** Request timeout in seconds. Default 60. */
  timeoutSeconds?: number;
  /** The fetch to use (default: global fetch). */
  fetch?: typeof fetch;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

/** A scoring client, typed by the model's input, output and params where known. */
export interface ScoringClient<Input = unknown, Output = unknown, Params extends Record<string, unknown> = Record<string, unknown>> {
  /** The server's base URL. */
  readonly url: string;
  /**
   * Scores `data` and returns the `predictions` value (frames come back as records).
   * @throws {MlflowException} the server's error (its `error_code` and message) for non-200 answers.
   */
  predict(data: Input, params?: Params): Promise<Output>;
  /** Streams predictions (the server must run with streaming enabled). */
  predictStream(data: Input, params?: Params): AsyncIterable<unknown>;
  /** Polls `/ping` until 200 (every 0.3 s, at most `timeoutSeconds`, default 30). */
  waitServerReady(timeoutSeconds?: number): Promise<void>;
  /** The server's `/version` text. */
  version(): Promise<string>;
}

/**
 * The JSON body MLflow's server reads for `data`: frames as `dataframe_split`, tensors, lists
 * and dicts as `inputs`, a string as is; params under `"params"`.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when params is not a dict.
 */
export function dumpInputData(data: unknown, params?: Record<string, unknown>): string {
  if (params !== undefined && params !== null && !isPlainObject(params)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `Params must be a dictionary. Got type '${typeof params}'.`);
  }
  if (typeof data === 'string' && params === undefined) return data;
  let payload: Record<string, unknown>;
  if (data instanceof Frame) {
    const records = toJsonable(data) as Record<string, unknown>[];
    const columns = data.columns.map((column) => column.name);
    payload = { dataframe_split: { columns, data: records.map((record) => columns.map((name) => record[String(name)])) } };
  } else if (data instanceof Series) {
    payload = { inputs: toJsonable(data.toArray()) };
  } else if (data instanceof Tensor) {
    payload = { inputs: toJsonable(data) };
  } else if (isPlainObject(data) && Object.keys(data as object).some((key) => ['dataframe_split', 'dataframe_records', 'instances', 'inputs', 'messages', 'prompt', 'input'].includes(key))) {
    payload = { ...toJsonable(data) as Record<string, unknown> };
  } else {
    payload = { inputs: toJsonable(data instanceof Uint8Array ? encodeBase64Lines(data) : data) };
  }
  if (params !== undefined) payload.params = toJsonable(params);
  return dumpsPythonJson(payload);
}

async function failure(response: Response): Promise<MlflowException> {
  const text = await response.text();
  try {
    const body = parsePythonJson(text);
    if (isPlainObject(body) && typeof body.error_code === 'string' && typeof body.message === 'string') {
      return new MlflowException(body.error_code, body.message);
    }
  } catch {
    // not an MLflow error body
  }
  return new MlflowException(response.status === 504 ? 'DEADLINE_EXCEEDED' : response.status === 415 ? 'BAD_REQUEST' : 'INTERNAL_ERROR',
    `Invocation failed (error code ${response.status}, response: ${text.slice(0, 1000)})`);
}

/** A client for the scoring server at `url`. */
export function createClient<Input = unknown, Output = unknown, Params extends Record<string, unknown> = Record<string, unknown>>(
  url: string, options: ScoringClientOptions = {}): ScoringClient<Input, Output, Params> {
  const base = url.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? fetch;
  const timeout = (options.timeoutSeconds ?? 60) * 1000;
  const post = (body: string, accept: string): Promise<Response> => fetchImpl(`${base}/invocations`, {
    method: 'POST', body, signal: AbortSignal.timeout(timeout),
    headers: { 'content-type': 'application/json', accept, ...options.headers },
  });
  return {
    url: base,
    async predict(data, params) {
      const response = await post(dumpInputData(data, params), 'application/json');
      if (response.status !== 200) throw await failure(response);
      const body = parsePythonJson(await response.text()) as PyValue;
      if (isPlainObject(body) && 'predictions' in body) return body.predictions as Output;
      return body as Output; // the unified LLM path answers unwrapped
    },
    async *predictStream(data, params) {
      const payload = (typeof data === 'string' ? { inputs: data, ...(params === undefined ? {} : { params: toJsonable(params) }) }
        : parsePythonJson(dumpInputData(data, params))) as Record<string, PyValue>;
      payload.stream = true;
      const response = await post(dumpsPythonJson(payload), 'text/event-stream');
      if (response.status !== 200) throw await failure(response);
      if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        throw new MlflowException('INVALID_STATE', 'The server did not stream; start it with streaming enabled (--enable-streaming).');
      }
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(piece, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
          if (data === '[DONE]') return;
          const value = parsePythonJson(data);
          if (isPlainObject(value) && Object.keys(value).length === 1 && 'error' in value) {
            throw new MlflowException('INTERNAL_ERROR', String((value as Record<string, unknown>).error));
          }
          yield value;
        }
      }
    },
    async waitServerReady(timeoutSeconds = 30) {
      const deadline = Date.now() + timeoutSeconds * 1000;
      for (;;) {
        try {
          const response = await fetchImpl(`${base}/ping`, { signal: AbortSignal.timeout(2000) });
          await response.arrayBuffer();
          if (response.status === 200) return;
        } catch {
          // not up yet
        }
        if (Date.now() > deadline) throw new MlflowException('DEADLINE_EXCEEDED', `The scoring server at ${base} was not ready within ${timeoutSeconds} s.`);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    },
    async version() {
      const response = await fetchImpl(`${base}/version`, { signal: AbortSignal.timeout(timeout) });
      return response.text();
    },
  };
}
