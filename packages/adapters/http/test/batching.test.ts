/**
 * Dynamic batching (`batching` of serve / createModelApp): concurrent tabular requests share one
 * predict, and every answer is byte for byte what the same request gets from a server without
 * batching. First with TypeScript models that record each call, then with a real scikit-learn
 * model run by @pyfunc/python in MLflow 2.22's interpreter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Frame, MlflowException, Model, ModelSignature, Series, Tensor, markFloat } from '@pyfunc/format';
import { backend as pythonBackend, loadPythonModel } from '@pyfunc/python';
import { PyFuncModel, registerBackend } from '@pyfunc/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oraclePython, runOracle } from '../../../../test/oracle/src/index.js';
import { createModelApp, serve, type ScoringServer } from '../src/index.js';

interface Call { rows: number; columns: string; params: string }

const signature = ModelSignature.fromDict({
  inputs: JSON.stringify([{ type: 'double', name: 'a', required: true }, { type: 'double', name: 'b', required: true }]),
  outputs: null,
  params: JSON.stringify([{ name: 'k', type: 'long', default: 0, shape: null }, { name: 'out', type: 'string', default: 'tensor', shape: null }]),
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * y = 2a + b + k per row, as the output kind `out` asks; a = -1 raises an MlflowException, a = -2
 * a plain Error (both name the row count, so a batch's error differs from a request's own).
 */
function countingModel(calls: Call[], options: { signed?: boolean; delayMs?: number } = {}): PyFuncModel {
  return new PyFuncModel(new Model({ signature: options.signed === false ? undefined : signature, flavors: { js_function: {} } }), {
    async doPredict(data, params) {
      const frame = data as Frame;
      calls.push({
        rows: frame.numRows,
        columns: frame.columns.map((column) => `${String(column.name)}:${column.dtype}`).join(','),
        params: JSON.stringify(params ?? null),
      });
      await sleep(options.delayMs ?? 20);
      const a = frame.toColumns().a as number[];
      const b = (frame.hasColumn('b') ? frame.toColumns().b : a.map(() => 0)) as number[];
      if (a.includes(-1)) throw new MlflowException('INVALID_PARAMETER_VALUE', `a = -1 in ${frame.numRows} rows`);
      if (a.includes(-2)) throw new Error(`broken on ${frame.numRows} rows`);
      const k = Number(params?.k ?? 0);
      const y = Float64Array.from(a, (value, row) => 2 * value + Number(b[row]) + k);
      switch (params?.out ?? 'tensor') {
        case 'series': return new Series('float64', y, null, 'y');
        case 'frame': return new Frame([{ name: 'y', dtype: 'float64', values: y, validity: null }, { name: 's', dtype: 'str', values: a.map((value) => `row ${value}`), validity: null }]);
        case 'array': {
          // integral Python floats (marked) must stay floats in each request's part
          const rounded = Array.from(y, (value) => Math.round(value));
          rounded.forEach((value, row) => { if (value % 2 === 0) markFloat(rounded, row); });
          return rounded;
        }
        case 'matrix': return new Tensor('float64', [frame.numRows, 2], Float64Array.from({ length: frame.numRows * 2 }, (_, i) => y[i >> 1]! + (i & 1)));
        case 'summary': return { n: frame.numRows, total: y.reduce((sum, value) => sum + value, 0) };
        case 'first': return [y[0]];
        default: return new Tensor('float64', [frame.numRows], y);
      }
    },
  });
}

const post = (body: string, type = 'application/json'): RequestInit => ({ method: 'POST', body, headers: { 'content-type': type } });

interface Answer { status: number; body: string }

/** Two apps over models of the same behaviour: one batching, one not; `burst` sends bodies to both. */
function pair(options: { signed?: boolean; maxBatchSize?: number; maxDelayMs?: number } = {}) {
  const batchedCalls: Call[] = [];
  const plainCalls: Call[] = [];
  const batched = createModelApp(countingModel(batchedCalls, options), {
    batching: { maxBatchSize: options.maxBatchSize ?? 32, maxDelayMs: options.maxDelayMs ?? 500 }, noStackTraces: true,
  });
  const plain = createModelApp(countingModel(plainCalls, options), { noStackTraces: true });
  const answer = async (response: Response | Promise<Response>): Promise<Answer> => {
    const resolved = await response;
    return { status: resolved.status, body: await resolved.text() };
  };
  return {
    batchedCalls,
    plainCalls,
    stats: batched.context.batcher!.stats,
    metricsText: async () => (await batched.app.request('/metrics')).text(),
    /**
     * A blocker request first (so the model is busy), then `bodies` at once to the batching app;
     * the same bodies one by one to the plain app. Returns both answers, in order.
     */
    async burst(bodies: readonly (string | [string, string])[]): Promise<{ batched: Answer[]; plain: Answer[] }> {
      const request = (body: string | [string, string]): RequestInit => (typeof body === 'string' ? post(body) : post(body[0], body[1]));
      const blocker = answer(batched.app.request('/invocations', post(split([[100, 100]]))));
      await sleep(5);
      const answers = await Promise.all(bodies.map((body) => answer(batched.app.request('/invocations', request(body)))));
      await blocker;
      const plainAnswers: Answer[] = [];
      for (const body of bodies) plainAnswers.push(await answer(plain.app.request('/invocations', request(body))));
      return { batched: answers, plain: plainAnswers };
    },
  };
}

function split(data: number[][], params?: Record<string, unknown>, columns = ['a', 'b']): string {
  return JSON.stringify({ dataframe_split: { columns, data }, ...(params === undefined ? {} : { params }) });
}

describe('dynamic batching with a TypeScript model', () => {
  it('batches concurrent requests into fewer predicts, each answer byte for byte the unbatched one', async () => {
    const { burst, batchedCalls, plainCalls, stats, metricsText } = pair();
    const bodies: (string | [string, string])[] = Array.from({ length: 24 }, (_, i) => split([[i * 0.37, Math.sqrt(i)]]));
    bodies.push(split([[1, 2], [3, 4], [5.5, 6]]));
    bodies.push(JSON.stringify({ dataframe_records: [{ a: 7, b: 0.1 }, { a: 8, b: 0.2 }] }));
    bodies.push(['a,b\n9,1.5\n10,2.5\n', 'text/csv']);
    const { batched, plain } = await burst(bodies);
    expect(plain.every((answer) => answer.status === 200)).toBe(true);
    expect(batched).toEqual(plain);
    // the blocker alone, then everything else in one predict of every row
    expect(batchedCalls.map((call) => call.rows)).toEqual([1, 24 + 3 + 2 + 2]);
    expect(plainCalls.length).toBe(bodies.length);
    expect(stats).toMatchObject({ batches: 1, batchedRequests: bodies.length, fallbacks: 0 });
    // the counts are on /metrics
    const metrics = await metricsText();
    expect(metrics).toContain('\npyfunc_http_batches_total 1\n');
    expect(metrics).toContain(`\npyfunc_http_batched_requests_total ${bodies.length}\n`);
    expect(metrics).toContain('\npyfunc_http_batch_fallbacks_total 0\n');
  });

  it.each(['tensor', 'series', 'frame', 'array', 'matrix'])('splits a row-aligned %s prediction by request', async (out) => {
    const { burst, batchedCalls, stats } = pair();
    const bodies = Array.from({ length: 6 }, (_, i) => split(Array.from({ length: 1 + (i % 3) }, (__, row) => [i + row / 4, row]), { out }));
    const { batched, plain } = await burst(bodies);
    expect(plain.every((answer) => answer.status === 200)).toBe(true);
    expect(batched).toEqual(plain);
    expect(batchedCalls.length).toBe(2);
    expect(stats.batches).toBe(1);
  });

  it('predicts each request alone when the prediction is not row-aligned', async () => {
    for (const out of ['summary', 'first']) {
      const { burst, batchedCalls, stats } = pair();
      const bodies = Array.from({ length: 5 }, (_, i) => split([[i, 1], [i + 1, 2]], { out }));
      const { batched, plain } = await burst(bodies);
      expect(plain.every((answer) => answer.status === 200)).toBe(true);
      expect(batched).toEqual(plain);
      // blocker, the batch, then each of the five on its own
      expect(batchedCalls.map((call) => call.rows)).toEqual([1, 10, 2, 2, 2, 2, 2]);
      expect(stats).toMatchObject({ batches: 0, fallbacks: 1 });
    }
  });

  it('never mixes requests of different params, columns or dtypes', async () => {
    const { burst, batchedCalls } = pair();
    const bodies = [
      split([[1, 2]], { k: 1 }), split([[3, 4]], { k: 2 }), split([[5, 6]], { k: 1 }), split([[7, 8]]),
      split([[1, 2]], { k: 1, out: 'tensor' }), split([[2, 1]], { out: 'tensor', k: 1 }), split([[9, 9]], { k: 1 }).replace('"k":1}', '"k":1.0}'),
      split([[4, 3]], undefined, ['b', 'a']), split([[0, 0]]),
    ];
    const { batched, plain } = await burst(bodies);
    expect(batched).toEqual(plain);
    // blocker, then one predict per distinct (columns, params): the order of the params' keys counts
    // (the model sees params and columns after enforcement: defaults added, columns in the schema's order);
    // k: 1.0 is refused by enforcement (a long param), which it would not be inside the k: 1 batch
    expect(batched.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200, 400, 200, 200]);
    expect(batchedCalls.slice(1).map((call) => `${call.rows} ${call.columns} ${call.params}`).sort()).toEqual([
      '2 a:float64,b:float64 {"k":1,"out":"tensor"}', // k: 1, twice
      '1 a:float64,b:float64 {"k":2,"out":"tensor"}',
      '2 a:float64,b:float64 {"k":0,"out":"tensor"}', // no params, twice
      '1 a:float64,b:float64 {"k":1,"out":"tensor"}', // k, out
      '1 a:float64,b:float64 {"out":"tensor","k":1}', // out, k
      '1 a:float64,b:float64 {"k":0,"out":"tensor"}', // columns b, a
    ].sort());

    const untyped = pair({ signed: false });
    const mixed = await untyped.burst([split([[1, 2]]), split([[1.5, 2]]), split([[3, 4]]), split([[2.5, 1]]), split([[1, 2]], undefined, ['a', 'c'])]);
    expect(mixed.batched).toEqual(mixed.plain);
    const groups = untyped.batchedCalls.slice(1).map((call) => `${call.rows} ${call.columns}`).sort();
    expect(groups).toEqual(['1 a:int64,c:int64', '2 a:float64,b:int64', '2 a:int64,b:int64']);
  });

  it('a request that breaks the batch gets its own error; the others succeed', async () => {
    const { burst, stats } = pair();
    const bodies = [split([[1, 2]]), split([[-1, 0]]), split([[3, 4]]), split([[-2, 0]]), split([[5, 6]])];
    const { batched, plain } = await burst(bodies);
    expect(batched).toEqual(plain);
    expect(batched.map((answer) => answer.status)).toEqual([200, 400, 200, 400, 200]);
    expect(JSON.parse(batched[1]!.body)).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect(batched[1]!.body).toContain('a = -1 in 1 rows');
    expect(JSON.parse(batched[3]!.body)).toMatchObject({ error_code: 'BAD_REQUEST' });
    expect(stats).toMatchObject({ batches: 0, fallbacks: 1 });
  });

  it('keeps batches within maxBatchSize rows; a request as large goes alone', async () => {
    const { burst, batchedCalls } = pair({ maxBatchSize: 4 });
    const bodies = [...Array.from({ length: 9 }, (_, i) => split([[i, i]])), split([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]), split([[6, 6], [7, 7], [8, 8]])];
    const { batched, plain } = await burst(bodies);
    expect(batched).toEqual(plain);
    expect(Math.max(...batchedCalls.filter((call) => call.rows !== 5).map((call) => call.rows))).toBeLessThanOrEqual(4);
    expect(batchedCalls.filter((call) => call.rows === 5).length).toBe(1);
    expect(batchedCalls.reduce((sum, call) => sum + call.rows, 0)).toBe(1 + 9 + 5 + 3);
  });

  it('adds no wait when the model is idle; flushes a collecting batch after maxDelayMs', async () => {
    const calls: Call[] = [];
    const { app } = createModelApp(countingModel(calls, { delayMs: 0 }), { batching: { maxDelayMs: 400 } });
    const started = performance.now();
    expect((await app.request('/invocations', post(split([[1, 2]])))).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(200);

    // a slow model: the collecting batch goes at maxDelayMs, before the first predict ends
    const slowCalls: Call[] = [];
    // (room in the limiter for a second predict: a model counts as one worker by default)
    const slow = createModelApp(countingModel(slowCalls, { delayMs: 600 }), { batching: { maxDelayMs: 50 }, maxConcurrency: 2 });
    const first = slow.app.request('/invocations', post(split([[1, 2]])));
    await sleep(5);
    const at = performance.now();
    const rest = await Promise.all([1, 2, 3].map((i) => slow.app.request('/invocations', post(split([[i, i]])))));
    expect(rest.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(performance.now() - at).toBeLessThan(600 + 400);
    expect(slowCalls.map((call) => call.rows)).toEqual([1, 3]);
    await first;
  });

  it('is off by default and for non-tabular input', async () => {
    const calls: Call[] = [];
    const { context } = createModelApp(countingModel(calls));
    expect(context.batcher).toBeUndefined();
    const { app, context: on } = createModelApp(new PyFuncModel(new Model({ flavors: { js_function: {} } }), {
      async doPredict(data) { calls.push({ rows: -1, columns: '', params: '' }); await sleep(10); return data; },
    }), { batching: {} });
    const answers = await Promise.all([1, 2, 3].map((i) => app.request('/invocations', post(JSON.stringify({ inputs: [i] })))));
    expect(await Promise.all(answers.map((response) => response.text()))).toEqual(['{"predictions": [1]}', '{"predictions": [2]}', '{"predictions": [3]}']);
    expect(calls.length).toBe(3);
    expect(on.batcher!.stats.batches).toBe(0);
  });
});

describe('dynamic batching with scikit-learn through @pyfunc/python (MLflow 2.22)', () => {
  const root = mkdtempSync(join(tmpdir(), 'pyfunc-http-batching-'));
  let model: PyFuncModel;
  let batchedServer: ScoringServer;
  let plainServer: ScoringServer;

  beforeAll(async () => {
    const [saved] = await runOracle('2', 'http.save_model', [{ path: join(root, 'sk'), kind: 'sklearn' }]);
    if (saved?.error) throw new Error(`saving the model: ${saved.error.message}`);
    registerBackend(pythonBackend);
    model = await loadPythonModel(join(root, 'sk'), { envManager: 'local', python: oraclePython('2'), workers: 1 });
    const common = { port: 0, handleSignals: false, shutdownGraceSeconds: 2, workers: 1 };
    batchedServer = await serve(model, { ...common, batching: { maxBatchSize: 32, maxDelayMs: 20 } });
    plainServer = await serve(model, common);
  });

  afterAll(async () => {
    await batchedServer?.close();
    await plainServer?.close();
    await model?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('64 concurrent 1-row requests: exactly the predictions of sequential unbatched requests', async () => {
    const bodies = Array.from({ length: 64 }, (_, i) => split([[i * 0.731 - 11, Math.sqrt(i) / 3]]));
    const send = async (url: string, body: string): Promise<string> => {
      const response = await fetch(`${url}/invocations`, post(body));
      return `${response.status} ${await response.text()}`;
    };
    const concurrent = await Promise.all(bodies.map((body) => send(batchedServer.url, body)));
    const sequential: string[] = [];
    for (const body of bodies) sequential.push(await send(plainServer.url, body));
    expect(sequential.every((answer) => answer.startsWith('200 {"predictions": ['))).toBe(true);
    expect(concurrent).toEqual(sequential);
    const stats = batchedServer.context.batcher!.stats;
    expect(stats.batches).toBeGreaterThan(0);
    expect(stats.batchedRequests).toBeGreaterThan(stats.batches);
    expect(stats.fallbacks).toBe(0);
  });

  it('a request that fails in Python inside a batch gets its own error; the others their predictions', async () => {
    // sklearn refuses NaN: the batch's predict fails, every request is predicted again on its own
    const bodies = Array.from({ length: 16 }, (_, i) => (i === 10
      ? JSON.stringify({ dataframe_split: { columns: ['a', 'b'], data: [[null, 1]] } }) : split([[i, i / 2]])));
    const send = async (url: string, body: string): Promise<{ status: number; body: unknown }> => {
      const response = await fetch(`${url}/invocations`, post(body));
      const text = await response.text();
      // the stack trace names the worker's frames; the code and message must be the same
      const { stack_trace: _trace, ...rest } = JSON.parse(text) as Record<string, unknown>;
      return { status: response.status, body: rest };
    };
    const before = batchedServer.context.batcher!.stats.fallbacks;
    const concurrent = await Promise.all(bodies.map((body) => send(batchedServer.url, body)));
    const sequential: { status: number; body: unknown }[] = [];
    for (const body of bodies) sequential.push(await send(plainServer.url, body));
    expect(sequential.map((answer) => answer.status === 200)).toEqual(bodies.map((_, i) => i !== 10));
    // a Python exception that is not an MlflowException: 400 BAD_REQUEST "Encountered an unexpected error …",
    // as MLflow's scoring server answers (its traceback, naming sklearn's ValueError, is the stack_trace)
    expect(sequential[10]).toMatchObject({ status: 400, body: { error_code: 'BAD_REQUEST', message: expect.stringMatching(/^Encountered an unexpected error while evaluating the model/) } });
    expect(concurrent).toEqual(sequential);
    expect(batchedServer.context.batcher!.stats.fallbacks).toBeGreaterThan(before);
  });
});
