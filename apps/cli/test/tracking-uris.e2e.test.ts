// A scikit-learn model logged and registered by Python MLflow, predicted from Node through
// runs:/, models:/<name>/<version>, models:/<name>@<alias> and models:/<name>/latest —
// MLflow's file store on both lines, and a real `mlflow server --serve-artifacts` (3.x) —
// with the predictions Python's own `mlflow.pyfunc.load_model(...).predict` gives (issue 8 item 5).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleLines, oraclePython, runOracle, type OracleLine } from '../../../test/oracle/src/index.js';
import { startMlflowServer } from '../../../packages/tracking/test/mlflow-server.js';
import { run } from './support/run.js';

const scratch = mkdtempSync(join(tmpdir(), 'pyfunc-cli-tracking-'));
const serverLine: OracleLine = oracleLines.includes('3') ? '3' : oracleLines[0]!;
/** The server starts with the file, while the file-store tests run (its start takes seconds of Python). */
let serverStarting: ReturnType<typeof startMlflowServer> | undefined;
beforeAll(() => {
  serverStarting = startMlflowServer(serverLine, { serveArtifacts: true });
  serverStarting.catch(() => undefined); // awaited (and reported) by the server describe
});
afterAll(async () => {
  await serverStarting?.then((server) => server.stop(), () => undefined);
  rmSync(scratch, { recursive: true, force: true });
});

interface Logged { run_id: string; version: string; probe: Record<string, number[]>; predictions: number[] }

async function logWithPython(line: OracleLine, trackingUri: string, name: string): Promise<Logged> {
  const [answer] = await runOracle(line, 'logmodel.log_sklearn', [{ tracking_uri: trackingUri, name, alias: 'champion' }],
    { env: { MLFLOW_ALLOW_FILE_STORE: 'true' }, timeoutMs: 240_000 });
  if (answer!.error) throw new Error(`${answer!.error.type}: ${answer!.error.message}`);
  return answer!.ok as unknown as Logged;
}

async function predictThroughCli(line: OracleLine, trackingUri: string, uri: string, probe: Record<string, number[]>): Promise<unknown> {
  const saved = { tracking: process.env.MLFLOW_TRACKING_URI, python: process.env.PYFUNC_PYTHON };
  process.env.MLFLOW_TRACKING_URI = trackingUri;
  process.env.PYFUNC_PYTHON = oraclePython(line);
  try {
    const body = JSON.stringify({ dataframe_split: { columns: Object.keys(probe), data: probe.a!.map((_, i) => Object.values(probe).map((column) => column[i])) } });
    const { code, stdout, stderr } = await run(['predict', '-m', uri, '--env-manager', 'local', '--input-data', body]);
    expect(stderr.split('\n').filter((line) => /^[A-Z_]+: /.test(line))).toEqual([]);
    expect(code).toBe(0);
    return JSON.parse(stdout);
  } finally {
    if (saved.tracking === undefined) delete process.env.MLFLOW_TRACKING_URI; else process.env.MLFLOW_TRACKING_URI = saved.tracking;
    if (saved.python === undefined) delete process.env.PYFUNC_PYTHON; else process.env.PYFUNC_PYTHON = saved.python;
  }
}

// every form is covered once per store kind; each predict starts a Python worker, so not every form everywhere
const fileStoreForms = (logged: Logged, name: string) => [`runs:/${logged.run_id}/model`, `models:/${name}@champion`];
const serverForms = (logged: Logged, name: string) => [
  `runs:/${logged.run_id}/model`,
  `models:/${name}/${logged.version}`,
  `models:/${name}/latest`,
];

describe.each(oracleLines)('MLflow %s file store', (line) => {
  it('pyfunc predict through runs:/ and models:/…@champion matches Python', async () => {
    const trackingUri = pathToFileURL(join(scratch, `mlruns-${line}`)).href;
    const name = `sk-${line}`;
    const logged = await logWithPython(line, trackingUri, name);
    expect(logged.version).toBe('1');
    for (const uri of fileStoreForms(logged, name)) {
      expect(await predictThroughCli(line, trackingUri, uri, logged.probe), uri).toEqual({ predictions: logged.predictions });
    }
  });
});

describe('MLflow 3 server with --serve-artifacts', () => {
  const line = serverLine;
  let server: Awaited<ReturnType<typeof startMlflowServer>>;
  beforeAll(async () => {
    server = await serverStarting!;
  }, 180_000);

  it('runs:/, models:/…/1 and models:/…/latest through the tracking server and its artifact proxy; a missing version is RESOURCE_DOES_NOT_EXIST', async () => {
    const name = 'sk-server';
    const logged = await logWithPython(line, server.url, name);
    for (const uri of serverForms(logged, name)) {
      expect(await predictThroughCli(line, server.url, uri, logged.probe), uri).toEqual({ predictions: logged.predictions });
    }
    process.env.MLFLOW_TRACKING_URI = server.url;
    try {
      const missing = await run(['predict', '-m', `models:/${name}/7`, '--env-manager', 'local', '--input-data', '{}']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^RESOURCE_DOES_NOT_EXIST: /m);
    } finally {
      delete process.env.MLFLOW_TRACKING_URI;
    }
  });
});
