/**
 * Declared types: the TypeScript stand-in for MLflow's `predict` type hints (runtime.md 4.4,
 * 11.4; format.md 5.10). `static types = { input: T.list(T.string), output: T.list(T.string) }`
 * gives the signature MLflow infers from `list[str] -> list[str]`, flagged
 * `is_signature_from_type_hint`.
 */
import {
  AnyType,
  ArrayType,
  ColSpec,
  MapType,
  MlflowException,
  ModelSignature,
  ObjectType,
  Property,
  Schema,
  type ColumnType,
  type Logger,
} from '@pyfunc/format';

/** A declared type. */
export type TypeDescriptor =
  | { readonly kind: 'scalar'; readonly type: 'long' | 'double' | 'string' | 'boolean' | 'binary' | 'datetime' }
  | { readonly kind: 'any' }
  | { readonly kind: 'list'; readonly items: TypeDescriptor }
  | { readonly kind: 'dict'; readonly values: TypeDescriptor }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, TypeDescriptor>> }
  | { readonly kind: 'optional'; readonly inner: TypeDescriptor };

/** The declared input and output types of a model. */
export interface ModelTypes {
  input: TypeDescriptor;
  output?: TypeDescriptor;
}

/** Builders of declared types (MLflow's hint spellings in comments). */
export const T = {
  /** `int` → long */ int: { kind: 'scalar', type: 'long' } as TypeDescriptor,
  /** `float` → double */ float: { kind: 'scalar', type: 'double' } as TypeDescriptor,
  /** `str` → string */ string: { kind: 'scalar', type: 'string' } as TypeDescriptor,
  /** `bool` → boolean */ bool: { kind: 'scalar', type: 'boolean' } as TypeDescriptor,
  /** `bytes` → binary */ bytes: { kind: 'scalar', type: 'binary' } as TypeDescriptor,
  /** `datetime` → datetime */ datetime: { kind: 'scalar', type: 'datetime' } as TypeDescriptor,
  /** `Any` → any */ any: { kind: 'any' } as TypeDescriptor,
  /** `list[U]` → array<U> */ list: (items: TypeDescriptor): TypeDescriptor => ({ kind: 'list', items }),
  /** `dict[str, U]` → map<U> */ dict: (values: TypeDescriptor): TypeDescriptor => ({ kind: 'dict', values }),
  /** a pydantic model → object */ object: (fields: Record<string, TypeDescriptor>): TypeDescriptor => ({ kind: 'object', fields }),
  /** `Optional[U]` */ optional: (inner: TypeDescriptor): TypeDescriptor => ({ kind: 'optional', inner }),
} as const;

function columnType(descriptor: TypeDescriptor): ColumnType {
  switch (descriptor.kind) {
    case 'scalar': return descriptor.type;
    case 'any': return new AnyType();
    case 'list': return new ArrayType(columnType(descriptor.items));
    case 'dict': return new MapType(columnType(descriptor.values));
    case 'object':
      return new ObjectType(Object.entries(descriptor.fields).map(([name, field]) =>
        field.kind === 'optional' ? new Property(name, columnType(field.inner), false) : new Property(name, columnType(field))));
    case 'optional':
      throw new MlflowException('INVALID_PARAMETER_VALUE', 'Input cannot be Optional type.');
    default:
      throw new MlflowException('INVALID_PARAMETER_VALUE', `Unsupported type descriptor ${JSON.stringify(descriptor)}`);
  }
}

function isDescriptor(value: unknown): value is TypeDescriptor {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

/**
 * The signature MLflow infers from the equivalent type hints (runtime.md 4.4.4): input must be
 * `T.list(...)`; output `T.list(U)` or `U`, `[any]` when absent. Undefined (with MLflow's warning)
 * when the input is not a list.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for an invalid descriptor.
 */
export function signatureFromTypes(types: ModelTypes, logger: Logger): ModelSignature | undefined {
  if (!isDescriptor(types?.input)) throw new MlflowException('INVALID_PARAMETER_VALUE', '`types.input` must be a type descriptor (T.list(...)).');
  if (types.input.kind !== 'list') {
    logger.warn({}, 'Failed to infer signature from type hint: Type hints must be wrapped in list[...] because MLflow assumes the predict method to take multiple input instances.');
    return undefined;
  }
  const inputs = new Schema([new ColSpec(columnType(types.input.items))]);
  let outputs: Schema;
  try {
    const output = types.output;
    outputs = output === undefined
      ? new Schema([new ColSpec(new AnyType())])
      : new Schema([new ColSpec(columnType(output.kind === 'list' ? output.items : output))]);
  } catch {
    outputs = new Schema([new ColSpec(new AnyType())]);
  }
  return new ModelSignature({ inputs, outputs, isSignatureFromTypeHint: true });
}
