import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MlflowException } from '@pyfunc/format';
import type { ArtifactFileInfo, ArtifactRepository } from '../types.js';
import { isLocalUri, localFileUriToPath, validateArtifactPath } from '../uri/index.js';

/** Files being written carry this prefix (MLflow's `_TEMP_ARTIFACT_PREFIX`) and are never listed. */
const uploadingPrefix = '.artifact.uploading.';

function ioError(message: string, path: string, cause: unknown): MlflowException {
  return new MlflowException('IO_ERROR', `${message}: ${(cause as Error).message}`, { path, cause });
}

/**
 * Artifacts in a local directory, given as a path or a `file:` URI (MLflow's
 * `LocalArtifactRepository`). A `file://` URI with a host other than `localhost` is rejected.
 */
export class LocalArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  /** The absolute directory the repository is rooted at. */
  readonly artifactDir: string;

  /** @throws MlflowException `INVALID_PARAMETER_VALUE` for a non-local URI */
  constructor(rootUri: string) {
    if (!isLocalUri(rootUri, { isTrackingOrRegistryUri: false })) {
      throw MlflowException.invalidParameterValue(`Not a local path or file: URI: ${rootUri}`, { path: rootUri });
    }
    this.rootUri = rootUri;
    this.artifactDir = resolve(localFileUriToPath(rootUri));
  }

  /** The absolute local path of `artifactPath`, checked to stay inside the root. */
  private resolvePath(artifactPath: string | undefined): string {
    if (!artifactPath) return this.artifactDir;
    const safe = validateArtifactPath(artifactPath);
    const full = resolve(this.artifactDir, safe);
    if (full !== this.artifactDir && !full.startsWith(this.artifactDir + sep)) {
      throw MlflowException.invalidParameterValue(`Invalid path: ${artifactPath}`, { path: artifactPath });
    }
    return full;
  }

  /**
   * The local path of an existing artifact, without copying (MLflow's `get_local_path`).
   * @throws MlflowException `RESOURCE_DOES_NOT_EXIST` "No such artifact: '<path>'"
   */
  async getLocalPath(artifactPath: string): Promise<string> {
    const full = this.resolvePath(artifactPath);
    if (!(await stat(full).catch(() => null))) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `No such artifact: '${artifactPath}'`, { path: full });
    }
    return full;
  }

  /** True when `artifactPath` is a directory. */
  async isDirectory(artifactPath: string | undefined): Promise<boolean> {
    const info = await stat(this.resolvePath(artifactPath)).catch(() => null);
    return info?.isDirectory() ?? false;
  }

  async listArtifacts(path?: string): Promise<ArtifactFileInfo[]> {
    const dir = this.resolvePath(path);
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) return [];
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      throw ioError(`Could not list ${dir}`, dir, error);
    }
    const entries: ArtifactFileInfo[] = [];
    for (const name of names) {
      if (name.startsWith(uploadingPrefix)) continue;
      const full = join(dir, name);
      const entry = await stat(full).catch(() => null);
      if (!entry) continue;
      const rel = relative(this.artifactDir, full).split(sep).join('/');
      entries.push(entry.isDirectory() ? { path: rel, isDir: true } : { path: rel, isDir: false, fileSize: entry.size });
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async downloadFile(remotePath: string, localPath: string,
    onProgress?: (bytesDone: number, bytesTotal?: number) => void): Promise<void> {
    const source = this.resolvePath(remotePath);
    const info = await stat(source).catch(() => null);
    if (!info?.isFile()) {
      throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `No such artifact: '${remotePath}'`, { path: source });
    }
    try {
      await mkdir(resolve(localPath, '..'), { recursive: true });
      if (!onProgress) {
        await copyFile(source, localPath);
        return;
      }
      let done = 0;
      const input = createReadStream(source);
      input.on('data', (chunk) => {
        done += (chunk as Buffer).length;
        onProgress(done, info.size);
      });
      await pipeline(input, createWriteStream(localPath));
      if (info.size === 0) onProgress(0, 0);
    } catch (error) {
      throw ioError(`Could not copy ${source} to ${localPath}`, localPath, error);
    }
  }

  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    const dir = this.resolvePath(artifactPath);
    const name = basename(localFile);
    if (name.startsWith(uploadingPrefix)) {
      throw MlflowException.invalidParameterValue(
        `Invalid artifact file name: '${localFile}'. Artifact names starting with '${uploadingPrefix}' are reserved.`);
    }
    const destination = join(dir, name);
    if (resolve(localFile) === destination) return;
    // write beside the destination and rename, so readers never see a partial file
    const temporary = join(dir, `${uploadingPrefix}${process.pid}.${Math.random().toString(36).slice(2)}`);
    try {
      await mkdir(dir, { recursive: true });
      await copyFile(localFile, temporary);
      await rename(temporary, destination);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw ioError(`Could not log ${localFile} to ${dir}`, localFile, error);
    }
  }

  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        throw ioError(`Could not read ${dir}`, dir, error);
      }
      const target = rel ? (artifactPath ? `${artifactPath}/${rel}` : rel) : artifactPath;
      await mkdir(this.resolvePath(target), { recursive: true }).catch((error: unknown) => {
        throw ioError(`Could not create ${target ?? '.'}`, this.artifactDir, error);
      });
      for (const entry of entries) {
        const full = join(dir, entry.name);
        const childRel = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(full, childRel);
        else await this.logArtifact(full, target);
      }
    };
    await walk(localDir, '');
  }
}
