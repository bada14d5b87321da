/**
 * The machinery behind the chat types: MLflow's `_BaseDataclass` (mlflow/types/llm.py)
 * re-expressed for TypeScript. A chat type is a class with an ordered field list; constructing
 * it assigns the fields (defaults for absent ones, MLflow's "missing required positional
 * argument" error for absent required ones), then runs its checks in MLflow's order with
 * MLflow's messages. `fromDict` ignores unknown keys; `toDict` drops `null` fields at every
 * dataclass level (plain dicts inside, such as `custom_inputs`, are copied as they are).
 */
import {
  MlflowException,
  isFloatSlot,
  isPlainObject,
  markFloat,
  pyIsInstance,
  pyRepr,
  pyStr,
  pyTypeName,
  type PyBuiltin,
} from '@pyfunc/format';

/** One dataclass field: its name and, unless required, how to make its default. */
export interface FieldSpec {
  readonly name: string;
  /** Absent means the field is required (a positional argument in Python). */
  readonly default?: () => unknown;
  /** The default is a Python float (`1.0`), for the float mark. */
  readonly floatDefault?: boolean;
}

/** A chat dataclass constructor, as the converters need it. */
export interface DataclassType<T extends ChatDataclass = ChatDataclass> {
  new (init: never): T;
  readonly pythonName: string;
  readonly fields: readonly FieldSpec[];
  readonly marker: symbol;
}

/** Errors that stand for Python's `TypeError` of `cls(**data)`: converters rewrap them. */
const constructorErrors = new WeakSet<object>();

function fail(message: string): never {
  throw new MlflowException('INVALID_PARAMETER_VALUE', message);
}

function missingArguments(pythonName: string, names: string[]): never {
  const quoted = names.map((name) => `'${name}'`);
  const list = quoted.length === 1 ? quoted[0]!
    : quoted.length === 2 ? `${quoted[0]} and ${quoted[1]}`
      : `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}`;
  const error = new MlflowException('INVALID_PARAMETER_VALUE',
    `${pythonName}.__init__() missing ${names.length} required positional argument${names.length === 1 ? '' : 's'}: ${list}`);
  constructorErrors.add(error);
  throw error;
}

/** Whether `value` is an instance of the chat type `type` (also across copies of this package). */
export function isDataclassInstance<T extends ChatDataclass>(value: unknown, type: DataclassType<T>): value is T {
  if (value instanceof type) return true;
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[type.marker] === true;
}

/** Gives a chat type its cross-copy marker; call once per class, right after it. */
export function registerDataclass(type: DataclassType): void {
  Object.defineProperty(type.prototype, type.marker, { value: true });
}

/** Entries of a dict-like value (plain object or Map), keys as they are. */
function dictEntries(value: object): [unknown, unknown][] {
  return value instanceof Map ? [...(value as Map<unknown, unknown>).entries()] : Object.entries(value);
}

/**
 * Base of every chat type. Subclasses declare their fields with `declare` (so the values
 * assigned here are not reset), list them in `static fields`, and put MLflow's
 * `__post_init__` checks in {@link postInit}.
 */
export abstract class ChatDataclass {
  static readonly pythonName: string = 'ChatDataclass';
  static readonly fields: readonly FieldSpec[] = [];
  static readonly marker: symbol = Symbol.for('pyfunc.chat.ChatDataclass');

  /**
   * Assigns the fields from `init` and validates them.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message.
   */
  constructor(init: object) {
    const type = this.constructor as DataclassType;
    const source: object = init ?? {};
    const missing: string[] = [];
    const self = this as unknown as Record<string, unknown>;
    for (const field of type.fields) {
      const given = Object.hasOwn(source, field.name) ? (source as Record<string, unknown>)[field.name] : undefined;
      if (given !== undefined) {
        self[field.name] = given;
        if (typeof given === 'number' && isFloatSlot(source, field.name)) markFloat(this, field.name);
      } else if (field.default !== undefined) {
        self[field.name] = field.default();
        if (field.floatDefault === true) markFloat(this, field.name);
      } else {
        missing.push(field.name);
      }
    }
    if (missing.length > 0) missingArguments(type.pythonName, missing);
    this.postInit();
  }

  /**
   * Python's `cls.from_dict(data)`: keys that are not fields are ignored.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when `data` is not a dict, a required
   * field is absent, or a value breaks MLflow's rules.
   */
  static fromDict<T extends ChatDataclass>(this: DataclassType<T>, data: unknown): T {
    if (!isPlainObject(data) && !(data instanceof Map)) {
      fail(`'${pyTypeName(data)}' object has no attribute 'items'`);
    }
    const names = new Set(this.fields.map((field) => field.name));
    const filtered: Record<string, unknown> = {};
    for (const [key, value] of dictEntries(data)) {
      if (typeof key !== 'string' || !names.has(key)) continue;
      filtered[key] = value;
      if (typeof value === 'number' && !(data instanceof Map) && isFloatSlot(data, key)) markFloat(filtered, key);
    }
    return new this(filtered as never);
  }

  /** MLflow's `__post_init__`: the checks and conversions, in MLflow's order. */
  protected abstract postInit(): void;

  /** Python's `to_dict()`: nested chat types become dicts, `null` fields are dropped. */
  toDict(): Record<string, unknown> {
    return asDict(this) as Record<string, unknown>;
  }

  /** The dataclass repr, `Name(field=value, ...)`, as MLflow's messages print it. */
  pyRepr(): string {
    const type = this.constructor as DataclassType;
    const self = this as unknown as Record<string, unknown>;
    return `${type.pythonName}(${type.fields.map((field) =>
      `${field.name}=${pyRepr(self[field.name], this, field.name)}`).join(', ')})`;
  }

  private get fieldValues(): Record<string, unknown> {
    return this as unknown as Record<string, unknown>;
  }

  /** `_validate_field`: `None` allowed unless required, else an instance of `type`. */
  protected validateField(key: string, type: PyBuiltin, required: boolean): void {
    const value = this.fieldValues[key] ?? null;
    if (required && value === null) fail(`\`${key}\` is required`);
    if (value !== null && !pyIsInstance(value, type, this, key)) {
      fail(`\`${key}\` must be of type ${type}, got ${pyTypeName(value, this, key)}`);
    }
  }

  /** `_validate_literal`: one of `allowed`. */
  protected validateLiteral(key: string, allowed: readonly string[], required: boolean): void {
    const value = this.fieldValues[key] ?? null;
    if (required && value === null) fail(`\`${key}\` is required`);
    if (value !== null && !allowed.includes(value as string)) {
      fail(`\`${key}\` must be one of ${pyRepr([...allowed])}, got ${pyStr(value, this, key)}`);
    }
  }

  /** `_validate_list`: a list whose items are all instances of `type`. */
  protected validateList(key: string, type: PyBuiltin, required: boolean): void {
    const values = this.fieldValues[key] ?? null;
    if (required && values === null) fail(`\`${key}\` is required`);
    if (values === null) return;
    if (Array.isArray(values)) {
      if (!values.every((value, index) => pyIsInstance(value, type, values, index))) {
        fail(`All items in \`${key}\` must be of type ${type}`);
      }
    } else {
      fail(`\`${key}\` must be a list, got ${pyTypeName(values, this, key)}`);
    }
  }

  /** `_convert_dataclass`: an instance of `type`, or a dict turned into one. */
  protected convertDataclass(key: string, type: DataclassType, required: boolean): void {
    const value = this.fieldValues[key] ?? null;
    if (value === null) {
      if (required) fail(`\`${key}\` is required`);
      return;
    }
    if (isDataclassInstance(value, type)) return;
    if (!isPlainObject(value) && !(value instanceof Map)) {
      fail(`Expected \`${key}\` to be either an instance of \`${type.pythonName}\` or a dict matching the schema. ` +
        `Received \`${pyTypeName(value, this, key)}\``);
    }
    this.fieldValues[key] = coerce(type, value, value);
  }

  /** `_convert_dataclass_list`: a list of instances, or of dicts turned into instances. */
  protected convertDataclassList(key: string, type: DataclassType, required: boolean): void {
    const values = this.fieldValues[key] ?? null;
    if (values === null) {
      if (required) fail(`\`${key}\` is required`);
      return;
    }
    if (!Array.isArray(values)) fail(`\`${key}\` must be a list`);
    if (values.length === 0) return;
    if (values.every((value) => isPlainObject(value) || value instanceof Map)) {
      this.fieldValues[key] = values.map((value: unknown) => coerce(type, value, values));
    } else if (values.some((value) => !isDataclassInstance(value, type))) {
      fail(`Items in \`${key}\` must all have the same type: ${type.pythonName} or dict`);
    }
  }

  /** `_convert_dataclass_map`: a dict whose values are instances or dicts turned into them. */
  protected convertDataclassMap(key: string, type: DataclassType, required: boolean): void {
    const mapping = this.fieldValues[key] ?? null;
    if (mapping === null) {
      if (required) fail(`\`${key}\` is required`);
      return;
    }
    if (!isPlainObject(mapping) && !(mapping instanceof Map)) fail(`\`${key}\` must be a dict`);
    const converted: Record<string, unknown> = {};
    for (const [name, value] of dictEntries(mapping)) {
      if (isDataclassInstance(value, type)) converted[String(name)] = value;
      else if (isPlainObject(value) || value instanceof Map) converted[String(name)] = coerce(type, value, value);
      else {
        fail(`Items in \`${key}\` must be either an instance of \`${type.pythonName}\` or a dict matching the schema. ` +
          `Received \`${pyTypeName(value, mapping, name as string)}\``);
      }
    }
    this.fieldValues[key] = converted;
  }
}

/** `cls.from_dict(value)`, a missing-argument error rewrapped as MLflow's coercion error. */
function coerce(type: DataclassType, value: unknown, shown: unknown): ChatDataclass {
  try {
    return (type as unknown as typeof ChatDataclass & DataclassType).fromDict.call(type as never, value) as ChatDataclass;
  } catch (error) {
    if (typeof error === 'object' && error !== null && constructorErrors.has(error)) {
      fail(`Error when coercing ${pyRepr(shown)} to ${type.pythonName}: ${(error as Error).message}`);
    }
    throw error;
  }
}

/** Python's `dataclasses.asdict` with MLflow's none-dropping dict factory; float marks kept. */
function asDict(value: unknown): unknown {
  if (value instanceof ChatDataclass) {
    const type = value.constructor as DataclassType;
    const out: Record<string, unknown> = {};
    const source = value as unknown as Record<string, unknown>;
    for (const field of type.fields) {
      const item = asDict(source[field.name]);
      if (item === null || item === undefined) continue;
      out[field.name] = item;
      if (typeof item === 'number' && isFloatSlot(value, field.name)) markFloat(out, field.name);
    }
    return out;
  }
  if (Array.isArray(value)) {
    const out = value.map((item: unknown) => asDict(item));
    value.forEach((item: unknown, index) => {
      if (typeof item === 'number' && isFloatSlot(value, index)) markFloat(out, index);
    });
    return out;
  }
  if (value instanceof Map) {
    return new Map([...(value as Map<unknown, unknown>).entries()].map(([k, v]) => [k, asDict(v)]));
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = asDict(item);
      if (typeof item === 'number' && isFloatSlot(value, key)) markFloat(out, key);
    }
    return out;
  }
  if (value instanceof Uint8Array) return new Uint8Array(value);
  return value;
}

/** Raises MLflow's chat-type `ValueError` (as INVALID_PARAMETER_VALUE). */
export function chatValueError(message: string): never {
  fail(message);
}
