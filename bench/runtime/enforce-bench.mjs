// Schema enforcement alone: ours (enforceSchema) vs MLflow's _enforce_schema on the same
// frames (1 row, 100k rows), one run, medians of single calls, ratios printed. Not a test.
// Usage: node bench/runtime/enforce-bench.mjs [mlflowLine=2]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const line = process.argv[2] ?? '2';
const require = createRequire(join(root, 'packages', 'runtime', 'package.json'));
const esbuild = require('esbuild');
const dir = mkdtempSync(join(tmpdir(), 'enforce-bench-'));
try {
  const out = join(dir, 'enforcement.mjs');
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, `export { enforceSchema } from ${JSON.stringify(join(root, 'packages', 'runtime', 'src', 'enforcement', 'index.ts'))};\n` +
    "export { Frame, Schema, makeColumn } from '@pyfunc/format';\n");
  await esbuild.build({
    entryPoints: [entry],
    bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'error',
    nodePaths: [join(root, 'packages', 'runtime', 'node_modules')],
  });
  const { enforceSchema, Frame, Schema, makeColumn } = await import(pathToFileURL(out).href);
  const schema = Schema.fromJson(JSON.stringify([
    { name: 'a', type: 'long' }, { name: 'b', type: 'double' }, { name: 'c', type: 'string' }, { name: 'd', type: 'float' },
  ]));
  const frameOf = (n) => new Frame([
    makeColumn('a', BigInt64Array.from({ length: n }, (_, i) => BigInt(i))),
    makeColumn('b', Int32Array.from({ length: n }, (_, i) => i)),
    makeColumn('c', Array.from({ length: n }, (_, i) => `s${i % 97}`), 'object'),
    makeColumn('d', Float32Array.from({ length: n }, (_, i) => i / 2)),
  ]);
  // the median of single-call times on each side: a garbage collection (V8's or Python's) lands
  // on one call or another and would otherwise decide a mean
  const timeOurs = (n, reps) => {
    const frame = frameOf(n);
    for (let i = 0; i < Math.min(reps, 50); i++) enforceSchema(frame, schema);
    const times = [];
    for (let i = 0; i < reps; i++) {
      const start = process.hrtime.bigint();
      enforceSchema(frame, schema);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return times.sort((a, b) => a - b)[Math.floor(reps / 2)];
  };
  const python = execFileSync('bash', [join(root, 'scripts', 'oracle-venv.sh'), line], { encoding: 'utf8' }).trim().split(' ')[1];
  const script = `
import time, json, numpy as np, pandas as pd
from mlflow.models.utils import _enforce_schema
from mlflow.types.schema import Schema
schema = Schema.from_json(${JSON.stringify(schema.toJson())})
def frame(n):
    return pd.DataFrame({"a": np.arange(n, dtype="int64"), "b": np.arange(n, dtype="int32"),
        "c": pd.Series([f"s{i % 97}" for i in range(n)], dtype=object), "d": (np.arange(n) / 2).astype("float32")})
out = {}
for n, reps in [(1, 2000), (100000, 200)]:
    f = frame(n)
    for _ in range(min(reps, 50)): _enforce_schema(f, schema)
    times = []
    for _ in range(reps):
        t = time.perf_counter(); _enforce_schema(f, schema); times.append((time.perf_counter() - t) * 1000)
    out[str(n)] = sorted(times)[reps // 2]
print(json.dumps(out))
`;
  const mlflow = JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').at(-1));
  for (const [n, reps] of [[1, 2000], [100000, 200]]) {
    const ms = timeOurs(n, reps);
    const theirs = mlflow[String(n)];
    console.log(`enforce ${String(n).padStart(6)} rows x4 cols: ours ${ms.toFixed(4)} ms, mlflow ${line} ${theirs.toFixed(4)} ms, ours/mlflow ${(ms / theirs).toFixed(3)}x`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
