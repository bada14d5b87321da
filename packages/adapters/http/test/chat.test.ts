/**
 * Chat models: `/invocations` with the unified LLM body (unwrapped answer, as MLflow), and the
 * OpenAI-compatible `/v1/chat/completions`, driven by the `openai` npm client, streaming included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '@pyfunc/runtime';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ScoringServer } from '../src/index.js';
import { EchoChat } from './helpers/echo-chat-model.js';

describe('a TypeScript ChatModel behind the server', () => {
  const root = mkdtempSync(join(tmpdir(), 'pyfunc-http-chat-'));
  let server: ScoringServer;
  let client: OpenAI;

  beforeAll(async () => {
    await saveModel(join(root, 'chat'), { pythonModel: new EchoChat() });
    server = await serve(await loadModel(join(root, 'chat')), { port: 0, handleSignals: false });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers /invocations unwrapped, as MLflow does for chat bodies', async () => {
    const response = await fetch(`${server.url}/invocations`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi there' }], temperature: 0.5 }),
    });
    expect(response.status).toBe(200);
    const body = await response.json() as Record<string, any>;
    expect(body.predictions).toBeUndefined();
    expect(body.choices[0].message).toEqual({ role: 'assistant', content: 'echo: hi there' });
    expect(body.custom_outputs).toEqual({ temperature: 0.5 });
  });

  it('serves chat.completions.create through the openai client', async () => {
    const completion = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'hello world' }], temperature: 0.2 });
    expect(completion.choices[0]!.message.content).toBe('echo: hello world');
    expect(completion.usage?.total_tokens).toBe(2);
  });

  it('streams with stream: true as server-sent events the openai client reads', async () => {
    const stream = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'one two three' }], stream: true });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('one two three');
    expect(finish).toBe('stop');
  });

  it('refuses a body without messages with an OpenAI-readable error', async () => {
    await expect(client.chat.completions.create({ model: 'echo', messages: 'nope' as never })).rejects.toMatchObject({ status: 400 });
  });
});
