/** The Node worker over its pipes, as the Python shim drives it: describe, predict, errors, exit on EOF. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { saveModel } from '@pyfunc/runtime';
import { Float64, Table, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWorkerMessage, sparkWorkerPath } from '../src/index.js';
import { TsScorer } from './fixtures/ts-scorer.js';

const dir = mkdtempSync(join(tmpdir(), 'pyfunc-spark-worker-'));
const modelPath = join(dir, 'scorer');
let worker: ChildProcess;
let answers: Buffer = Buffer.alloc(0);
let waiting: (() => void) | undefined;

async function call(header: Record<string, unknown>, body?: Uint8Array): Promise<{ header: Record<string, any>; body: Buffer }> {
  (worker.stdio[3] as Writable).write(encodeWorkerMessage(header, body));
  for (;;) {
    if (answers.length >= 4) {
      const length = answers.readUInt32LE(0);
      if (answers.length >= 8 + length) {
        const bodyLength = answers.readUInt32LE(4 + length);
        if (answers.length >= 8 + length + bodyLength) {
          const message = { header: JSON.parse(answers.subarray(4, 4 + length).toString()), body: answers.subarray(8 + length, 8 + length + bodyLength) };
          answers = answers.subarray(8 + length + bodyLength);
          return message;
        }
      }
    }
    await new Promise<void>((resolve) => { waiting = resolve; });
  }
}

beforeAll(async () => {
  await saveModel(modelPath, { pythonModel: new TsScorer() });
  worker = spawn(process.execPath, [sparkWorkerPath()], { stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'pipe'] });
  (worker.stdio[4] as Readable).on('data', (chunk: Buffer) => {
    answers = Buffer.concat([answers, chunk]);
    waiting?.();
  });
});

afterAll(() => {
  if (worker.exitCode === null) worker.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('spark worker protocol', () => {
  it('describes a model: result type, params, input schema', async () => {
    const { header } = await call({ op: 'describe', model_path: modelPath, result_type: null });
    expect(header.ok).toMatchObject({ result_type: 'double', params: null, input_schema: null, has_output_schema: false });
    const bad = await call({ op: 'describe', model_path: modelPath, result_type: 'array<timestamp>' });
    expect(bad.header.error.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad.header.error.message).toMatch(/^Invalid 'spark_udf' result type: ArrayType\(TimestampType\(\), True\)\./);
  });

  it('predicts Arrow batches, loading the model once', async () => {
    const batch = tableToIPC(new Table({ 0: vectorFromArray([1, 2], new Float64()), 1: vectorFromArray([0.5, 0.25], new Float64()) }), 'stream');
    const request = { op: 'predict', model_path: modelPath, result_type: 'array<string>' };
    for (let i = 0; i < 3; i += 1) {
      const { header, body } = await call(request, batch);
      expect(header.ok.loads).toBe(1);
      const values = tableFromIPC(body).getChildAt(0)!.toArray().map((row: any) => [...row]);
      expect(values).toEqual([['l1', '2.5'], ['l2', '4.25']]);
    }
    const stats = await call({ op: 'stats' });
    expect(stats.header.ok).toMatchObject({ pid: worker.pid, loads: 1, batches: 3 });
  });

  it("reports the model's errors with MLflow's code", async () => {
    const batch = tableToIPC(new Table({ 0: vectorFromArray([1], new Float64()), 1: vectorFromArray([2], new Float64()) }), 'stream');
    const { header } = await call({ op: 'predict', model_path: modelPath, result_type: 'int' }, batch);
    expect(header.error.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(header.error.message).toContain("The model did not produce any values compatible with the requested type 'IntegerType()'");
  });

  it('takes a batch of several megabytes arriving in many chunks, and the request after it', async () => {
    const rows = 300_000; // two float64 columns: ~4.8 MB of Arrow
    const x = Float64Array.from({ length: rows }, (_, i) => i);
    const y = Float64Array.from({ length: rows }, (_, i) => i / 4);
    const batch = tableToIPC(new Table({ 0: vectorFromArray(x, new Float64()), 1: vectorFromArray(y, new Float64()) }), 'stream');
    expect(batch.byteLength).toBeGreaterThan(4 << 20);
    const { header, body } = await call({ op: 'predict', model_path: modelPath, result_type: 'array<string>' }, batch);
    expect(header.ok.loads).toBe(1);
    const values = tableFromIPC(body).getChildAt(0)!;
    expect(values.length).toBe(rows);
    const last = rows - 1;
    expect([...values.get(last)!]).toEqual([`l${last}`, String(last * 2 + last / 4)]);
    const stats = await call({ op: 'stats' });
    expect(stats.header.ok.pid).toBe(worker.pid);
  });

  it('exits when its request pipe closes (no orphan)', async () => {
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    (worker.stdio[3] as Writable).end();
    expect(await exited).toBe(0);
  });
});
