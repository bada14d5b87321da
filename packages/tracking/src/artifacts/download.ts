import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { MlflowException, dumpMlflowYaml } from '@pyfunc/format';
import { getTrackingStore } from '../store/index.js';
import type {
  ArtifactFileInfo, ArtifactRepository, LoggedModel, ProgressCallback, TrackingStore,
} from '../types.js';
import {
  appendToUri, getRegistryUri, getTrackingUri, isModelsUri, isRunsUri, parseModelsUri, parseRunsUri,
  pyUrlparse, splitArtifactUri, validateArtifactPath,
} from '../uri/index.js';
import type { MlflowMajor } from '../uri/index.js';
import { LocalArtifactRepository } from './local-repository.js';
import { getArtifactRepository } from './registry.js';

/** The file MLflow writes beside a model downloaded through the registry. */
export const REGISTERED_MODEL_META_FILE_NAME = 'registered_model_meta';

/** Options of `downloadArtifacts`. */
export interface DownloadArtifactsOptions {
  /** `runs:/…`, `models:/…`, `mlflow-artifacts:/…`, `http(s)://…`, `file:…`, a local path, or a plugin's scheme. */
  artifactUri: string;
  /**
   * Local directory to download into (created if missing); the artifact lands at
   * `<dstPath>/<last path component>` (a whole `models:/` model: directly in `dstPath`).
   * Without it, remote artifacts go to a new temporary directory and local ones are
   * returned where they are (MLflow's behaviour).
   */
  dstPath?: string;
  /** Default: `getTrackingUri()`. */
  trackingUri?: string;
  /** Default: `MLFLOW_REGISTRY_URI`, else the tracking URI. */
  registryUri?: string;
  onProgress?: ProgressCallback;
  /** The tracking store for `runs:/` and logged models; default `getTrackingStore(trackingUri)`. */
  store?: TrackingStore;
  /** The registry store for `models:/`; default `store` when the registry URI is the tracking URI. */
  registryStore?: TrackingStore;
  /** URI rules of this MLflow line (2: no `models:/<model_id>`). Default 3. */
  mlflowMajor?: MlflowMajor;
}

interface Context {
  trackingUri: string;
  registryUri: string;
  mlflowMajor: MlflowMajor;
  store(): TrackingStore;
  registry(): TrackingStore;
}

/** Where a root URI leads once `runs:/` and `models:/` are resolved. */
type Source =
  | { kind: 'repository'; uri: string; repo: ArtifactRepository }
  | { kind: 'runs'; uri: string; runId: string; experimentId: string; runPath: string | null; underlying: Source }
  | { kind: 'models'; uri: string; name: string | null; version: string | null; underlying: Source };

async function resolveModelVersion(ctx: Context, parsed: ReturnType<typeof parseModelsUri>): Promise<string> {
  const name = parsed.name!;
  if (parsed.version !== undefined) return parsed.version;
  const registry = ctx.registry();
  if (parsed.alias !== undefined) return String((await registry.getModelVersionByAlias(name, parsed.alias)).version);
  const latest = await registry.getLatestVersions(name, parsed.stage === undefined ? undefined : [parsed.stage]);
  if (latest.length === 0) {
    const stage = parsed.stage === undefined ? '' : ` and stage '${parsed.stage}'`;
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `No versions of model with name '${name}'${stage} found`);
  }
  return String(latest.map((v) => BigInt(v.version)).reduce((a, b) => (b > a ? b : a)));
}

function rejectTraversal(uri: string): void {
  // local paths may say what they like; repository-relative parts must not walk out
  const parsed = pyUrlparse(uri);
  if (parsed.scheme === '' || parsed.scheme === 'file' || /^[a-z]$/.test(parsed.scheme)) return;
  const path = parsed.path.replace(/^\/+/, '');
  if (path) validateArtifactPath(path);
}

async function openSource(uri: string, ctx: Context, depth = 0): Promise<Source> {
  if (depth > 10) {
    throw MlflowException.invalidParameterValue(`Too many levels of models:/ and runs:/ indirection resolving ${uri}`);
  }
  if (isRunsUri(uri)) {
    const { runId, artifactPath } = parseRunsUri(uri);
    if (artifactPath !== null) validateArtifactPath(artifactPath);
    const run = await ctx.store().getRun(runId);
    const concrete = artifactPath === null ? run.info.artifactUri : appendToUri(run.info.artifactUri, artifactPath);
    if (isRunsUri(concrete)) {
      throw new MlflowException('INVALID_STATE', `Run ${runId} has a runs:/ artifact URI: ${concrete}`);
    }
    return {
      kind: 'runs', uri, runId, experimentId: run.info.experimentId, runPath: artifactPath,
      underlying: await openSource(concrete, ctx, depth + 1),
    };
  }
  if (isModelsUri(uri)) {
    const parsed = parseModelsUri(uri, { mlflowMajor: ctx.mlflowMajor });
    if (parsed.modelId !== undefined) {
      const model = await ctx.store().getLoggedModel(parsed.modelId);
      return { kind: 'models', uri, name: null, version: null, underlying: await openSource(model.artifactLocation, ctx, depth + 1) };
    }
    const version = await resolveModelVersion(ctx, parsed);
    const downloadUri = await ctx.registry().getModelVersionDownloadUri(parsed.name!, version);
    return { kind: 'models', uri, name: parsed.name!, version, underlying: await openSource(downloadUri, ctx, depth + 1) };
  }
  rejectTraversal(uri);
  return { kind: 'repository', uri, repo: getArtifactRepository(uri, { trackingUri: ctx.trackingUri, registryUri: ctx.registryUri }) };
}

/** The concrete URI (no `runs:`/`models:`) a source is rooted at. */
function concreteUri(source: Source): string {
  return source.kind === 'repository' ? source.uri : concreteUri(source.underlying);
}

/** A local source that can be answered in place (MLflow returns local artifacts without copying). */
function localRepository(source: Source): LocalArtifactRepository | null {
  if (source.kind === 'repository') return source.repo instanceof LocalArtifactRepository ? source.repo : null;
  // MLflow 3.x's runs repository always downloads (it merges run and logged-model files)
  if (source.kind === 'runs') return null;
  return localRepository(source.underlying);
}

/** Bytes and files transferred across one `downloadArtifacts` call. */
class Progress {
  private bytesDone = 0;
  private filesDone = 0;
  private readonly perFile = new Map<string, number>();
  bytesTotal: number | undefined = 0;
  filesTotal = 0;

  constructor(private readonly callback: ProgressCallback | undefined) {}

  plan(files: ArtifactFileInfo[]): void {
    this.filesTotal += files.length;
    for (const f of files) {
      if (this.bytesTotal !== undefined && f.fileSize !== undefined) this.bytesTotal += f.fileSize;
      else this.bytesTotal = undefined;
    }
  }

  onBytes(file: string, done: number): void {
    const before = this.perFile.get(file) ?? 0;
    this.perFile.set(file, done);
    this.bytesDone += done - before;
    this.emit(file);
  }

  onFileDone(file: string, size: number | undefined): void {
    if (size !== undefined) this.onBytes(file, Math.max(size, this.perFile.get(file) ?? 0));
    this.filesDone += 1;
    this.emit(file);
  }

  private emit(file: string): void {
    this.callback?.({
      file, bytesDone: this.bytesDone, filesDone: this.filesDone,
      ...(this.bytesTotal !== undefined ? { bytesTotal: this.bytesTotal } : {}), filesTotal: this.filesTotal,
    });
  }
}

function insideDir(base: string, path: string): boolean {
  return path === base || path.startsWith(base + sep);
}

async function isDirectory(repo: ArtifactRepository, path: string): Promise<boolean> {
  if (repo instanceof LocalArtifactRepository) return repo.isDirectory(path);
  return (await repo.listArtifacts(path)).length > 0;
}

/** Every file under `path` (and empty directories, `isDir: true`), MLflow's `_iter_artifacts_recursive`. */
async function listRecursive(repo: ArtifactRepository, path: string): Promise<ArtifactFileInfo[]> {
  const entries = (await repo.listArtifacts(path)).filter((e) => e.path !== '.' && e.path !== path);
  for (const e of entries) validateArtifactPath(e.path);
  if (entries.length === 0) return [{ path, isDir: true }];
  const out: ArtifactFileInfo[] = [];
  for (const e of entries) {
    if (e.isDir) out.push(...await listRecursive(repo, e.path));
    else out.push(e);
  }
  return out;
}

/** MLflow's `ArtifactRepository.download_artifacts` into an existing directory `dst`. */
async function downloadFromRepository(source: Extract<Source, { kind: 'repository' }>, artifactPath: string,
  dst: string, progress: Progress): Promise<string> {
  const { repo } = source;
  let files: ArtifactFileInfo[];
  if (artifactPath === '') {
    const root = await repo.listArtifacts('');
    if (root.length === 0) return dst;
    files = await listRecursive(repo, '');
  } else if (await isDirectory(repo, artifactPath)) {
    files = await listRecursive(repo, artifactPath);
  } else {
    files = [{ path: artifactPath, isDir: false }];
  }
  progress.plan(files.filter((f) => !f.isDir));
  const failures: Array<{ path: string; error: unknown }> = [];
  const queue = [...files];
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const local = resolve(dst, file.path);
      if (!insideDir(dst, local)) {
        failures.push({ path: file.path, error: MlflowException.invalidParameterValue(`Invalid path: ${file.path}`) });
        continue;
      }
      if (file.isDir) {
        await mkdir(local, { recursive: true });
        continue;
      }
      try {
        await mkdir(dirname(local), { recursive: true });
        const name = file.path;
        await repo.downloadFile(name, local, (done) => progress.onBytes(name, done));
        progress.onFileDone(name, file.fileSize ?? (await stat(local)).size);
      } catch (error) {
        failures.push({ path: file.path, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, Math.max(1, files.length)) }, worker));
  if (failures.length > 0) {
    const codes = new Set(failures.map((f) => (MlflowException.isInstance(f.error) ? f.error.errorCode : 'INTERNAL_ERROR'))
      .filter((c) => c !== 'INTERNAL_ERROR'));
    const detail = failures.map((f) => `##### File ${f.path} #####\n${(f.error as Error).message}`).join('\n');
    const first = failures[0]!.error;
    throw new MlflowException(codes.size === 1 ? [...codes][0]! : 'INTERNAL_ERROR',
      `The following failures occurred while downloading one or more artifacts from ${repo.rootUri}:\n${detail.slice(0, 10_000)}`,
      { cause: first, path: repo.rootUri });
  }
  return artifactPath ? join(dst, artifactPath) : dst;
}

async function writeRegisteredModelMeta(dir: string, name: string | null, version: string | null): Promise<void> {
  await writeFile(join(dir, REGISTERED_MODEL_META_FILE_NAME),
    dumpMlflowYaml({ model_name: name, model_version: version }, { allowUnicode: true }), 'utf8');
}

async function isModelDir(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  if (!info?.isDirectory()) return false;
  return (await readdir(path)).includes('MLmodel');
}

async function searchLoggedModel(ctx: Context, source: Extract<Source, { kind: 'runs' }>, name: string): Promise<LoggedModel | null> {
  const models = await ctx.store().searchLoggedModels({ experimentIds: [source.experimentId], filter: `name = '${name.replace(/'/g, "\\'")}'` });
  return models.find((model) => model.sourceRunId === source.runId) ?? null;
}

/** Download `artifactPath` of `source` into the existing directory `dst`; returns the local path. */
async function downloadSource(source: Source, artifactPath: string, dst: string, ctx: Context, progress: Progress): Promise<string> {
  if (source.kind === 'repository') return downloadFromRepository(source, artifactPath, dst, progress);
  if (source.kind === 'models') {
    const path = await downloadSource(source.underlying, artifactPath, dst, ctx, progress);
    if (await isModelDir(path)) await writeRegisteredModelMeta(path, source.name, source.version);
    return path;
  }
  // runs:/ — the run's own files, then (3.x) the files of a logged model of that name from this run
  let runPath: string | null = null;
  let runError: unknown;
  try {
    runPath = await downloadSource(source.underlying, artifactPath, dst, ctx, progress);
  } catch (error) {
    runError = error;
  }
  let modelPath: string | null = null;
  const full = [source.runPath, artifactPath].filter((p) => p).join('/');
  if (ctx.mlflowMajor === 3 && full) {
    const [modelName, ...rest] = full.split('/');
    const model = await searchLoggedModel(ctx, source, modelName!).catch(() => null);
    if (model) {
      const modelDst = join(dst, modelName!);
      await mkdir(modelDst, { recursive: true });
      // through models:/<id>, as MLflow: a whole model gets registered_model_meta (with nulls)
      const inner = await openSource(`models:/${model.modelId}`, ctx);
      modelPath = await downloadSource(inner, rest.join('/'), modelDst, ctx, progress);
    }
  }
  const path = runPath ?? modelPath;
  if (path === null) {
    if (MlflowException.isInstance(runError) && runError.errorCode !== 'RESOURCE_DOES_NOT_EXIST'
      && runError.errorCode !== 'INTERNAL_ERROR') throw runError;
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST',
      `Failed to download artifacts from path '${artifactPath}', please ensure that the path is correct.`,
      { cause: runError, path: source.uri });
  }
  return path;
}

function makeContext(options: DownloadArtifactsOptions): Context {
  const trackingUri = options.trackingUri ?? options.store?.trackingUri ?? getTrackingUri();
  const registryUri = options.registryUri ?? options.registryStore?.trackingUri
    ?? (process.env.MLFLOW_REGISTRY_URI ? getRegistryUri() : trackingUri);
  let store = options.store;
  let registry = options.registryStore;
  return {
    trackingUri, registryUri, mlflowMajor: options.mlflowMajor ?? 3,
    store: () => (store ??= getTrackingStore(trackingUri)),
    registry: () => {
      if (registry) return registry;
      registry = registryUri === trackingUri ? (store ??= getTrackingStore(trackingUri)) : getTrackingStore(registryUri);
      return registry;
    },
  };
}

/**
 * Resolve `runs:/` and `models:/` URIs to the concrete URI of the artifact (format.md 7.3–7.5):
 * `runs:/<id>/model` → `<run artifact URI>/model`, `models:/m@champ/MLmodel` → `<download URI of
 * that version>/MLmodel`, `models:/<model_id>` → the logged model's artifact location. Other
 * URIs are returned unchanged.
 */
export async function resolveArtifactUri(artifactUri: string,
  options: Omit<DownloadArtifactsOptions, 'artifactUri' | 'dstPath' | 'onProgress'> = {}): Promise<string> {
  const ctx = makeContext({ ...options, artifactUri });
  if (!isRunsUri(artifactUri) && !isModelsUri(artifactUri)) return artifactUri;
  const { rootUri, artifactPath } = splitArtifactUri(artifactUri);
  const root = concreteUri(await openSource(rootUri, ctx));
  return artifactPath ? appendToUri(root, artifactPath) : root;
}

async function moveInto(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await mkdir(dirname(to), { recursive: true });
  await rename(from, to);
}

/**
 * Download an artifact file or directory to the local filesystem and return its local path, as
 * MLflow's `mlflow.artifacts.download_artifacts(artifact_uri=…)` (format.md 7):
 * - `runs:/<run_id>/<path>` via the run's artifact URI (3.x: plus a logged model of that name
 *   logged from the run); `models:/<name>/<version|stage|latest>`, `models:/<name>@<alias>`
 *   and 3.x `models:/<model_id>`, each optionally followed by a path inside the model; when a
 *   whole model directory comes through the registry, `registered_model_meta` is written in it;
 * - `mlflow-artifacts:/…` through the tracking server, `http(s)://…`, `file:` URIs and paths,
 *   and schemes registered with `registerArtifactRepository`.
 *
 * Like MLflow, local artifacts without `dstPath` are returned in place (no copy; for a
 * `models:/` URI that includes writing `registered_model_meta` next to the stored model, as
 * MLflow does); everything else is downloaded into `dstPath` or a new temporary directory.
 * Downloads go to a staging directory inside the destination and are renamed into place, so
 * a failure leaves no partial directory behind; an existing file or directory at the target
 * path is replaced.
 * @throws MlflowException `INVALID_PARAMETER_VALUE` for malformed URIs and paths with `..` or
 *   absolute paths, `RESOURCE_DOES_NOT_EXIST` for a missing run, version or artifact, the
 *   store's codes otherwise.
 */
export async function downloadArtifacts(options: DownloadArtifactsOptions): Promise<string> {
  const ctx = makeContext(options);
  const uri = options.artifactUri;
  if (typeof uri !== 'string' || uri === '') {
    throw MlflowException.invalidParameterValue('An artifact URI must be given');
  }
  const { rootUri, artifactPath } = splitArtifactUri(uri);
  const source = await openSource(rootUri, ctx);
  const progress = new Progress(options.onProgress);

  if (options.dstPath === undefined) {
    const local = localRepository(source);
    if (local) {
      const path = await local.getLocalPath(artifactPath);
      if (source.kind === 'models' && await isModelDir(path)) {
        await writeRegisteredModelMeta(path, source.name, source.version);
      }
      return path;
    }
  }

  const finalDir = options.dstPath !== undefined ? resolve(options.dstPath) : await mkdtemp(join(tmpdir(), 'pyfunc-artifacts-'));
  await mkdir(finalDir, { recursive: true }).catch((error: unknown) => {
    throw new MlflowException('IO_ERROR', `Could not create ${finalDir}: ${(error as Error).message}`, { path: finalDir, cause: error });
  });
  const info = await stat(finalDir);
  if (!info.isDirectory()) {
    throw MlflowException.invalidParameterValue(
      `The destination path for downloaded artifacts must be a directory! Destination path: ${finalDir}`, { path: finalDir });
  }
  const staging = await mkdtemp(join(finalDir, '.pyfunc-download-'));
  try {
    const staged = await downloadSource(source, artifactPath, staging, ctx, progress);
    const rel = relative(staging, staged);
    if (rel === '') {
      for (const name of await readdir(staging)) await moveInto(join(staging, name), join(finalDir, name));
      return finalDir;
    }
    const target = join(finalDir, rel);
    await moveInto(staged, target);
    return target;
  } catch (error) {
    if (options.dstPath === undefined) await rm(finalDir, { recursive: true, force: true }).catch(() => undefined);
    if (MlflowException.isInstance(error)) throw error;
    throw new MlflowException('IO_ERROR', `Downloading ${uri} failed: ${(error as Error).message}`, { cause: error, path: uri });
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}
