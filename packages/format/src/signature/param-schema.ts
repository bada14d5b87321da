/**
 * MLflow's `ParamSchema` (format spec 4.5): the inference parameters of a signature.
 */
import { MlflowException } from '../mlflow-exception.js';
import { isPlainObject } from '../py-values.js';
import { pyRepr, pyTypeName } from '../py-repr.js';
import { dumpsPythonJson, parsePythonJson } from '../python-json.js';
import { ParamSpec } from './param-spec.js';

function invalid(message: string): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', message);
}

/** The parameters of a model, with unique names. */
export class ParamSchema {
  readonly #params: readonly ParamSpec[];

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE for non-ParamSpec items or duplicate names. */
  constructor(params: readonly ParamSpec[]) {
    if (!Array.isArray(params)) throw invalid(`ParamSchema expects a list of ParamSpec, got ${pyTypeName(params)}`);
    if (!params.every((param: unknown) => param instanceof ParamSpec)) {
      throw invalid("ParamSchema inputs only accept <class 'mlflow.types.schema.ParamSpec'>");
    }
    const seen = new Set<string>();
    const duplicates: string[] = [];
    for (const param of params) {
      if (seen.has(param.name)) duplicates.push(param.name);
      else seen.add(param.name);
    }
    if (duplicates.length > 0) {
      throw invalid(`Duplicated parameters found in schema: [${duplicates.map((name) => pyRepr(name)).join(', ')}]`);
    }
    this.#params = [...params];
  }

  /** The parameter specs, in order. */
  get params(): readonly ParamSpec[] {
    return this.#params;
  }

  /** The number of params. */
  get length(): number {
    return this.#params.length;
  }

  [Symbol.iterator](): Iterator<ParamSpec> {
    return this.#params[Symbol.iterator]();
  }

  /** The list of param dicts (`ParamSchema.to_dict()`). */
  toDict(): Record<string, unknown>[] {
    return this.#params.map((param) => param.toDict());
  }

  /** The JSON string MLflow stores (`ParamSchema.to_json()`). */
  toJson(): string {
    return dumpsPythonJson(this.#params.map((param) => param.toJsonValue()));
  }

  /**
   * Reads a list of param dicts.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for anything malformed.
   */
  static fromDict(list: unknown): ParamSchema {
    // Python iterates a dict's keys: `{}` reads as no params, any key fails below
    if (isPlainObject(list)) return ParamSchema.fromDict(Object.keys(list));
    if (!Array.isArray(list)) throw invalid(`Expected a param schema to be a list of params, got ${pyTypeName(list)}`);
    return new ParamSchema(list.map((item: unknown) => ParamSpec.fromDict(item)));
  }

  /**
   * Reads the JSON string MLflow stores (`ParamSchema.from_json`).
   * @throws {MlflowException} INVALID_PARAMETER_VALUE for invalid JSON or an invalid param.
   */
  static fromJson(json: string): ParamSchema {
    return ParamSchema.fromDict(parsePythonJson(json));
  }

  /** Equal param lists. */
  equals(other: unknown): boolean {
    return other instanceof ParamSchema && this.#params.length === other.#params.length &&
      this.#params.every((param, index) => param.equals(other.#params[index]));
  }

  /** Python's repr: `['t': double (default: 0.5)]`. */
  toString(): string {
    return `[${this.#params.map((param) => param.toString()).join(', ')}]`;
  }
}
