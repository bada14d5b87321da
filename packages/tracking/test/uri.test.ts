/**
 * URIs against MLflow's own parsers (format.md 7, conformance checks 1–7), both lines:
 * runs:/ and models:/ parsing, splitting for download, appending paths, mlflow-artifacts
 * resolution, local-URI detection, safe artifact paths and the tracking URI default.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlflowException } from '@pyfunc/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveMlflowArtifactsUri } from '../src/artifacts/index.js';
import {
  appendToUri, getRegistryUri, getTrackingUri, isLocalUri, parseModelsUri, parseRunsUri, splitArtifactUri,
  splitModelsUri, validateArtifactPath,
} from '../src/uri/index.js';
import { oracleLines, runOracle, type OracleLine, type OracleResult } from '../../../test/oracle/src/index.js';

/** PYFUNC_TEST_SEED=<n> shifts the generators' seeds: other cases from the same generators. */
const seedShift = Number(process.env.PYFUNC_TEST_SEED ?? 0);

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'pyfunc-uri-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
// for splitArtifactUri: a relative path that exists locally, one that does not
mkdirSync(join(scratch, 'model', 'sub'), { recursive: true });
writeFileSync(join(scratch, 'model', 'MLmodel'), 'flavors: {}\n');

const schemes = ['runs:', 'models:', 'Models:', 'RUNS:', 's3:', 'file:', 'mlflow-artifacts:', 'http:', '', 'runs', 'models', 'c:'];
const separators = ['/', '//', '///', ''];
const segments = ['abc', 'm', 'my model', 'm@a', '@a', 'm@', '1', '10', '007', 'latest', 'LATEST', 'Production', 'staging',
  '', ' ', 'a%20b', 'm-0123456789abcdef0123456789abcdef', 'x?y=1', 'x#f', 'x;p', '..', '.', 'm@a@b', 'host:5000',
  '\u0661\u0662', '\u00b2', 'model', 'MLmodel', 'é'];

/** Spec cases (format.md 7, conformance checks 1–5) plus generated ones. */
function uriCases(count: number, seed: number): string[] {
  const fixed = [
    'runs:/abc/model', 'runs:/abc', 'runs:/', 'runs:abc', 'runs://profile@databricks/abc/model', 'runs:/abc/', 'runs:/abc/a/b/c',
    'runs:/abc//x', 'runs:/abc/model?x=1', 's3://b/abc',
    'models:/m/3', 'models:/m/Production', 'models:/m/LATEST', 'models:/m@champ', 'models:/m@', 'models:/a/b/c',
    'models:/', 'models:/m-0123456789abcdef0123456789abcdef', 'models:/m/1/MLmodel', 'models:/m@a/x/y',
    'models://scope:prefix@databricks/m/1/x', 'models:/m/1/', 'models:/m/1/a/b/', 'models:/m@a', 'models:m/1',
    'models:/m/ ', 'models:/ /1', 'models:/m@a@b', 'models:/m/1?x', 'models:/m/1#f', 'models:/m#f/1', 'models:/[x/1',
  ];
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const out = [...fixed];
  for (let i = 0; i < count; i += 1) {
    const parts = Array.from({ length: Math.floor(random() * 4) }, () => pick(segments));
    out.push(`${pick(schemes)}${pick(separators)}${parts.join('/')}${random() < 0.15 ? '/' : ''}`);
  }
  return [...new Set(out)];
}

type Outcome = { ok: unknown } | { error: string };

function ours(fn: () => unknown): Outcome {
  try {
    return { ok: fn() };
  } catch (error) {
    expect(MlflowException.isInstance(error), `not an MlflowException: ${String(error)}`).toBe(true);
    return { error: (error as MlflowException).message };
  }
}

function theirs(result: OracleResult, map: (value: unknown) => unknown = (v) => v): Outcome {
  return result.error !== undefined ? { error: result.error.message } : { ok: map(result.ok) };
}

function expectSame(cases: unknown[], mine: Outcome[], python: Outcome[], compareMessages = true): void {
  const mismatches: string[] = [];
  cases.forEach((c, i) => {
    const a = mine[i]!;
    const b = python[i]!;
    const same = 'ok' in a && 'ok' in b ? JSON.stringify(a.ok) === JSON.stringify(b.ok)
      : 'error' in a && 'error' in b ? (!compareMessages || a.error === b.error) : false;
    if (!same) mismatches.push(`${JSON.stringify(c)}: ours ${JSON.stringify(a)} python ${JSON.stringify(b)}`);
  });
  expect(mismatches).toEqual([]);
}

/** Every oracle case of one line goes through one Python start (importing MLflow is slow). */
class OracleBatch {
  private readonly cases: Array<[string, unknown]> = [];
  private results: Promise<OracleResult[]> | undefined;
  constructor(private readonly line: OracleLine) {}
  add(op: string, cases: unknown[]): () => Promise<OracleResult[]> {
    const start = this.cases.length;
    for (const c of cases) this.cases.push([op, c]);
    return async () => (await this.run()).slice(start, start + cases.length);
  }
  run(): Promise<OracleResult[]> {
    this.results ??= runOracle(this.line, 'uri.batch', this.cases);
    return this.results;
  }
}

const runsCases = uriCases(250, 1 + seedShift);
const modelsCases = uriCases(400, 2 + seedShift).concat(uriCases(200, 3 + seedShift).map((u) => u.replace(/^[^:]*:/, 'models:')));

// the cases of each op, fixed before any test runs so one Python start per line answers all of them
const modelsUnique = [...new Set(modelsCases)];
const splitModelsCases = modelsCases.filter((u) => /^models:/i.test(u));
const splitCases = ['model', 'model/MLmodel', 'model/sub', 'missing/x', join(scratch, 'model'), `file://${scratch}/model`,
  'file:rel/path', 'file:///a/b/', '/abs/missing/file.txt', 'mlflow-artifacts:/0/r/artifacts/m',
  'mlflow-artifacts://host:5000/0/r/artifacts/m/', 'http://h:5000/api/2.0/mlflow-artifacts/artifacts/x/y?q=1',
  's3://bucket/key/model', 's3://bucket', 'hdfs:rel', 'model/', ...runsCases.slice(0, 200)];
const appendUris = ['s3://root/base/path?param=value', 'a/posix/path', 'file:///a/b', 'file:rel', 'file:/abs/', '',
  'mlflow-artifacts:/0/abc/artifacts', 'mlflow-artifacts://h:5000/0/x', 'http://h/p;x?q=1#f', 's3://b/x?p=../y',
  's3://b/x?p=%2E%2E%2Fy', 's3://b/x?p=%252E%252E', 'runs:/abc', 'dbfs:/databricks/x', '/abs/path/'];
const appendCases = appendUris.flatMap((u) => ['model', '/model', 'a/b', '', 'MLmodel', 'a//b/', '/'].map((p) => [u, p]));
const resolveCases = ['mlflow-artifacts:/0/r/artifacts/m', 'mlflow-artifacts://other:8080/0/r', 'mlflow-artifacts:/',
  'mlflow-artifacts:/api/2.0/mlflow-artifacts/artifacts', 'mlflow-artifacts://5000/x', 'mlflow-artifacts://h:5000/',
  'mlflow-artifacts:///a//b/'].flatMap((a) => ['http://127.0.0.1:5000', 'http://h:5000/prefix', 'https://h/prefix/',
  'file:///x', 'sqlite:///mlflow.db', 'http://user:pw@h:1'].map((t) => [a, t]));
const localCases = ['/a/b', 'rel', 'file:///a', 'file:/a', 'file://localhost/a', 'file://127.0.0.1/a', 'file://remote/a',
  'file://./a', 's3://b/k', 'http://localhost:5000', 'mlflow-artifacts:/x', 'runs:/abc', 'c:\\x', ''];
const pathCases = ['model', 'a/b/c', '../x', 'a/../b', 'a/..', '/etc/passwd', '%2e%2e/x', '%252e%252e/x', 'a#b', 'C:\\x',
  'C:/x', '\\\\server\\share\\x', 'a\\..\\b', 'file:///etc', 'file:rel/x', '..a', 'a..', '.', 'a//b', 'é', 'a%2Fb'];
const withMlruns = mkdtempSync(join(scratch, 'with mlruns '));
mkdirSync(join(withMlruns, 'mlruns', '0'), { recursive: true });
writeFileSync(join(withMlruns, 'mlruns', '0', 'meta.yaml'), "experiment_id: '0'\nname: Default\n");
function trackingCases(line: OracleLine): Array<{ env: Record<string, string>; cwd: string }> {
  return [
    { env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' }, cwd: scratch },
    { env: { MLFLOW_TRACKING_URI: 'http://t:5000', MLFLOW_REGISTRY_URI: 'http://r:5000' }, cwd: scratch },
    { env: { MLFLOW_TRACKING_URI: '/some/path/mlruns' }, cwd: scratch },
    { env: {}, cwd: withMlruns },
    // 3.7+ defaults to sqlite:///mlflow.db without an existing ./mlruns (format.md 7.8)
    ...(line === '2' ? [{ env: {}, cwd: scratch }] : []),
  ];
}

const batches = new Map(oracleLines.map((line) => {
  const batch = new OracleBatch(line);
  return [line, {
    batch,
    parseRuns: batch.add('parse_runs', runsCases),
    parseModels: batch.add('parse_models', modelsUnique),
    splitModels: batch.add('split_models', splitModelsCases),
    split: batch.add('split', splitCases.map((u) => [u, scratch])),
    append: batch.add('append', appendCases),
    resolve: batch.add('resolve_mlflow_artifacts', resolveCases),
    isLocal: batch.add('is_local', localCases),
    validatePath: batch.add('validate_path', pathCases),
    tracking: batch.add('tracking_uri', trackingCases(line)),
  }] as const;
}));
// both lines' Pythons start at once
beforeAll(async () => {
  await Promise.all([...batches.values()].map((b) => b.batch.run()));
});

describe.each(oracleLines)('MLflow %s.x', (line) => {
  const major = line === '2' ? 2 : 3;
  const oracle = batches.get(line)!;

  it('parseRunsUri agrees with RunsArtifactRepository.parse_runs_uri', async () => {
    const python = await oracle.parseRuns();
    expectSame(runsCases, runsCases.map((u) => ours(() => {
      const { runId, artifactPath } = parseRunsUri(u);
      return [runId, artifactPath];
    })), python.map((r) => theirs(r)));
  });

  it('parseModelsUri agrees with _parse_model_uri', async () => {
    const cases = modelsUnique;
    const python = await oracle.parseModels();
    const mine = cases.map((u) => ours(() => {
      const p = parseModelsUri(u, { mlflowMajor: major });
      const out: Record<string, unknown> = {};
      if (p.modelId !== undefined) out.model_id = p.modelId;
      if (p.name !== undefined) out.name = p.name;
      if (p.version !== undefined) out.version = p.version;
      if (p.stage !== undefined) out.stage = p.stage;
      if (p.alias !== undefined) out.alias = p.alias;
      if (p.latest === true) out.latest = true;
      return out;
    }));
    // Python has no 'latest' field: a name alone means the latest version
    const mineComparable = mine.map((m) => {
      if (!('ok' in m)) return m;
      const { latest: _latest, ...rest } = m.ok as Record<string, unknown>;
      return { ok: rest };
    });
    // Python raises a bare ValueError for an unbalanced IPv6 bracket; ours is the models:/ message
    const theirsMapped = python.map((r) => (r.error?.type === 'ValueError' ? { error: '(ValueError)' } : theirs(r)));
    expectSame(cases, mineComparable.map((m, i) => ('error' in m && 'error' in theirsMapped[i]! && theirsMapped[i]!.error === '(ValueError)'
      ? { error: '(ValueError)' } : m)), theirsMapped);
    expect(cases.length).toBeGreaterThan(300);
    expect(python.filter((r) => r.error === undefined).length).toBeGreaterThan(40);
    expect(python.filter((r) => r.error !== undefined).length).toBeGreaterThan(50);
  });

  it('splitModelsUri and splitArtifactUri agree with split_models_uri and _get_root_uri_and_artifact_path', async () => {
    const python = await oracle.splitModels();
    expectSame(splitModelsCases, splitModelsCases.map((u) => ours(() => Object.values(splitModelsUri(u)))),
      python.map((r) => theirs(r)));
    const pySplit = await oracle.split();
    const cwd = process.cwd();
    process.chdir(scratch);
    try {
      expectSame(splitCases, splitCases.map((u) => ours(() => Object.values(splitArtifactUri(u)))), pySplit.map((r) => theirs(r)));
    } finally {
      process.chdir(cwd);
    }
  });

  it('appendToUri agrees with append_to_uri_path', async () => {
    const python = await oracle.append();
    expectSame(appendCases, appendCases.map(([u, p]) => ours(() => appendToUri(u!, p!))), python.map((r) => theirs(r)));
    // conformance check 2
    expect(appendToUri('mlflow-artifacts:/0/abc/artifacts', 'model/MLmodel')).toBe('mlflow-artifacts:/0/abc/artifacts/model/MLmodel');
  });

  it('resolveMlflowArtifactsUri agrees with MlflowArtifactsRepository.resolve_uri', async () => {
    const python = await oracle.resolve();
    // messages are the other module's; values must agree, failures must fail
    expectSame(resolveCases, resolveCases.map(([a, t]) => ours(() => resolveMlflowArtifactsUri(a!, t!))),
      python.map((r) => theirs(r)), false);
    // conformance check 6
    expect(resolveMlflowArtifactsUri('mlflow-artifacts:/0/r/artifacts/m', 'http://127.0.0.1:5000'))
      .toBe('http://127.0.0.1:5000/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/m');
    expect(resolveMlflowArtifactsUri('mlflow-artifacts:/0/r/artifacts/m', 'http://h:5000/prefix'))
      .toBe('http://h:5000/prefix/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/m');
    expect(() => resolveMlflowArtifactsUri('mlflow-artifacts:/0/r', 'file:///x')).toThrow(/http or https/);
  });

  it('isLocalUri and validateArtifactPath agree with is_local_uri and validate_path_is_safe', async () => {
    const local = await oracle.isLocal();
    expectSame(localCases, localCases.map((u) => ours(() => isLocalUri(u))), local.map((r) => theirs(r)));
    const python = await oracle.validatePath();
    expectSame(pathCases, pathCases.map((p) => ours(() => validateArtifactPath(p))), python.map((r) => theirs(r)), false);
    for (const p of ['../x', '/etc/passwd', 'a/../../b']) {
      expect(() => validateArtifactPath(p)).toThrow(expect.objectContaining({ errorCode: 'INVALID_PARAMETER_VALUE' }));
    }
  });

  it('getTrackingUri and getRegistryUri agree with get_tracking_uri and get_registry_uri', async () => {
    const cases = trackingCases(line);
    const python = await oracle.tracking();
    const cwd = process.cwd();
    try {
      expectSame(cases, cases.map((c) => {
        process.chdir(c.cwd);
        return ours(() => [getTrackingUri(c.env), getRegistryUri(c.env)]);
      }), python.map((r) => theirs(r)));
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('format.md 7 conformance checks', () => {
  it('1: runs:/ URIs', () => {
    expect(parseRunsUri('runs:/abc/model')).toEqual({ runId: 'abc', artifactPath: 'model' });
    expect(parseRunsUri('runs:/abc')).toEqual({ runId: 'abc', artifactPath: null });
    for (const bad of ['runs:/', 'runs:abc', 's3://x/y']) {
      expect(() => parseRunsUri(bad)).toThrow(expect.objectContaining({
        errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^Not a proper runs:\/ URI: /),
      }));
    }
  });

  it('3, 4: models:/ URIs in both modes', () => {
    expect(parseModelsUri('models:/m/3')).toEqual({ name: 'm', version: '3' });
    expect(parseModelsUri('models:/m/Production')).toEqual({ name: 'm', stage: 'Production' });
    expect(parseModelsUri('models:/m/LATEST')).toEqual({ name: 'm', latest: true });
    expect(parseModelsUri('models:/m@champ')).toEqual({ name: 'm', alias: 'champ' });
    for (const bad of ['models:/m@', 'models:/a/b/c', 'models:/']) {
      expect(() => parseModelsUri(bad)).toThrow(expect.objectContaining({
        errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^Not a proper models:\/ URI: /),
      }));
    }
    const id = 'models:/m-0123456789abcdef0123456789abcdef';
    expect(() => parseModelsUri(id, { mlflowMajor: 2 })).toThrow(/Not a proper models:\/ URI/);
    expect(parseModelsUri(id, { mlflowMajor: 3 })).toEqual({ modelId: 'm-0123456789abcdef0123456789abcdef' });
  });

  it('5: splitting models:/ URIs with a sub path', () => {
    expect(splitArtifactUri('models:/m/1/MLmodel')).toEqual({ rootUri: 'models:/m/1', artifactPath: 'MLmodel' });
    expect(splitArtifactUri('models:/m@a/x/y')).toEqual({ rootUri: 'models:/m@a', artifactPath: 'x/y' });
    expect(splitArtifactUri('models:/m/1')).toEqual({ rootUri: 'models:/m/1', artifactPath: '' });
  });

  it('7.8: database tracking URIs are refused with a hint to run a server', () => {
    for (const uri of ['sqlite:///mlflow.db', 'postgresql+psycopg2://u@h/db', 'mysql://h/db', 'mssql://h/db']) {
      expect(() => getTrackingUri({ MLFLOW_TRACKING_URI: uri })).toThrow(expect.objectContaining({
        errorCode: 'NOT_IMPLEMENTED', message: expect.stringContaining('mlflow server'),
      }));
    }
    expect(getTrackingUri({})).toMatch(/^file:\/\/\/.*\/mlruns$/);
    expect(getRegistryUri({ MLFLOW_TRACKING_URI: 'http://t' })).toBe('http://t');
  });
});
