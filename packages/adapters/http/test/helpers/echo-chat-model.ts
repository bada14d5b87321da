/** A trivial TypeScript ChatModel for the chat tests: echoes the last message, streams word by word. */
import {
  ChatChoice,
  ChatChoiceDelta,
  ChatChunkChoice,
  ChatCompletionChunk,
  ChatCompletionResponse,
  ChatMessage,
  ChatModel,
  TokenUsageStats,
  type ChatParams,
  type PythonModelContext,
} from '@pyfunc/runtime';

export class EchoChat extends ChatModel {
  static moduleUrl = import.meta.url;

  override predict(_context: PythonModelContext, messages: ChatMessage[], params: ChatParams): ChatCompletionResponse {
    const last = String(messages.at(-1)?.content ?? '');
    return new ChatCompletionResponse({
      choices: [new ChatChoice({ message: new ChatMessage({ role: 'assistant', content: `echo: ${last}` }), finish_reason: 'stop' })],
      usage: new TokenUsageStats({ prompt_tokens: messages.length, completion_tokens: 1, total_tokens: messages.length + 1 }),
      id: 'echo-1', model: 'echo', created: 1700000000,
      custom_outputs: { temperature: params.temperature ?? null },
    });
  }

  override async *predictStream(_context: PythonModelContext, messages: ChatMessage[]): AsyncGenerator<ChatCompletionChunk> {
    const words = String(messages.at(-1)?.content ?? '').split(' ');
    for (const [index, word] of words.entries()) {
      yield new ChatCompletionChunk({
        choices: [new ChatChunkChoice({ delta: new ChatChoiceDelta({ role: 'assistant', content: index === 0 ? word : ` ${word}` }), index: 0 })],
        id: 'echo-stream', model: 'echo', created: 1700000000,
      });
    }
    yield new ChatCompletionChunk({
      choices: [new ChatChunkChoice({ delta: new ChatChoiceDelta({ role: null, content: null }), index: 0, finish_reason: 'stop' })],
      id: 'echo-stream', model: 'echo', created: 1700000000,
    });
  }
}
