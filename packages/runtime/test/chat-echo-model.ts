/** The TypeScript twin of the oracle's `_EchoChatModel` (test/oracle/ops_chat.py). */
import type { PythonModelContext } from '../src/python-model.js';
import {
  ChatChoice,
  ChatChoiceDelta,
  ChatChunkChoice,
  ChatCompletionChunk,
  ChatCompletionResponse,
  ChatMessage,
  ChatModel,
  type ChatParams,
  TokenUsageStats,
} from '../src/chat/index.js';

export class EchoChatModel extends ChatModel {
  override predict(_context: PythonModelContext, messages: ChatMessage[], params: ChatParams): ChatCompletionResponse {
    const last = messages.at(-1)?.content ?? null;
    return new ChatCompletionResponse({
      choices: [new ChatChoice({ message: new ChatMessage({ role: 'assistant', content: last === null ? 'None' : String(last) }) })],
      usage: new TokenUsageStats({ prompt_tokens: messages.length, completion_tokens: 1, total_tokens: messages.length + 1 }),
      id: 'echo-1',
      model: 'echo',
      created: 1700000000,
      custom_outputs: { messages: messages.map((message) => message.toDict()), params: params.toDict() },
    });
  }

  override async *predictStream(_context: PythonModelContext, messages: ChatMessage[], params: ChatParams): AsyncGenerator<ChatCompletionChunk> {
    for (const [index, message] of messages.entries()) {
      yield new ChatCompletionChunk({
        choices: [new ChatChunkChoice({ delta: new ChatChoiceDelta({ content: message.content as string | null }), index: 0 })],
        id: `chunk-${index}`,
        model: 'echo',
        created: 1700000000,
      });
    }
    yield new ChatCompletionChunk({
      choices: [new ChatChunkChoice({ delta: new ChatChoiceDelta({ role: null, content: null }), finish_reason: 'stop' })],
      id: 'chunk-end',
      model: 'echo',
      created: 1700000000,
      custom_outputs: { params: params.toDict() },
    });
  }
}
