/**
 * Large bodies travel through a deleted /dev/shm file (python-worker.ts `openSharedFile`), both
 * ways, instead of the pipe. What must hold: the answers are the same as over the pipe; a
 * model that keeps its input frame (a view of the shared mapping) never sees it overwritten by
 * a later request; the file never appears in /dev/shm; `PYFUNC_SHARED_MEMORY=0` turns it off.
 * MLflow 3 only: the path is MLflow-independent (the worker's codec), and the frame checks run
 * inside the model in Python.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frame } from '@pyfunc/format';
import type { PyFuncModel } from '@pyfunc/runtime';
import { oraclePython } from '../../../test/oracle/src/index.js';
import { loadModel } from '../src/index.js';

// mode "double": 2 * input, plus a column saying whether the input's memory is the shared mapping;
// "keep": the same, and the model holds on to the input frame; "kept": the sums of f0 of the
// frames it holds (and lets them go)
const SAVE = `
import sys, mmap, numpy as np, pandas as pd, mlflow.pyfunc
from mlflow.models import ModelSignature, infer_signature
class Holder(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        self.kept = []
    def predict(self, context, model_input, params=None):
        mode = (params or {}).get("mode", "double")
        if mode == "kept":
            sums = [float(f["f0"].sum()) for f in self.kept]
            self.kept = []
            return pd.DataFrame({"sum": sums})
        if mode == "keep":
            self.kept.append(model_input)
        base = model_input._mgr.blocks[0].values
        while True:
            if isinstance(base, np.ndarray) and base.base is not None:
                base = base.base
            elif isinstance(base, memoryview):
                base = base.obj
            else:
                break
        out = model_input * 2
        out["shared"] = 1.0 if isinstance(base, mmap.mmap) else 0.0
        out["writeable"] = 1.0 if model_input._mgr.blocks[0].values.flags.writeable else 0.0
        return out
# params only: no input schema, so MLflow hands the model the frame the worker built (enforcing a
# column schema would copy it)
signature = ModelSignature(inputs=None, params=infer_signature(None, None, params={"mode": "double"}).params)
mlflow.pyfunc.save_model(sys.argv[1], python_model=Holder(), signature=signature)
`;

const COLUMNS = ['f0', 'f1', 'f2', 'f3'];
/** Rows of a frame: 100k rows of 4 float64 columns is 3.2 MB, past the 1 MiB threshold. */
function frameOf(rows: number, seed: number): Frame {
  return Frame.fromColumns(Object.fromEntries(COLUMNS.map((name, k) =>
    [name, Float64Array.from({ length: rows }, (_, i) => ((i * 7919 + seed * 104729 + k) % 100003) / 8)]))); // eighths: sums are exact in any order
}

function columnOf(result: unknown, name: string): ArrayLike<number> {
  expect(result).toBeInstanceOf(Frame);
  return (result as Frame).column(name).values as ArrayLike<number>;
}

function expectDoubled(result: unknown, input: Frame, shared: boolean): void {
  for (const name of COLUMNS) {
    const want = input.column(name).values as Float64Array;
    const got = columnOf(result, name);
    expect(got.length).toBe(want.length);
    let mismatches = 0;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]! * 2) mismatches++;
    expect(mismatches).toBe(0);
  }
  expect(columnOf(result, 'shared')[0]).toBe(shared ? 1 : 0);
  expect(columnOf(result, 'writeable')[0]).toBe(1);
}

const sumOf = (frame: Frame): number => (frame.column('f0').values as Float64Array).reduce((a, b) => a + b, 0);
const shmEntries = (): string[] => (existsSync('/dev/shm') ? readdirSync('/dev/shm').filter((name) => name.startsWith('pyfunc-')) : []);

describe.runIf(process.platform === 'linux' && existsSync('/dev/shm'))('large bodies through shared memory (MLflow 3)', () => {
  const python = oraclePython('3');
  let path: string;
  let model: PyFuncModel;
  let before: string[];

  beforeAll(async () => {
    path = join(mkdtempSync(join(tmpdir(), 'pyfunc-shm-')), 'model');
    execFileSync(python, ['-c', SAVE, path], { stdio: ['ignore', 'ignore', 'pipe'] });
    before = shmEntries();
    model = await loadModel(path, { envManager: 'local', python, workers: 1, suppressWarnings: true });
  }, 120_000);

  afterAll(async () => {
    await model?.close();
  });

  it('a large frame goes through the mapping and comes back doubled, bit for bit, request after request', async () => {
    for (let seed = 0; seed < 3; seed++) {
      const input = frameOf(100_000, seed);
      expectDoubled(await model.predict(input), input, true);
      const small = frameOf(5, seed); // small ones keep using the pipe in between
      expectDoubled(await model.predict(small), small, false);
    }
    expect(shmEntries()).toEqual(before); // the file is deleted as soon as it is opened
  });

  it('an input the model keeps is never overwritten: the next large request takes the pipe', async () => {
    const kept = frameOf(100_000, 10);
    expectDoubled(await model.predict(kept, { mode: 'keep' }), kept, true);
    // the mapping is still in use by the kept frame: this one must not be written over it
    const next = frameOf(100_000, 11);
    expectDoubled(await model.predict(next, { mode: 'keep' }), next, false);
    const sums = columnOf(await model.predict(frameOf(1, 0), { mode: 'kept' }), 'sum');
    expect(Array.from(sums)).toEqual([sumOf(kept), sumOf(next)]);
    // released: large requests use the mapping again
    const again = frameOf(100_000, 12);
    expectDoubled(await model.predict(again), again, true);
  });

  it('PYFUNC_SHARED_MEMORY=0 keeps everything on the pipe, with the same answers', async () => {
    const saved = process.env.PYFUNC_SHARED_MEMORY;
    process.env.PYFUNC_SHARED_MEMORY = '0';
    let piped: PyFuncModel | undefined;
    try {
      piped = await loadModel(path, { envManager: 'local', python, workers: 1, suppressWarnings: true });
    } finally {
      if (saved === undefined) delete process.env.PYFUNC_SHARED_MEMORY;
      else process.env.PYFUNC_SHARED_MEMORY = saved;
    }
    try {
      const input = frameOf(100_000, 20);
      expectDoubled(await piped.predict(input), input, false);
    } finally {
      await piped.close();
    }
  }, 120_000);
});
