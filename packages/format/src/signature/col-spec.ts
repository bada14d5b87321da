/**
 * MLflow's `ColSpec` (format spec 4.2): one column of a column-based schema.
 */
import { MlflowException } from '../mlflow-exception.js';
import { isFloatSlot, isPlainObject, markFloat } from '../py-values.js';
import { pyEquals, pyRepr, pyTypeName } from '../py-repr.js';
import {
  AnyType,
  ArrayType,
  MapType,
  ObjectType,
  SparkMLVector,
  columnTypeEquals,
  columnTypeRepr,
  columnTypeToJson,
  jsonToPlain,
  type ColumnType,
  type TypeDict,
} from './column-type.js';
import { dataTypeNames, isDataType } from './data-type.js';

function invalid(message: string): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', message);
}

const scalarKeys = new Set(['type', 'name', 'required', 'optional']);
const complexTypes = new Set(['array', 'object', 'map', 'sparkml_vector', 'any']);

/** A column name: normally a string; frames with integer labels give numbers. */
export type ColumnName = string | number;

/** Checks a name argument; numbers stay numbers. */
export function checkSpecName(name: unknown, what: string): ColumnName | undefined {
  if (name === undefined || name === null) return undefined;
  if (typeof name === 'string' || (typeof name === 'number' && Number.isFinite(name))) return name;
  throw invalid(`Expected the name of a ${what} to be a string or a number, got ${pyTypeName(name)}: ${pyRepr(name)}`);
}

/** One column of a schema: its type, optional name, and whether it is required. */
export class ColSpec {
  readonly type: ColumnType;
  readonly name: ColumnName | undefined;
  /** Whether the column must be present; `null` when a file said so, or omitted it on a complex type. */
  readonly required: boolean | null;
  /** Whether a numeric name was a Python float (`1.0`). */
  readonly #nameIsFloat: boolean;

  /**
   * @param type a DataType name (`'double'`) or a complex type
   * @param name the column name; omit for unnamed columns
   * @param required `true` unless the column may be missing
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for an unknown type or a bad name.
   */
  constructor(type: ColumnType | string, name?: ColumnName | null, required: boolean | null = true,
    options: { nameIsFloat?: boolean } = {}) {
    this.name = checkSpecName(name, 'ColSpec');
    if (typeof type === 'string') {
      if (!isDataType(type)) {
        throw invalid(`Unsupported type '${type}', expected instance of DataType or one of ` +
          `[${dataTypeNames.map((n) => `'${n}'`).join(', ')}]`);
      }
      this.type = type;
    } else if (type instanceof ArrayType || type instanceof ObjectType || type instanceof MapType ||
      type instanceof AnyType) {
      this.type = type;
    } else {
      throw invalid('Expected mlflow.types.schema.Datatype, mlflow.types.schema.Array, ' +
        'mlflow.types.schema.Object, mlflow.types.schema.Map, mlflow.types.schema.AnyType ' +
        `or str for the 'type' argument, but got ${pyRepr(type)}`);
    }
    if (required !== null && typeof required !== 'boolean') {
      throw invalid(`Expected 'required' of ColSpec ${pyRepr(this.name)} to be a boolean, got ${pyTypeName(required)}`);
    }
    this.required = required;
    this.#nameIsFloat = options.nameIsFloat === true && typeof this.name === 'number';
  }

  /** `{...type part, "name"?: ..., "required": ...}` in MLflow's key order. */
  toDict(): TypeDict {
    return jsonToPlain(this.toJsonValue()) as TypeDict;
  }

  /** @internal The JSON form with ordered dicts (a float-marked name is marked). */
  toJsonValue(): Map<string, unknown> | Record<string, unknown> {
    const value = columnTypeToJson(this.type);
    if (this.name !== undefined) value.set('name', this.name);
    value.set('required', this.required);
    if (!this.#nameIsFloat) return value;
    const record = jsonToPlain(value) as Record<string, unknown>;
    markFloat(record, 'name');
    return record;
  }

  /**
   * Reads a column spec as MLflow writes it. Also reads the `"optional": true` form of some 2.x
   * releases (as `required = !optional`). A complex-type column without `required` reads as
   * `required: null`, as MLflow 2.22 does; a scalar one as `true`.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for a malformed spec or an unknown key
   * of a scalar column spec.
   */
  static fromDict(dict: unknown): ColSpec {
    if (!isPlainObject(dict)) throw invalid(`Expected ColSpec JSON to be a dictionary, got ${pyTypeName(dict)}`);
    if (!('type' in dict)) throw invalid('Missing keys in ColSpec JSON. Expected to find key `type`');
    const nameIsFloat = isFloatSlot(dict, 'name');
    const type = dict.type;
    let required: unknown;
    if ('required' in dict) {
      required = dict.required;
    } else if ('optional' in dict) {
      if (typeof dict.optional !== 'boolean') {
        throw invalid(`Expected 'optional' in ColSpec JSON to be a boolean, got ${pyTypeName(dict.optional)}`);
      }
      required = !dict.optional;
    }
    if (typeof type !== 'string' || !complexTypes.has(type)) {
      for (const key of Object.keys(dict)) {
        if (!scalarKeys.has(key)) {
          throw invalid(`Unknown key '${key}' in ColSpec JSON ${pyRepr(dict)}; expected 'type', 'name' and 'required'`);
        }
      }
      return new ColSpec(type as string, dict.name as ColumnName | null | undefined,
        required === undefined ? true : (required as boolean | null), { nameIsFloat });
    }
    const rest: Record<string, unknown> = { ...dict };
    delete rest.name;
    delete rest.required;
    delete rest.optional;
    const name = dict.name as ColumnName | null | undefined;
    const req = required === undefined ? null : (required as boolean | null);
    switch (type) {
      case 'array': return new ColSpec(ArrayType.fromDict(rest), name, req, { nameIsFloat });
      case 'object': return new ColSpec(ObjectType.fromDict(rest), name, req, { nameIsFloat });
      case 'map': return new ColSpec(MapType.fromDict(rest), name, req, { nameIsFloat });
      case 'sparkml_vector': return new ColSpec(new SparkMLVector(), name, req, { nameIsFloat });
      default: return new ColSpec(new AnyType(), name, req, { nameIsFloat });
    }
  }

  /** Equal names (both absent counts), types and `required`. */
  equals(other: unknown): boolean {
    if (!(other instanceof ColSpec)) return false;
    const namesEqual = (this.name === undefined && other.name === undefined) || pyEquals(this.name, other.name);
    return namesEqual && columnTypeEquals(this.type, other.type) && this.required === other.required;
  }

  /** Python's repr: `'x': double (required)`. */
  toString(): string {
    const required = this.required ? 'required' : 'optional';
    const type = columnTypeRepr(this.type);
    return this.name === undefined ? `${type} (${required})` : `${pyRepr(this.name)}: ${type} (${required})`;
  }
}
