/**
 * `ChatModel`: a `PythonModel` whose `predict` takes chat messages and params and answers with a
 * `ChatCompletionResponse` (runtime.md 8.1; MLflow's `mlflow.pyfunc.ChatModel`). Saving one
 * gives the fixed chat signature, an input example and the `agent/v1/chat` task; loading one
 * turns request dicts into messages and params and responses back into dicts.
 */
import { PythonModel, type PythonModelContext } from '../python-model.js';
import type { ChatCompletionChunk, ChatCompletionResponse, ChatMessage, ChatParams } from './chat-types.js';

const chatModelMarker = Symbol.for('pyfunc.ChatModel');

/**
 * Base class of chat models. Implement `predict(context, messages, params)`; implement
 * `predictStream` to stream `ChatCompletionChunk`s. A chat model is always saved streamable, as
 * MLflow does; calling `predictStream` on one that lacks it fails with NOT_IMPLEMENTED.
 *
 * @deprecated MLflow 3.0 deprecates `ChatModel` in favour of `ResponsesAgent`; models keep
 * loading and serving as before.
 */
export abstract class ChatModel extends PythonModel<ChatMessage[], ChatCompletionResponse, ChatParams> {
  /** Answers a conversation. `params` holds the request's chat params (defaults applied). */
  abstract override predict(
    context: PythonModelContext,
    messages: ChatMessage[],
    params: ChatParams,
  ): ChatCompletionResponse | Promise<ChatCompletionResponse>;

  /** Streams the answer as chunks. */
  override predictStream?(
    context: PythonModelContext,
    messages: ChatMessage[],
    params: ChatParams,
  ): AsyncIterable<ChatCompletionChunk> | Iterable<ChatCompletionChunk>;
}
Object.defineProperty(ChatModel.prototype, chatModelMarker, { value: true });

/** True when `value` is a {@link ChatModel} (also across copies of this package). */
export function isChatModel(value: unknown): value is ChatModel {
  if (value instanceof ChatModel) return true;
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[chatModelMarker] === true;
}
