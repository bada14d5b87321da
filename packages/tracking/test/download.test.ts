/**
 * downloadArtifacts against stores real MLflow wrote (format.md 7): a file store and a
 * `mlflow server --serve-artifacts`, each holding a run with a logged sklearn model, 10
 * registered versions, stages and an alias; MLflow's own `mlflow.artifacts.download_artifacts`
 * of the same URIs is the expected answer. Plus bad input and atomicity.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlflowException } from '@pyfunc/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LocalArtifactRepository, downloadArtifacts, getArtifactRepository, registerArtifactRepository, resolveArtifactUri,
} from '../src/artifacts/index.js';
import { FileStore } from '../src/store/file/index.js';
import { MlflowHttpClient, RestStore } from '../src/store/rest/index.js';
import type { ArtifactRepository, ModelVersion, TrackingStore, TransferProgress } from '../src/types.js';
import { startMlflowServer, type MlflowServer } from './mlflow-server.js';
import { oracleLines, runOracle, type OracleLine } from '../../../test/oracle/src/index.js';

const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'make_registry.py');
const root = mkdtempSync(join(tmpdir(), 'pyfunc-download-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface PyDownload { uri: string; path?: string; files?: string[] | null; meta?: string | null; error?: string }
interface Fixture { run_id: string; model_id: string | null; model_uri: string; artifact_uri: string; results: PyDownload[] }

/** Runs the fixture script in the line's oracle process (one Python start serves a line's fixtures). */
async function makeFixture(line: OracleLine, trackingUri: string, dir: string): Promise<Fixture> {
  const [answer] = await runOracle(line, 'cli.exec', [{ code: readFileSync(script, 'utf8'), argv: [trackingUri, join(dir, 'py')] }], {
    cwd: root, env: { MLFLOW_ALLOW_FILE_STORE: 'true' }, timeoutMs: 240_000,
  });
  if (answer!.error !== undefined) throw new Error(`make_registry.py (mlflow ${line}): ${answer!.error.type}: ${answer!.error.message}`);
  return answer!.ok as unknown as Fixture;
}

function listing(path: string): string[] | null {
  if (!statSync(path).isDirectory()) return null;
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(path, join(d, e.name)));
    }
  };
  walk(path);
  return out.sort();
}

async function errorOf(promise: Promise<unknown>): Promise<MlflowException> {
  try {
    await promise;
  } catch (error) {
    expect(MlflowException.isInstance(error), String(error)).toBe(true);
    return error as MlflowException;
  }
  throw new Error('expected a rejection');
}

/**
 * Every fixture is built in beforeAll: per line, the server starts while the file-store fixture is
 * written, then the server's fixture follows in the same oracle process (lines in parallel).
 */
const fileFixtures = new Map<OracleLine, Promise<Fixture>>();
const serverFixtures = new Map<OracleLine, Promise<{ server: MlflowServer; fixture: Fixture }>>();
const fileStoreUri = (line: OracleLine): string => `file://${join(root, `file-${line}`, 'mlruns')}`;
beforeAll(async () => {
  for (const line of oracleLines) {
    const fileDir = join(root, `file-${line}`);
    mkdirSync(fileDir, { recursive: true });
    const fileFixture = makeFixture(line, fileStoreUri(line), fileDir);
    fileFixtures.set(line, fileFixture);
    const serverDir = join(root, `server-${line}`);
    mkdirSync(serverDir, { recursive: true });
    serverFixtures.set(line, startMlflowServer(line, { serveArtifacts: true })
      .then(async (server) => {
        await fileFixture.catch(() => undefined);
        try {
          return { server, fixture: await makeFixture(line, server.url, serverDir) };
        } catch (error) {
          await server.stop();
          throw error;
        }
      }));
  }
  await Promise.allSettled([...fileFixtures.values(), ...serverFixtures.values()]);
}, 400_000);
afterAll(async () => {
  await Promise.all([...serverFixtures.values()].map((p) => p.then(({ server }) => server.stop(), () => undefined)));
});

/** Compares our download of each URI with what MLflow's download_artifacts produced. */
async function compareWithPython(fixture: Fixture, store: TrackingStore, dir: string,
  skip: (uri: string) => boolean = () => false): Promise<void> {
  const mismatches: string[] = [];
  for (const [i, expected] of fixture.results.entries()) {
    if (skip(expected.uri)) continue;
    expect(expected.error, `python failed on ${expected.uri}`).toBeUndefined();
    const dst = join(dir, 'ts', String(i));
    const got = await downloadArtifacts({ artifactUri: expected.uri, dstPath: dst, store });
    let meta = existsSync(join(got, 'registered_model_meta')) ? readFileSync(join(got, 'registered_model_meta'), 'utf8') : null;
    // MLflow's file store answers alias lookups with an int version and writes it unquoted;
    // ours writes the version as a string everywhere (REST and the spec: strings)
    if (expected.meta?.includes('model_version: 2\n')) meta = meta?.replace("'2'", '2') ?? null;
    const ours = { path: relative(dst, got) || '.', files: listing(got), meta };
    const theirs = { path: expected.path, files: expected.files, meta: expected.meta };
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
      mismatches.push(`${expected.uri}: ours ${JSON.stringify(ours)} python ${JSON.stringify(theirs)}`);
    }
    // nothing but the download is left in the destination
    expect(readdirSync(dst).filter((n) => n.startsWith('.pyfunc-download-'))).toEqual([]);
  }
  expect(mismatches).toEqual([]);
}

describe.each(oracleLines)('MLflow %s.x file store', (line) => {
  const dir = join(root, `file-${line}`);
  let fixture: Fixture;
  let store: FileStore;

  beforeAll(async () => {
    fixture = await fileFixtures.get(line)!;
    store = new FileStore(fileStoreUri(line));
  });

  it('downloads runs:/, models:/ version, stage, latest, alias, sub paths (and 3.x model ids) as MLflow does', async () => {
    // 3.x keeps model files outside the run: runs:/<run>/model is found through a logged-model search
    await compareWithPython(fixture, store, dir, () => false);
    expect(fixture.results.find((r) => r.uri === 'models:/m/1')!.meta).toBe("model_name: m\nmodel_version: '1'\n");
    expect(fixture.results.find((r) => r.uri === 'models:/m/latest')!.meta).toBe("model_name: m\nmodel_version: '10'\n");
  });

  it('returns local artifacts in place without dstPath, as MLflow', async () => {
    const version = await store.getModelVersion('m', '1');
    const path = await downloadArtifacts({ artifactUri: 'models:/m/1', store });
    const storage = fileURLToPath(await store.getModelVersionDownloadUri('m', '1'));
    expect(path).toBe(storage);
    expect(readFileSync(join(path, 'registered_model_meta'), 'utf8')).toBe("model_name: m\nmodel_version: '1'\n");
    expect(version.version).toBe('1');
    expect(await resolveArtifactUri(`runs:/${fixture.run_id}/notes/readme.txt`, { store }))
      .toBe(`${fixture.artifact_uri}/notes/readme.txt`);
  });

  it('rejects bad input with coded errors', async () => {
    const cases: Array<[string, string, RegExp?]> = [
      ['runs:/', 'INVALID_PARAMETER_VALUE', /^Not a proper runs:\/ URI/],
      ['models:/m@', 'INVALID_PARAMETER_VALUE', /^Not a proper models:\/ URI/],
      // as MLflow: splits into models:/a/b (stage 'b') + 'c'
      ['models:/a/b/c', 'RESOURCE_DOES_NOT_EXIST'],
      [`runs:/${fixture.run_id}/../x`, 'INVALID_PARAMETER_VALUE'],
      [`runs:/${fixture.run_id}/a/../../etc/passwd`, 'INVALID_PARAMETER_VALUE'],
      [`runs:/${fixture.run_id}//etc/passwd`, 'INVALID_PARAMETER_VALUE'],
      ['runs:/0123456789abcdef0123456789abcdef/model', 'RESOURCE_DOES_NOT_EXIST'],
      ['models:/m/99', 'RESOURCE_DOES_NOT_EXIST'],
      ['models:/nope/latest', 'RESOURCE_DOES_NOT_EXIST'],
      ['models:/m/Archived', 'RESOURCE_DOES_NOT_EXIST', /No versions of model with name 'm' and stage 'Archived' found/],
      [`runs:/${fixture.run_id}/missing/file.txt`, 'RESOURCE_DOES_NOT_EXIST'],
      ['s3://bucket/key', 'INVALID_PARAMETER_VALUE', /registerArtifactRepository\('s3'/],
    ];
    for (const [uri, code, message] of cases) {
      const dst = join(dir, 'bad', String(cases.findIndex((c) => c[0] === uri)));
      const error = await errorOf(downloadArtifacts({ artifactUri: uri, dstPath: dst, store }));
      expect({ uri, code: error.errorCode }).toEqual({ uri, code });
      if (message) expect(error.message).toMatch(message);
      expect(existsSync(dst) ? readdirSync(dst) : []).toEqual([]);
    }
  });
});

describe('resolution rules', () => {
  const dir = join(root, 'rules');
  mkdirSync(join(dir, 'v9'), { recursive: true });
  mkdirSync(join(dir, 'v10'), { recursive: true });
  writeFileSync(join(dir, 'v9', 'MLmodel'), 'flavors: {}\n');
  writeFileSync(join(dir, 'v10', 'MLmodel'), 'flavors: {}\n');
  const version = (v: string, stage: string): ModelVersion => ({
    name: 'm', version: v, currentStage: stage, source: `file://${join(dir, `v${v}`)}`, status: 'READY', creationTimestamp: 0,
    lastUpdatedTimestamp: 0, userId: null, description: null, runId: null, statusMessage: null, tags: {}, runLink: null, aliases: [],
  });
  const registry = {
    trackingUri: 'file:///nowhere',
    getLatestVersions: async () => [version('9', 'Staging'), version('10', 'None')],
    getModelVersionDownloadUri: async (_n: string, v: string | number) => `file://${join(dir, `v${v}`)}`,
  } as unknown as TrackingStore;

  it('7: latest is the numerically greatest version (10 > 9)', async () => {
    const path = await downloadArtifacts({ artifactUri: 'models:/m/latest', dstPath: join(dir, 'out'), store: registry });
    expect(readFileSync(join(path, 'registered_model_meta'), 'utf8')).toBe("model_name: m\nmodel_version: '10'\n");
  });

  it('a failed download leaves no partial directory, and a plugin scheme is used once registered', async () => {
    const files = ['a.txt', 'b.txt', 'c.txt'];
    const flaky: ArtifactRepository = {
      rootUri: 'flaky://x',
      // the repository answers the model directory's listing
      listArtifacts: async (path) => (path === 'model' ? files.map((f) => ({ path: `model/${f}`, isDir: false, fileSize: 1 })) : []),
      downloadFile: async (remote, local) => {
        if (remote.endsWith('b.txt')) throw new MlflowException('TEMPORARILY_UNAVAILABLE', 'connection reset');
        mkdirSync(dirname(local), { recursive: true });
        writeFileSync(local, 'x');
      },
      logArtifact: async () => undefined,
      logArtifacts: async () => undefined,
    };
    const unregister = registerArtifactRepository('flaky', () => flaky);
    try {
      expect(getArtifactRepository('flaky://x/model')).toBe(flaky);
      const dst = join(dir, 'atomic');
      mkdirSync(join(dst, 'model'), { recursive: true });
      writeFileSync(join(dst, 'model', 'old.txt'), 'previous download');
      const error = await errorOf(downloadArtifacts({ artifactUri: 'flaky://x/model', dstPath: dst }));
      expect(error.errorCode).toBe('TEMPORARILY_UNAVAILABLE');
      expect(error.message).toMatch(/##### File model\/b.txt #####\nconnection reset/);
      // the earlier download is untouched and no staging directory remains
      expect(readdirSync(dst)).toEqual(['model']);
      expect(readdirSync(join(dst, 'model'))).toEqual(['old.txt']);
      const fresh = await errorOf(downloadArtifacts({ artifactUri: 'flaky://x/model' }));
      expect(fresh.errorCode).toBe('TEMPORARILY_UNAVAILABLE');
    } finally {
      unregister();
    }
    const error = await errorOf(downloadArtifacts({ artifactUri: 'flaky://x/model', dstPath: join(dir, 'x') }));
    expect(error.message).toMatch(/Could not find a registered artifact repository for: flaky:\/\/x\/ \(scheme 'flaky'\)/);
  });

  it('local repositories: file:// with a remote host is rejected; listing and in-place paths', async () => {
    expect(() => new LocalArtifactRepository('file://remote-host/x')).toThrow(/not a valid remote uri/);
    const repo = new LocalArtifactRepository(`file://${dir}`);
    expect((await repo.listArtifacts('v9')).map((f) => f.path)).toEqual(['v9/MLmodel']);
    await expect(repo.listArtifacts('../x')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    expect(await downloadArtifacts({ artifactUri: join(dir, 'v9') })).toBe(join(dir, 'v9'));
    const copied = await downloadArtifacts({ artifactUri: `file://${join(dir, 'v9')}`, dstPath: join(dir, 'copy') });
    expect(copied).toBe(join(dir, 'copy', 'v9'));
    expect(listing(copied)).toEqual(['MLmodel']);
  });
});

describe.each(oracleLines)('MLflow %s.x server with --serve-artifacts', (line) => {
  let server: MlflowServer;
  let fixture: Fixture;
  let store: RestStore;
  const dir = join(root, `server-${line}`);

  beforeAll(async () => {
    ({ server, fixture } = await serverFixtures.get(line)!);
    store = new RestStore(server.url);
  });

  it('downloads what MLflow downloads, through the artifact proxy', async () => {
    expect(fixture.artifact_uri).toMatch(/^mlflow-artifacts:/);
    await compareWithPython(fixture, store, dir);
  });

  it('mlflow-artifacts:/ URIs with progress events', async () => {
    const events: TransferProgress[] = [];
    const uri = line === '3' ? (await store.getLoggedModel(fixture.model_id!)).artifactLocation : `${fixture.artifact_uri}/model`;
    expect(uri).toMatch(/^mlflow-artifacts:\//);
    const got = await downloadArtifacts({
      artifactUri: uri, dstPath: join(dir, 'progress'), trackingUri: server.url, onProgress: (p) => events.push(p),
    });
    expect(listing(got)).toContain('MLmodel');
    const last = events.at(-1)!;
    expect(last.filesTotal).toBe(listing(got)!.length);
    expect(last.filesDone).toBe(last.filesTotal);
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(events.every((e, i) => i === 0 || e.bytesDone >= events[i - 1]!.bytesDone)).toBe(true);
  });

  it('a server that is down is a coded error and leaves nothing behind', async () => {
    const url = 'http://127.0.0.1:9';
    const down = new RestStore(url, { http: new MlflowHttpClient(url, { maxRetries: 0, timeoutMs: 5000 }) });
    const dst = join(dir, 'down');
    const error = await errorOf(downloadArtifacts({ artifactUri: `runs:/${fixture.run_id}/model`, dstPath: dst, store: down }));
    expect(error.errorCode).not.toBe('RESOURCE_DOES_NOT_EXIST');
    expect(existsSync(dst) ? readdirSync(dst) : []).toEqual([]);
    const missing = await errorOf(downloadArtifacts({ artifactUri: 'models:/m/42', dstPath: dst, store }));
    expect(missing.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
