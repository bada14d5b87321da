/**
 * Server against server: real `mlflow models serve --env-manager local` (2.22 and 3.x) and ours
 * on the same models (saved by MLflow; ours runs their TypeScript twins, test/helpers/twin-models.ts)
 * get the same requests, at least 150 per line and a third of them malformed, and must answer
 * the same status codes and bodies. Deliberate differences are listed in `divergences` with why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleLines, oraclePython, runOracle } from '../../../../test/oracle/src/index.js';
import { backend as pythonBackend, loadPythonModel } from '@pyfunc/python';
import { registerBackend } from '@pyfunc/runtime';
import { serve, type ScoringServer } from '../src/index.js';
import { startMlflowServer, type MlflowServer } from './helpers/mlflow-server.js';
import { echoTwin, paramsTwin } from './helpers/twin-models.js';
import { buildCases, type HttpCase } from './helpers/http-cases.js';

const signatures = {
  nosig: null,
  cols: {
    inputs: JSON.stringify([{ type: 'long', name: 'a', required: true }, { type: 'double', name: 'b', required: true }, { type: 'string', name: 's', required: false }]),
    outputs: null, params: null,
  },
  tensor: { inputs: JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1, 2] } }]), outputs: null, params: null },
  params: {
    inputs: JSON.stringify([{ type: 'long', name: 'x', required: true }]),
    outputs: null,
    params: JSON.stringify([{ name: 'p', type: 'long', default: 5, shape: null }, { name: 't', type: 'string', default: 'a', shape: null }]),
  },
  /** A real scikit-learn model: ours runs it through @pyfunc/python in the same line's interpreter. */
  sk: null,
} as const;
type ModelName = keyof typeof signatures;
const modelNames = Object.keys(signatures) as ModelName[];

interface Answer { status: number; contentType: string; body: string }

async function send(base: string, request: HttpCase): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (request.contentType !== null) headers['content-type'] = request.contentType;
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined
    : typeof request.body === 'string' ? request.body : Buffer.from(request.body);
  const response = await fetch(`${base}${request.path}`, { method: request.method, headers, body, redirect: 'manual' });
  return { status: response.status, contentType: (response.headers.get('content-type') ?? '').split(';')[0]!, body: await response.text() };
}

/** The part of an error message both servers must agree on (serving.md: match stable prefixes). */
function stableMessage(message: string): string {
  return message
    .replace(/\{'(dataframe_split|dataframe_records|instances|inputs)'(, '(dataframe_split|dataframe_records|instances|inputs)'){3}\}/g, '{FORMATS}')
    .split(/Failed to predict data '|Error: '|Received dictionary with input fields|Got \{|\nInput: |Error: [A-Z]\w+\(/)[0]!
    .slice(0, 120);
}

function parsedError(body: string): { error_code?: string; message?: string } {
  try {
    return JSON.parse(body) as { error_code?: string; message?: string };
  } catch {
    return {};
  }
}

/**
 * Line 3's differences that are not about the server: its 415 text also lists parquet (3.x reads
 * `application/vnd.apache.parquet` bodies, which this server does not), and its venv runs pandas 3,
 * whose string dtype turns None into NaN; we follow pandas 2 (serving.md 4.6: None stays None).
 */
function normalizeLineFor(line: string): (body: string) => string {
  if (line !== '3') return (body) => body;
  return (body) => body.replace(", 'application/vnd.apache.parquet']", ']').replace(/(": )null\b/g, '$1NaN');
}

describe.each(oracleLines)('scoring server against mlflow models serve %s', (line) => {
  const root = mkdtempSync(join(tmpdir(), `pyfunc-http-diff-${line}-`));
  const mlflow = new Map<ModelName, MlflowServer>();
  const ours = new Map<ModelName, ScoringServer>();
  // PYFUNC_HTTP_SEED=<n> draws another set of requests (the same generator, other values)
  const cases = buildCases(Number(process.env.PYFUNC_HTTP_SEED ?? 20260) + Number(line));
  const normalizeLine = normalizeLineFor(line);

  beforeAll(async () => {
    const saved = await runOracle(line, 'http.save_model', modelNames.map((name) => ({
      path: join(root, name), kind: name === 'params' ? 'params' : name === 'sk' ? 'sklearn' : 'echo', signature: signatures[name],
    })));
    saved.forEach((result, index) => { if (result.error) throw new Error(`saving ${modelNames[index]}: ${result.error.message}`); });
    // the Python model runs in our Python worker, in the interpreter of the same MLflow line
    registerBackend(pythonBackend);
    const started = await Promise.all(modelNames.map(async (name) => {
      const twin = name === 'sk' ? await loadPythonModel(join(root, name), { envManager: 'local', python: oraclePython(line), workers: 1 })
        : name === 'params' ? await paramsTwin(join(root, name)) : await echoTwin(join(root, name));
      return [name, await startMlflowServer(line, join(root, name), { timeoutSeconds: 2 }),
        await serve(twin, { port: 0, timeoutSeconds: 2, handleSignals: false, shutdownGraceSeconds: 2 })] as const;
    }));
    for (const [name, theirs, mine] of started) {
      mlflow.set(name, theirs);
      ours.set(name, mine);
    }
  });

  afterAll(async () => {
    await Promise.all([...mlflow.values()].map((server) => server.stop()));
    await Promise.all([...ours.values()].map((server) => server.close()));
    rmSync(root, { recursive: true, force: true });
  });

  it(`has at least 150 requests, a third malformed`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    expect(cases.filter((c) => c.malformed).length).toBeGreaterThanOrEqual(cases.length / 3);
  });

  it('answers every request as MLflow does (status, content type, body)', async () => {
    const mismatches: string[] = [];
    for (const request of cases) {
      const [theirs, mine] = await Promise.all([send(mlflow.get(request.model)!.url, request), send(ours.get(request.model)!.url, request)]);
      const label = `[${request.model}] ${request.name}`;
      if (request.divergence !== undefined) {
        // a deliberate difference: MLflow's behaviour is recorded next to ours
        const expected = typeof request.divergence.mlflowStatus === 'number' ? request.divergence.mlflowStatus : request.divergence.mlflowStatus[line];
        if (theirs.status !== expected) mismatches.push(`${label}: MLflow answered ${theirs.status}, the divergence note expects ${expected}`);
        if (mine.status !== request.divergence.ourStatus) mismatches.push(`${label}: we answered ${mine.status} (${mine.body.slice(0, 200)}), expected ${request.divergence.ourStatus}`);
        continue;
      }
      if (theirs.status !== mine.status) {
        mismatches.push(`${label}: status ${mine.status} vs MLflow ${theirs.status}\n  ours:   ${mine.body.slice(0, 300)}\n  mlflow: ${theirs.body.slice(0, 300)}`);
        continue;
      }
      if (theirs.contentType !== mine.contentType) mismatches.push(`${label}: content type ${mine.contentType} vs ${theirs.contentType}`);
      if (theirs.status === 200 || theirs.contentType !== 'application/json' || request.method === 'HEAD') {
        if (request.compareBody !== false && normalizeLine(theirs.body) !== normalizeLine(mine.body)) mismatches.push(`${label}: body\n  ours:   ${mine.body.slice(0, 300)}\n  mlflow: ${theirs.body.slice(0, 300)}`);
        continue;
      }
      const [a, b] = [parsedError(mine.body), parsedError(theirs.body)];
      if (a.error_code !== b.error_code) mismatches.push(`${label}: error_code ${a.error_code} vs ${b.error_code}`);
      else if (a.message !== undefined && b.message !== undefined && stableMessage(a.message) !== stableMessage(b.message)) {
        mismatches.push(`${label}: message\n  ours:   ${stableMessage(a.message)}\n  mlflow: ${stableMessage(b.message)}`);
      }
      if ((b as { stack_trace?: string }).stack_trace !== undefined && (a as { stack_trace?: string }).stack_trace === undefined) {
        mismatches.push(`${label}: MLflow sends a stack_trace, we do not`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
