/**
 * The fixed signature and the default input example MLflow writes for every ChatModel
 * (runtime.md 8.3: `CHAT_MODEL_INPUT_SCHEMA`, `CHAT_MODEL_OUTPUT_SCHEMA`,
 * `CHAT_MODEL_INPUT_EXAMPLE` of mlflow/types/llm.py), and the task metadata of chat models.
 */
import {
  AnyType,
  ArrayType,
  ColSpec,
  DataType,
  MapType,
  ModelSignature,
  ObjectType,
  Property,
  Schema,
  markFloat,
} from '@pyfunc/format';

/** The `metadata.task` MLflow records for a ChatModel. */
export const CHAT_MODEL_TASK = 'agent/v1/chat';

/** The properties of a message object (input messages and output choices alike). */
function messageObject(): ObjectType {
  return new ObjectType([
    new Property('role', DataType.string),
    new Property('content', DataType.string, false),
    new Property('name', DataType.string, false),
    new Property('refusal', DataType.string, false),
    new Property('tool_calls', new ArrayType(new ObjectType([
      new Property('id', DataType.string),
      new Property('function', new ObjectType([
        new Property('name', DataType.string),
        new Property('arguments', DataType.string),
      ])),
      new Property('type', DataType.string),
    ])), false),
    new Property('tool_call_id', DataType.string, false),
  ]);
}

/** MLflow's `CHAT_MODEL_INPUT_SCHEMA`: a request dict's columns. */
export const CHAT_MODEL_INPUT_SCHEMA: Schema = new Schema([
  new ColSpec(new ArrayType(messageObject()), 'messages'),
  new ColSpec(DataType.double, 'temperature', false),
  new ColSpec(DataType.long, 'max_tokens', false),
  new ColSpec(new ArrayType(DataType.string), 'stop', false),
  new ColSpec(DataType.long, 'n', false),
  new ColSpec(DataType.boolean, 'stream', false),
  new ColSpec(DataType.double, 'top_p', false),
  new ColSpec(DataType.long, 'top_k', false),
  new ColSpec(DataType.double, 'frequency_penalty', false),
  new ColSpec(DataType.double, 'presence_penalty', false),
  new ColSpec(new ArrayType(new ObjectType([
    new Property('type', DataType.string),
    new Property('function', new ObjectType([
      new Property('name', DataType.string),
      new Property('description', DataType.string, false),
      new Property('parameters', new ObjectType([
        new Property('properties', new MapType(new ObjectType([
          new Property('type', DataType.string),
          new Property('description', DataType.string, false),
          new Property('enum', new ArrayType(DataType.string), false),
          new Property('items', new ObjectType([new Property('type', DataType.string)]), false),
        ]))),
        new Property('type', DataType.string, false),
        new Property('required', new ArrayType(DataType.string), false),
        new Property('additionalProperties', DataType.boolean, false),
      ])),
      new Property('strict', DataType.boolean, false),
    ]), false),
  ])), 'tools', false),
  new ColSpec(new MapType(new AnyType()), 'custom_inputs', false),
]);

/** MLflow's `CHAT_MODEL_OUTPUT_SCHEMA`: a response dict's columns. */
export const CHAT_MODEL_OUTPUT_SCHEMA: Schema = new Schema([
  new ColSpec(DataType.string, 'id'),
  new ColSpec(DataType.string, 'object'),
  new ColSpec(DataType.long, 'created'),
  new ColSpec(DataType.string, 'model'),
  new ColSpec(new ArrayType(new ObjectType([
    new Property('index', DataType.long),
    new Property('message', messageObject()),
    new Property('finish_reason', DataType.string),
  ])), 'choices'),
  new ColSpec(new ObjectType([
    new Property('prompt_tokens', DataType.long),
    new Property('completion_tokens', DataType.long),
    new Property('total_tokens', DataType.long),
  ]), 'usage', false),
  new ColSpec(new MapType(new AnyType()), 'custom_outputs', false),
]);

/** The signature every ChatModel gets (no params schema: chat params travel in the input). */
export function chatModelSignature(): ModelSignature {
  return new ModelSignature({ inputs: CHAT_MODEL_INPUT_SCHEMA, outputs: CHAT_MODEL_OUTPUT_SCHEMA });
}

/**
 * A fresh copy of MLflow's `CHAT_MODEL_INPUT_EXAMPLE`, the example saved when the author gives
 * none (`temperature` is marked as the Python float `1.0`).
 */
export function chatModelInputExample(): Record<string, unknown> {
  const example: Record<string, unknown> = {
    messages: [{ role: 'user', content: 'Hello!' }],
    temperature: 1,
    max_tokens: 10,
    stop: ['\n'],
    n: 1,
    stream: false,
  };
  markFloat(example, 'temperature');
  return example;
}
