/**
 * MLflow's `_enforce_params_schema` (runtime spec 3.9).
 */
import {
  MlflowException,
  ObjectType,
  PyDate,
  PyDateTime,
  Tensor,
  enforceParamScalar,
  isNumpyScalar,
  isPlainObject,
  isPyFloat,
  listRepr,
  markFloat,
  pyClass,
  pyRepr,
  pyStr,
  pyTypeName,
  setRepr,
  shapeRepr,
  silentLogger,
  type Logger,
  type ParamSchema,
  type ParamSpec,
  type ParamType,
} from '@pyfunc/format';
import { enforceValue } from './enforce-type.js';

/** Options of {@link enforceParams}. */
export interface EnforceParamsOptions {
  /** Receives MLflow's warnings (params without a schema, unknown or non-string keys). */
  logger?: Logger;
}

function invalid(message: string): MlflowException {
  return MlflowException.invalidParameterValue(message);
}

interface Checked {
  value: unknown;
  isFloat: boolean;
}

/** `np.datetime64(text).item()` for the strings numpy reads. */
function parseDatetime(text: string): PyDate | PyDateTime | bigint | null {
  if (text === '' || text.toLowerCase() === 'nat') return null;
  const match = /^([+-]?\d+)(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/.exec(text);
  if (match === null) throw new Error('unparsable');
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && !isLeap(year) ? 28 : days)) throw new Error('range');
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (hour > 23 || minute > 59 || second > 59) throw new Error('range');
  if (year < 1 || year > 9999 || (fraction !== undefined && fraction.length > 6)) return BigInt(year);
  if (h === undefined) return new PyDate(year, month, day);
  let result = new PyDateTime(year, month, day, hour, minute, second, Number((fraction ?? '').padEnd(6, '0')));
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
    const shifted = new Date(Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000);
    result = new PyDateTime(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, shifted.getUTCDate(),
      shifted.getUTCHours(), shifted.getUTCMinutes(), shifted.getUTCSeconds(), result.microsecond);
  }
  return result;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** `_enforce_param_datatype`. */
function enforceParamDatatype(value: unknown, type: Exclude<ParamType, ObjectType>, container: object,
  key: string | number): Checked {
  if (value === null || value === undefined) return { value: null, isFloat: false };
  if (type === 'datetime') {
    let parsed: PyDate | PyDateTime | bigint | null;
    if (value instanceof PyDateTime) {
      parsed = value.utcOffsetMinutes === null ? value : parseDatetime(value.isoformat());
    } else if (value instanceof PyDate) parsed = value;
    else if (value instanceof Date) parsed = PyDateTime.fromDate(value);
    else if (typeof value === 'string') {
      try {
        parsed = parseDatetime(value.trim());
      } catch {
        parsed = undefined as never;
      }
      if (parsed === undefined) throw failedDatetime(value, container, key);
    } else throw failedDatetime(value, container, key);
    if (typeof parsed === 'bigint') {
      throw invalid('Failed to convert value to `DataType.datetime`. It must be convertible to datetime.date/datetime, ' +
        `got \`${pyStr(value, container, key)}\``);
    }
    return { value: parsed, isFloat: false };
  }
  if (!isNumpyScalar(value)) {
    throw invalid(`Value must be a scalar for type \`DataType.${type}\`, got \`${pyStr(value, container, key)}\``);
  }
  return enforceParamScalar(value, type, container, key);
}

function failedDatetime(value: unknown, container: object, key: string | number): MlflowException {
  return invalid(`Failed to convert value \`${pyStr(value, container, key)}\` from type \`${pyClass(value, container, key)}\` ` +
    'to `DataType.datetime`');
}

function ndim(value: unknown): number {
  if (value instanceof Tensor) return value.ndim;
  if (!Array.isArray(value)) return 0;
  if (value.length === 0) return 1;
  const inner = value.map(ndim);
  return inner.every((dim) => dim === inner[0] && dim > 0) && value.every((item) => Array.isArray(item) && item.length === (value[0] as unknown[]).length)
    ? 1 + inner[0]! : 1;
}

function specRepr(spec: ParamSpec): string {
  return spec.toString();
}

/** `ParamSpec.validate_param_spec`. */
function validateParam(value: unknown, spec: ParamSpec, container: object, key: string): Checked {
  const variable = spec.shape !== null && spec.shape.length === 1 && spec.shape[0] === -1;
  if (variable && !((Array.isArray(value) || value instanceof Tensor) && ndim(value) === 1)) {
    throw invalid(`Value must be a 1D array with shape (-1,) for param ${specRepr(spec)}, received ` +
      `${pyTypeName(value, container, key)} with ndim ${ndim(value)}`);
  }
  try {
    if (spec.shape === null) {
      if (spec.type instanceof ObjectType) {
        enforceValue(structuredCloneSafe(value), spec.type, true, 2, container, key);
        return { value, isFloat: false };
      }
      return enforceParamDatatype(value, spec.type, container, key);
    }
    if (variable) {
      const list = value instanceof Tensor ? (value.toNested() as unknown[]) : (value as unknown[]);
      const out: unknown[] = [];
      list.forEach((item, index) => {
        const checked = spec.type instanceof ObjectType
          ? (() => { throw invalid(`Value must be a scalar for type \`${spec.type.toString()}\`, got \`${pyStr(item)}\``); })()
          : enforceParamDatatype(item, spec.type, list, index);
        out.push(checked.value);
        if (checked.isFloat) markFloat(out, index);
      });
      return { value: out, isFloat: false };
    }
  } catch (error) {
    if (!MlflowException.isInstance(error)) throw error;
    throw invalid(`Failed to validate type and shape for ${specRepr(spec)}, error: ${error.message}`);
  }
  const shape = spec.shape;
  throw invalid('Shape must be None for scalar or dictionary value, or (-1,) for 1D array value for ParamSpec ' +
    `${specRepr(spec)}), received ${shapeRepr(shape)}`);
}

function structuredCloneSafe(value: unknown): unknown {
  return value;
}

/**
 * MLflow's `_enforce_params_schema`: validates and converts inference params against the
 * signature's params schema, fills defaults, drops (and warns about) unknown params.
 *
 * Without a schema, `undefined`/`{}` come back unchanged and anything else gives `{}` after a
 * warning. With one, the result holds every declared param: given ones converted (ints to
 * floats for float/double params, ISO strings to `PyDate`/`PyDateTime` for datetime params),
 * absent ones at their default. A `Map` may carry non-string keys; they are stringified.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE "Parameters must be a dictionary. …" or
 * "Invalid parameters found: {…}".
 */
export function enforceParams(params: Record<string, unknown> | Map<unknown, unknown> | undefined | null | unknown,
  schema: ParamSchema | undefined | null, options: EnforceParamsOptions = {}): Record<string, unknown> | undefined {
  const logger = options.logger ?? silentLogger;
  const isDict = isPlainObject(params) || params instanceof Map;
  if (schema === undefined || schema === null) {
    if (params === undefined || params === null) return undefined;
    if (isDict && (params instanceof Map ? params.size === 0 : Object.keys(params).length === 0)) {
      return params as Record<string, unknown>;
    }
    const info = isDict
      ? `Ignoring provided params: ${listRepr(params instanceof Map ? [...params.keys()] : Object.keys(params))}`
      : 'Ignoring invalid params (not a dictionary).';
    logger.warn({}, '`params` can only be specified at inference time if the model signature defines a params schema. ' +
      `This model does not define a params schema. ${info}`);
    return {};
  }
  const given = params === undefined || params === null ? {} : params;
  if (!isPlainObject(given) && !(given instanceof Map)) {
    throw invalid(`Parameters must be a dictionary. Got type '${pyTypeName(given)}'.`);
  }
  let entries: [string, unknown, boolean][];
  if (given instanceof Map) {
    if ([...given.keys()].some((key) => typeof key !== 'string')) {
      logger.warn({}, 'Keys in parameters should be of type `str`, but received non-string keys.Converting all keys to string...');
    }
    entries = [...given.entries()].map(([key, value]) => [pyStr(key), value, false]);
  } else {
    entries = Object.entries(given).map(([key, value]) => [key, value, typeof value === 'number' && isPyFloat(value, given, key)]);
  }
  const holder: Record<string, unknown> = {};
  for (const [key, value, isFloat] of entries) {
    holder[key] = value;
    if (isFloat) markFloat(holder, key);
  }
  const allowed = new Set(schema.params.map((spec) => spec.name));
  const ignored = Object.keys(holder).filter((key) => !allowed.has(key));
  if (ignored.length > 0) {
    logger.warn({ ignored }, `Unrecognized params ${listRepr(ignored)} are ignored for inference. Supported params are: ` +
      `${setRepr([...allowed])}. To enable them, please add corresponding schema in ModelSignature.`);
  }
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(holder)) {
    if (!allowed.has(key)) continue;
    result[key] = holder[key];
  }
  const problems: [string, string][] = [];
  for (const spec of schema.params) {
    if (Object.hasOwn(holder, spec.name)) {
      try {
        const checked = validateParam(holder[spec.name], spec, holder, spec.name);
        result[spec.name] = checked.value;
        if (checked.isFloat) markFloat(result, spec.name);
      } catch (error) {
        if (!MlflowException.isInstance(error)) throw error;
        problems.push([spec.name, error.message]);
      }
    } else {
      result[spec.name] = spec.default;
      if (spec.defaultIsFloat) markFloat(result, spec.name);
    }
  }
  if (problems.length > 0) {
    throw invalid(`Invalid parameters found: {${problems.map(([name, message]) => `(${pyRepr(name)}, ${pyRepr(message)})`).join(', ')}}`);
  }
  return result;
}
