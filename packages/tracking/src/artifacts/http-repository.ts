/**
 * Artifacts behind a tracking server's artifact proxy (`mlflow-artifacts:` URIs) or any
 * `http(s)://…/api/2.0/mlflow-artifacts/artifacts/…` root: list, download, upload over the
 * HTTP protocol of format.md 7.6, as MLflow's `HttpArtifactRepository`.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { MlflowException } from '@pyfunc/format';
import { MlflowHttpClient } from '../store/rest/http-client.js';
import type { ArtifactFileInfo, ArtifactRepository } from '../types.js';

const ARTIFACTS_ENDPOINT = '/mlflow-artifacts/artifacts';
const ARTIFACTS_SERVICE_ROOT = '/api/2.0/mlflow-artifacts/artifacts';

/** Extensions MLflow uploads as `text/plain` (`mlflow.utils.mime_type_utils`). */
const TEXT_EXTENSIONS = new Set([
  'txt', 'log', 'err', 'cfg', 'conf', 'cnf', 'cf', 'ini', 'properties', 'prop', 'hocon', 'toml', 'yaml', 'yml',
  'xml', 'json', 'js', 'py', 'py3', 'csv', 'tsv', 'md', 'rst', 'ipynb', 'MLmodel', 'MLproject',
]);

/** A few of Python's `mimetypes` defaults for the other common artifact files. */
const MIME_TYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml',
  bmp: 'image/bmp', tif: 'image/tiff', tiff: 'image/tiff', ico: 'image/vnd.microsoft.icon', webp: 'image/webp',
  html: 'text/html', htm: 'text/html', css: 'text/css', pdf: 'application/pdf', zip: 'application/zip',
  tar: 'application/x-tar', wasm: 'application/wasm', mp4: 'video/mp4', mp3: 'audio/mpeg', wav: 'audio/x-wav',
  sh: 'application/x-sh', c: 'text/plain', h: 'text/plain', bat: 'text/plain',
};

/**
 * The `Content-Type` MLflow sends when uploading `fileName`: `text/plain` for its text
 * extensions (and `MLmodel`, `MLproject`), else Python's guess, else `application/octet-stream`.
 */
export function guessMimeType(fileName: string): string {
  const name = fileName.split('/').at(-1) ?? fileName;
  const dot = name.lastIndexOf('.');
  // Python's splitext: a leading dot does not start an extension.
  const hasExt = dot > 0 && name.slice(0, dot).replace(/\./g, '') !== '' && dot < name.length - 1;
  const extension = hasExt ? name.slice(dot + 1) : name;
  if (TEXT_EXTENSIONS.has(extension)) return 'text/plain';
  if (!hasExt) return 'application/octet-stream';
  return MIME_TYPES[extension.toLowerCase()] ?? 'application/octet-stream';
}

/** Rejects paths that could leave the repository root (MLflow's `validate_path_is_safe`). */
function assertSafeRelativePath(path: string, what: string): void {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // keep as is
  }
  if (decoded.includes('#') || decoded.includes('\\') || decoded.startsWith('/') || /^[A-Za-z]:/.test(decoded)
    || decoded.split('/').includes('..') || decoded.includes('\0')) {
    throw MlflowException.invalidParameterValue(`Invalid path: ${what} '${path}' must be relative and must not contain '..'`);
  }
}

function encodePath(path: string): string {
  return path.split('/').filter((s) => s !== '').map(encodeURIComponent).join('/');
}

function joinPosix(...parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => p !== undefined && p !== '').join('/').replace(/\/+/g, '/');
}

/** An artifact repository over MLflow's HTTP artifact protocol. */
export class HttpArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  private readonly http: MlflowHttpClient;

  /**
   * @param rootUrl the artifact root, e.g. `http://host:5000/api/2.0/mlflow-artifacts/artifacts/0/<run>/artifacts`.
   * @param options.http the HTTP client (auth, retries); default `MlflowHttpClient.fromEnv(<root's origin>)`.
   */
  constructor(rootUrl: string, options: { http?: MlflowHttpClient } = {}) {
    this.rootUri = rootUrl.replace(/\/+$/, '');
    let origin: string;
    try {
      origin = new URL(this.rootUri).origin;
    } catch {
      throw MlflowException.invalidParameterValue(`Invalid HTTP artifact URI: '${rootUrl}'`);
    }
    this.http = options.http ?? MlflowHttpClient.fromEnv(origin);
  }

  async listArtifacts(path?: string): Promise<ArtifactFileInfo[]> {
    const dir = path === undefined || path === '' ? undefined : path.replace(/\/+$/, '');
    if (dir !== undefined) assertSafeRelativePath(dir, 'artifact path');
    const at = this.rootUri.indexOf(ARTIFACTS_ENDPOINT);
    if (at < 0) {
      throw MlflowException.invalidParameterValue(
        `Cannot list artifacts under '${this.rootUri}': not an MLflow artifact proxy URI (…${ARTIFACTS_SERVICE_ROOT}/…)`);
    }
    const base = this.rootUri.slice(0, at);
    const root = this.rootUri.slice(at + ARTIFACTS_ENDPOINT.length).replace(/^\/+/, '');
    const remoteDir = dir !== undefined ? joinPosix(decodeURIComponentSafe(root), dir) : decodeURIComponentSafe(root);
    const answer = await this.http.callApi<{ files?: unknown[] }>('GET', `${base}${ARTIFACTS_ENDPOINT}`, { path: remoteDir });
    const infos: ArtifactFileInfo[] = [];
    for (const raw of answer.files ?? []) {
      const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const name = String(entry.path ?? '');
      assertSafeRelativePath(name, 'listed artifact');
      const info: ArtifactFileInfo = { path: dir !== undefined ? joinPosix(dir, name) : name, isDir: entry.is_dir === true };
      if (entry.file_size !== undefined && entry.file_size !== null) info.fileSize = Number(entry.file_size);
      infos.push(info);
    }
    // Listing a single file answers that file: MLflow reports an empty directory listing then.
    if (infos.length === 1 && !infos[0]!.isDir && dir !== undefined
      && infos[0]!.path === joinPosix(dir, dir.split('/').at(-1))) {
      return [];
    }
    return infos.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async downloadFile(remotePath: string, localPath: string,
    onProgress?: (bytesDone: number, bytesTotal?: number) => void): Promise<void> {
    assertSafeRelativePath(remotePath, 'artifact path');
    const url = `${this.rootUri}/${encodePath(remotePath)}`;
    await mkdir(dirname(localPath), { recursive: true });
    const response = await this.http.request('GET', url);
    const length = response.headers.get('content-length');
    const total = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
    const temp = join(dirname(localPath), `.${basename(localPath)}.${randomBytes(6).toString('hex')}.part`);
    let done = 0;
    try {
      if (response.body === null) {
        await (await open(temp, 'w')).close();
      } else {
        const source = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
        source.on('data', (chunk: Buffer) => {
          done += chunk.length;
          onProgress?.(done, total);
        });
        await pipeline(source, createWriteStream(temp));
      }
      if (total !== undefined && done !== total) {
        throw new MlflowException('INTERNAL_ERROR', `Incomplete download of ${url}: ${done} of ${total} bytes`);
      }
      await rename(temp, localPath);
    } catch (error) {
      await rm(temp, { force: true });
      if (MlflowException.isInstance(error)) throw error;
      throw new MlflowException('INTERNAL_ERROR', `Failed to download artifact ${url} to ${localPath}: ${String(error)}`,
        { path: localPath, cause: error });
    }
  }

  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    if (artifactPath !== undefined && artifactPath !== '') assertSafeRelativePath(artifactPath, 'artifact path');
    let size: number;
    try {
      const info = await stat(localFile);
      if (!info.isFile()) throw new Error('not a file');
      size = info.size;
    } catch (error) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `No such file to upload: ${localFile}`, { path: localFile, cause: error });
    }
    const name = basename(localFile);
    const url = `${this.rootUri}/${encodePath(joinPosix(artifactPath, name))}`;
    const response = await this.http.request('PUT', url, {
      headers: { 'Content-Type': guessMimeType(name), 'Content-Length': String(size) },
      body: () => fileStream(localFile),
    });
    await response.body?.cancel().catch(() => undefined);
  }

  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    if (artifactPath !== undefined && artifactPath !== '') assertSafeRelativePath(artifactPath, 'artifact path');
    const files = await walkFiles(localDir);
    for (const file of files) {
      const rel = relative(localDir, dirname(file)).split(sep).join('/');
      await this.logArtifact(file, joinPosix(artifactPath, rel === '' ? undefined : rel) || undefined);
    }
  }
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function fileStream(path: string): ReadableStream<Uint8Array> {
  // Opened lazily so that a retry reads the file from its start again.
  let handle: import('node:fs/promises').FileHandle | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      handle ??= await open(path, 'r');
      const buffer = new Uint8Array(1 << 20);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) {
        await handle.close();
        controller.close();
      } else {
        controller.enqueue(buffer.subarray(0, bytesRead));
      }
    },
    async cancel() {
      await handle?.close();
    },
  });
}

async function walkFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `No such directory to upload: ${dir}`, { path: dir, cause: error });
  }
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await walkFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Python `urlparse`, as far as `resolveMlflowArtifactsUri` needs it. */
function urlParse(uri: string): { scheme: string; netloc: string; path: string; hostname: string; port: string } {
  let rest = uri;
  let scheme = '';
  const colon = uri.indexOf(':');
  if (colon > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(uri.slice(0, colon))) {
    scheme = uri.slice(0, colon).toLowerCase();
    rest = uri.slice(colon + 1);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, 2 + end);
    rest = end < 0 ? '' : rest.slice(2 + end);
  }
  const cut = rest.search(/[?#]/);
  const path = cut < 0 ? rest : rest.slice(0, cut);
  const hostPort = netloc.slice(netloc.lastIndexOf('@') + 1);
  let hostname = hostPort;
  let port = '';
  const bracket = hostPort.lastIndexOf(']');
  const portColon = hostPort.lastIndexOf(':');
  if (portColon > bracket) {
    hostname = hostPort.slice(0, portColon);
    port = hostPort.slice(portColon + 1);
  }
  return { scheme, netloc, path, hostname: hostname.replace(/^\[|\]$/g, '').toLowerCase(), port };
}

/**
 * Resolves an `mlflow-artifacts:[//host:port]/<path>` URI against the tracking URI to the HTTP
 * URL of the server's artifact proxy (format.md 7.6, MLflow's `MlflowArtifactsRepository.resolve_uri`):
 * `<scheme>://<host:port of the artifact URI, else of the tracking URI><tracking path>/api/2.0/mlflow-artifacts/artifacts/<path>`.
 * @throws {MlflowException} a numeric host without a port, or a tracking URI that is not http(s).
 */
export function resolveMlflowArtifactsUri(artifactUri: string, trackingUri: string): string {
  const track = urlParse(trackingUri);
  const artifact = urlParse(artifactUri);
  if (artifact.scheme !== 'mlflow-artifacts') {
    throw MlflowException.invalidParameterValue(`Not an mlflow-artifacts URI: '${artifactUri}'`);
  }
  if (artifact.hostname !== '' && artifact.port === '' && Number.isFinite(Number(artifact.hostname))) {
    throw new MlflowException('INTERNAL_ERROR',
      `The mlflow-artifacts uri was supplied with a port number: ${artifact.hostname}, but no host was defined.`);
  }
  if (track.scheme !== 'http' && track.scheme !== 'https') {
    const host = track.netloc.slice(track.netloc.lastIndexOf('@') + 1);
    const slashes = host !== '' || (['file', 'ftp', 'sftp', 'git', 'svn', 'rsync', 'nfs', 'ws', 'wss'].includes(track.scheme)
      && track.path.startsWith('/'));
    const redacted = `${track.scheme ? `${track.scheme}:` : ''}${slashes ? `//${host}` : ''}${track.path}`;
    throw new MlflowException('INTERNAL_ERROR',
      'When an mlflow-artifacts URI was supplied, the tracking URI must be a valid http or https URI, '
      + `but it was currently set to ${redacted}. Perhaps you forgot to set the tracking URI to the running MLflow server. `
      + 'To set the tracking URI, set the MLFLOW_TRACKING_URI environment variable to the desired tracking URI, '
      + 'e.g. `export MLFLOW_TRACKING_URI=http://localhost:5000`.');
  }
  let resolved: string;
  if (artifact.path === '/') resolved = `${ARTIFACTS_SERVICE_ROOT}/`;
  else if (artifact.path === ARTIFACTS_SERVICE_ROOT) resolved = ARTIFACTS_SERVICE_ROOT;
  else resolved = `${track.path}/${ARTIFACTS_SERVICE_ROOT}/${artifact.path}`;
  resolved = resolved.replace(/\/\/+/g, '/');
  const netloc = artifact.netloc !== '' ? artifact.netloc : track.netloc;
  const url = `${track.scheme}://${netloc}${resolved.startsWith('/') ? '' : '/'}${resolved}`;
  return url.replaceAll('///', '/').replace(/\/+$/, '');
}
