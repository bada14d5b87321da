/**
 * The chat types of MLflow's `mlflow.types.llm` (runtime.md 8.2), with MLflow's snake_case
 * field names (they are wire formats), defaults, validation order and messages. Each type is a
 * class: `new X({...})` validates like the Python dataclass constructor, `X.fromDict(dict)`
 * ignores unknown keys, `x.toDict()` drops `null` fields. Python's `ValueError`s (and the
 * `TypeError` of a missing required field) are `MlflowException`s with INVALID_PARAMETER_VALUE.
 *
 * Numbers follow Python's int/float split through @pyfunc/format's float marks: a value
 * parsed from JSON as `1.0` is a float, a hand-written `1` an int (`temperature: 1` is refused,
 * as in MLflow; write `0.5`, or mark it with `markFloat`).
 *
 * Where the MLflow lines differ, these types follow 3.x: a message's `content` may be a list of
 * content-part dicts, and a tool parameter's `items` keeps its own nested `items`.
 */
import { randomUUID } from 'node:crypto';
import { pyTruthy, pyTypeName } from '@pyfunc/format';
import { z } from 'zod';
import { ChatDataclass, type FieldSpec, chatValueError, registerDataclass } from './chat-dataclass.js';

/** The JSON-schema type names a tool parameter may have. */
export const JSON_SCHEMA_TYPES = ['string', 'number', 'integer', 'object', 'array', 'boolean', 'null'] as const;
/** A JSON-schema type name. */
export type JsonSchemaType = (typeof JSON_SCHEMA_TYPES)[number];

const optional = (): FieldSpec['default'] => () => null;
const constant = (value: unknown): FieldSpec['default'] => () => value;

type Nullable<T> = T | null | undefined;

// ---------------------------------------------------------------------------------------------
// Tool calls

/** Init of {@link FunctionToolCallArguments}. */
export interface FunctionToolCallArgumentsInit {
  name: string;
  /** A JSON text of the arguments. */
  arguments: string;
}

/** The arguments of a function tool call made by the model. */
export class FunctionToolCallArguments extends ChatDataclass {
  static override readonly pythonName = 'FunctionToolCallArguments';
  static override readonly marker = Symbol.for('pyfunc.chat.FunctionToolCallArguments');
  static override readonly fields: readonly FieldSpec[] = [{ name: 'name' }, { name: 'arguments' }];
  declare name: string;
  declare arguments: string;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: FunctionToolCallArgumentsInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('name', 'str', true);
    this.validateField('arguments', 'str', true);
  }

  /** Wraps these arguments in a {@link ToolCall} (a new UUID when `id` is not given). */
  toToolCall(id?: string): ToolCall {
    return new ToolCall({ id: id ?? randomUUID(), function: this });
  }
}
registerDataclass(FunctionToolCallArguments);

/** Init of {@link ToolCall}. */
export interface ToolCallInit {
  function: FunctionToolCallArguments | FunctionToolCallArgumentsInit;
  /** Defaults to a new random UUID. */
  id?: string;
  /** Defaults to `"function"`. */
  type?: string;
}

/** A tool call made by the model. */
export class ToolCall extends ChatDataclass {
  static override readonly pythonName = 'ToolCall';
  static override readonly marker = Symbol.for('pyfunc.chat.ToolCall');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'function' }, { name: 'id', default: () => randomUUID() }, { name: 'type', default: constant('function') },
  ];
  declare function: FunctionToolCallArguments;
  declare id: string;
  declare type: string;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ToolCallInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('id', 'str', true);
    this.convertDataclass('function', FunctionToolCallArguments, true);
    this.validateField('type', 'str', true);
  }
}
registerDataclass(ToolCall);

// ---------------------------------------------------------------------------------------------
// Messages

/** A multimodal content part (3.x): a dict such as `{type: 'text', text: '...'}`. */
export type ContentPart = Record<string, unknown>;

/** Init of {@link ChatMessage}. */
export interface ChatMessageInit {
  role: string;
  content?: Nullable<string | ContentPart[]>;
  refusal?: Nullable<string>;
  name?: Nullable<string>;
  tool_calls?: Nullable<(ToolCall | ToolCallInit)[]>;
  tool_call_id?: Nullable<string>;
}

/**
 * A message of a chat request or response. `role` is any string; `content` is required unless
 * `refusal` or `tool_calls` is set; `content` and `refusal` exclude each other.
 */
export class ChatMessage extends ChatDataclass {
  static override readonly pythonName = 'ChatMessage';
  static override readonly marker = Symbol.for('pyfunc.chat.ChatMessage');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'role' }, { name: 'content', default: optional() }, { name: 'refusal', default: optional() },
    { name: 'name', default: optional() }, { name: 'tool_calls', default: optional() },
    { name: 'tool_call_id', default: optional() },
  ];
  declare role: string;
  declare content: string | ContentPart[] | null;
  declare refusal: string | null;
  declare name: string | null;
  declare tool_calls: ToolCall[] | null;
  declare tool_call_id: string | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ChatMessageInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('role', 'str', true);
    if (pyTruthy(this.refusal)) {
      this.validateField('refusal', 'str', true);
      if (pyTruthy(this.content)) chatValueError('Both `content` and `refusal` cannot be set');
    }
    if (Array.isArray(this.content)) {
      if (!this.content.every((part) => pyTypeName(part) === 'dict')) {
        chatValueError('`content` list items must all be dicts (content parts)');
      }
    } else if (!pyTruthy(this.refusal)) {
      this.validateField('content', 'str', !pyTruthy(this.tool_calls));
    }
    this.validateField('name', 'str', false);
    this.convertDataclassList('tool_calls', ToolCall, false);
    this.validateField('tool_call_id', 'str', false);
  }
}
registerDataclass(ChatMessage);

/** Init of {@link ChatChoiceDelta}. */
export interface ChatChoiceDeltaInit {
  /** Defaults to `"assistant"`; `null` is allowed (OpenAI clients send it). */
  role?: Nullable<string>;
  content?: Nullable<string>;
  refusal?: Nullable<string>;
  name?: Nullable<string>;
  tool_calls?: Nullable<(ToolCall | ToolCallInit)[]>;
}

/** A streamed message delta; nothing is required. */
export class ChatChoiceDelta extends ChatDataclass {
  static override readonly pythonName = 'ChatChoiceDelta';
  static override readonly marker = Symbol.for('pyfunc.chat.ChatChoiceDelta');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'role', default: constant('assistant') }, { name: 'content', default: optional() },
    { name: 'refusal', default: optional() }, { name: 'name', default: optional() },
    { name: 'tool_calls', default: optional() },
  ];
  declare role: string | null;
  declare content: string | null;
  declare refusal: string | null;
  declare name: string | null;
  declare tool_calls: ToolCall[] | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ChatChoiceDeltaInit = {}) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('role', 'str', false);
    if (pyTruthy(this.refusal)) {
      this.validateField('refusal', 'str', true);
      if (pyTruthy(this.content)) chatValueError('Both `content` and `refusal` cannot be set');
    }
    this.validateField('content', 'str', false);
    this.validateField('name', 'str', false);
    this.convertDataclassList('tool_calls', ToolCall, false);
  }
}
registerDataclass(ChatChoiceDelta);

// ---------------------------------------------------------------------------------------------
// Tool definitions

/** Init of {@link ParamType}. */
export interface ParamTypeInit {
  type: JsonSchemaType;
}

/** A JSON-schema type of a tool parameter's items. */
export class ParamType extends ChatDataclass {
  static override readonly pythonName: string = 'ParamType';
  static override readonly marker: symbol = Symbol.for('pyfunc.chat.ParamType');
  static override readonly fields: readonly FieldSpec[] = [{ name: 'type' }];
  declare type: JsonSchemaType;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ParamTypeInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateLiteral('type', JSON_SCHEMA_TYPES, true);
  }
}
registerDataclass(ParamType);

/** Init of {@link ParamProperty}. */
export interface ParamPropertyInit extends ParamTypeInit {
  description?: Nullable<string>;
  enum?: Nullable<string[]>;
  items?: Nullable<ParamProperty | ParamPropertyInit>;
}

/** One parameter of a function tool definition. */
export class ParamProperty extends ParamType {
  static override readonly pythonName: string = 'ParamProperty';
  static override readonly marker: symbol = Symbol.for('pyfunc.chat.ParamProperty');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'type' }, { name: 'description', default: optional() }, { name: 'enum', default: optional() },
    { name: 'items', default: optional() },
  ];
  declare description: string | null;
  declare enum: string[] | null;
  declare items: ParamProperty | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ParamPropertyInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('description', 'str', false);
    this.validateList('enum', 'str', false);
    this.convertDataclass('items', ParamProperty, false);
    super.postInit();
  }
}
registerDataclass(ParamProperty);

/** Init of {@link ToolParamsSchema}. */
export interface ToolParamsSchemaInit {
  properties: Record<string, ParamProperty | ParamPropertyInit>;
  /** Only `"object"`, the default. */
  type?: 'object';
  required?: Nullable<string[]>;
  additionalProperties?: Nullable<boolean>;
}

/** The parameters of a function tool: a JSON-schema object. */
export class ToolParamsSchema extends ChatDataclass {
  static override readonly pythonName = 'ToolParamsSchema';
  static override readonly marker = Symbol.for('pyfunc.chat.ToolParamsSchema');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'properties' }, { name: 'type', default: constant('object') }, { name: 'required', default: optional() },
    { name: 'additionalProperties', default: optional() },
  ];
  declare properties: Record<string, ParamProperty>;
  declare type: 'object';
  declare required: string[] | null;
  declare additionalProperties: boolean | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ToolParamsSchemaInit) {
    super(init);
  }

  protected override postInit(): void {
    this.convertDataclassMap('properties', ParamProperty, true);
    this.validateLiteral('type', ['object'], true);
    this.validateList('required', 'str', false);
    this.validateField('additionalProperties', 'bool', false);
  }
}
registerDataclass(ToolParamsSchema);

/** Init of {@link FunctionToolDefinition}. */
export interface FunctionToolDefinitionInit {
  name: string;
  description?: Nullable<string>;
  parameters?: Nullable<ToolParamsSchema | ToolParamsSchemaInit>;
  /** Defaults to `false`. */
  strict?: boolean;
}

/** A function tool the model may call. */
export class FunctionToolDefinition extends ChatDataclass {
  static override readonly pythonName = 'FunctionToolDefinition';
  static override readonly marker = Symbol.for('pyfunc.chat.FunctionToolDefinition');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'name' }, { name: 'description', default: optional() }, { name: 'parameters', default: optional() },
    { name: 'strict', default: constant(false) },
  ];
  declare name: string;
  declare description: string | null;
  declare parameters: ToolParamsSchema | null;
  declare strict: boolean;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: FunctionToolDefinitionInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('name', 'str', true);
    this.validateField('description', 'str', false);
    this.convertDataclass('parameters', ToolParamsSchema, false);
    this.validateField('strict', 'bool', true);
  }

  /** Wraps this definition in a {@link ToolDefinition}. */
  toToolDefinition(): ToolDefinition {
    return new ToolDefinition({ type: 'function', function: this });
  }
}
registerDataclass(FunctionToolDefinition);

/** Init of {@link ToolDefinition}. */
export interface ToolDefinitionInit {
  function: FunctionToolDefinition | FunctionToolDefinitionInit;
  /** Only `"function"`, the default. */
  type?: 'function';
}

/** A tool the model may call (only function tools exist). */
export class ToolDefinition extends ChatDataclass {
  static override readonly pythonName = 'ToolDefinition';
  static override readonly marker = Symbol.for('pyfunc.chat.ToolDefinition');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'function' }, { name: 'type', default: constant('function') },
  ];
  declare function: FunctionToolDefinition;
  declare type: 'function';

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ToolDefinitionInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateLiteral('type', ['function'], true);
    this.convertDataclass('function', FunctionToolDefinition, true);
  }
}
registerDataclass(ToolDefinition);

// ---------------------------------------------------------------------------------------------
// Params and request

/** Init of {@link ChatParams}. */
export interface ChatParamsInit {
  /** Defaults to `1.0`; must be a Python float. */
  temperature?: number;
  max_tokens?: Nullable<number | bigint>;
  stop?: Nullable<string[]>;
  /** Defaults to `1`. */
  n?: number | bigint | boolean;
  /** Defaults to `false`. */
  stream?: boolean;
  top_p?: Nullable<number>;
  top_k?: Nullable<number | bigint>;
  frequency_penalty?: Nullable<number>;
  presence_penalty?: Nullable<number>;
  custom_inputs?: Nullable<Record<string, unknown>>;
  tools?: Nullable<(ToolDefinition | ToolDefinitionInit)[]>;
}

const chatParamsFields: readonly FieldSpec[] = [
  { name: 'temperature', default: constant(1), floatDefault: true },
  { name: 'max_tokens', default: optional() },
  { name: 'stop', default: optional() },
  { name: 'n', default: constant(1) },
  { name: 'stream', default: constant(false) },
  { name: 'top_p', default: optional() },
  { name: 'top_k', default: optional() },
  { name: 'frequency_penalty', default: optional() },
  { name: 'presence_penalty', default: optional() },
  { name: 'custom_inputs', default: optional() },
  { name: 'tools', default: optional() },
];

/**
 * The inference parameters of a chat request. MLflow announces that the defaults of
 * `temperature`, `n` and `stream` will be removed.
 */
export class ChatParams extends ChatDataclass {
  static override readonly pythonName: string = 'ChatParams';
  static override readonly marker: symbol = Symbol.for('pyfunc.chat.ChatParams');
  static override readonly fields: readonly FieldSpec[] = chatParamsFields;
  declare temperature: number;
  declare max_tokens: number | bigint | null;
  declare stop: string[] | null;
  declare n: number | bigint | boolean;
  declare stream: boolean;
  declare top_p: number | null;
  declare top_k: number | bigint | null;
  declare frequency_penalty: number | null;
  declare presence_penalty: number | null;
  declare custom_inputs: Record<string, unknown> | null;
  declare tools: ToolDefinition[] | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ChatParamsInit = {}) {
    super(init);
  }

  /** The field names (Python's `ChatParams.keys()`). */
  static keys(): Set<string> {
    return new Set(chatParamsFields.map((field) => field.name));
  }

  protected override postInit(): void {
    this.validateField('temperature', 'float', true);
    this.validateField('max_tokens', 'int', false);
    this.validateList('stop', 'str', false);
    this.validateField('n', 'int', true);
    this.validateField('stream', 'bool', true);
    this.validateField('top_p', 'float', false);
    this.validateField('top_k', 'int', false);
    this.validateField('frequency_penalty', 'float', false);
    this.validateField('presence_penalty', 'float', false);
    this.convertDataclassList('tools', ToolDefinition, false);
    const customInputs: unknown = this.custom_inputs ?? null;
    if (customInputs !== null) {
      if (pyTypeName(customInputs) !== 'dict') {
        chatValueError(`Expected \`custom_inputs\` to be a dictionary, received \`${pyTypeName(customInputs, this, 'custom_inputs')}\``);
      }
      if (customInputs instanceof Map) {
        for (const key of (customInputs as Map<unknown, unknown>).keys()) {
          if (typeof key !== 'string') {
            chatValueError('Expected `custom_inputs` to be of type `Dict[str, Any]`, ' +
              `received key of type \`${pyTypeName(key)}\` (key: ${String(key)})`);
          }
        }
      }
    }
  }
}
registerDataclass(ChatParams);

/** Init of {@link ChatCompletionRequest}. */
export interface ChatCompletionRequestInit extends ChatParamsInit {
  /** Defaults to `[]`. */
  messages?: (ChatMessage | ChatMessageInit)[];
}

/** A chat request: the params plus the messages. */
export class ChatCompletionRequest extends ChatParams {
  static override readonly pythonName: string = 'ChatCompletionRequest';
  static override readonly marker: symbol = Symbol.for('pyfunc.chat.ChatCompletionRequest');
  static override readonly fields: readonly FieldSpec[] = [...chatParamsFields, { name: 'messages', default: () => [] }];
  declare messages: ChatMessage[];

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ChatCompletionRequestInit = {}) {
    super(init);
  }

  protected override postInit(): void {
    this.convertDataclassList('messages', ChatMessage, true);
    super.postInit();
  }
}
registerDataclass(ChatCompletionRequest);

// ---------------------------------------------------------------------------------------------
// Log probabilities

/** Init of {@link TopTokenLogProb}. */
export interface TopTokenLogProbInit {
  token: string;
  logprob: number;
  bytes?: Nullable<number[]>;
}

/** A token and its log probability. */
export class TopTokenLogProb extends ChatDataclass {
  static override readonly pythonName = 'TopTokenLogProb';
  static override readonly marker = Symbol.for('pyfunc.chat.TopTokenLogProb');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'token' }, { name: 'logprob' }, { name: 'bytes', default: optional() },
  ];
  declare token: string;
  declare logprob: number;
  declare bytes: number[] | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: TopTokenLogProbInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('token', 'str', true);
    this.validateField('logprob', 'float', true);
    this.validateList('bytes', 'int', false);
  }
}
registerDataclass(TopTokenLogProb);

/** Init of {@link TokenLogProb}. */
export interface TokenLogProbInit extends TopTokenLogProbInit {
  top_logprobs: (TopTokenLogProb | TopTokenLogProbInit)[];
}

/** A content token with its log probability and the most likely alternatives. */
export class TokenLogProb extends ChatDataclass {
  static override readonly pythonName = 'TokenLogProb';
  static override readonly marker = Symbol.for('pyfunc.chat.TokenLogProb');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'token' }, { name: 'logprob' }, { name: 'top_logprobs' }, { name: 'bytes', default: optional() },
  ];
  declare token: string;
  declare logprob: number;
  declare top_logprobs: TopTokenLogProb[];
  declare bytes: number[] | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: TokenLogProbInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('token', 'str', true);
    this.validateField('logprob', 'float', true);
    this.convertDataclassList('top_logprobs', TopTokenLogProb, true);
    this.validateList('bytes', 'int', false);
  }
}
registerDataclass(TokenLogProb);

/** Init of {@link ChatChoiceLogProbs}. */
export interface ChatChoiceLogProbsInit {
  content?: Nullable<(TokenLogProb | TokenLogProbInit)[]>;
}

/** Log probability information of a choice. */
export class ChatChoiceLogProbs extends ChatDataclass {
  static override readonly pythonName = 'ChatChoiceLogProbs';
  static override readonly marker = Symbol.for('pyfunc.chat.ChatChoiceLogProbs');
  static override readonly fields: readonly FieldSpec[] = [{ name: 'content', default: optional() }];
  declare content: TokenLogProb[] | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ChatChoiceLogProbsInit = {}) {
    super(init);
  }

  protected override postInit(): void {
    this.convertDataclassList('content', TokenLogProb, false);
  }
}
registerDataclass(ChatChoiceLogProbs);

// ---------------------------------------------------------------------------------------------
// Responses and chunks

/** Init of {@link ChatChoice}. */
export interface ChatChoiceInit {
  message: ChatMessage | ChatMessageInit;
  /** Defaults to `0`. */
  index?: number | bigint;
  /** Defaults to `"stop"`. */
  finish_reason?: string;
  logprobs?: Nullable<ChatChoiceLogProbs | ChatChoiceLogProbsInit>;
}

/** One generated answer of a response. */
export class ChatChoice extends ChatDataclass {
  static override readonly pythonName = 'ChatChoice';
  static override readonly marker = Symbol.for('pyfunc.chat.ChatChoice');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'message' }, { name: 'index', default: constant(0) }, { name: 'finish_reason', default: constant('stop') },
    { name: 'logprobs', default: optional() },
  ];
  declare message: ChatMessage;
  declare index: number | bigint;
  declare finish_reason: string;
  declare logprobs: ChatChoiceLogProbs | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ChatChoiceInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('index', 'int', true);
    this.validateField('finish_reason', 'str', true);
    this.convertDataclass('message', ChatMessage, true);
    this.convertDataclass('logprobs', ChatChoiceLogProbs, false);
  }
}
registerDataclass(ChatChoice);

/** Init of {@link ChatChunkChoice}. */
export interface ChatChunkChoiceInit {
  delta: ChatChoiceDelta | ChatChoiceDeltaInit;
  /** Defaults to `0`. */
  index?: number | bigint;
  finish_reason?: Nullable<string>;
  logprobs?: Nullable<ChatChoiceLogProbs | ChatChoiceLogProbsInit>;
}

/** One streamed piece of an answer. */
export class ChatChunkChoice extends ChatDataclass {
  static override readonly pythonName = 'ChatChunkChoice';
  static override readonly marker = Symbol.for('pyfunc.chat.ChatChunkChoice');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'delta' }, { name: 'index', default: constant(0) }, { name: 'finish_reason', default: optional() },
    { name: 'logprobs', default: optional() },
  ];
  declare delta: ChatChoiceDelta;
  declare index: number | bigint;
  declare finish_reason: string | null;
  declare logprobs: ChatChoiceLogProbs | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ChatChunkChoiceInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('index', 'int', true);
    this.validateField('finish_reason', 'str', false);
    this.convertDataclass('delta', ChatChoiceDelta, true);
    this.convertDataclass('logprobs', ChatChoiceLogProbs, false);
  }
}
registerDataclass(ChatChunkChoice);

/** Init of {@link TokenUsageStats}. */
export interface TokenUsageStatsInit {
  prompt_tokens?: Nullable<number | bigint>;
  completion_tokens?: Nullable<number | bigint>;
  total_tokens?: Nullable<number | bigint>;
}

/** Token counts of a request. */
export class TokenUsageStats extends ChatDataclass {
  static override readonly pythonName = 'TokenUsageStats';
  static override readonly marker = Symbol.for('pyfunc.chat.TokenUsageStats');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'prompt_tokens', default: optional() }, { name: 'completion_tokens', default: optional() },
    { name: 'total_tokens', default: optional() },
  ];
  declare prompt_tokens: number | bigint | null;
  declare completion_tokens: number | bigint | null;
  declare total_tokens: number | bigint | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: TokenUsageStatsInit = {}) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('prompt_tokens', 'int', false);
    this.validateField('completion_tokens', 'int', false);
    this.validateField('total_tokens', 'int', false);
  }
}
registerDataclass(TokenUsageStats);

/** The current Unix time in whole seconds (Python's `int(time.time())`). */
const now = (): number => Math.floor(Date.now() / 1000);

/** Init of {@link ChatCompletionResponse}. */
export interface ChatCompletionResponseInit {
  choices: (ChatChoice | ChatChoiceInit)[];
  usage?: Nullable<TokenUsageStats | TokenUsageStatsInit>;
  id?: Nullable<string>;
  model?: Nullable<string>;
  /** Defaults to `"chat.completion"`. */
  object?: string;
  /** Defaults to the current Unix time in seconds. */
  created?: number | bigint;
  custom_outputs?: Nullable<Record<string, unknown>>;
}

/** The full answer of a chat model. */
export class ChatCompletionResponse extends ChatDataclass {
  static override readonly pythonName = 'ChatCompletionResponse';
  static override readonly marker = Symbol.for('pyfunc.chat.ChatCompletionResponse');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'choices' }, { name: 'usage', default: optional() }, { name: 'id', default: optional() },
    { name: 'model', default: optional() }, { name: 'object', default: constant('chat.completion') },
    { name: 'created', default: now }, { name: 'custom_outputs', default: optional() },
  ];
  declare choices: ChatChoice[];
  declare usage: TokenUsageStats | null;
  declare id: string | null;
  declare model: string | null;
  declare object: string;
  declare created: number | bigint;
  declare custom_outputs: Record<string, unknown> | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ChatCompletionResponseInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('id', 'str', false);
    this.validateField('object', 'str', true);
    this.validateField('created', 'int', true);
    this.validateField('model', 'str', false);
    this.convertDataclassList('choices', ChatChoice, true);
    this.convertDataclass('usage', TokenUsageStats, false);
  }
}
registerDataclass(ChatCompletionResponse);

/** Init of {@link ChatCompletionChunk}. */
export interface ChatCompletionChunkInit {
  choices: (ChatChunkChoice | ChatChunkChoiceInit)[];
  usage?: Nullable<TokenUsageStats | TokenUsageStatsInit>;
  id?: Nullable<string>;
  model?: Nullable<string>;
  /** Defaults to `"chat.completion.chunk"`. */
  object?: string;
  /** Defaults to the current Unix time in seconds. */
  created?: number | bigint;
  custom_outputs?: Nullable<Record<string, unknown>>;
}

/** One streamed piece of a chat model's answer. */
export class ChatCompletionChunk extends ChatDataclass {
  static override readonly pythonName = 'ChatCompletionChunk';
  static override readonly marker = Symbol.for('pyfunc.chat.ChatCompletionChunk');
  static override readonly fields: readonly FieldSpec[] = [
    { name: 'choices' }, { name: 'usage', default: optional() }, { name: 'id', default: optional() },
    { name: 'model', default: optional() }, { name: 'object', default: constant('chat.completion.chunk') },
    { name: 'created', default: now }, { name: 'custom_outputs', default: optional() },
  ];
  declare choices: ChatChunkChoice[];
  declare usage: TokenUsageStats | null;
  declare id: string | null;
  declare model: string | null;
  declare object: string;
  declare created: number | bigint;
  declare custom_outputs: Record<string, unknown> | null;

  /** @throws {MlflowException} INVALID_PARAMETER_VALUE with MLflow's message. */
  constructor(init: ChatCompletionChunkInit) {
    super(init);
  }

  protected override postInit(): void {
    this.validateField('id', 'str', false);
    this.validateField('object', 'str', true);
    this.validateField('created', 'int', true);
    this.validateField('model', 'str', false);
    this.convertDataclassList('choices', ChatChunkChoice, true);
    this.convertDataclass('usage', TokenUsageStats, false);
  }
}
registerDataclass(ChatCompletionChunk);

// ---------------------------------------------------------------------------------------------
// zod schemas

/**
 * A zod schema whose parse is `type.fromDict(input)` (an instance passes as is): MLflow's rules
 * and messages, as a zod issue. Use `.parse` at a boundary that wants a `ZodError`, or the
 * class itself for an `MlflowException`.
 */
function dataclassSchema<T extends ChatDataclass>(type: { fromDict(data: unknown): T; readonly marker: symbol } & (abstract new (...args: never) => T)) {
  return z.unknown().transform((input, context): T => {
    if (input instanceof type) return input;
    try {
      return type.fromDict(input);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message, input });
      return z.NEVER;
    }
  });
}

/** Parses a message dict with MLflow's rules into a {@link ChatMessage}. */
export const chatMessageSchema = dataclassSchema(ChatMessage);
/** Parses a params dict with MLflow's rules into {@link ChatParams}. */
export const chatParamsSchema = dataclassSchema(ChatParams);
/** Parses a request dict with MLflow's rules into a {@link ChatCompletionRequest}. */
export const chatCompletionRequestSchema = dataclassSchema(ChatCompletionRequest);
/** Parses a response dict with MLflow's rules into a {@link ChatCompletionResponse}. */
export const chatCompletionResponseSchema = dataclassSchema(ChatCompletionResponse);
/** Parses a chunk dict with MLflow's rules into a {@link ChatCompletionChunk}. */
export const chatCompletionChunkSchema = dataclassSchema(ChatCompletionChunk);

/** A Python int: `bool` is one too (`max_tokens: true` passes MLflow's checks). */
const intValue = z.union([z.number().int(), z.bigint(), z.boolean()]);

/** The wire form of a tool call (`ToolCall.toDict()`). */
export const toolCallDictSchema = z.object({
  function: z.object({ name: z.string(), arguments: z.string() }),
  id: z.string(),
  type: z.string(),
});
/** The wire form of a message (`ChatMessage.toDict()`): `null` fields are absent. */
export const chatMessageDictSchema = z.object({
  role: z.string(),
  content: z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]).optional(),
  refusal: z.string().optional(),
  name: z.string().optional(),
  tool_calls: z.array(toolCallDictSchema).optional(),
  tool_call_id: z.string().optional(),
});
/** A message as it is written in a request (wire form). */
export type ChatMessageDict = z.infer<typeof chatMessageDictSchema>;

const tokenUsageDictSchema = z.object({
  prompt_tokens: intValue.optional(),
  completion_tokens: intValue.optional(),
  total_tokens: intValue.optional(),
});
const topTokenLogProbDictSchema = z.object({ token: z.string(), logprob: z.number(), bytes: z.array(intValue).optional() });
const logProbsDictSchema = z.object({
  content: z.array(topTokenLogProbDictSchema.extend({ top_logprobs: z.array(topTokenLogProbDictSchema) })).optional(),
});
/** The wire form of a response (`ChatCompletionResponse.toDict()`). */
export const chatCompletionResponseDictSchema = z.object({
  choices: z.array(z.object({
    message: chatMessageDictSchema,
    index: intValue,
    finish_reason: z.string(),
    logprobs: logProbsDictSchema.optional(),
  })),
  usage: tokenUsageDictSchema.optional(),
  id: z.string().optional(),
  model: z.string().optional(),
  object: z.string(),
  created: intValue,
  custom_outputs: z.record(z.string(), z.unknown()).optional(),
});
/** A response as a loaded chat model returns it (wire form). */
export type ChatCompletionResponseDict = z.infer<typeof chatCompletionResponseDictSchema>;

/** The wire form of a chunk (`ChatCompletionChunk.toDict()`). */
export const chatCompletionChunkDictSchema = z.object({
  choices: z.array(z.object({
    delta: z.object({
      role: z.string().optional(),
      content: z.string().optional(),
      refusal: z.string().optional(),
      name: z.string().optional(),
      tool_calls: z.array(toolCallDictSchema).optional(),
    }),
    index: intValue,
    finish_reason: z.string().optional(),
    logprobs: logProbsDictSchema.optional(),
  })),
  usage: tokenUsageDictSchema.optional(),
  id: z.string().optional(),
  model: z.string().optional(),
  object: z.string(),
  created: intValue,
  custom_outputs: z.record(z.string(), z.unknown()).optional(),
});
/** A chunk as a loaded chat model streams it (wire form). */
export type ChatCompletionChunkDict = z.infer<typeof chatCompletionChunkDictSchema>;

const paramPropertyDictSchema: z.ZodType<ParamPropertyDict> = z.lazy(() => z.object({
  type: z.enum(JSON_SCHEMA_TYPES),
  description: z.string().optional(),
  enum: z.array(z.string()).optional(),
  items: paramPropertyDictSchema.optional(),
}));
/** A tool parameter (wire form). */
export interface ParamPropertyDict {
  type: JsonSchemaType;
  description?: string | undefined;
  enum?: string[] | undefined;
  items?: ParamPropertyDict | undefined;
}
/** The wire form of a tool definition (`ToolDefinition.toDict()`). */
export const toolDefinitionDictSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string(),
    description: z.string().optional(),
    parameters: z.object({
      properties: z.record(z.string(), paramPropertyDictSchema),
      type: z.literal('object'),
      required: z.array(z.string()).optional(),
      additionalProperties: z.boolean().optional(),
    }).optional(),
    strict: z.boolean(),
  }),
});

/** The wire form of a request (`ChatCompletionRequest.toDict()`). */
export const chatCompletionRequestDictSchema = z.object({
  messages: z.array(chatMessageDictSchema),
  temperature: z.number(),
  max_tokens: intValue.optional(),
  stop: z.array(z.string()).optional(),
  n: intValue,
  stream: z.boolean(),
  top_p: z.number().optional(),
  top_k: intValue.optional(),
  frequency_penalty: z.number().optional(),
  presence_penalty: z.number().optional(),
  custom_inputs: z.record(z.string(), z.unknown()).optional(),
  tools: z.array(toolDefinitionDictSchema).optional(),
});
/** A chat request as a client sends it (wire form, after defaults). */
export type ChatCompletionRequestDict = z.infer<typeof chatCompletionRequestDictSchema>;
