/**
 * MLflow's `Schema` (format spec 4.2): the inputs or outputs of a signature, a non-empty list
 * of column specs or of tensor specs.
 */
import { MlflowException } from '../mlflow-exception.js';
import { isPlainObject } from '../py-values.js';
import { pyRepr, pyTypeName } from '../py-repr.js';
import { dumpsPythonJson, parsePythonJson } from '../python-json.js';
import { ColSpec, type ColumnName } from './col-spec.js';
import { type ColumnType } from './column-type.js';
import { dataTypeToNumpy, dataTypeToPandas, isDataType, type DataType } from './data-type.js';
import { TensorSpec } from './tensor-spec.js';

function invalid(message: string): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', message);
}

/** A spec of a schema: a column or a tensor. */
export type Spec = ColSpec | TensorSpec;

/** The inputs or outputs of a model: all column specs or all tensor specs. */
export class Schema {
  readonly #inputs: readonly Spec[];

  /**
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for an empty list, a mix of named and
   * unnamed specs, a mix of column and tensor specs, several unnamed tensors, or unnamed
   * optional columns.
   */
  constructor(specs: readonly ColSpec[] | readonly TensorSpec[] | readonly Spec[]) {
    if (!Array.isArray(specs)) throw invalid(`Inputs of Schema must be a list, got type ${pyTypeName(specs)}`);
    if (specs.length === 0) throw invalid('Creating Schema with empty inputs is not allowed.');
    const list = specs as readonly unknown[];
    if (list.some((spec) => !(spec instanceof ColSpec) && !(spec instanceof TensorSpec))) {
      throw invalid('Expected the inputs of a Schema to be ColSpec or TensorSpec instances');
    }
    const named = specs.filter((spec) => spec.name !== undefined).length;
    if (named !== 0 && named !== specs.length) {
      throw invalid('Creating Schema with a combination of named and unnamed inputs is not allowed. ' +
        `Got input names [${specs.map((spec) => pyRepr(spec.name)).join(', ')}]`);
    }
    const tensors = specs.filter((spec) => spec instanceof TensorSpec).length;
    if (tensors !== 0 && tensors !== specs.length) {
      throw invalid('Creating Schema with a combination of ColSpec and TensorSpec is not supported. ' +
        'Please choose one of ColSpec or TensorSpec');
    }
    if (tensors > 1 && named === 0) {
      throw invalid('Creating Schema with multiple unnamed TensorSpecs is not supported. ' +
        'Please provide names for each TensorSpec.');
    }
    if (named === 0 && specs.some((spec) => spec.required === false)) {
      throw invalid('Creating Schema with unnamed optional inputs is not supported. ' +
        'Please name all inputs or make all inputs required.');
    }
    this.#inputs = [...specs];
  }

  /** The specs, in order. */
  get inputs(): readonly Spec[] {
    return this.#inputs;
  }

  /** The number of specs. */
  get length(): number {
    return this.#inputs.length;
  }

  [Symbol.iterator](): Iterator<Spec> {
    return this.#inputs[Symbol.iterator]();
  }

  /** Whether the specs are tensor specs. */
  isTensorSpec(): boolean {
    return this.#inputs[0] instanceof TensorSpec;
  }

  /** Whether the specs are named. */
  hasInputNames(): boolean {
    return this.#inputs[0]?.name !== undefined;
  }

  /** The names, or the index for unnamed specs (and, as in MLflow, for names `""` and `0`). */
  inputNames(): ColumnName[] {
    return this.#inputs.map((spec, index) => nameOr(spec.name, index));
  }

  /** {@link inputNames} of the required specs. */
  requiredInputNames(): ColumnName[] {
    return this.#inputs.flatMap((spec, index) => (spec.required ? [nameOr(spec.name, index)] : []));
  }

  /** {@link inputNames} of the optional specs. */
  optionalInputNames(): ColumnName[] {
    return this.#inputs.flatMap((spec, index) => (spec.required ? [] : [nameOr(spec.name, index)]));
  }

  /** The column types, or the numpy dtype names of tensor specs. */
  inputTypes(): (ColumnType | string)[] {
    return this.#inputs.map((spec) => (spec instanceof TensorSpec ? spec.dtype : spec.type));
  }

  /**
   * Names to types.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when the specs are unnamed.
   */
  inputTypesDict(): Map<ColumnName, ColumnType | string> {
    if (!this.hasInputNames()) throw invalid('Cannot get input types as a dict for schema without names.');
    return new Map(this.#inputs.map((spec) => [spec.name!, spec instanceof TensorSpec ? spec.dtype : spec.type]));
  }

  /**
   * Names to specs.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when the specs are unnamed.
   */
  inputDict(): Map<ColumnName, Spec> {
    if (!this.hasInputNames()) throw invalid('Cannot get input dict for schema without names.');
    return new Map(this.#inputs.map((spec) => [spec.name!, spec]));
  }

  /**
   * The numpy dtype names of the specs.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when a column type is not a DataType.
   */
  numpyTypes(): string[] {
    if (this.isTensorSpec()) return this.#inputs.map((spec) => (spec as TensorSpec).dtype);
    const types = this.#inputs.map((spec) => (spec as ColSpec).type);
    if (types.every((type): type is DataType => isDataType(type))) return types.map(dataTypeToNumpy);
    throw invalid('Failed to get numpy types as some of the inputs types are not DataType.');
  }

  /**
   * The pandas dtype names of the columns.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for tensor specs or non-DataType columns.
   */
  pandasTypes(): string[] {
    if (this.isTensorSpec()) throw invalid('TensorSpec only supports numpy types, use numpy_types() instead');
    const types = this.#inputs.map((spec) => (spec as ColSpec).type);
    if (types.every((type): type is DataType => isDataType(type))) return types.map(dataTypeToPandas);
    throw invalid('Failed to get pandas types as some of the inputs types are not DataType.');
  }

  /** The list of spec dicts (`Schema.to_dict()`). */
  toDict(): Record<string, unknown>[] {
    return this.#inputs.map((spec) => spec.toDict());
  }

  /** The JSON string MLflow stores (`Schema.to_json()`), as Python's `json.dumps` writes it. */
  toJson(): string {
    return dumpsPythonJson(this.#inputs.map((spec) => spec.toJsonValue()));
  }

  /**
   * Reads a list of spec dicts: `{"type": "tensor", ...}` as tensor specs, others as columns.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for anything malformed.
   */
  static fromDict(list: unknown): Schema {
    if (!Array.isArray(list)) throw invalid(`Expected a schema to be a list of specs, got ${pyTypeName(list)}`);
    return new Schema(list.map((item: unknown) => {
      if (!isPlainObject(item)) throw invalid(`Expected a spec to be a dictionary, got ${pyTypeName(item)}: ${pyRepr(item)}`);
      if (!('type' in item)) throw invalid(`Missing key 'type' in spec ${pyRepr(item)}`);
      return item.type === 'tensor' ? TensorSpec.fromDict(item) : ColSpec.fromDict(item);
    }) as Spec[]);
  }

  /**
   * Reads the JSON string MLflow stores (`Schema.from_json`).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for invalid JSON or a malformed schema.
   */
  static fromJson(json: string): Schema {
    return Schema.fromDict(parsePythonJson(json));
  }

  /** Equal spec lists. */
  equals(other: unknown): boolean {
    return other instanceof Schema && this.#inputs.length === other.#inputs.length &&
      this.#inputs.every((spec, index) => spec.equals(other.#inputs[index]));
  }

  /** Python's repr: `['x': double (required), ...]`. */
  toString(): string {
    return `[${this.#inputs.map((spec) => spec.toString()).join(', ')}]`;
  }
}

function nameOr(name: ColumnName | undefined, index: number): ColumnName {
  return name === undefined || name === '' || name === 0 ? index : name;
}
