/**
 * The chat branch of `saveModel` (runtime.md 8.4; MLflow's `save_model` for a `ChatModel`):
 * the fixed signature, the `agent/v1/chat` task, the input example MLflow would save, and the
 * check that `predict` on that example returns a `ChatCompletionResponse`.
 */
import {
  type InputExample,
  type Logger,
  MlflowException,
  type ModelSignature,
  isFloatSlot,
  isInputExampleWithParams,
  isPlainObject,
  markFloat,
  pyTruthy,
  pyTypeName,
  silentLogger,
  type PyValue,
} from '@pyfunc/format';
import type { PythonModelContext } from '../python-model.js';
import { isDataclassInstance } from './chat-dataclass.js';
import type { ChatModel } from './chat-model.js';
import { CHAT_MODEL_TASK, chatModelInputExample, chatModelSignature } from './chat-signature.js';
import { ChatCompletionResponse, ChatMessage, ChatParams } from './chat-types.js';

/** The loader a chat model's `js_function` flavor names (runtime.md 11.5). */
export const CHAT_MODEL_LOADER = '@pyfunc/runtime/loaders/chat-model';

/** MLflow's warning when a saved chat example carries params, or the default example is used. */
export const CHAT_PARAMS_WARNING_MESSAGE = 'Default values for temperature, n and stream in ChatParams will be ' +
  'removed in the next release. Specify them in the input example explicitly if needed.';

/** Options of {@link prepareChatModelSave}. */
export interface PrepareChatModelSaveOptions {
  /** The `signature` the author passed; any value is refused (chat signatures are fixed). */
  signature?: unknown;
  /** The author's example: a request dict, a list of messages, or either with params. */
  inputExample?: InputExample | Readonly<Record<string, unknown>> | readonly unknown[] | null;
  /** Metadata already on the model (`logModel`'s); its keys win over the default task. */
  metadata?: Record<string, unknown> | null;
  /** Receives MLflow's chat-params warning. */
  logger?: Logger;
}

/** What a chat model's save writes, and the check to run before writing it. */
export interface ChatModelSavePlan {
  /** The fixed chat signature (`CHAT_MODEL_INPUT_SCHEMA` / `CHAT_MODEL_OUTPUT_SCHEMA`). */
  signature: ModelSignature;
  /** The example dict to save (`input_example.json` / `serving_input_example.json`). */
  inputExample: Record<string, PyValue>;
  /** `{task: 'agent/v1/chat'}` under the existing metadata. */
  metadata: Record<string, unknown>;
  /** Chat models are always streamable. */
  streamable: true;
  /** The `js_function` loader of chat models. */
  loaderModule: string;
  /** The example's messages and params, as `validate` passes them to `predict`. */
  messages: ChatMessage[];
  params: ChatParams;
  /**
   * Predicts on the example (the model's `loadContext` must have run) and checks the answer.
   * @throws {MlflowException} INTERNAL_ERROR when `predict` returns anything but a
   * `ChatCompletionResponse`; what `predict` throws passes through.
   */
  validate(context: PythonModelContext): Promise<void>;
}

function invalid(message: string): never {
  throw new MlflowException('INVALID_PARAMETER_VALUE', message);
}

function messageFrom(value: unknown): ChatMessage {
  return isDataclassInstance(value, ChatMessage) ? value : ChatMessage.fromDict(value);
}

function toMessageDict(value: unknown): Record<string, unknown> {
  if (!isDataclassInstance(value, ChatMessage)) invalid(`'${pyTypeName(value)}' object has no attribute 'to_dict'`);
  return value.toDict();
}

function copyEntry(from: object, key: string, to: Record<string, unknown>): void {
  const value = (from as Record<string, unknown>)[key];
  to[key] = value;
  if (typeof value === 'number' && isFloatSlot(from, key)) markFloat(to, key);
}

/**
 * Prepares the save of a {@link ChatModel} as MLflow does, without writing anything.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE when a signature is given, or the example's
 * messages or params break MLflow's chat rules (MLflow's messages).
 */
export function prepareChatModelSave(model: ChatModel, options: PrepareChatModelSaveOptions = {}): ChatModelSavePlan {
  const logger = options.logger ?? silentLogger;
  if (options.signature !== undefined && options.signature !== null && options.signature !== false) {
    invalid('ChatModel subclasses have a standard signature that is set automatically. Please remove the ' +
      '`signature` parameter from the call to log_model() or save_model().');
  }
  const metadata: Record<string, unknown> = { task: CHAT_MODEL_TASK, ...(options.metadata ?? {}) };

  let example: Record<string, unknown>;
  let messages: ChatMessage[];
  const given = options.inputExample;
  if (given !== undefined && given !== null && pyTruthy(given)) {
    const [data, exampleParams] = isInputExampleWithParams(given)
      ? [given[0] as unknown, given[1] as Record<string, unknown>]
      : [given as unknown, undefined];
    const validParams: Record<string, unknown> = {};
    let messageDicts: Record<string, unknown>[];
    if (Array.isArray(data)) {
      messages = data.map(messageFrom);
      messageDicts = messages.map((message) => message.toDict());
    } else if (isPlainObject(data)) {
      if (!Object.hasOwn(data, 'messages')) invalid("'messages'");
      if (!Array.isArray(data.messages)) {
        invalid(`Expected the input example's \`messages\` to be a list, got ${pyTypeName(data.messages, data, 'messages')}`);
      }
      const items = data.messages.map((item: unknown) => (isPlainObject(item) ? ChatMessage.fromDict(item) : item));
      messageDicts = items.map(toMessageDict);
      messages = items as ChatMessage[];
      const chatKeys = ChatParams.keys();
      for (const key of Object.keys(data)) {
        if (key !== 'messages' && chatKeys.has(key)) copyEntry(data, key, validParams);
      }
    } else {
      invalid(`A ChatModel input example must be a request dict or a list of messages, got ${pyTypeName(data)}`);
    }
    if (Object.keys(validParams).length > 0 || (exampleParams !== undefined && pyTruthy(exampleParams))) {
      logger.warn({}, CHAT_PARAMS_WARNING_MESSAGE);
    }
    example = { messages: messageDicts };
    for (const key of Object.keys(validParams)) copyEntry(validParams, key, example);
    if (exampleParams !== undefined && isPlainObject(exampleParams)) {
      for (const key of Object.keys(exampleParams)) copyEntry(exampleParams, key, example);
    }
  } else {
    example = chatModelInputExample();
    logger.warn({}, CHAT_PARAMS_WARNING_MESSAGE);
    messages = (example.messages as unknown[]).map((message) => ChatMessage.fromDict(message));
  }
  const params = ChatParams.fromDict(example);

  return {
    signature: chatModelSignature(),
    inputExample: example as Record<string, PyValue>,
    metadata,
    streamable: true,
    loaderModule: CHAT_MODEL_LOADER,
    messages,
    params,
    async validate(context: PythonModelContext): Promise<void> {
      const output: unknown = await model.predict(context, messages, params);
      if (!isDataclassInstance(output, ChatCompletionResponse)) {
        throw new MlflowException('INTERNAL_ERROR', "Failed to save ChatModel. Please ensure that the model's predict() " +
          'method returns a ChatCompletionResponse object. If your predict() method currently returns a dict, you can ' +
          'instantiate a ChatCompletionResponse using `from_dict()`, e.g. `ChatCompletionResponse.from_dict(output)`');
      }
    },
  };
}
