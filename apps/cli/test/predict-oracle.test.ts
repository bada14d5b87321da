// cli.md check 6: `pyfunc predict` prints exactly the bytes `mlflow models predict --env-manager
// local` prints, for models saved by real MLflow, JSON and CSV input, both MLflow lines.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleLines, oraclePython } from '../../../test/oracle/src/index.js';
import { run } from './support/run.js';

const SAVE = `
import sys, numpy as np, pandas as pd, mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
out = sys.argv[1]
X, y = load_iris(return_X_y=True, as_frame=True)
clf = LogisticRegression(max_iter=300).fit(X, y)
mlflow.sklearn.save_model(clf, out + "/sk", input_example=X.head(3))
class Scaler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        df = pd.DataFrame(model_input)
        return pd.DataFrame({"x2": df["x"] * 2.5, "label": df["s"].astype(str) + "!"})
mlflow.pyfunc.save_model(out + "/py", python_model=Scaler(), input_example=pd.DataFrame({"x": [1.5, -2.0], "s": ["a", "b"]}))
`;

describe.each(oracleLines)('pyfunc predict vs mlflow models predict (MLflow line %s)', (line) => {
  let python = '';
  let dir = '';
  beforeAll(async () => {
    python = await oraclePython(line);
    dir = mkdtempSync(join(tmpdir(), `pyfunc-predict-${line}-`));
    execFileSync(python, ['-c', SAVE, dir], { stdio: 'pipe' });
    writeFileSync(join(dir, 'sk.json'), JSON.stringify({ dataframe_split: { columns: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'], data: [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]] } }));
    writeFileSync(join(dir, 'sk.csv'), 'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n');
    writeFileSync(join(dir, 'py.json'), JSON.stringify({ dataframe_records: [{ x: 1, s: 'a' }, { x: 0.1, s: 'é' }, { x: -3e-7, s: 'z' }] }));
    writeFileSync(join(dir, 'py.csv'), 'x,s\n1,a\n0.25,7\n');
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['sk', 'json'], ['sk', 'csv'], ['py', 'json'], ['py', 'csv'],
  ])('%s model, %s input: same stdout bytes', async (model, type) => {
    const args = ['-m', join(dir, model), '-i', join(dir, `${model}.${type}`), '-t', type, '--env-manager', 'local'];
    const expected = execFileSync(python, ['-m', 'mlflow', 'models', 'predict', ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    process.env.PYFUNC_PYTHON = python;
    const ours = await run(['predict', ...args]);
    expect(ours.stderr).not.toMatch(/^[A-Z_]+: /m);
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe(expected);
  }, 120_000);
});
