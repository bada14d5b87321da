/**
 * The server's own behaviour through `app.request` (no socket) and, where sockets matter
 * (timeouts, shutdown, the client), through `serve` on a free port.
 */
import { Frame, MlflowException, Model, ModelSignature, parsePythonJson } from '@pyfunc/format';
import { PyFuncModel } from '@pyfunc/runtime';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { createClient, createModelApp, createOpenApiDocument, parseInvocationsRequest, serializePredictions, serve } from '../src/index.js';

function model(options: { signature?: ModelSignature; predict?: (data: unknown, params?: Record<string, unknown>) => unknown; stream?: (data: unknown) => AsyncIterable<unknown> } = {}): PyFuncModel {
  return new PyFuncModel(new Model({ signature: options.signature, flavors: { js_function: {} } }), {
    doPredict: async (data, params) => (options.predict ?? ((value) => value))(data, params),
    ...(options.stream === undefined ? {} : { doPredictStream: options.stream }),
  });
}

const colsSignature = ModelSignature.fromDict({
  inputs: JSON.stringify([{ type: 'long', name: 'a', required: true }, { type: 'double', name: 'b', required: true }]),
  outputs: JSON.stringify([{ type: 'double', required: true }]),
  params: JSON.stringify([{ name: 'k', type: 'long', default: 1, shape: null }]),
});
const post = (body: string, type: string | null = 'application/json'): RequestInit => ({
  method: 'POST', body: type === null ? new TextEncoder().encode(body) : body, headers: type === null ? {} : { 'content-type': type },
});

describe('endpoints', () => {
  const { app } = createModelApp(model());
  it('ping, health, version, HEAD, 404, 405, 307 as MLflow', async () => {
    for (const path of ['/ping', '/health']) {
      const response = await app.request(path);
      expect([response.status, await response.text(), response.headers.get('content-type')]).toEqual([200, '\n', 'application/json']);
    }
    const version = await app.request('/version');
    expect(await version.text()).toBe('2.22.0');
    expect(version.headers.get('x-pyfunc-version')).toMatch(/^\d+\.\d+\.\d+/);
    const head = await app.request('/ping', { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const notAllowed = await app.request('/invocations');
    expect([notAllowed.status, await notAllowed.text(), notAllowed.headers.get('allow')]).toEqual([405, '{"detail":"Method Not Allowed"}', 'POST']);
    const missing = await app.request('/nope', post('{}'));
    expect([missing.status, await missing.text()]).toEqual([404, '{"detail":"Not Found"}']);
    const slash = await app.request('http://localhost/ping/');
    expect([slash.status, slash.headers.get('location')]).toEqual([307, 'http://localhost/ping']);
  });

  it('liveness and readiness: ready only once a model is loaded, not while draining', async () => {
    const { app: empty, context } = createModelApp(undefined);
    expect((await empty.request('/livez')).status).toBe(200);
    expect((await empty.request('/readyz')).status).toBe(503);
    expect((await empty.request('/ping')).status).toBe(503);
    expect((await empty.request('/invocations', post('{"inputs": [1]}'))).status).toBe(503);
    context.slot.model = model();
    expect((await empty.request('/readyz')).status).toBe(200);
    context.slot.draining = true;
    expect(await (await empty.request('/readyz')).text()).toBe('{"status": "draining"}');
  });
});

describe('/invocations', () => {
  it('answers MLflow JSON text: floats, NaN, big ints, non-ASCII', async () => {
    const { app } = createModelApp(model());
    const response = await app.request('/invocations', post('{"inputs": [1.0, NaN, Infinity, -Infinity, 9007199254740993]}'));
    expect(await response.text()).toBe('{"predictions": [1.0, NaN, Infinity, -Infinity, 9007199254740993.0]}'.replace('9007199254740993.0', '9007199254740992.0'));
    const text = await (await app.request('/invocations', post('{"inputs": ["\u00e9"]}'))).text();
    expect(text).toBe('{"predictions": ["\\u00e9"]}');
  });

  it('keeps integers beyond 2^53 exact', async () => {
    const { app } = createModelApp(model());
    expect(await (await app.request('/invocations', post('{"inputs": [9007199254740993]}'))).text()).toBe('{"predictions": [9007199254740993]}');
  });

  it('strictJson writes null for NaN and infinities', async () => {
    const { app } = createModelApp(model(), { strictJson: true });
    expect(await (await app.request('/invocations', post('{"inputs": [1.5, NaN, Infinity]}'))).text()).toBe('{"predictions": [1.5, null, null]}');
  });

  it('refuses bad content types with MLflow 415 texts; a missing one is 415 too', async () => {
    const { app } = createModelApp(model());
    const latin = await app.request('/invocations', post('{"inputs": [1]}', 'application/json; charset=latin-1'));
    expect([latin.status, await latin.text()]).toEqual([415, 'The scoring server only supports UTF-8']);
    const none = await app.request('/invocations', post('{"inputs": [1]}', null));
    expect(none.status).toBe(415);
    expect(await none.text()).toMatch(/Got 'None'\.$/);
  });

  it('lists the keys it received when no format key is present (divergence 7)', async () => {
    const { app } = createModelApp(model());
    const response = await app.request('/invocations', post('{"columns": ["a"], "data": [[1]]}'));
    const body = parsePythonJson(await response.text()) as { error_code: string; message: string };
    expect(response.status).toBe(400);
    expect(body.message).toContain("Received dictionary with input fields: ['columns', 'data']");
  });

  it('never echoes more than a bounded prefix of the body', async () => {
    const { app } = createModelApp(model());
    const huge = `{"inputs": [${'1, '.repeat(100_000)}`;
    const body = await (await app.request('/invocations', post(huge))).text();
    expect(body.length).toBeLessThan(3000);
    expect(body).toContain('more characters');
  });

  it('answers 413 beyond the body limit, as a JSON MLflow error', async () => {
    const { app } = createModelApp(model(), { maxBodySize: 100 });
    const response = await app.request('/invocations', post(`{"inputs": [${'1,'.repeat(100)}1]}`));
    expect(response.status).toBe(413);
    expect((parsePythonJson(await response.text()) as { error_code: string }).error_code).toBe('BAD_REQUEST');
  });

  it('classifies model errors: MlflowException keeps its code, others are BAD_REQUEST with a stack trace', async () => {
    const { app } = createModelApp(model({ predict: (data) => {
      if (Array.isArray(data) || (data as { ndim?: number }).ndim === 1) throw new MlflowException('RESOURCE_EXHAUSTED', 'busy');
      throw new TypeError('boom');
    } }));
    const limited = await app.request('/invocations', post('{"inputs": [1]}'));
    expect(limited.status).toBe(429);
    expect((parsePythonJson(await limited.text()) as { message: string }).message).toMatch(/^Failed to predict data '.*'\. \nError: busy$/s);
    const broken = await app.request('/invocations', post('{"inputs": {"a": [1]}}'));
    const body = parsePythonJson(await broken.text()) as Record<string, string>;
    expect([broken.status, body.error_code]).toEqual([400, 'BAD_REQUEST']);
    expect(body.message).toMatch(/^Encountered an unexpected error while evaluating the model/);
    expect(body.stack_trace).toContain('TypeError: boom');
    const { app: quiet } = createModelApp(model({ predict: () => { throw new TypeError('boom'); } }), { noStackTraces: true });
    expect(await (await quiet.request('/invocations', post('{"inputs": [1]}'))).text()).not.toContain('stack_trace');
  });

  it('answers 500 INTERNAL_ERROR JSON for a prediction JSON cannot hold (divergence 3)', async () => {
    const { app } = createModelApp(model({ predict: () => ({ when: new Set([1]) }) }));
    const response = await app.request('/invocations', post('{"inputs": [1]}'));
    expect(response.status).toBe(500);
    expect(parsePythonJson(await response.text())).toMatchObject({ error_code: 'INTERNAL_ERROR' });
  });

  it('enforces params through predict: defaults, bad types, non-dicts', async () => {
    const { app } = createModelApp(model({ signature: colsSignature, predict: (_data, params) => [params?.k] }));
    expect(await (await app.request('/invocations', post('{"dataframe_records": [{"a": 1, "b": 2.0}]}'))).text()).toBe('{"predictions": [1]}');
    expect(await (await app.request('/invocations', post('{"dataframe_records": [{"a": 1, "b": 2.0}], "params": {"k": 4}}'))).text()).toBe('{"predictions": [4]}');
    expect((await app.request('/invocations', post('{"dataframe_records": [{"a": 1, "b": 2.0}], "params": {"k": "x"}}'))).status).toBe(400);
    expect((await app.request('/invocations', post('{"dataframe_records": [{"a": 1, "b": 2.0}], "params": [1]}'))).status).toBe(400);
  });

  it('streams server-sent events for "stream": true when enabled, and ignores the key otherwise', async () => {
    const streaming = model({ stream: async function* (data) { yield { chunk: 1, data: String(data) }; yield { chunk: 2 }; } });
    const { app } = createModelApp(streaming, { enableStreaming: true });
    const response = await app.request('/invocations', post('{"inputs": "hi", "stream": true}'));
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toBe('data: {"chunk": 1, "data": "hi"}\n\ndata: {"chunk": 2}\n\ndata: [DONE]\n\n');
    const { app: plain } = createModelApp(streaming);
    expect(await (await plain.request('/invocations', post('{"inputs": "hi", "stream": true}'))).text()).toBe('{"predictions": "hi"}');
  });

  it('refuses CSV rows with more fields than the header (documented divergence)', async () => {
    const { app } = createModelApp(model());
    const response = await app.request('/invocations', post('a,b\n1,2,3\n', 'text/csv'));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Expected 2 fields in line 2, saw 3');
  });
});

describe('limits', () => {
  it('times out with 504 DEADLINE_EXCEEDED and stops waiting; the next request is answered at once', async () => {
    let calls = 0;
    const slow = model({ predict: async (data) => {
      calls++;
      if (calls === 1) await new Promise((resolve) => setTimeout(resolve, 3000));
      return data;
    } });
    const { app } = createModelApp(slow, { timeoutSeconds: 0.3, maxConcurrency: 1 });
    const started = Date.now();
    const first = await app.request('/invocations', post('{"inputs": [1]}'));
    expect(first.status).toBe(504);
    expect(parsePythonJson(await first.text())).toEqual({ error_code: 'DEADLINE_EXCEEDED', message: 'Request processing time exceeded limit' });
    expect(Date.now() - started).toBeLessThan(2000);
    const second = await app.request('/invocations', post('{"inputs": [2]}'));
    expect([second.status, await second.text()]).toEqual([200, '{"predictions": [2]}']);
  });

  it('answers 503 when the queue is full instead of piling up', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const blocked = model({ predict: async (data) => { await gate; return data; } });
    const { app } = createModelApp(blocked, { maxConcurrency: 1, maxQueue: 1 });
    const running = app.request('/invocations', post('{"inputs": [1]}'));
    const waiting = app.request('/invocations', post('{"inputs": [2]}'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await app.request('/invocations', post('{"inputs": [3]}'));
    expect(refused.status).toBe(503);
    expect(parsePythonJson(await refused.text())).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE' });
    release();
    expect((await running).status).toBe(200);
    expect((await waiting).status).toBe(200);
  });
});

describe('/metrics', () => {
  it('counts requests and errors by code, with a latency histogram and in-flight gauge', async () => {
    const { app } = createModelApp(model());
    await app.request('/invocations', post('{"inputs": [1]}'));
    await app.request('/invocations', post('[1]'));
    await app.request('/ping');
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('pyfunc_http_requests_total{route="/invocations",method="POST",status="200"} 1');
    expect(text).toContain('pyfunc_http_requests_total{route="/invocations",method="POST",status="400"} 1');
    expect(text).toContain('pyfunc_http_errors_total{route="/invocations",error_code="BAD_REQUEST"} 1');
    expect(text).toMatch(/pyfunc_http_request_duration_seconds_bucket\{route="\/invocations",le="\+Inf"\} 2/);
    expect(text).toContain('pyfunc_http_requests_in_flight 0');
  });
});

describe('/openapi.json', () => {
  it('validates real requests against the request schema and real answers against the response schema', async () => {
    const scoring = model({ signature: colsSignature, predict: (data) => (data as Frame).toColumns().b });
    const { app } = createModelApp(scoring);
    const document = await (await app.request('/openapi.json')).json() as Record<string, any>;
    expect(document).toEqual(createOpenApiDocument(scoring.metadata, { version: document.info.version }));
    const operation = document.paths['/invocations'].post;
    const ajv = new Ajv({ strict: false });
    const validRequest = ajv.compile(operation.requestBody.content['application/json'].schema);
    const validResponse = ajv.compile(operation.responses['200'].content['application/json'].schema);
    const good = ['{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2.5]]}}', '{"dataframe_records": [{"a": 1, "b": 2.5}], "params": {"k": 3}}',
      '{"inputs": {"a": [1, 2], "b": [0.5, 1.5]}}', '{"instances": [{"a": 1, "b": 0.5}]}'];
    const bad = ['{"dataframe_records": [{"a": 1}]}', '{"dataframe_records": [{"a": "x", "b": 1}]}', '{}', '{"inputs": {"a": [1]}, "dataframe_records": []}',
      '{"dataframe_split": {"columns": ["zz"], "data": [[1]]}}', '{"dataframe_split": {"data": [[1]], "extra": 1}}', '{"dataframe_records": [{"a": 1, "b": 2}], "params": {"k": "x"}}'];
    for (const body of good) {
      expect(validRequest(JSON.parse(body)), body).toBe(true);
      const response = await app.request('/invocations', post(body));
      expect(response.status, body).toBe(200);
      expect(validResponse(JSON.parse(await response.text())), body).toBe(true);
    }
    for (const body of bad) {
      expect(validRequest(JSON.parse(body)), body).toBe(false);
      expect((await app.request('/invocations', post(body))).status, body).toBe(400);
    }
  });
});

describe('serve and the client', () => {
  it('serves over a socket; the client predicts, streams, and raises MLflow errors', async () => {
    const streaming = model({ stream: async function* () { yield 'a'; yield 'b'; } });
    const server = await serve(streaming, { port: 0, handleSignals: false, enableStreaming: true });
    try {
      const client = createClient(server.url);
      await client.waitServerReady(5);
      expect(await client.version()).toBe('2.22.0');
      expect(await client.predict([1, 2])).toEqual([1, 2]);
      expect(await client.predict(Frame.fromColumns({ a: [1, 2] }))).toEqual([{ a: 1 }, { a: 2 }]);
      expect(await client.predict({ x: [1, 2] })).toEqual({ x: [1, 2] });
      const chunks: unknown[] = [];
      for await (const chunk of client.predictStream('hi')) chunks.push(chunk);
      expect(chunks).toEqual(['a', 'b']);
      await expect(client.predict({ dataframe_split: [1] })).rejects.toMatchObject({ errorCode: 'BAD_REQUEST' });
    } finally {
      await server.close();
    }
  });

  it('answers 413 over a socket, with or without a declared length, and keeps serving', async () => {
    const server = await serve(model(), { port: 0, handleSignals: false, maxBodySize: 64 });
    try {
      const big = `{"inputs": [${'1,'.repeat(100)}1]}`;
      const declared = await fetch(`${server.url}/invocations`, post(big));
      expect(declared.status).toBe(413);
      const chunked = await fetch(`${server.url}/invocations`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, duplex: 'half',
        body: new ReadableStream({ start(controller) { controller.enqueue(new TextEncoder().encode(big)); controller.close(); } }),
      } as RequestInit);
      expect(chunked.status).toBe(413);
      const small = await fetch(`${server.url}/invocations`, post('{"inputs": [1]}'));
      expect([small.status, await small.text()]).toEqual([200, '{"predictions": [1]}']);
    } finally {
      await server.close();
    }
  });

  it('finishes in-flight requests on shutdown, then refuses connections', async () => {
    const slow = model({ predict: async (data) => { await new Promise((resolve) => setTimeout(resolve, 400)); return data; } });
    const controller = new AbortController();
    const server = await serve(slow, { port: 0, handleSignals: false, signal: controller.signal });
    const pending = fetch(`${server.url}/invocations`, post('{"inputs": [7]}'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    const response = await pending;
    expect([response.status, await response.text()]).toEqual([200, '{"predictions": [7]}']);
    await server.closed;
    await expect(fetch(`${server.url}/ping`)).rejects.toThrow();
  });

  it('closes gracefully on SIGTERM', async () => {
    const server = await serve(model(), { port: 0 });
    process.emit('SIGTERM', 'SIGTERM');
    await server.closed;
    await expect(fetch(`${server.url}/ping`)).rejects.toThrow();
  });
});

describe('parseInvocationsRequest / serializePredictions (for pyfunc predict)', () => {
  it('parses and serializes as the server does', () => {
    const metadata = new Model({ signature: colsSignature });
    const parsed = parseInvocationsRequest('a,b\n1,2\n', 'csv', metadata);
    expect(parsed.path).toBe('csv');
    expect((parsed.data as Frame).toRecords()).toEqual([{ a: 1, b: 2 }]);
    const llm = parseInvocationsRequest('{"prompt": "x", "k": 2}', 'json', metadata);
    expect([llm.path, llm.data, llm.params]).toEqual(['llm', { prompt: 'x' }, { k: 2 }]);
    expect(serializePredictions({ a: 'é' }, { unwrapped: true })).toBe('{"a": "\\u00e9"}');
    expect(serializePredictions(new Uint8Array(Buffer.from('hi')))).toBe('{"predictions": "aGk=\\n"}');
  });
});
