/**
 * The checks MLflow's file stores make on names, keys and values (mlflow/utils/validation.py,
 * 2.22 limits), with its error codes and messages.
 */
import { posix } from 'node:path';
import { MlflowException, dumpsPythonJson, type Logger } from '@pyfunc/format';

const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;
/** Python's Unicode `\w` is letters, digits (any script) and `_`; plus `/ . - space :`. */
const KEY_CHARS = /^[/\p{L}\p{N}_.\- :]*$/u;
const ALIAS_CHARS = /^[\p{L}\p{N}_-]*$/u;
const ALIAS_VERSION = /^[vV]\d+$/;

export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 8000;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
export const MAX_EXPERIMENT_TAG_KEY_LENGTH = 250;
export const MAX_EXPERIMENT_TAG_VAL_LENGTH = 5000;
export const MAX_MODEL_REGISTRY_TAG_KEY_LENGTH = 250;
export const MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH = 5000;
export const MAX_REGISTERED_MODEL_ALIAS_LENGTH = 255;
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;

function invalid(message: string): MlflowException {
  return MlflowException.invalidParameterValue(message);
}

/** MLflow's `invalid_value`: the value as compact, key-sorted JSON. */
function invalidValue(path: string, value: unknown, message?: string): string {
  const formatted = dumpsPythonJson(value ?? null).replaceAll('", "', '","');
  return message === undefined
    ? `Invalid value ${formatted} for parameter '${path}' supplied.`
    : `Invalid value ${formatted} for parameter '${path}' supplied: ${message}`;
}

function pyLength(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

const badCharacters = 'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).';

/** `posixpath.normpath(name) != name` or it escapes: the name would not map to one file. */
function pathNotUnique(name: string): boolean {
  const norm = name === '' ? '.' : posix.normalize(name).replace(/(.)\/$/, '$1');
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

function badPathMessage(name: string): string {
  const norm = name === '' ? '.' : posix.normalize(name).replace(/(.)\/$/, '$1');
  return 'Names may be treated as files in certain cases, and must not resolve to other names'
    + ` when treated as such. This name would resolve to '${norm}'`;
}

/** Metric, param and tag keys: allowed characters, and a path that names exactly one file. */
export function validateKeyName(name: string | undefined | null, path = 'key', kind = 'Param'): void {
  if (name === undefined || name === null) {
    throw invalid(kind === 'Tag' ? `Missing value for required parameter '${path}'.`
      : invalidValue(path, kind === 'Metric' ? null : '', `${kind === 'Metric' ? 'Metric name cannot be None. ' : ''}A key name must be provided.`));
  }
  if (!KEY_CHARS.test(name)) throw invalid(invalidValue(path, name, badCharacters));
  if (pathNotUnique(name)) throw invalid(invalidValue(path, name, badPathMessage(name)));
}

function exceedsMaximumLength(path: string, limit: number): string {
  return `'${path}' exceeds the maximum length of ${limit} characters`;
}

/**
 * MLflow's `_validate_length_limit`; with `truncate` (param and tag values, MLflow's
 * `MLFLOW_TRUNCATE_LONG_VALUES` default) a long value is cut with a warning instead.
 */
export function validateLength(entity: string, limit: number, value: string, logger?: Logger, truncate = false): string {
  if (pyLength(value) <= limit) return value;
  if (truncate && process.env.MLFLOW_TRUNCATE_LONG_VALUES?.toLowerCase() !== 'false') {
    logger?.warn({ entity, length: pyLength(value), limit }, `${entity} is truncated to ${limit} characters to meet the length limit.`);
    return Array.from(value).slice(0, limit).join('');
  }
  throw invalid(exceedsMaximumLength(entity, limit));
}

export function validateRunId(runId: string): void {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) throw invalid(invalidValue('run_id', runId));
}

export function validateExperimentId(experimentId: string): void {
  if (typeof experimentId !== 'string' || !EXPERIMENT_ID.test(experimentId)) {
    throw invalid(`Invalid experiment ID: '${String(experimentId)}'`);
  }
}

export function validateExperimentName(name: string): void {
  if (name === '' || name === undefined || name === null) throw invalid(`Invalid experiment name: '${name ?? 'None'}'`);
  if (typeof name !== 'string') throw invalid(`Invalid experiment name: ${String(name)}. Expects a string.`);
  if (pyLength(name) > MAX_EXPERIMENT_NAME_LENGTH) throw invalid(exceedsMaximumLength('name', MAX_EXPERIMENT_NAME_LENGTH));
}

export function validateMetric(key: string, value: unknown, timestamp: unknown, step: unknown, path = ''): void {
  const at = (name: string): string => (path === '' ? name : `${path}.${name}`);
  validateKeyName(key, at('name'), 'Metric');
  if (value === undefined || value === null) throw invalid(`Missing value for required parameter '${at('value')}'.`);
  if (typeof value !== 'number') {
    throw invalid(invalidValue(at('value'), value,
      `(timestamp=${String(timestamp)}). Please specify value as a valid double (64-bit floating point)`));
  }
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0 || !Number.isInteger(timestamp)) {
    throw invalid(invalidValue(at('timestamp'), timestamp ?? null,
      `metric '${key}' (value=${value}). Timestamp must be a nonnegative long (64-bit integer) `));
  }
  if (typeof step !== 'number' || !Number.isInteger(step)) {
    throw invalid(invalidValue(at('step'), step ?? null,
      `metric '${key}' (value=${value}). Step must be a valid long (64-bit integer).`));
  }
  validateLength('Metric name', MAX_ENTITY_KEY_LENGTH, key);
}

export function validateModelName(name: string): void {
  if (name === undefined || name === null || name === '') throw invalid("Missing value for required parameter 'name'.");
  if (name.includes('/')) throw invalid(`Invalid name: '${name}'. Registered model name cannot contain path separator`);
  if (name.includes('%')) throw invalid(`Invalid name: '${name}'. Registered model name cannot contain '%' character`);
}

/** A version argument: an integer (`int(version)` in Python), returned as its decimal string. */
export function validateModelVersion(version: string | number): string {
  const text = String(version).trim();
  if (!/^[+-]?\d+$/.test(text)) throw invalid(`Parameter 'version' must be an integer, got '${String(version)}'.`);
  return String(Number.parseInt(text, 10));
}

export function validateAliasName(alias: string): void {
  if (alias === undefined || alias === null || alias === '') throw invalid('Registered model alias name cannot be empty.');
  if (!ALIAS_CHARS.test(alias)) {
    throw invalid(`Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  }
  validateLength('Registered model alias name', MAX_REGISTERED_MODEL_ALIAS_LENGTH, alias);
  if (alias.toLowerCase() === 'latest') throw invalid("'latest' alias name (case insensitive) is reserved.");
  if (ALIAS_VERSION.test(alias)) throw invalid(`Version alias name '${alias}' is reserved.`);
}

/** Tag key and value checks of registered models and versions. */
export function validateRegistryTag(key: string, value: string): void {
  validateKeyName(key, 'key', 'Tag');
  if (value === undefined || value === null) throw invalid('Tag value cannot be None');
  validateLength('key', MAX_MODEL_REGISTRY_TAG_KEY_LENGTH, key);
  validateLength('value', MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, value);
}

/** Model stages: canonical spelling of `None`, `Staging`, `Production`, `Archived` (any case). */
export const ALL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export const STAGE_DELETED_INTERNAL = 'Deleted_Internal';

export function canonicalStage(stage: string): string {
  const found = ALL_STAGES.find((s) => s.toLowerCase() === String(stage).toLowerCase());
  if (found === undefined) {
    throw invalid(`Invalid Model Version stage: ${stage}. Value must be one of ${ALL_STAGES.join(', ')}.`);
  }
  return found;
}
