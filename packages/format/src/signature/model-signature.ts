/**
 * MLflow's `ModelSignature` (format spec 4.1): a model's input and output schemas and params,
 * stored in the MLmodel `signature` mapping as three JSON strings.
 */
import { MlflowException } from '../mlflow-exception.js';
import { isPlainObject } from '../py-values.js';
import { pyTypeName } from '../py-repr.js';
import { ParamSchema } from './param-schema.js';
import { Schema } from './schema.js';

function invalid(message: string): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', message);
}

/** The MLmodel `signature` mapping: each part a JSON string, or null when absent. */
export type ModelSignatureDict = {
  inputs: string | null;
  outputs: string | null;
  params: string | null;
};

/** The parts of a signature; at least one must be given. */
export interface ModelSignatureInit {
  inputs?: Schema | null;
  outputs?: Schema | null;
  params?: ParamSchema | null;
  /** MLflow's `_is_signature_from_type_hint`. */
  isSignatureFromTypeHint?: boolean;
  /** MLflow's `_is_type_hint_from_example`. */
  typeHintFromExample?: boolean;
}

/** A model's signature: input and output schemas and inference params. */
export class ModelSignature {
  readonly inputs: Schema | undefined;
  readonly outputs: Schema | undefined;
  readonly params: ParamSchema | undefined;
  /** Whether the signature came from the predict function's type hints. */
  isSignatureFromTypeHint: boolean;
  /** Whether the type hint was inferred from an input example. */
  typeHintFromExample: boolean;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE when no part is given or a part has the wrong class. */
  constructor(init: ModelSignatureInit) {
    if (!isPlainObject(init) && (typeof init !== 'object' || init === null)) {
      throw invalid(`ModelSignature expects { inputs?, outputs?, params? }, got ${pyTypeName(init)}`);
    }
    const { inputs, outputs, params } = init;
    if (inputs != null && !(inputs instanceof Schema)) {
      throw invalid(`inputs must be either None, mlflow.models.signature.Schema, or a dataclass,got '${pyTypeName(inputs)}'`);
    }
    if (outputs != null && !(outputs instanceof Schema)) {
      throw invalid(`outputs must be either None, mlflow.models.signature.Schema, or a dataclass,got '${pyTypeName(outputs)}'`);
    }
    if (params != null && !(params instanceof ParamSchema)) {
      throw invalid(`If params are provided, they must by of type mlflow.models.signature.ParamSchema, got '${pyTypeName(params)}'`);
    }
    if (inputs == null && outputs == null && params == null) {
      throw invalid('At least one of inputs, outputs or params must be provided');
    }
    this.inputs = inputs ?? undefined;
    this.outputs = outputs ?? undefined;
    this.params = params ?? undefined;
    this.isSignatureFromTypeHint = init.isSignatureFromTypeHint ?? false;
    this.typeHintFromExample = init.typeHintFromExample ?? false;
  }

  /** The MLmodel `signature` mapping, exactly as MLflow's `ModelSignature.to_dict()`. */
  toDict(): ModelSignatureDict {
    return {
      inputs: this.inputs === undefined ? null : this.inputs.toJson(),
      outputs: this.outputs === undefined ? null : this.outputs.toJson(),
      // an empty ParamSchema is falsy in Python: MLflow writes no params
      params: this.params === undefined || this.params.length === 0 ? null : this.params.toJson(),
    };
  }

  /**
   * Reads the MLmodel `signature` mapping; a part that is null, absent or `""` is absent.
   * @throws {MlflowException} INVALID_PARAMETER_VALUE when all parts are absent, a part is not
   * a string, its JSON does not parse, or a schema is invalid.
   */
  static fromDict(dict: unknown): ModelSignature {
    if (!isPlainObject(dict)) {
      throw invalid(`Expected the model signature to be a mapping, got ${pyTypeName(dict)}`);
    }
    const part = (key: 'inputs' | 'outputs' | 'params'): string | undefined => {
      const value = dict[key];
      if (value === undefined || value === null || value === '' || value === false) return undefined;
      if (typeof value !== 'string') {
        throw invalid(`Expected the signature's '${key}' to be a JSON string, got ${pyTypeName(value)}`);
      }
      return value;
    };
    const inputs = part('inputs');
    const outputs = part('outputs');
    const params = part('params');
    return new ModelSignature({
      inputs: inputs === undefined ? undefined : withPart('inputs', () => Schema.fromJson(inputs)),
      outputs: outputs === undefined ? undefined : withPart('outputs', () => Schema.fromJson(outputs)),
      params: params === undefined ? undefined : withPart('params', () => ParamSchema.fromJson(params)),
    });
  }

  /** Equal inputs, outputs and params. */
  equals(other: unknown): boolean {
    if (!(other instanceof ModelSignature)) return false;
    const same = <T extends { equals(o: unknown): boolean }>(a: T | undefined, b: T | undefined) =>
      a === undefined ? b === undefined : a.equals(b);
    return same(this.inputs, other.inputs) && same(this.outputs, other.outputs) && same(this.params, other.params);
  }

  /** Python's repr. */
  toString(): string {
    const show = (part: { toString(): string } | undefined) => (part === undefined ? 'None' : part.toString());
    return `inputs: \n  ${show(this.inputs)}\noutputs: \n  ${show(this.outputs)}\nparams: \n  ${show(this.params)}\n`;
  }
}

function withPart<T>(key: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (MlflowException.isInstance(error) && !error.message.startsWith('Invalid signature')) {
      throw new MlflowException(error.errorCode, `Invalid signature ${key}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
