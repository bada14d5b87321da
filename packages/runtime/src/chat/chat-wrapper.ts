/**
 * What a loaded chat model does around the author's `predict` / `predictStream` (runtime.md
 * 8.5, 8.6; MLflow's `_ChatModelPyfuncWrapper`): the request (a dict, or the one-row frame
 * schema enforcement makes of it) becomes `ChatMessage`s and `ChatParams`, and the answer must
 * be a `ChatCompletionResponse` (each streamed item a `ChatCompletionChunk`), returned as its
 * `toDict()`.
 */
import { Frame, MlflowException, isFloatSlot, isPlainObject, markFloat, pyClass, pyTypeName } from '@pyfunc/format';
import type { PythonModelContext } from '../python-model.js';
import type { ChatModel } from './chat-model.js';
import { isDataclassInstance } from './chat-dataclass.js';
import { ChatCompletionChunk, ChatCompletionResponse, ChatMessage, ChatParams } from './chat-types.js';

/** The messages and params a chat request turns into. */
export interface ChatInput {
  messages: ChatMessage[];
  params: ChatParams;
}

/** MLflow's text when a chat model has no stream implementation. */
export const STREAM_NOT_IMPLEMENTED_MESSAGE = 'Streaming implementation not provided. Please override the ' +
  '`predict_stream` method on your model to generate streaming predictions';

/** A value as Python iterates it (`for m in value`), for the request's `messages`. */
function iterateLikePython(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (value instanceof Map) return [...value.keys()];
  if (isPlainObject(value)) return Object.keys(value);
  throw new MlflowException('INVALID_PARAMETER_VALUE', `'${pyTypeName(value)}' object is not iterable`);
}

/** A shallow copy of a dict's entries, float marks kept. */
function copyDict(source: object): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  const entries: [unknown, unknown][] = source instanceof Map ? [...(source as Map<unknown, unknown>)] : Object.entries(source);
  for (const [key, value] of entries) {
    const name = String(key);
    copy[name] = value;
    if (typeof value === 'number' && !(source instanceof Map) && isFloatSlot(source, name)) markFloat(copy, name);
  }
  return copy;
}

/**
 * MLflow's `_convert_input`: a dict as is, a frame as its first row; `messages` (default `[]`)
 * become `ChatMessage`s, every other key goes to `ChatParams.fromDict` (unknown keys ignored).
 * @throws {MlflowException} INTERNAL_ERROR for an input that is neither a dict nor a frame;
 * INVALID_PARAMETER_VALUE for a malformed message or params (MLflow's messages).
 */
export function convertChatInput(modelInput: unknown): ChatInput {
  let dictInput: Record<string, unknown>;
  if (isPlainObject(modelInput) || modelInput instanceof Map) {
    dictInput = copyDict(modelInput);
  } else if (modelInput instanceof Frame) {
    const first = modelInput.toRecords()[0];
    if (first === undefined) throw new MlflowException('INVALID_PARAMETER_VALUE', 'index 0 is out of bounds for axis 0 with size 0');
    dictInput = first;
  } else {
    throw new MlflowException('INTERNAL_ERROR', 'Unsupported model input type. Expected a dict or pandas.DataFrame, ' +
      `but got ${pyClass(modelInput)} instead.`);
  }
  const rawMessages = Object.hasOwn(dictInput, 'messages') ? dictInput.messages : [];
  delete dictInput.messages;
  const messages = iterateLikePython(rawMessages).map((message) => ChatMessage.fromDict(message));
  const params = ChatParams.fromDict(dictInput);
  return { messages, params };
}

/**
 * MLflow's `_response_to_dict`.
 * @throws {MlflowException} INTERNAL_ERROR when `response` is not a `ChatCompletionResponse`.
 */
export function chatResponseToDict(response: unknown): Record<string, unknown> {
  if (!isDataclassInstance(response, ChatCompletionResponse)) {
    throw new MlflowException('INTERNAL_ERROR', 'Model returned an invalid response. Expected a ChatCompletionResponse, ' +
      `but got ${pyClass(response)} instead.`);
  }
  return response.toDict();
}

/**
 * MLflow's `_streaming_response_to_dict`.
 * @throws {MlflowException} INTERNAL_ERROR when `chunk` is not a `ChatCompletionChunk`.
 */
export function chatChunkToDict(chunk: unknown): Record<string, unknown> {
  if (!isDataclassInstance(chunk, ChatCompletionChunk)) {
    throw new MlflowException('INTERNAL_ERROR', 'Model returned an invalid response. Expected a ChatCompletionChunk, ' +
      `but got ${pyClass(chunk)} instead.`);
  }
  return chunk.toDict();
}

/** A loaded chat model: request dicts in, response dicts out. */
export class ChatModelPyfuncWrapper {
  /**
   * @param chatModel the author's model (its `loadContext` already called)
   * @param context what the model sees: artifacts and model config
   */
  constructor(
    readonly chatModel: ChatModel,
    readonly context: PythonModelContext,
  ) {}

  /** The author's model object. */
  getRawModel(): ChatModel {
    return this.chatModel;
  }

  /**
   * Answers one chat request. `params` is not used: chat params travel inside the request.
   * @throws {MlflowException} as {@link convertChatInput} and {@link chatResponseToDict}; what
   * the model's `predict` throws passes through.
   */
  async predict(modelInput: unknown, _params?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { messages, params } = convertChatInput(modelInput);
    const response: unknown = await this.chatModel.predict(this.context, messages, params);
    return chatResponseToDict(response);
  }

  /**
   * Streams the answer to one chat request as chunk dicts. Lazy: nothing runs before the first
   * `next()`.
   * @throws {MlflowException} NOT_IMPLEMENTED when the model has no `predictStream`; as
   * {@link convertChatInput} and {@link chatChunkToDict}.
   */
  async *predictStream(modelInput: unknown, _params?: Record<string, unknown>): AsyncGenerator<Record<string, unknown>, void, undefined> {
    const { messages, params } = convertChatInput(modelInput);
    if (typeof this.chatModel.predictStream !== 'function') {
      throw new MlflowException('NOT_IMPLEMENTED', STREAM_NOT_IMPLEMENTED_MESSAGE);
    }
    const stream = this.chatModel.predictStream(this.context, messages, params);
    for await (const chunk of stream as AsyncIterable<unknown>) yield chatChunkToDict(chunk);
  }
}
