/**
 * An OpenAPI 3.1 document for a model's scoring API, generated from its signature: the request
 * forms MLflow accepts (exactly one of the four format keys, optional params) and the response.
 */
import {
  AnyType,
  ArrayType,
  ColSpec,
  MapType,
  ObjectType,
  TensorSpec,
  isDataType,
  type ColumnType,
  type Model,
  type ParamSpec,
  type Schema,
} from '@pyfunc/format';

/** A JSON Schema (2020-12) object. */
export type JsonSchema = Record<string, unknown>;

const NUMBER_TOKENS: JsonSchema = { type: 'number' };

/** The JSON Schema of one value of an MLflow column type. */
export function columnTypeSchema(type: ColumnType | string): JsonSchema {
  if (typeof type === 'string' && isDataType(type)) {
    switch (type) {
      case 'boolean': return { type: 'boolean' };
      case 'integer': case 'long': return { type: 'integer' };
      case 'float': case 'double': return NUMBER_TOKENS;
      case 'binary': return { type: 'string', contentEncoding: 'base64' };
      case 'datetime': return { type: 'string', format: 'date-time' };
      default: return { type: 'string' };
    }
  }
  if (type instanceof ArrayType) return { type: 'array', items: columnTypeSchema(type.items) };
  if (type instanceof ObjectType) {
    return {
      type: 'object',
      properties: Object.fromEntries(type.properties.map((property) => [property.name, columnTypeSchema(property.type)])),
      required: type.properties.filter((property) => property.required !== false).map((property) => property.name),
    };
  }
  if (type instanceof MapType) return { type: 'object', additionalProperties: columnTypeSchema(type.values) };
  if (type instanceof AnyType) return {};
  return {};
}

function tensorElement(dtype: string): JsonSchema {
  if (dtype === 'bool') return { type: 'boolean' };
  if (/^u?int/.test(dtype)) return { type: 'integer' };
  if (/^float/.test(dtype)) return NUMBER_TOKENS;
  if (dtype === 'str' || dtype === 'bytes' || dtype === 'object') return {};
  return {};
}

function tensorSchema(spec: TensorSpec): JsonSchema {
  let schema = tensorElement(spec.dtype);
  for (let axis = spec.shape.length - 1; axis >= 0; axis--) {
    const size = spec.shape[axis]!;
    schema = size >= 0 ? { type: 'array', items: schema, minItems: size, maxItems: size } : { type: 'array', items: schema };
  }
  return schema;
}

function cellSchema(spec: ColSpec | TensorSpec): JsonSchema {
  if (spec instanceof TensorSpec) return tensorSchema(spec);
  const schema = columnTypeSchema(spec.type);
  return spec.required === false ? { anyOf: [schema, { type: 'null' }] } : schema;
}

function requestSchema(schema: Schema | undefined, params: readonly ParamSpec[]): JsonSchema {
  const paramsSchema: JsonSchema = params.length === 0 ? { type: ['object', 'null'] } : {
    type: ['object', 'null'],
    properties: Object.fromEntries(params.map((param) => [param.name, param.shape === null
      ? columnTypeSchema(param.type as ColumnType) : { type: 'array', items: columnTypeSchema(param.type as ColumnType) }])),
  };
  let records: JsonSchema = { type: 'object' };
  let split: JsonSchema = { type: 'object', required: ['data'], properties: { columns: { type: 'array' }, data: { type: 'array' }, index: { type: 'array' } }, additionalProperties: false };
  let inputs: JsonSchema = {};
  if (schema !== undefined && schema.hasInputNames()) {
    const specs = schema.inputs as (ColSpec | TensorSpec)[];
    const properties = Object.fromEntries(specs.map((spec) => [String(spec.name), cellSchema(spec)]));
    const required = specs.filter((spec) => spec.required !== false).map((spec) => String(spec.name));
    records = { type: 'object', properties, required };
    split = {
      type: 'object', required: ['data'], additionalProperties: false,
      properties: {
        columns: { type: 'array', items: { enum: specs.map((spec) => String(spec.name)) } },
        data: { type: 'array', items: { type: 'array', maxItems: specs.length } },
        index: { type: 'array' },
      },
    };
    const columnar = Object.fromEntries(specs.map((spec) => [String(spec.name),
      { anyOf: [cellSchema(spec), { type: 'array', items: cellSchema(spec) }] }]));
    inputs = { anyOf: [{ type: 'object', properties: columnar, required }, { type: 'array', items: records }] };
  } else if (schema !== undefined && schema.inputs.length === 1 && schema.inputs[0] instanceof TensorSpec) {
    inputs = tensorSchema(schema.inputs[0]);
  }
  const classic: JsonSchema = {
    type: 'object',
    properties: {
      dataframe_split: split,
      dataframe_records: { type: 'array', items: records },
      instances: { type: 'array', items: schema?.hasInputNames() === true ? records : {} },
      inputs,
      params: paramsSchema,
    },
    oneOf: ['dataframe_split', 'dataframe_records', 'instances', 'inputs'].map((key) => ({ required: [key] })),
  };
  const names = schema?.hasInputNames() === true ? schema.inputNames().map(String) : [];
  if (names.includes('messages') || names.includes('prompt') || names.includes('input')) {
    return { anyOf: [classic, records] };
  }
  return classic;
}

function responseSchema(output: Schema | undefined): JsonSchema {
  if (output === undefined) return { type: 'object', required: ['predictions'] };
  const specs = output.inputs as (ColSpec | TensorSpec)[];
  let item: JsonSchema;
  if (specs.length === 1 && specs[0] instanceof TensorSpec) item = tensorSchema(specs[0]);
  else if (specs.length === 1 && (specs[0]!.name === undefined || specs[0]!.name === null)) {
    item = { type: 'array', items: { anyOf: [cellSchema(specs[0]!), { type: 'object' }] } };
  } else item = { type: 'array', items: { type: 'object', properties: Object.fromEntries(specs.map((spec) => [String(spec.name ?? 0), cellSchema(spec)])) } };
  return { type: 'object', required: ['predictions'], properties: { predictions: item } };
}

/** The OpenAPI document of a model's scoring API (request and response schemas from its signature). */
export function createOpenApiDocument(metadata: Pick<Model, 'getInputSchema' | 'getParamsSchema' | 'signature'>, options: { title?: string; version?: string } = {}): JsonSchema {
  const input = metadata.getInputSchema() ?? undefined;
  const params = metadata.getParamsSchema()?.params ?? [];
  const errorSchema = { type: 'object', required: ['error_code', 'message'], properties: { error_code: { type: 'string' }, message: { type: 'string' }, stack_trace: { type: 'string' } } };
  const json = (schema: JsonSchema): JsonSchema => ({ 'application/json': { schema } });
  return {
    openapi: '3.1.0',
    info: { title: options.title ?? 'MLflow model scoring API', version: options.version ?? '1' },
    paths: {
      '/invocations': {
        post: {
          summary: 'Score the model',
          requestBody: { required: true, content: { ...json(requestSchema(input, params)), 'text/csv': { schema: { type: 'string' } } } },
          responses: {
            200: { description: 'Predictions', content: json(responseSchema(metadata.signature?.outputs ?? undefined)) },
            400: { description: 'Bad input', content: json(errorSchema) },
            413: { description: 'Body too large', content: json(errorSchema) },
            415: { description: 'Unsupported content type', content: { 'text/plain': { schema: { type: 'string' } } } },
            503: { description: 'At capacity', content: json(errorSchema) },
            504: { description: 'Timed out', content: json(errorSchema) },
          },
        },
      },
      '/ping': { get: { summary: 'Health (model loaded)', responses: { 200: { description: 'OK' } } } },
      '/health': { get: { summary: 'Health (model loaded)', responses: { 200: { description: 'OK' } } } },
      '/version': { get: { summary: 'MLflow protocol version', responses: { 200: { description: 'Version text' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'Metrics text' } } } },
    },
  };
}
