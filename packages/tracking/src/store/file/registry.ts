/**
 * The model registry part of the file store (`mlruns/models/`, format.md 8.4): registered
 * models, numbered versions (deleted ones kept as `Deleted_Internal`), stages and aliases.
 */
import { join } from 'node:path';
import { MlflowException, type Logger, type PyValue } from '@pyfunc/format';
import type { CreateModelVersionOptions, LoggedModel, ModelVersion, RegisteredModel, SearchOptions } from '../../types.js';
import { parseModelsUri } from '../../uri/models-uri.js';
import { modelVersionFromMeta, modelVersionToMeta, type StoredModelVersion } from './entities.js';
import { exists, isDirectory, listKeyFiles, listSubdirs, makeDir, readMeta, readText, remove, writeAtomic, writeMeta } from './files.js';
import { compare, parseFilter } from './search-filter.js';
import {
  ALL_STAGES, STAGE_DELETED_INTERNAL, canonicalStage, validateAliasName, validateModelName, validateModelVersion,
  validateRegistryTag,
} from './validation.js';

const MODELS = 'models';
const REGISTERED_MODEL_KEYS = new Set(['name']);
const MODEL_VERSION_KEYS = new Set(['name', 'version_number', 'run_id', 'source_path']);
const ACTIVE_STAGES = ['Staging', 'Production'];

function notFound(message: string): MlflowException {
  return new MlflowException('RESOURCE_DOES_NOT_EXIST', message);
}

function modelNotFound(name: string): MlflowException {
  return notFound(`Registered Model with name=${name} not found`);
}

function versionNotFound(name: string, version: string): MlflowException {
  return notFound(`Model Version (name=${name}, version=${version}) not found`);
}

function maxResults(value: number | undefined, fallback: number, threshold: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1) {
    throw MlflowException.invalidParameterValue(`Invalid value for max_results. It must be a positive integer, but got ${n}`);
  }
  if (n > threshold) {
    throw MlflowException.invalidParameterValue(`Invalid value for request parameter max_results. It must be at most ${threshold}, but got value ${n}`);
  }
  return n;
}

/** The model id of a 3.x `models:/<model_id>` URI, else undefined. */
function loggedModelIdOf(uri: string): string | undefined {
  try {
    return parseModelsUri(uri).modelId;
  } catch {
    return undefined;
  }
}

/** Registry operations over `<root>/models`; `init` prepares the store root first. */
export class FileRegistry {
  constructor(
    private readonly root: string,
    private readonly logger: Logger,
    private readonly init: () => Promise<void>,
    /** Reads a 3.x logged model of the same store (for `models:/<model_id>` sources). */
    private readonly loggedModel?: (modelId: string) => Promise<LoggedModel>,
  ) {}

  get #modelsDir(): string {
    return join(this.root, MODELS);
  }

  async #modelDir(name: string): Promise<string> {
    validateModelName(name);
    await this.init();
    return join(this.#modelsDir, name);
  }

  async #existingModelDir(name: string): Promise<string> {
    const dir = await this.#modelDir(name);
    if (!(await isDirectory(dir))) throw modelNotFound(name);
    return dir;
  }

  async #readKeyDir(dir: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const key of await listKeyFiles(dir)) out[key] = (await readText(join(dir, key))) ?? '';
    return out;
  }

  async #aliases(modelDir: string): Promise<Record<string, string>> {
    return this.#readKeyDir(join(modelDir, 'aliases'));
  }

  async #readVersion(modelDir: string, versionDirName: string, aliases?: Record<string, string>): Promise<StoredModelVersion | undefined> {
    const dir = join(modelDir, versionDirName);
    const meta = await readMeta(dir);
    if (meta === undefined) return undefined;
    const all = aliases ?? await this.#aliases(modelDir);
    const number = versionDirName.slice('version-'.length);
    const pointing = Object.entries(all).filter(([, v]) => v === number).map(([a]) => a);
    return modelVersionFromMeta(meta, await this.#readKeyDir(join(dir, 'tags')), pointing);
  }

  /** Every stored version (deleted ones included), by version number. */
  async #allVersions(modelDir: string): Promise<StoredModelVersion[]> {
    const aliases = await this.#aliases(modelDir);
    const out: StoredModelVersion[] = [];
    for (const sub of await listSubdirs(modelDir)) {
      if (!sub.startsWith('version-')) continue;
      const version = await this.#readVersion(modelDir, sub, aliases);
      if (version !== undefined) out.push(version);
    }
    return out.sort((a, b) => Number(a.version.version) - Number(b.version.version));
  }

  async #fetchVersion(name: string, version: string | number): Promise<{ modelDir: string; stored: StoredModelVersion; number: string }> {
    validateModelName(name);
    const number = validateModelVersion(version);
    const modelDir = await this.#existingModelDir(name);
    const stored = await this.#readVersion(modelDir, `version-${number}`);
    if (stored === undefined || stored.version.currentStage === STAGE_DELETED_INTERNAL) throw versionNotFound(name, number);
    return { modelDir, stored, number };
  }

  async #saveVersion(modelDir: string, stored: StoredModelVersion, changes: Partial<ModelVersion>): Promise<ModelVersion> {
    const version = { ...stored.version, ...changes };
    await writeMeta(join(modelDir, `version-${version.version}`), modelVersionToMeta(version, stored.storageLocation, stored.meta));
    return version;
  }

  async #readModelMeta(modelDir: string, name: string): Promise<Record<string, PyValue>> {
    const meta = await readMeta(modelDir);
    if (meta === undefined) throw modelNotFound(name);
    return meta;
  }

  /** Rewrites the model's `meta.yaml` with a new `last_updated_timestamp` (and current aliases). */
  async #touchModel(modelDir: string, name: string, time: number, changes: Record<string, unknown> = {}): Promise<void> {
    const meta = await this.#readModelMeta(modelDir, name);
    await writeMeta(modelDir, { ...meta, aliases: await this.#aliases(modelDir), ...changes, last_updated_timestamp: time });
  }

  async #registeredModel(modelDir: string, name: string): Promise<RegisteredModel> {
    const meta = await this.#readModelMeta(modelDir, name);
    const versions = await this.#allVersions(modelDir);
    return {
      name: typeof meta.name === 'string' ? meta.name : name,
      creationTimestamp: typeof meta.creation_timestamp === 'number' ? meta.creation_timestamp : null,
      lastUpdatedTimestamp: typeof meta.last_updated_timestamp === 'number' ? meta.last_updated_timestamp : null,
      description: typeof meta.description === 'string' ? meta.description : null,
      latestVersions: latestPerStage(versions, [...ALL_STAGES]),
      tags: await this.#readKeyDir(join(modelDir, 'tags')),
      aliases: await this.#aliases(modelDir),
    };
  }

  async createRegisteredModel(name: string, options: { tags?: Record<string, string>; description?: string } = {}): Promise<RegisteredModel> {
    const dir = await this.#modelDir(name);
    if (await exists(dir)) throw new MlflowException('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
    for (const [key, value] of Object.entries(options.tags ?? {})) validateRegistryTag(key, value);
    await makeDir(dir);
    const now = Date.now();
    await writeMeta(dir, {
      aliases: {},
      creation_timestamp: now,
      description: options.description ?? null,
      last_updated_timestamp: now,
      name,
    });
    for (const [key, value] of Object.entries(options.tags ?? {})) await writeAtomic(join(dir, 'tags', key), value, dir);
    return this.#registeredModel(dir, name);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const dir = await this.#existingModelDir(name);
    return this.#registeredModel(dir, name);
  }

  async searchRegisteredModels(options: SearchOptions = {}): Promise<RegisteredModel[]> {
    const limit = maxResults(options.maxResults, 100, 1000);
    const clauses = parseFilter(options.filter, REGISTERED_MODEL_KEYS);
    await this.init();
    const out: RegisteredModel[] = [];
    for (const name of await listSubdirs(this.#modelsDir)) {
      const model = await this.#registeredModel(join(this.#modelsDir, name), name);
      // Prompts (3.x) live in the same tree; they are not models.
      if (model.tags['mlflow.prompt.is_prompt'] === 'true') continue;
      const matches = clauses.every((c) => compare(c.type === 'tag' ? model.tags[c.key] : model.name, c.comparator, c.value));
      if (matches) out.push(model);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, limit);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    const dir = await this.#existingModelDir(name);
    await remove(dir);
  }

  async createModelVersion(name: string, source: string, options: CreateModelVersionOptions = {}): Promise<ModelVersion> {
    validateModelName(name);
    for (const [key, value] of Object.entries(options.tags ?? {})) validateRegistryTag(key, value);
    if (typeof source !== 'string' || source === '') throw MlflowException.invalidParameterValue("Missing value for required parameter 'source'.");
    let storageLocation = source;
    let runId = options.runId ?? null;
    if (/^models:/i.test(source)) {
      try {
        const modelId = loggedModelIdOf(source);
        if (modelId !== undefined && this.loggedModel !== undefined) {
          // 3.x: a logged model's files; the version's run is the model's source run unless given
          const model = await this.loggedModel(modelId);
          storageLocation = model.artifactLocation;
          runId ??= model.sourceRunId;
        } else {
          storageLocation = await this.#resolveModelsUri(source);
        }
      } catch (error) {
        throw new MlflowException('INVALID_PARAMETER_VALUE',
          `Unable to fetch model from model URI source artifact location '${source}'.Error: ${(error as Error).message}`, { cause: error });
      }
    }
    if (runId === null && options.modelId !== undefined && this.loggedModel !== undefined) {
      runId = (await this.loggedModel(options.modelId)).sourceRunId;
    }
    const modelDir = await this.#existingModelDir(name);
    const now = Date.now();
    const versions = await this.#allVersions(modelDir);
    let next = versions.reduce((max, v) => Math.max(max, Number(v.version.version)), 0) + 1;
    // Another writer may take the number between our scan and mkdir: retry like MLflow (3 attempts).
    for (let attempt = 0; await exists(join(modelDir, `version-${next}`)); attempt += 1) {
      if (attempt >= 3) throw new MlflowException('INTERNAL_ERROR', `Model Version creation error (name=${name}). Giving up after 3 attempts.`);
      next += 1;
    }
    const version: ModelVersion = {
      name,
      version: String(next),
      creationTimestamp: now,
      lastUpdatedTimestamp: now,
      userId: null,
      currentStage: 'None',
      description: options.description ?? null,
      source,
      runId,
      status: 'READY',
      statusMessage: null,
      tags: {},
      runLink: options.runLink ?? null,
      aliases: [],
    };
    if (options.modelId !== undefined) version.modelId = options.modelId;
    const versionDir = join(modelDir, `version-${next}`);
    await makeDir(versionDir);
    await writeMeta(versionDir, modelVersionToMeta(version, storageLocation));
    for (const [key, value] of Object.entries(options.tags ?? {})) {
      await writeAtomic(join(versionDir, 'tags', key), value, versionDir);
    }
    await this.#touchModel(modelDir, name, now);
    return { ...version, tags: { ...(options.tags ?? {}) } };
  }

  /** Resolves a `models:/` source to its download URI (version, stage, `latest` or `@alias`). */
  async #resolveModelsUri(uri: string): Promise<string> {
    const body = uri.replace(/^models:/i, '');
    if (!body.startsWith('/') || body.length <= 1) throw new Error(`Not a proper models:/ URI: ${uri}`);
    const parts = body.slice(1).split('/');
    if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') {
      const [name, suffix] = parts as [string, string];
      if (/^\d+$/.test(suffix)) return this.getModelVersionDownloadUri(name, suffix);
      const latest = await this.getLatestVersions(name, suffix.toLowerCase() === 'latest' ? undefined : [suffix]);
      if (latest.length === 0) throw new Error(`No versions of model with name '${name}' found`);
      const best = latest.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a));
      return this.getModelVersionDownloadUri(name, best.version);
    }
    if (parts.length === 1 && parts[0]!.includes('@')) {
      const at = parts[0]!.lastIndexOf('@');
      const version = await this.getModelVersionByAlias(parts[0]!.slice(0, at), parts[0]!.slice(at + 1));
      return this.getModelVersionDownloadUri(version.name, version.version);
    }
    throw new Error(`Not a proper models:/ URI: ${uri}`);
  }

  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    return (await this.#fetchVersion(name, version)).stored.version;
  }

  async deleteModelVersion(name: string, version: string | number): Promise<void> {
    const { modelDir, stored } = await this.#fetchVersion(name, version);
    const now = Date.now();
    await this.#saveVersion(modelDir, stored, { currentStage: STAGE_DELETED_INTERNAL, lastUpdatedTimestamp: now });
    for (const alias of stored.version.aliases) await remove(join(modelDir, 'aliases', alias));
    await this.#touchModel(modelDir, name, now);
  }

  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    const modelDir = await this.#existingModelDir(name);
    const wanted = stages === undefined || stages.length === 0 ? [...ALL_STAGES] : [...new Set(stages.map(canonicalStage))];
    return latestPerStage(await this.#allVersions(modelDir), wanted);
  }

  async searchModelVersions(options: SearchOptions = {}): Promise<ModelVersion[]> {
    const limit = maxResults(options.maxResults, 10000, 200_000);
    const clauses = parseFilter(options.filter, MODEL_VERSION_KEYS);
    await this.init();
    const out: ModelVersion[] = [];
    for (const name of await listSubdirs(this.#modelsDir)) {
      const modelDir = join(this.#modelsDir, name);
      const tags = await this.#readKeyDir(join(modelDir, 'tags'));
      if (tags['mlflow.prompt.is_prompt'] === 'true') continue;
      for (const { version } of await this.#allVersions(modelDir)) {
        if (version.currentStage === STAGE_DELETED_INTERNAL) continue;
        const matches = clauses.every((c) => {
          if (c.type === 'tag') return compare(version.tags[c.key], c.comparator, c.value);
          switch (c.key) {
            case 'name': return compare(version.name, c.comparator, c.value);
            case 'run_id': return compare(version.runId, c.comparator, c.value);
            case 'source_path': return compare(version.source, c.comparator, c.value);
            default: return compare(Number(version.version), c.comparator, c.value);
          }
        });
        if (matches) out.push(version);
      }
    }
    out.sort((a, b) => (b.lastUpdatedTimestamp ?? 0) - (a.lastUpdatedTimestamp ?? 0)
      || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
      || Number(b.version) - Number(a.version));
    return out.slice(0, limit);
  }

  async transitionModelVersionStage(name: string, version: string | number, stage: string, archiveExistingVersions = false): Promise<ModelVersion> {
    const target = canonicalStage(stage);
    if (archiveExistingVersions && !ACTIVE_STAGES.includes(target)) {
      throw MlflowException.invalidParameterValue(`Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ${ACTIVE_STAGES.join(', ')}`);
    }
    const { modelDir, stored, number } = await this.#fetchVersion(name, version);
    const now = Date.now();
    if (archiveExistingVersions) {
      for (const other of await this.#allVersions(modelDir)) {
        if (other.version.version !== number && other.version.currentStage === target) {
          await this.#saveVersion(modelDir, other, { currentStage: 'Archived', lastUpdatedTimestamp: now });
        }
      }
    }
    const updated = await this.#saveVersion(modelDir, stored, { currentStage: target, lastUpdatedTimestamp: now });
    await this.#touchModel(modelDir, name, now);
    return updated;
  }

  async #aliasPath(name: string, alias: string): Promise<{ modelDir: string; path: string }> {
    validateModelName(name);
    validateAliasName(alias);
    const modelDir = await this.#existingModelDir(name);
    return { modelDir, path: join(modelDir, 'aliases', alias) };
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void> {
    const { modelDir, path } = await this.#aliasPath(name, alias);
    const { number } = await this.#fetchVersion(name, version);
    await writeAtomic(path, number, modelDir);
    await this.#touchModel(modelDir, name, Date.now());
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    const { modelDir, path } = await this.#aliasPath(name, alias);
    if (await exists(path)) {
      await remove(path);
      await this.#touchModel(modelDir, name, Date.now());
    }
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const { path } = await this.#aliasPath(name, alias);
    const version = await readText(path);
    if (version === undefined) {
      // MLflow's file store (and SQL store) answer INVALID_PARAMETER_VALUE here.
      throw MlflowException.invalidParameterValue(`Registered model alias ${alias} not found.`);
    }
    return this.getModelVersion(name, version.trim());
  }

  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    const { stored } = await this.#fetchVersion(name, version);
    return stored.storageLocation || stored.version.source;
  }
}

/** The numerically greatest version in each of `stages`, in that order (deleted never match). */
function latestPerStage(versions: StoredModelVersion[], stages: string[]): ModelVersion[] {
  const best = new Map<string, ModelVersion>();
  for (const { version } of versions) {
    if (!stages.includes(version.currentStage)) continue;
    const current = best.get(version.currentStage);
    if (current === undefined || Number(current.version) < Number(version.version)) best.set(version.currentStage, version);
  }
  return stages.filter((s) => best.has(s)).map((s) => best.get(s)!);
}
