/**
 * A TypeScript model served by MLflow's own scoring server: `mlflow models serve --env-manager
 * local` loads the model's `python_function` flavor (runtime.md 11.5), which runs it in Node, and
 * answers MLflow's protocol — predictions equal to Node's own `loadModel(...).predict`, the model's
 * coded errors as MLflow's error bodies, schema enforcement by MLflow. Both MLflow lines.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Frame } from '@pyfunc/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleLines } from '../../../test/oracle/src/index.js';
import { startMlflowServer, type MlflowServer } from '../../../test/oracle/src/mlflow-serve.js';
import { loadModel, saveModel } from '../src/index.js';
import { strict } from './fixtures/shim-models.js';

let root: string;
let modelDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pyfunc-mlflow-serve-'));
  modelDir = join(root, 'strict');
  await saveModel(modelDir, { pythonModel: strict, inputExample: Frame.fromColumns({ x: [1n] }, { dtypes: { x: 'int64' } }) });
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, json: await response.json() as Record<string, unknown> };
}

describe.each(oracleLines)('a TypeScript model behind `mlflow models serve` (MLflow %s)', (line) => {
  let server: MlflowServer | undefined;

  beforeAll(async () => {
    server = await startMlflowServer(line, modelDir, { timeoutMs: 150_000 });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('answers with the predictions Node computes itself, for records and split frames', async () => {
    const model = await loadModel(modelDir);
    const own = await model.predict(Frame.fromColumns({ x: [3n, 4n, 21n] }, { dtypes: { x: 'int64' } }));
    expect(own).toEqual([6, 8, 42]);
    const split = await post(server!.url, { dataframe_split: { columns: ['x'], data: [[3], [4], [21]] } });
    expect(split).toEqual({ status: 200, json: { predictions: own } });
    const records = await post(server!.url, { dataframe_records: [{ x: 3 }, { x: 4 }, { x: 21 }] });
    expect(records).toEqual({ status: 200, json: { predictions: own } });
  });

  it("the model's coded error and its plain error come back as MLflow's error bodies", async () => {
    const coded = await post(server!.url, { dataframe_split: { columns: ['x'], data: [[-1]] } });
    expect(coded.status).toBe(400);
    expect(coded.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(String(coded.json.message)).toContain('negative input: ünicode message');
    expect(String(coded.json.message)).toMatch(/^Failed to predict data /);
    // a plain JS error is the runtime's INTERNAL_ERROR in Node; MLflow keeps the code (500)
    const plain = await post(server!.url, { dataframe_split: { columns: ['x'], data: [[0]] } });
    expect(plain.status).toBe(500);
    expect(plain.json.error_code).toBe('INTERNAL_ERROR');
    expect(String(plain.json.message)).toContain("The model's predict failed: zero is not allowed");
  });

  it("input against the model's signature is refused by MLflow's enforcement before Node sees it", async () => {
    const wrong = await post(server!.url, { dataframe_split: { columns: ['x'], data: [['not a number']] } });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error_code).toBe('BAD_REQUEST');
    expect(String(wrong.json.message)).toContain("Failed to convert column x to type 'int64'");
  });
});
