/**
 * The complex column types of format spec 4.2: `ArrayType`, `ObjectType` with its `Property`s,
 * `MapType`, `AnyType` and `SparkMLVector` (MLflow's `Array`, `Object`, `Map`, `AnyType`,
 * `SparkMLVector`), and the type-part grammar that reads and writes them.
 */
import { MlflowException } from '../mlflow-exception.js';
import { compareCodePoints, isFloatSlot, isPlainObject, markFloat } from '../py-values.js';
import { pyRepr, pyTypeName } from '../py-repr.js';
import { dataTypeNames, isDataType, type DataType } from './data-type.js';

/** A column (or property, item, map value) type: a DataType name or a complex type. */
export type ColumnType = DataType | ArrayType | ObjectType | MapType | AnyType;

/** The JSON form of a type part: `{"type": ...}` plus `items` / `properties` / `values`. */
export type TypeDict = { type: string } & Record<string, unknown>;

function invalid(message: string): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', message);
}

const complexNames = `[${dataTypeNames.map((name) => `'${name}'`).join(', ')}]`;

/** Reads a type argument: a DataType name or a complex type instance. */
function toColumnType(value: unknown, argument: string, what = 'type'): ColumnType {
  if (typeof value === 'string') {
    if (isDataType(value)) return value;
    throw invalid(`Unsupported ${what} '${value}', expected instance of DataType, Array, Object, Map or ` +
      `one of ${complexNames}`);
  }
  if (value instanceof ArrayType || value instanceof ObjectType || value instanceof MapType ||
    value instanceof AnyType) {
    return value;
  }
  throw invalid('Expected mlflow.types.schema.Datatype, mlflow.types.schema.Array, ' +
    'mlflow.types.schema.Object, mlflow.types.schema.Map, mlflow.types.schema.AnyType ' +
    `or str for the '${argument}' argument, but got ${pyRepr(value)}`);
}

/** The Python repr of a column type: `double`, `Array(long)`, `{a: string (required)}`. */
export function columnTypeRepr(type: ColumnType): string {
  return typeof type === 'string' ? type : type.toString();
}

/** Whether two column types are equal the way MLflow compares them. */
export function columnTypeEquals(a: ColumnType, b: ColumnType): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.equals(b);
}

/**
 * The type part of a column type as written in JSON, with dicts whose key order matters as
 * `Map`s (so integer-like property names keep Python's order). Internal: see `toDict()`.
 */
export function columnTypeToJson(type: ColumnType): Map<string, unknown> {
  if (typeof type === 'string') return new Map([['type', type]]);
  return type.toJsonValue();
}

/** Converts the `Map`-based JSON form into plain objects, keeping float marks. */
export function jsonToPlain(value: unknown): unknown {
  if (value instanceof Map) {
    const record: Record<string, unknown> = {};
    for (const [key, item] of value as Map<string, unknown>) {
      record[key] = jsonToPlain(item);
    }
    return record;
  }
  if (Array.isArray(value)) {
    const list = value.map((item) => jsonToPlain(item));
    value.forEach((_, index) => {
      if (isFloatSlot(value, index)) markFloat(list, index);
    });
    return list;
  }
  if (isPlainObject(value)) {
    const record: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      record[key] = jsonToPlain(item);
      if (isFloatSlot(value, key)) markFloat(record, key);
    }
    return record;
  }
  return value;
}

function requireDict(value: unknown, message: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(message);
  return value;
}

/** MLflow's `Array`: a JSON list whose items all have one type. */
export class ArrayType {
  readonly items: ColumnType;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE for an unknown item type. */
  constructor(items: ColumnType | string) {
    this.items = toColumnType(items, 'dtype');
  }

  /** MLflow's name for the item type (`Array.dtype`). */
  get dtype(): ColumnType {
    return this.items;
  }

  /** `{"type": "array", "items": {...}}`. */
  toDict(): TypeDict {
    return jsonToPlain(this.toJsonValue()) as TypeDict;
  }

  /** @internal The JSON form with ordered dicts. */
  toJsonValue(): Map<string, unknown> {
    return new Map<string, unknown>([['type', 'array'], ['items', columnTypeToJson(this.items)]]);
  }

  /**
   * Reads `{"type": "array", "items": {...}}` (extra keys are ignored, as MLflow does).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for anything else.
   */
  static fromDict(dict: unknown): ArrayType {
    const d = requireDict(dict, `Expected Array JSON to be a dictionary, got ${pyTypeName(dict)}`);
    if (!('items' in d) || !('type' in d)) {
      throw invalid('Missing keys in Array JSON. Expected to find keys `items` and `type`');
    }
    if (d.type !== 'array') throw invalid('Type mismatch, Array expects `array` as the type');
    const items = requireDict(d.items, 'Expected items to be a dictionary of Object JSON');
    if (!('type' in items)) {
      throw invalid("Missing keys in Array's items JSON. Expected to find key `type`");
    }
    switch (items.type) {
      case 'object': return new ArrayType(ObjectType.fromDict(items));
      case 'array': return new ArrayType(ArrayType.fromDict(items));
      case 'sparkml_vector': return new ArrayType(new SparkMLVector());
      case 'map': return new ArrayType(MapType.fromDict(items));
      case 'any': return new ArrayType(new AnyType());
      default: return new ArrayType(scalarType(items.type));
    }
  }

  /** Equal to another array type with an equal item type (a SparkMLVector is never equal). */
  equals(other: unknown): boolean {
    if (other instanceof SparkMLVector || this instanceof SparkMLVector) {
      return other instanceof SparkMLVector && this instanceof SparkMLVector;
    }
    return other instanceof ArrayType && columnTypeEquals(this.items, other.items);
  }

  /** Python's repr: `Array(long)`. */
  toString(): string {
    return `Array(${columnTypeRepr(this.items)})`;
  }
}

function scalarType(value: unknown): DataType {
  if (isDataType(value)) return value;
  if (typeof value === 'string') {
    throw invalid(`Unsupported type '${value}', expected instance of DataType, Array, Object, Map or ` +
      `one of ${complexNames}`);
  }
  throw invalid('Expected mlflow.types.schema.Datatype, mlflow.types.schema.Array, ' +
    'mlflow.types.schema.Object, mlflow.types.schema.Map, mlflow.types.schema.AnyType ' +
    `or str for the 'dtype' argument, but got ${pyRepr(value)}`);
}

/** MLflow's `SparkMLVector`: an array of doubles that serialises as `{"type": "sparkml_vector"}`. */
export class SparkMLVector extends ArrayType {
  constructor() {
    super('double');
  }

  override toJsonValue(): Map<string, unknown> {
    return new Map<string, unknown>([['type', 'sparkml_vector']]);
  }

  /** Reads `{"type": "sparkml_vector"}` (MLflow ignores every other key). */
  static override fromDict(_dict?: unknown): SparkMLVector {
    return new SparkMLVector();
  }

  override toString(): string {
    return 'SparkML vector';
  }
}

/** MLflow's `Property`: one named, possibly optional, field of an {@link ObjectType}. */
export class Property {
  readonly name: string;
  readonly type: ColumnType;
  /** Whether the field must be present; `null` only when a file said `"required": null`. */
  readonly required: boolean | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE for a non-string name or bad type. */
  constructor(name: string, type: ColumnType | string, required: boolean | null = true) {
    if (typeof name !== 'string') {
      throw invalid(`Expected name to be a string, got type ${pyTypeName(name)}`);
    }
    if (required !== null && typeof required !== 'boolean') {
      throw invalid(`Expected required to be a boolean, got type ${pyTypeName(required)} for property '${name}'`);
    }
    this.name = name;
    this.type = toColumnType(type, 'dtype');
    this.required = required;
  }

  /** MLflow's name for the type (`Property.dtype`). */
  get dtype(): ColumnType {
    return this.type;
  }

  /** `{name: {...type part, "required": bool}}`. */
  toDict(): Record<string, TypeDict> {
    return { [this.name]: jsonToPlain(this.toJsonValue()) as TypeDict };
  }

  /** @internal The property's value (type part plus `required`) with ordered dicts. */
  toJsonValue(): Map<string, unknown> {
    const value = columnTypeToJson(this.type);
    value.set('required', this.required);
    return value;
  }

  /**
   * Reads `{name: {"type": ..., "required"?: bool}}`; a missing `required` means `true`.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE on anything else.
   */
  static fromDict(dict: unknown): Property {
    const d = requireDict(dict, `Expected Property JSON to be a dictionary, got ${pyTypeName(dict)}`);
    const keys = Object.keys(d);
    if (keys.length !== 1) {
      throw invalid(`Expected Property JSON to contain a single key as name, got ${keys.length} keys.`);
    }
    const name = keys[0]!;
    return propertyFromValue(name, d[name]);
  }

  /** Equal name, type and `required`. */
  equals(other: unknown): boolean {
    return other instanceof Property && this.name === other.name &&
      columnTypeEquals(this.type, other.type) && this.required === other.required;
  }

  /** Python's repr: `a: string (required)`. */
  toString(): string {
    return `${this.name}: ${columnTypeRepr(this.type)} (${this.required ? 'required' : 'optional'})`;
  }
}

function propertyFromValue(name: string, value: unknown): Property {
  const dic = requireDict(value, 'Expected properties to be a dictionary of Property JSON');
  if (!('type' in dic)) throw invalid(`Missing keys in Property \`${name}\`. Expected to find key \`type\``);
  const required = 'required' in dic ? dic.required : true;
  const rest: Record<string, unknown> = { ...dic };
  delete rest.required;
  switch (dic.type) {
    case 'array': return new Property(name, ArrayType.fromDict(rest), required as boolean | null);
    case 'sparkml_vector': throw invalid('Expected values to be instance of Property');
    case 'object': return new Property(name, ObjectType.fromDict(rest), required as boolean | null);
    case 'map': return new Property(name, MapType.fromDict(rest), required as boolean | null);
    case 'any': return new Property(name, new AnyType(), required as boolean | null);
    default: return new Property(name, scalarType(dic.type), required as boolean | null);
  }
}

/** MLflow's `Object`: a JSON object with named properties, kept sorted by name. */
export class ObjectType {
  /** The properties, sorted by name (Python string order). */
  readonly properties: readonly Property[];

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE for no properties or duplicate names. */
  constructor(properties: Property[]) {
    if (!Array.isArray(properties)) {
      throw invalid(`Expected properties to be a list, got type ${pyTypeName(properties)}`);
    }
    if (properties.length === 0) throw invalid('Creating Object with empty properties is not allowed.');
    if (properties.some((property) => !(property instanceof Property))) {
      throw invalid('Expected values to be instance of Property');
    }
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const property of properties) {
      if (seen.has(property.name)) duplicates.add(property.name);
      seen.add(property.name);
    }
    if (duplicates.size > 0) {
      throw invalid(`Found duplicated property names: {${[...duplicates].map((name) => pyRepr(name)).join(', ')}}`);
    }
    this.properties = [...properties].sort((a, b) => compareCodePoints(a.name, b.name));
  }

  /** `{"type": "object", "properties": {name: {...}, ...}}` (integer-like names reorder in a plain object; the JSON keeps Python's order). */
  toDict(): TypeDict {
    return jsonToPlain(this.toJsonValue()) as TypeDict;
  }

  /** @internal The JSON form with ordered dicts. */
  toJsonValue(): Map<string, unknown> {
    const properties = new Map<string, unknown>();
    for (const property of this.properties) properties.set(property.name, property.toJsonValue());
    return new Map<string, unknown>([['type', 'object'], ['properties', properties]]);
  }

  /**
   * Reads `{"type": "object", "properties": {...}}` (extra keys are ignored, as MLflow does).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE on anything else.
   */
  static fromDict(dict: unknown): ObjectType {
    const d = requireDict(dict, `Expected Object JSON to be a dictionary, got ${pyTypeName(dict)}`);
    if (!('properties' in d) || !('type' in d)) {
      throw invalid('Missing keys in Object JSON. Expected to find keys `properties` and `type`');
    }
    if (d.type !== 'object') throw invalid('Type mismatch, Object expects `object` as the type');
    const properties = requireDict(d.properties, 'Expected properties to be a dictionary of Property JSON');
    if (Object.values(properties).some((value) => !isPlainObject(value))) {
      throw invalid('Expected properties to be a dictionary of Property JSON');
    }
    return new ObjectType(Object.entries(properties).map(([name, value]) => propertyFromValue(name, value)));
  }

  /** Equal sorted property lists. */
  equals(other: unknown): boolean {
    return other instanceof ObjectType && this.properties.length === other.properties.length &&
      this.properties.every((property, index) => property.equals(other.properties[index]));
  }

  /** Python's repr: `{a: string (required), b: long (optional)}`. */
  toString(): string {
    return `{${this.properties.map((property) => property.toString()).join(', ')}}`;
  }
}

/** MLflow's `Map`: a JSON object with string keys and values of one type. */
export class MapType {
  readonly values: ColumnType;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE for an unknown value type. */
  constructor(values: ColumnType | string) {
    this.values = toColumnType(values, 'value_type', 'value type');
  }

  /** MLflow's name for the value type (`Map.value_type`). */
  get valueType(): ColumnType {
    return this.values;
  }

  /** `{"type": "map", "values": {...}}`. */
  toDict(): TypeDict {
    return jsonToPlain(this.toJsonValue()) as TypeDict;
  }

  /** @internal The JSON form with ordered dicts. */
  toJsonValue(): Map<string, unknown> {
    return new Map<string, unknown>([['type', 'map'], ['values', columnTypeToJson(this.values)]]);
  }

  /**
   * Reads `{"type": "map", "values": {...}}`. As in MLflow, a map whose values are
   * `sparkml_vector` reads as a plain {@link SparkMLVector}.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE on anything else.
   */
  static fromDict(dict: unknown): MapType | SparkMLVector {
    const d = requireDict(dict, `Expected Map JSON to be a dictionary, got ${pyTypeName(dict)}`);
    if (!('values' in d) || !('type' in d)) {
      throw invalid('Missing keys in Array JSON. Expected to find keys `items` and `type`');
    }
    if (d.type !== 'map') throw invalid('Type mismatch, Map expects `map` as the type');
    const values = requireDict(d.values, 'Expected values to be a dictionary of Object JSON');
    if (!('type' in values)) throw invalid("Missing keys in Map's items JSON. Expected to find key `type`");
    switch (values.type) {
      case 'object': return new MapType(ObjectType.fromDict(values));
      case 'array': return new MapType(ArrayType.fromDict(values));
      case 'sparkml_vector': return new SparkMLVector();
      case 'map': return new MapType(MapType.fromDict(values));
      case 'any': return new MapType(new AnyType());
      default:
        if (typeof values.type === 'string' && !isDataType(values.type)) {
          throw invalid(`Unsupported value type '${values.type}', expected instance of DataType, Array, ` +
            `Object, Map or one of ${complexNames}`);
        }
        return new MapType(scalarType(values.type));
    }
  }

  /** Equal to another map type with an equal value type. */
  equals(other: unknown): boolean {
    return other instanceof MapType && columnTypeEquals(this.values, other.values);
  }

  /** Python's repr: `Map(str -> double)`. */
  toString(): string {
    return `Map(str -> ${columnTypeRepr(this.values)})`;
  }
}

/** MLflow's `AnyType`: any JSON value, including null. */
export class AnyType {
  /** `{"type": "any"}`. */
  toDict(): TypeDict {
    return { type: 'any' };
  }

  /** @internal The JSON form. */
  toJsonValue(): Map<string, unknown> {
    return new Map<string, unknown>([['type', 'any']]);
  }

  /** Reads `{"type": "any"}`. */
  static fromDict(_dict?: unknown): AnyType {
    return new AnyType();
  }

  /** Every AnyType equals every other. */
  equals(other: unknown): boolean {
    return other instanceof AnyType;
  }

  /** Python's repr: `Any`. */
  toString(): string {
    return 'Any';
  }
}
