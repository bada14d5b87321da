/**
 * The Node fast path of `serve` (POST /invocations, GET /ping, /health straight on node:http)
 * against the hono path (`fastPath: false`) of the same model and options: the same requests,
 * sent as raw bytes, must get the same answers byte for byte (status line, headers in order,
 * framing, body; only `Date` differs), the same metrics counts and the same log lines.
 */
import { Frame, MlflowException, Model, Tensor, dumpsPythonJson } from '@pyfunc/format';
import { PyFuncModel } from '@pyfunc/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializePredictions, serve, toJsonable, type ScoringServer } from '../src/index.js';
import { Deadlines } from '../src/deadlines.js';
import { RawConnection, normalizeAnswer, rawRequest, type RawRequest } from './helpers/raw-http.js';

interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(lines: LogLine[]) {
  const at = (level: string) => (fields: object, message: string): void => {
    // the latency and the server's own address differ between the two servers
    const { ms: _ms, url: _url, ...rest } = fields as Record<string, unknown>;
    lines.push({ level, fields: rest, message });
  };
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), child: () => logger };
  return logger;
}

/** A model whose first `str` input picks a behaviour: raise, throw, sleep, wait at a gate, answer a Set. */
function behavingModel(gate: { wait: Promise<void> }): PyFuncModel {
  return new PyFuncModel(new Model({ flavors: { js_function: {} } }), {
    async doPredict(data) {
      const action = data instanceof Tensor && data.dtype === 'str' ? data.data[0] : undefined;
      if (action === 'raise') throw new MlflowException('RESOURCE_EXHAUSTED', 'busy');
      if (action === 'throw') throw new TypeError('boom');
      if (action === 'set') return { when: new Set([1]) };
      if (action === 'sleep') await new Promise((resolve) => setTimeout(resolve, 1500));
      if (action === 'gate') await gate.wait;
      return data;
    },
    async *doPredictStream() {
      yield 'a';
      yield { b: [1, 2.5] };
    },
  });
}

const json = (body: string, extra: [string, string][] = []): RawRequest => ({
  text: rawRequest('POST', '/invocations', { headers: [['Content-Type', 'application/json'], ...extra], body }),
});
const big = `{"inputs": [${'1, '.repeat(200)}1]}`;
const chunked = (body: string, type = 'application/json'): RawRequest => ({
  text: `${rawRequest('POST', '/invocations', { headers: [['Content-Type', type], ['Transfer-Encoding', 'chunked']] })}` +
    `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`,
});

/** Every request both servers get, by name. */
const cases: [string, RawRequest][] = [
  ['ints', json('{"inputs": [1, 2]}')],
  ['floats and tokens', json('{"inputs": [1.0, NaN, Infinity, -Infinity, 2.5]}')],
  ['big ints', json('{"inputs": [9007199254740993, 9007199254740992]}')],
  ['nested', json('{"inputs": [[1, 2], [3, 4]]}')],
  ['bools', json('{"inputs": [true, false]}')],
  ['strings, non-ASCII', json('{"inputs": ["é", "x"]}')],
  ['dict of tensors', json('{"inputs": {"a": [1, 2], "b": [0.5, 1.5]}}')],
  ['dataframe_split', json('{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2.5]]}}')],
  ['dataframe_records', json('{"dataframe_records": [{"a": 1, "b": "x"}]}')],
  ['instances', json('{"instances": [1, 2]}')],
  ['llm keys (unwrapped)', json('{"prompt": "x", "temperature": 0.5}')],
  ['csv', { text: rawRequest('POST', '/invocations', { headers: [['Content-Type', 'text/csv']], body: 'a,b\n1,2\n' }) }],
  ['csv, too many fields', { text: rawRequest('POST', '/invocations', { headers: [['Content-Type', 'text/csv']], body: 'a,b\n1,2,3\n' }) }],
  ['charset utf-8', { text: rawRequest('POST', '/invocations', { headers: [['Content-Type', 'application/json; charset=UTF-8']], body: '{"inputs": [1]}' }) }],
  ['charset latin-1', { text: rawRequest('POST', '/invocations', { headers: [['Content-Type', 'application/json; charset=latin-1']], body: '{"inputs": [1]}' }) }],
  ['unknown parameter', { text: rawRequest('POST', '/invocations', { headers: [['Content-Type', 'application/json; format=pandas-split']], body: '{"inputs": [1]}' }) }],
  ['text/plain', { text: rawRequest('POST', '/invocations', { headers: [['Content-Type', 'text/plain']], body: '{"inputs": [1]}' }) }],
  ['no content type', { text: rawRequest('POST', '/invocations', { body: '{"inputs": [1]}' }) }],
  ['two content types', { text: rawRequest('POST', '/invocations', { headers: [['Content-Type', 'application/json'], ['content-type', 'application/json']], body: '{"inputs": [1]}' }) }],
  ['padded content type', { text: rawRequest('POST', '/invocations', { headers: [['Content-Type', '  application/json  ']], body: '{"inputs": [1]}' }) }],
  ['invalid JSON', json('{"inputs": [1,')],
  ['a list', json('[1, 2]')],
  ['no format key', json('{"columns": ["a"], "data": [[1]]}')],
  ['empty body', json('')],
  ['invalid UTF-8', { text: Buffer.concat([Buffer.from(rawRequest('POST', '/invocations', { headers: [['Content-Type', 'application/json'], ['Content-Length', '15']] })), Buffer.from([0x7b, 0x22, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x73, 0x22, 0x3a, 0x20, 0x5b, 0xff, 0x5d, 0x7d])]) }],
  ['UTF-16 body', { text: Buffer.concat([Buffer.from(rawRequest('POST', '/invocations', { headers: [['Content-Type', 'application/json'], ['Content-Length', '32']] })), Buffer.from('\ufeff{"inputs": [1]}', 'utf16le')]) }],
  ['model MlflowException', json('{"inputs": ["raise"]}')],
  ['model TypeError (stack trace)', json('{"inputs": ["throw"]}')],
  ['unserializable prediction', json('{"inputs": ["set"]}')],
  ['stream', json('{"inputs": "hi", "stream": true}')],
  ['chunked request body', chunked('{"inputs": [7]}')],
  ['413, declared length', json(big)],
  ['413, chunked', chunked(big)],
  ['HEAD /invocations', { text: rawRequest('HEAD', '/invocations'), head: true }],
  ['GET /invocations', { text: rawRequest('GET', '/invocations') }],
  ['PUT /invocations', { text: rawRequest('PUT', '/invocations', { headers: [['Content-Type', 'application/json']], body: '{"inputs": [1]}' }) }],
  ['/invocations with a query', { text: rawRequest('POST', '/invocations?x=1', { headers: [['Content-Type', 'application/json']], body: '{"inputs": [1]}' }) }],
  ['/invocations/', { text: rawRequest('POST', '/invocations/', { headers: [['Content-Type', 'application/json']], body: '{"inputs": [1]}' }) }],
  ['GET /ping', { text: rawRequest('GET', '/ping') }],
  ['GET /health', { text: rawRequest('GET', '/health') }],
  ['HEAD /ping', { text: rawRequest('HEAD', '/ping'), head: true }],
  ['GET /ping?x=1', { text: rawRequest('GET', '/ping?x=1') }],
  ['GET /ping/', { text: rawRequest('GET', '/ping/') }],
  ['POST /ping', { text: rawRequest('POST', '/ping', { body: '' }) }],
  ['GET /version', { text: rawRequest('GET', '/version') }],
  ['Host with a high port', { text: rawRequest('POST', '/invocations', { host: '127.0.0.1:61000', headers: [['Content-Type', 'application/json']], body: '{"inputs": [1]}' }) }],
  ['Host in capitals', { text: rawRequest('GET', '/ping', { host: 'LOCALHOST:5000' }) }],
  ['Host that is no host', { text: rawRequest('POST', '/invocations', { host: 'a b', headers: [['Content-Type', 'application/json']], body: '{"inputs": [1]}' }) }],
  ['Host out of range', { text: rawRequest('GET', '/ping', { host: '999.1.1.1:99999' }) }],
  ['HTTP/1.0 without Host', { text: rawRequest('POST', '/invocations', { host: null, version: '1.0', headers: [['Content-Type', 'application/json']], body: '{"inputs": [1]}' }) }],
  ['HTTP/1.0 with Host', { text: rawRequest('POST', '/invocations', { version: '1.0', headers: [['Content-Type', 'application/json']], body: '{"inputs": [1]}' }) }],
];

const named = (name: string): RawRequest => cases.find(([label]) => label === name)![1];

/** The answer with what differs run to run masked: `Date`, and a stack trace (with the length it changes). */
function comparable(answer: string): string {
  const normalized = normalizeAnswer(answer);
  if (!normalized.includes('"stack_trace": "')) return normalized;
  return normalized.replace(/"stack_trace": "(?:[^"\\]|\\.)*"/, '"stack_trace": "<trace>"').replace(/(\r\nContent-Length: )\d+/i, '$1<n>');
}

describe('the Node fast path answers as the hono path, byte for byte', () => {
  const gate: { wait: Promise<void>; open: () => void } = { wait: Promise.resolve(), open: () => undefined };
  const logs: [LogLine[], LogLine[]] = [[], []];
  let servers: [ScoringServer, ScoringServer];

  beforeAll(async () => {
    const options = { port: 0, handleSignals: false, maxBodySize: 256, timeoutSeconds: 1, maxConcurrency: 1, maxQueue: 0, enableStreaming: true, shutdownGraceSeconds: 2 } as const;
    servers = [
      await serve(behavingModel(gate), { ...options, logger: recordingLogger(logs[0]) }),
      await serve(behavingModel(gate), { ...options, logger: recordingLogger(logs[1]), fastPath: false }),
    ];
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  const both = async (request: RawRequest): Promise<[string, string]> => {
    const answers = await Promise.all(servers.map(async (server) => {
      const connection = await RawConnection.open(server.port);
      try {
        return await connection.exchange(request);
      } finally {
        connection.close();
      }
    }));
    return [answers[0]!, answers[1]!];
  };

  it.each(cases)('%s', async (_name, request) => {
    const [fast, hono] = await both(request);
    expect(comparable(fast)).toBe(comparable(hono));
    expect(fast).toMatch(/^HTTP\/1\.1 \d{3} /);
  });

  it('keep-alive: many requests on one connection, answered in order; pipelined ones too', async () => {
    const sequence = ['ints', 'invalid JSON', 'GET /ping', 'csv', 'HEAD /invocations', '413, declared length', 'stream', 'ints'].map(named);
    const answers = await Promise.all(servers.map(async (server) => {
      const connection = await RawConnection.open(server.port);
      try {
        const out: string[] = [];
        for (const request of sequence) out.push(comparable(await connection.exchange(request)));
        // two requests in one packet
        connection.write(`${json('{"inputs": [5]}').text as string}${json('{"inputs": [6]}').text as string}`);
        out.push(comparable(await connection.read()), comparable(await connection.read()));
        return out;
      } finally {
        connection.close();
      }
    }));
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]!.at(-2)).toMatch(/\{"predictions": \[5\]\}$/);
    expect(answers[0]!.at(-1)).toMatch(/\{"predictions": \[6\]\}$/);
  });

  it('504 after the timeout, and the slot is free at once', async () => {
    const [fast, hono] = await both(json('{"inputs": ["sleep"]}'));
    expect(comparable(fast)).toBe(comparable(hono));
    expect(fast).toMatch(/^HTTP\/1\.1 504 Gateway Timeout\r\n/);
    expect(fast).toContain('{"error_code": "DEADLINE_EXCEEDED", "message": "Request processing time exceeded limit"}');
    const [next] = await both(json('{"inputs": [3]}'));
    expect(next).toMatch(/\{"predictions": \[3\]\}$/);
    await new Promise((resolve) => setTimeout(resolve, 600)); // the sleeping predicts end
  });

  it('503 when the queue is full', async () => {
    let open!: () => void;
    gate.wait = new Promise<void>((resolve) => { open = resolve; });
    const held = await Promise.all(servers.map(async (server) => {
      const connection = await RawConnection.open(server.port);
      connection.write(json('{"inputs": ["gate"]}').text);
      return connection;
    }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [fast, hono] = await both(json('{"inputs": [1]}'));
    expect(comparable(fast)).toBe(comparable(hono));
    expect(fast).toMatch(/^HTTP\/1\.1 503 /);
    expect(fast).toContain('"error_code": "TEMPORARILY_UNAVAILABLE"');
    open();
    const released = await Promise.all(held.map(async (connection) => {
      const answer = await connection.read();
      connection.close();
      return comparable(answer);
    }));
    expect(released[0]).toBe(released[1]);
    expect(released[0]).toMatch(/\{"predictions": \["gate"\]\}$/);
    gate.wait = Promise.resolve();
  });

  it('while draining: connection: close among the headers, as hono writes them', async () => {
    for (const server of servers) server.context.slot.draining = true;
    try {
      for (const request of ['ints', 'invalid JSON', 'GET /ping', 'stream', '413, declared length', 'text/plain', 'HTTP/1.0 with Host'].map(named)) {
        const [fast, hono] = await both(request);
        expect(comparable(fast)).toBe(comparable(hono));
        expect(fast.toLowerCase()).toContain('\r\nconnection: close\r\n');
      }
    } finally {
      for (const server of servers) server.context.slot.draining = false;
    }
  });

  it('while the model loads (listen-early): 503 from /ping, /health and /invocations', async () => {
    const models = servers.map((server) => server.context.slot.model);
    for (const server of servers) server.context.slot.model = undefined;
    try {
      for (const request of ['GET /ping', 'GET /health', 'ints', 'text/plain'].map(named)) {
        const [fast, hono] = await both(request);
        expect(comparable(fast)).toBe(comparable(hono));
        expect(fast).toMatch(/^HTTP\/1\.1 503 /);
      }
    } finally {
      servers.forEach((server, index) => { server.context.slot.model = models[index]; });
    }
  });

  it('a client leaving mid-body gets nothing, and the server keeps serving', async () => {
    for (const server of servers) {
      const connection = await RawConnection.open(server.port);
      connection.write(rawRequest('POST', '/invocations', { headers: [['Content-Type', 'application/json'], ['Content-Length', '100']] }) + '{"inputs"');
      await new Promise((resolve) => setTimeout(resolve, 50));
      connection.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [fast, hono] = await both(json('{"inputs": [4]}'));
    expect(comparable(fast)).toBe(comparable(hono));
    expect(fast).toMatch(/\{"predictions": \[4\]\}$/);
  });

  it('counts the same metrics and writes the same log lines', async () => {
    const metrics = await Promise.all(servers.map(async (server) => (await fetch(`${server.url}/metrics`)).text()));
    const counts = (text: string): string[] => text.split('\n').filter((line) => /^pyfunc_http_(requests_total|errors_total|request_duration_seconds_count)/.test(line));
    expect(counts(metrics[0]!).length).toBeGreaterThan(10);
    expect(counts(metrics[0]!)).toEqual(counts(metrics[1]!));
    expect(metrics[0]).toContain('pyfunc_http_requests_total{route="/invocations",method="POST",status="413"} 4');
    expect(metrics[0]).toContain('pyfunc_http_errors_total{route="/invocations",error_code="HTTP_415"}');
    expect(metrics[0]).toContain('pyfunc_http_requests_total{route="/ping",method="HEAD",status="200"} 1');
    expect(metrics[0]).toContain('pyfunc_http_requests_total{route="/ping",method="GET",status="503"} 1');
    expect(logs[0].length).toBeGreaterThan(cases.length);
    expect(logs[0]).toEqual(logs[1]);
  });
});

describe('a numeric tensor prediction is written straight from its storage', () => {
  it('as dumpsPythonJson(toJsonable(tensor)) writes it, for every numeric dtype, shape and strictJson', () => {
    const big = 2n ** 53n;
    const samples: [string, number[] | bigint[]][] = [
      ['float64', [0, -0, 1, 1.5, -2.25, 1e21, 1e-7, 123456789.125, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 9007199254740993, 5e-324]],
      ['float32', [0, 1, 0.1, -3.5, Number.NaN, 16777217]],
      ['float16', [0, 1, 0.5, -2]],
      ['int64', [0n, -1n, big - 1n, big, -big, big + 1n, -big - 1n, 2n ** 63n - 1n, -(2n ** 63n)]],
      ['uint64', [0n, big, big + 1n, 2n ** 64n - 1n]],
      ['int32', [0, -1, 2147483647, -2147483648]],
      ['int8', [0, -128, 127]],
      ['uint32', [0, 4294967295]],
      ['uint8', [0, 255]],
      ['bool', [1, 0]],
    ];
    const storage = (dtype: string, values: number[] | bigint[]) => {
      switch (dtype) {
        case 'float64': return Float64Array.from(values as number[]);
        case 'float32': case 'float16': return Float32Array.from(values as number[]);
        case 'int64': return BigInt64Array.from(values as bigint[]);
        case 'uint64': return BigUint64Array.from(values as bigint[]);
        case 'int32': return Int32Array.from(values as number[]);
        case 'int8': return Int8Array.from(values as number[]);
        case 'uint32': return Uint32Array.from(values as number[]);
        default: return Uint8Array.from(values as number[]);
      }
    };
    let checked = 0;
    for (const [dtype, values] of samples) {
      const shapes = [[values.length], [1, values.length], [values.length, 1]];
      if (values.length % 2 === 0) shapes.push([2, values.length / 2], [values.length / 2, 1, 2]);
      for (const shape of shapes) {
        const tensor = new Tensor(dtype, shape, storage(dtype, values));
        for (const strictJson of [false, true]) {
          for (const unwrapped of [false, true]) {
            const payload = toJsonable(tensor, strictJson);
            expect(serializePredictions(tensor, { strictJson, unwrapped }), `${dtype} ${shape.join('x')}`)
              .toBe(dumpsPythonJson(unwrapped ? payload : { predictions: payload }));
            checked++;
          }
        }
      }
      const scalar = new Tensor(dtype, [], storage(dtype, values.slice(0, 1) as number[] | bigint[]));
      expect(serializePredictions(scalar)).toBe(dumpsPythonJson({ predictions: toJsonable(scalar) }));
    }
    for (const shape of [[0], [2, 0], [0, 3]]) {
      const empty = new Tensor('float64', shape, new Float64Array(0));
      expect(serializePredictions(empty)).toBe(dumpsPythonJson({ predictions: toJsonable(empty) }));
    }
    expect(checked).toBeGreaterThan(100);
    // other dtypes take the general path
    expect(serializePredictions(Tensor.from(['a', 'é']))).toBe('{"predictions": ["a", "\\u00e9"]}');
    expect(serializePredictions(Frame.fromColumns({ a: [1, 2] }))).toBe('{"predictions": [{"a": 1}, {"a": 2}]}');
  });
});

describe('Deadlines (one timer for all requests)', () => {
  it('expires in start order, not finished ones, and frees what a request holds', async () => {
    const expired: string[] = [];
    const deadlines = new Deadlines<string>(80, (deadline) => expired.push(deadline.value));
    const released: string[] = [];
    const a = deadlines.start('a');
    const b = deadlines.start('b');
    a.release = () => released.push('a');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const c = deadlines.start('c');
    const d = deadlines.start('d');
    deadlines.finish(b);
    deadlines.finish(d);
    deadlines.finish(d); // twice: no harm
    await new Promise((resolve) => setTimeout(resolve, 70));
    expect(expired).toEqual(['a']);
    expect([a.expired, b.expired, c.expired]).toEqual([true, false, false]);
    expect(released).toEqual(['a']);
    expect(a.signal.aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(expired).toEqual(['a', 'c']);
    deadlines.finish(c); // after expiry: no effect
    const e = deadlines.start('e');
    expect(e.signal.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(expired).toEqual(['a', 'c', 'e']);
    expect(e.signal.aborted).toBe(true);
  });
});
