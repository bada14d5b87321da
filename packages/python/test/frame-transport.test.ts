/**
 * The frame a Python model receives from Node is the frame Python itself builds from the same
 * columns (`pd.DataFrame(dict)`): same values bit for bit, same dtypes, one writable,
 * C-contiguous block per dtype (what makes scikit-learn's predict fast). Covers the worker's
 * zero-copy path (same-dtype numeric columns sent back to back) and its general path.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PyFuncModel } from '@pyfunc/runtime';
import { oracleLines, oraclePython, runOracle } from '../../../test/oracle/src/index.js';
import { loadModel } from '../src/index.js';
import { buildInput, canon, type InputSpec } from './helpers.js';

const SAVE = `
import sys, mlflow.pyfunc
class Layout(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        blocks = model_input._mgr.blocks
        return {
            "nblocks": len(blocks),
            "writeable": [bool(b.values.flags.writeable) for b in blocks],
            "c_contiguous": [bool(b.values.flags.c_contiguous) for b in blocks],
            "frame": model_input,
        }
mlflow.pyfunc.save_model(sys.argv[1], python_model=Layout())
`;

const floats = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 43758.5453 % 7);

const cases: { label: string; input: InputSpec }[] = [
  { label: 'four float64 columns (zero-copy block)', input: { kind: 'frame', columns: ['f0', 'f1', 'f2', 'f3'].map((name, k) => ({ name, dtype: 'float64', values: floats(1000, k) })) } },
  { label: 'one float64 row', input: { kind: 'frame', columns: ['a', 'b'].map((name, k) => ({ name, dtype: 'float64', values: floats(1, k) })) } },
  { label: 'int64 columns beyond 2^53', input: { kind: 'frame', columns: [
    { name: 'x', dtype: 'int64', values: [2n ** 62n, -(2n ** 60n) - 1n, 3n] }, { name: 'y', dtype: 'int64', values: [1n, 2n, 9007199254740993n] }] } },
  { label: 'mixed dtypes (one block per dtype)', input: { kind: 'frame', columns: [
    { name: 'a', dtype: 'float64', values: [1.5, -0, 2] }, { name: 'b', dtype: 'int64', values: [1n, 2n, 3n] }, { name: 'c', dtype: 'float64', values: [0.1, 0.2, 0.3] }] } },
  { label: 'int32 columns with padding between buffers', input: { kind: 'frame', columns: [
    { name: 'a', dtype: 'int32', values: [1, 2, 3] }, { name: 'b', dtype: 'int32', values: [-4, 5, 6] }] } },
  { label: 'float64 with a missing value', input: { kind: 'frame', columns: [
    { name: 'a', dtype: 'float64', values: [1, null, 3] }, { name: 'b', dtype: 'float64', values: [4, 5, 6] }] } },
  { label: 'integer column labels', input: { kind: 'frame', columns: [0, 1].map((name, k) => ({ name, dtype: 'float64', values: floats(4, k) })) } },
  { label: 'no rows', input: { kind: 'frame', columns: [{ name: 'a', dtype: 'float64', values: [] }, { name: 'b', dtype: 'float64', values: [] }] } },
];

describe.each(oracleLines)('frames sent to a Python model (MLflow %s)', (line) => {
  let path: string;
  let model: PyFuncModel;
  let expected: Awaited<ReturnType<typeof runOracle>>;

  beforeAll(async () => {
    const python = oraclePython(line);
    path = join(mkdtempSync(join(tmpdir(), `pyfunc-frames-${line}-`)), 'model');
    execFileSync(python, ['-c', SAVE, path], { stdio: ['ignore', 'ignore', 'pipe'] });
    [expected, model] = await Promise.all([
      runOracle(line, 'python.predict', cases.map((c) => ({ path, input: c.input, params: null, stream: false }))),
      loadModel(path, { envManager: 'local', python, workers: 1, suppressWarnings: true }),
    ]);
  });

  afterAll(async () => {
    await model?.close();
  });

  it.each(cases.map((c, i) => [c.label, i] as const))('%s', async (_label, index) => {
    const want = expected[index]!;
    if (want.error !== undefined) throw new Error(`${want.error.type}: ${want.error.message}`);
    const got = canon(await model.predict(buildInput(cases[index]!.input)));
    expect(got).toEqual(want.ok);
  });
});
