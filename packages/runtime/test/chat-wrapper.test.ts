/** The chat wrapper, hooks and types with a small echo model: no network, no Python. */
import { Frame, MlflowException, markFloat } from '@pyfunc/format';
import { describe, expect, it } from 'vitest';
import {
  ChatCompletionResponse,
  ChatMessage,
  ChatModel,
  ChatModelPyfuncWrapper,
  ChatParams,
  STREAM_NOT_IMPLEMENTED_MESSAGE,
  chatModelAdapter,
  chatModelSaveHook,
  convertChatInput,
  isChatModel,
} from '../src/chat/index.js';
import { PythonModel } from '../src/python-model.js';
import { EchoChatModel } from './chat-echo-model.js';

const context = { artifacts: {}, modelConfig: {} };

function request(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { messages: [{ role: 'user', content: 'Hello!' }], ...extra };
}

describe('ChatModelPyfuncWrapper', () => {
  const wrapper = new ChatModelPyfuncWrapper(new EchoChatModel(), context);

  it('turns a request dict into messages and defaulted params, and the response into a dict', async () => {
    const output = await wrapper.predict(request({ max_tokens: 5, unknown: 'ignored' }));
    expect(output).toEqual({
      choices: [{ message: { role: 'assistant', content: 'Hello!' }, index: 0, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      id: 'echo-1', model: 'echo', object: 'chat.completion', created: 1700000000,
      custom_outputs: { messages: [{ role: 'user', content: 'Hello!' }], params: { temperature: 1, max_tokens: 5, n: 1, stream: false } },
    });
  });

  it('takes the first row of an enforced frame, floats included', async () => {
    const frame = Frame.fromRecords([{ messages: [{ role: 'user', content: 'From a frame' }], temperature: 0.5 }]);
    const { messages, params } = convertChatInput(frame);
    expect(messages.map((m) => m.content)).toEqual(['From a frame']);
    expect(params.temperature).toBe(0.5);
  });

  it('does not mutate the caller\'s dict (MLflow pops `messages` from it)', async () => {
    const input = request();
    await wrapper.predict(input);
    expect(Object.keys(input)).toEqual(['messages']);
  });

  it('refuses malformed messages with MLflow\'s messages and INVALID_PARAMETER_VALUE', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ messages: [{ role: 'user' }] }, '`content` is required'],
      [{ messages: [{ role: 'assistant', content: 'a', refusal: 'b' }] }, 'Both `content` and `refusal` cannot be set'],
      [{ messages: [{ role: 1, content: 'a' }] }, '`role` must be of type str, got int'],
      [{ messages: [{ role: 'tool', tool_calls: [{ id: 'c' }] }] },
        "Error when coercing [{'id': 'c'}] to ToolCall: ToolCall.__init__() missing 1 required positional argument: 'function'"],
      [request({ temperature: 2 }), '`temperature` must be of type float, got int'],
      [request({ stop: 'x' }), '`stop` must be a list, got str'],
      [request({ custom_inputs: ['a'] }), 'Expected `custom_inputs` to be a dictionary, received `list`'],
      [request({ tools: [{ type: 'retrieval', function: { name: 'f' } }] }),
        "`type` must be one of ['function'], got retrieval"],
    ];
    for (const [input, message] of cases) {
      await expect(wrapper.predict(input)).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message });
    }
  });

  it('refuses inputs that are neither dicts nor frames with INTERNAL_ERROR', async () => {
    await expect(wrapper.predict([1, 2])).rejects.toMatchObject({
      errorCode: 'INTERNAL_ERROR',
      message: "Unsupported model input type. Expected a dict or pandas.DataFrame, but got <class 'list'> instead.",
    });
  });

  it('refuses a response that is not a ChatCompletionResponse', async () => {
    class Bad extends ChatModel {
      override predict() {
        return { choices: [] } as unknown as ChatCompletionResponse;
      }
    }
    await expect(new ChatModelPyfuncWrapper(new Bad(), context).predict(request())).rejects.toMatchObject({
      errorCode: 'INTERNAL_ERROR',
      message: "Model returned an invalid response. Expected a ChatCompletionResponse, but got <class 'dict'> instead.",
    });
  });

  it('streams chunk dicts lazily and ends with an empty delta', async () => {
    const stream = wrapper.predictStream(request({ messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }));
    const chunks: Record<string, unknown>[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => (c.choices as { delta: unknown }[])[0]!.delta)).toEqual([
      { role: 'assistant', content: 'a' }, { role: 'assistant', content: 'b' }, {}]);
    expect(chunks[0]!.object).toBe('chat.completion.chunk');
    // lazy: a bad request fails at the first next(), not when the stream is made
    const bad = wrapper.predictStream(42);
    await expect(bad.next()).rejects.toMatchObject({ errorCode: 'INTERNAL_ERROR' });
  });

  it('fails with NOT_IMPLEMENTED when the model does not stream', async () => {
    class NoStream extends ChatModel {
      override predict(_c: unknown, messages: ChatMessage[]) {
        return new ChatCompletionResponse({ choices: [{ message: messages[0]! }] });
      }
    }
    const stream = new ChatModelPyfuncWrapper(new NoStream(), context).predictStream(request());
    await expect(stream.next()).rejects.toMatchObject({ errorCode: 'NOT_IMPLEMENTED', message: STREAM_NOT_IMPLEMENTED_MESSAGE });
  });

  it('passes errors thrown by predict through', async () => {
    class Throws extends ChatModel {
      override predict(): ChatCompletionResponse {
        throw new MlflowException('BAD_REQUEST', 'no thanks');
      }
    }
    await expect(new ChatModelPyfuncWrapper(new Throws(), context).predict(request())).rejects.toMatchObject({ errorCode: 'BAD_REQUEST' });
  });
});

describe('chat types', () => {
  it('apply MLflow\'s defaults, keep floats and drop nulls in toDict', () => {
    const params = new ChatParams();
    expect(params.toDict()).toEqual({ temperature: 1, n: 1, stream: false });
    const response = new ChatCompletionResponse({ choices: [{ message: { role: 'assistant', content: 'hi' } }] });
    expect(response.object).toBe('chat.completion');
    expect(Math.abs(Number(response.created) - Date.now() / 1000)).toBeLessThan(5);
    expect(response.choices[0]).toBeInstanceOf(Object);
    expect(response.toDict().choices).toEqual([{ message: { role: 'assistant', content: 'hi' }, index: 0, finish_reason: 'stop' }]);
  });

  it('check custom_inputs keys like MLflow (a Map can carry a non-string key)', () => {
    expect(() => new ChatParams({ custom_inputs: new Map([[1, 'a']]) as never }))
      .toThrow('Expected `custom_inputs` to be of type `Dict[str, Any]`, received key of type `int` (key: 1)');
  });

  it('accept a float marked on an integral value and refuse a plain int', () => {
    const init: Record<string, unknown> = { temperature: 1 };
    expect(() => ChatParams.fromDict(init)).toThrow('`temperature` must be of type float, got int');
    markFloat(init, 'temperature');
    expect(ChatParams.fromDict(init).temperature).toBe(1);
  });
});

describe('chat hooks', () => {
  it('recognise chat models, not other PythonModels', () => {
    class Plain extends PythonModel {
      override predict() {
        return 1;
      }
    }
    expect(isChatModel(new EchoChatModel())).toBe(true);
    expect(isChatModel(new Plain())).toBe(false);
    expect(chatModelSaveHook.matches(new EchoChatModel())).toBe(true);
    expect(chatModelAdapter(new Plain(), context, {})).toBeUndefined();
  });

  it('the load adapter predicts and streams through the wrapper', async () => {
    const loaded = chatModelAdapter(new EchoChatModel(), context, {})!;
    expect(await loaded.doPredict(request(), undefined)).toMatchObject({ id: 'echo-1' });
    const chunks: unknown[] = [];
    for await (const chunk of loaded.doPredictStream!(request(), undefined)) chunks.push(chunk);
    expect(chunks).toHaveLength(2);
    expect(loaded.getRawModel!()).toBeInstanceOf(EchoChatModel);
  });

  it('the save hook returns the chat signature, example, task and loader', async () => {
    const prepared = await chatModelSaveHook.prepare(new EchoChatModel(), {}, context);
    expect(prepared.metadata).toEqual({ task: 'agent/v1/chat' });
    expect(prepared.signature?.inputs?.inputNames()).toContain('messages');
    expect(prepared.inputExample).toMatchObject({ messages: [{ role: 'user', content: 'Hello!' }], max_tokens: 10 });
    expect(prepared.loaderModule).toBe('@pyfunc/runtime/loaders/chat-model');
  });
});
