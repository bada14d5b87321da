/**
 * What a ChatModel save writes, against real MLflow saving the same trivial ChatModel: the
 * MLmodel signature (the exact JSON strings), `metadata.task`, and the input example files
 * byte for byte, for the default example and for authored ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlflowException, encodeInputExample, markFloat, withParams, type InputExample, type Logger } from '@pyfunc/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTagged, oracleLines, runOracle, type OracleResult } from '../../../test/oracle/src/index.js';
import { ChatModel, CHAT_PARAMS_WARNING_MESSAGE, chatModelSignature, prepareChatModelSave } from '../src/chat/index.js';
import { EchoChatModel } from './chat-echo-model.js';

const dictExample = decodeTagged({
  messages: [{ role: 'system', content: "You're terse." }, { role: 'user', content: 'Hi', name: 'bob', extra: 1 }],
  temperature: { $float: '0.5' }, max_tokens: 20, stream: true, not_a_param: 'dropped',
}) as Record<string, unknown>;
const listExample = [{ role: 'user', content: 'Weather?' }, { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }] }];
const pairParams: Record<string, unknown> = { temperature: 0.25, n: 2 };

interface SaveCase { name: string; oracle: Record<string, unknown>; example?: InputExample | Record<string, unknown> }
const saveCases: SaveCase[] = [
  { name: 'no example (the default)', oracle: {} },
  { name: 'a request dict with unknown keys', oracle: { input_example: dictExample }, example: dictExample },
  { name: 'a list of messages with params', oracle: { input_example: listExample, example_params: pairParams }, example: withParams(listExample, pairParams) },
];

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger = { warnings, debug() {}, info() {}, warn(_fields: object, message: string) { warnings.push(message); }, child: () => logger };
  return logger;
}

describe.each(oracleLines)('ChatModel save against MLflow %s', (line) => {
  let root: string;
  let answers: OracleResult[];
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `chat-save-${line}-`));
    answers = await runOracle(line, 'chat.save', [
      ...saveCases.map((c, index) => ({ path: join(root, `m${index}`), ...c.oracle })),
      { path: join(root, 'refused'), signature: chatModelSignature().toDict() },
    ]);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(saveCases.map((c, index) => [c.name, index] as const))('writes what MLflow writes for %s', async (_name, index) => {
    const theirs = answers[index]!;
    expect(theirs.error).toBeUndefined();
    const saved = theirs.ok as { signature: Record<string, unknown>; metadata: Record<string, unknown>; files: Record<string, string>;
      saved_input_example_info: Record<string, unknown>; flavor: Record<string, unknown> };
    const logger = recordingLogger();
    const plan = prepareChatModelSave(new EchoChatModel(), { inputExample: saveCases[index]!.example, logger });
    await plan.validate({ artifacts: {}, modelConfig: {} });
    expect(plan.signature.toDict()).toEqual(saved.signature); // the exact JSON strings
    expect(plan.metadata).toEqual(saved.metadata);
    expect(plan.metadata).toEqual({ task: 'agent/v1/chat' });
    expect(plan.streamable).toBe(saved.flavor.streamable);
    const encoded = encodeInputExample(plan.inputExample);
    expect(encoded.inputExampleJson).toBe(saved.files['input_example.json']);
    expect(encoded.servingInputExampleJson).toBe(saved.files['serving_input_example.json']);
    expect(encoded.info).toEqual(saved.saved_input_example_info);
    expect(logger.warnings).toEqual([CHAT_PARAMS_WARNING_MESSAGE]);
  });

  it('refuses an explicit signature with MLflow\'s message and code', () => {
    const theirs = answers[saveCases.length]!;
    expect(theirs.error?.code).toBe('INVALID_PARAMETER_VALUE');
    let mine: unknown;
    try {
      prepareChatModelSave(new EchoChatModel(), { signature: chatModelSignature() });
    } catch (error) {
      mine = error;
    }
    expect(MlflowException.isInstance(mine)).toBe(true);
    expect((mine as MlflowException).errorCode).toBe(theirs.error!.code);
    expect((mine as MlflowException).message).toBe(theirs.error!.message);
  });
});

describe('ChatModel save checks (no oracle)', () => {
  it('fails with MLflow\'s INTERNAL_ERROR when predict returns a plain dict', async () => {
    class DictModel extends ChatModel {
      override predict() {
        return { choices: [] } as never;
      }
    }
    const plan = prepareChatModelSave(new DictModel());
    await expect(plan.validate({ artifacts: {}, modelConfig: {} })).rejects.toMatchObject({
      errorCode: 'INTERNAL_ERROR',
      message: expect.stringContaining('Failed to save ChatModel. Please ensure that the model\'s predict() method returns a ChatCompletionResponse object.'),
    });
  });

  it('refuses an example whose params break ChatParams (an int temperature), as MLflow does', () => {
    expect(() => prepareChatModelSave(new EchoChatModel(), { inputExample: { messages: [{ role: 'user', content: 'x' }], temperature: 1 } }))
      .toThrow('`temperature` must be of type float, got int');
    const ok: Record<string, unknown> = { messages: [{ role: 'user', content: 'x' }], temperature: 1 };
    markFloat(ok, 'temperature');
    expect(prepareChatModelSave(new EchoChatModel(), { inputExample: ok }).params.temperature).toBe(1);
  });

  it('refuses a message without a role in the example', () => {
    expect(() => prepareChatModelSave(new EchoChatModel(), { inputExample: [{ content: 'x' }] }))
      .toThrow("ChatMessage.__init__() missing 1 required positional argument: 'role'");
  });

  it('keeps existing metadata keys over the default task', () => {
    const plan = prepareChatModelSave(new EchoChatModel(), { metadata: { task: null, owner: 'me' } });
    expect(plan.metadata).toEqual({ task: null, owner: 'me' });
  });
});
