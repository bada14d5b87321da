// cli.md check 6: `pyfunc predict` prints exactly the bytes `mlflow models predict --env-manager
// local` prints, for models saved by real MLflow, JSON and CSV input, both MLflow lines.
// MLflow's side runs in one oracle process per line: the models are saved there and its `mlflow`
// command runs in process (the same click command as the executable; one case also runs the
// executable itself, to keep the two equal).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleLines, oraclePython, runOracle } from '../../../test/oracle/src/index.js';
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

const cases = [['sk', 'json'], ['sk', 'csv'], ['py', 'json'], ['py', 'csv']] as const;

describe.each(oracleLines)('pyfunc predict vs mlflow models predict (MLflow line %s)', (line) => {
  let python = '';
  let dir = '';
  const argsOf = (model: string, type: string) => ['-m', join(dir, model), '-i', join(dir, `${model}.${type}`), '-t', type, '--env-manager', 'local'];
  let expected: { exit_code: number; stdout: string; error: string | null }[] = [];
  beforeAll(async () => {
    python = oraclePython(line);
    dir = mkdtempSync(join(tmpdir(), `pyfunc-predict-${line}-`));
    writeFileSync(join(dir, 'sk.json'), JSON.stringify({ dataframe_split: { columns: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'], data: [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]] } }));
    writeFileSync(join(dir, 'sk.csv'), 'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n');
    writeFileSync(join(dir, 'py.json'), JSON.stringify({ dataframe_records: [{ x: 1, s: 'a' }, { x: 0.1, s: 'é' }, { x: -3e-7, s: 'z' }] }));
    writeFileSync(join(dir, 'py.csv'), 'x,s\n1,a\n0.25,7\n');
    const [saved] = await runOracle(line, 'cli.exec', [{ code: SAVE, argv: [dir] }]);
    expect(saved!.error).toBeUndefined();
    const answers = await runOracle(line, 'cli.invoke', cases.map(([model, type]) => ({ args: ['models', 'predict', ...argsOf(model, type)] })));
    expected = answers.map((answer) => {
      expect(answer.error).toBeUndefined();
      const result = answer.ok as unknown as (typeof expected)[number];
      expect(result.error).toBeNull();
      expect(result.exit_code).toBe(0);
      return result;
    });
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(cases.map(([model, type], index) => [model, type, index] as const))('%s model, %s input: same stdout bytes', async (model, type, index) => {
    process.env.PYFUNC_PYTHON = python;
    const ours = await run(['predict', ...argsOf(model, type)]);
    expect(ours.stderr).not.toMatch(/^[A-Z_]+: /m);
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe(expected[index]!.stdout);
  }, 120_000);

  // the in-process command prints what the executable prints (once per line: a Python start each)
  it('the `mlflow models predict` executable prints the same bytes as the in-process command', () => {
    const index = line === oracleLines[0] ? 2 : 1;
    const [model, type] = cases[index]!;
    const real = execFileSync(python, ['-m', 'mlflow', 'models', 'predict', ...argsOf(model, type)], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    expect(real).toBe(expected[index]!.stdout);
  }, 120_000);
});
