/**
 * Small filesystem helpers of the file store: MLflow's path ⇄ `file:` URI conventions, atomic
 * writes and the "one file per key" directories (tags, params, metrics, aliases).
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { MlflowException, dumpMlflowYaml, loadMlflowYaml, type PyValue } from '@pyfunc/format';

/** Characters Python's `urllib.parse.quote` (as `pathlib.Path.as_uri` uses it) keeps. */
const uriSafe = /[A-Za-z0-9_.\-~/]/;

/** `pathlib.Path(os.path.abspath(path)).as_uri()`: `file://` + the percent-encoded absolute path. */
export function pathToFileUri(path: string): string {
  const absolute = resolve(path);
  let encoded = '';
  for (const char of absolute) {
    if (uriSafe.test(char)) {
      encoded += char;
    } else {
      for (const byte of Buffer.from(char, 'utf8')) encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return `file://${encoded}`;
}

/** MLflow's `local_file_uri_to_path`: a `file:` URI's decoded path; anything else as it is. */
export function fileUriToPath(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  const rest = uri.slice('file:'.length);
  // urlparse: '//host/path' → path '/path' (netloc dropped on POSIX), else the text itself.
  let path = rest;
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    path = slash < 0 ? '' : rest.slice(slash);
  }
  const withoutQuery = path.split(/[?#]/, 1)[0]!;
  try {
    return decodeURIComponent(withoutQuery);
  } catch {
    return withoutQuery;
  }
}

/** MLflow's `resolve_uri_if_local`: a scheme-less path becomes the `file:` URI of its absolute path. */
export function resolveUriIfLocal(uri: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) && !/^[A-Za-z]:[\\/]/.test(uri) ? uri : pathToFileUri(uri);
}

/** MLflow's `append_to_uri_path`: joins with exactly one `/`. */
export function appendToUriPath(uri: string, ...parts: string[]): string {
  let out = uri;
  for (const part of parts) {
    out = `${out.replace(/\/+$/, '')}/${part.replace(/^\/+/, '')}`;
  }
  return out;
}

function ioError(path: string, error: unknown, action: string): MlflowException {
  if (MlflowException.isInstance(error)) return error;
  return new MlflowException('INTERNAL_ERROR', `Could not ${action} ${path}: ${(error as Error).message}`,
    { path, cause: error });
}

/** Whether `path` exists (file or directory). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether `path` is a directory. */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Names of the subdirectories of `dir` (none when it is missing), sorted. */
export async function listSubdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(dir, error, 'list');
  }
}

/**
 * Every file below `dir` as a POSIX path relative to it (a key with `/` is a nested file), sorted;
 * none when `dir` is missing. Our own temporary files (`.<name>.<id>.tmp`) are skipped.
 */
export async function listKeyFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw ioError(current, error, 'list');
    }
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (!isTemporaryName(entry.name)) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

const temporaryPattern = /^\.pyfunc-[0-9a-f]{8}-.*\.tmp$/;

function isTemporaryName(name: string): boolean {
  return temporaryPattern.test(name);
}

/** Reads a UTF-8 file; `undefined` when it does not exist. */
export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, error, 'read');
  }
}

/**
 * Writes `content` to `path` through a temporary file renamed into place, so a reader sees the
 * old file or the whole new one. The temporary file lives in `tempDir` (default: beside the
 * target): key directories (`tags/`, `params/`) must not show it to a reader listing them.
 */
export async function writeAtomic(path: string, content: string, tempDir?: string): Promise<void> {
  const directory = tempDir ?? dirname(path);
  const temporary = join(directory, `.pyfunc-${randomUUID().slice(0, 8)}-${basename(path)}.tmp`);
  try {
    await mkdir(dirname(path), { recursive: true });
    await mkdir(directory, { recursive: true });
    await writeFile(temporary, content, { flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw ioError(path, error, 'write');
  }
}

/** Appends a line (metrics files); one small `O_APPEND` write, so lines never interleave. */
export async function appendLine(path: string, line: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, line, 'utf8');
  } catch (error) {
    throw ioError(path, error, 'write');
  }
}

/** Creates a directory (and its parents). */
export async function makeDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw ioError(path, error, 'create');
  }
}

/** Removes a file or directory tree; missing is fine. */
export async function remove(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch (error) {
    throw ioError(path, error, 'remove');
  }
}

/** Moves `from` to `to`. */
export async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    throw ioError(from, error, 'move');
  }
}

/** Writes a `meta.yaml` the way MLflow does: PyYAML block style, sorted keys, raw UTF-8. */
export async function writeMeta(dir: string, data: Record<string, unknown>): Promise<void> {
  await writeAtomic(join(dir, 'meta.yaml'), dumpMlflowYaml(data, { sortKeys: true, allowUnicode: true }));
}

/**
 * Reads a `meta.yaml` (PyYAML 1.1 rules); `undefined` when the file is missing. An empty file
 * (another process mid-write, without atomic renames) is retried twice, as MLflow does.
 */
export async function readMeta(dir: string): Promise<Record<string, PyValue> | undefined> {
  const path = join(dir, 'meta.yaml');
  for (let attempt = 0; ; attempt += 1) {
    const text = await readText(path);
    if (text === undefined) return undefined;
    const value = loadMlflowYaml(text, { path });
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, PyValue>;
    if (attempt >= 2) {
      throw new MlflowException('INTERNAL_ERROR', `Yaml file '${path}' is empty or malformed.`, { path });
    }
    await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
  }
}
