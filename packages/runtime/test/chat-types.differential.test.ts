/**
 * The chat types against MLflow's `mlflow.types.llm` dataclasses: generated valid and broken
 * dicts go through `X.from_dict(d).to_dict()` in real MLflow and through ours; both must accept
 * or refuse alike, with the same message, and accepted ones must give the same dict (floats
 * and ints told apart).
 */
import { MlflowException } from '@pyfunc/format';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeTagged, encodeTagged, oracleLines, runOracle, type OracleResult } from '../../../test/oracle/src/index.js';
import {
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatCompletionResponse,
  ChatMessage,
  ChatParams,
  ToolDefinition,
  chatCompletionChunkDictSchema,
  chatCompletionRequestDictSchema,
  chatCompletionRequestSchema,
  chatCompletionResponseDictSchema,
} from '../src/chat/index.js';
import { ChatCaseGenerator, type ChatCase } from './chat-cases.js';

const types = { ChatCompletionRequest, ChatMessage, ChatCompletionResponse, ChatCompletionChunk, ChatParams, ToolDefinition } as const;

const generator = new ChatCaseGenerator(20260511);
const cases: ChatCase[] = [
  ...generator.cases('ChatCompletionRequest', 160, () => generator.request()),
  ...generator.cases('ChatMessage', 60, () => generator.message()),
  ...generator.cases('ToolDefinition', 30, () => generator.tool()),
  ...generator.cases('ChatCompletionResponse', 50, () => generator.response()),
  ...generator.cases('ChatCompletionChunk', 30, () => generator.chunk()),
  // hand-picked: spec 8.2's rules
  { type: 'ChatParams', data: { temperature: 1 }, v3Only: false },
  { type: 'ChatParams', data: { n: true }, v3Only: false },
  { type: 'ChatMessage', data: { role: 'assistant', refusal: 'no', content: 'yes' }, v3Only: false },
  { type: 'ChatMessage', data: { role: 'assistant', tool_calls: [{ function: { name: 'f', arguments: '{}' }, id: 'c1' }] }, v3Only: false },
  { type: 'ChatMessage', data: { content: 'no role' }, v3Only: false },
  { type: 'ChatMessage', data: 'not a dict', v3Only: false },
  { type: 'ChatCompletionRequest', data: { messages: [{ role: 'user', content: 'x', tool_calls: [{ id: 'c' }] }] }, v3Only: false },
  { type: 'ChatCompletionRequest', data: { messages: [{ role: 'tool', tool_calls: [{ function: {} , id: 'c' }] }] }, v3Only: false },
];

/** Ours, in the oracle's answer form. */
function ours(testCase: ChatCase): OracleResult {
  const data = decodeTagged(testCase.data);
  try {
    const type = types[testCase.type as keyof typeof types] as unknown as { fromDict(value: unknown): { toDict(): unknown } };
    return { ok: type.fromDict(data).toDict() as never };
  } catch (error) {
    if (!MlflowException.isInstance(error)) throw error;
    return { error: { type: error.errorCode, message: error.message, code: error.errorCode } };
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Tagged form (floats visible) with random tool-call ids replaced. */
function comparable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(encodeTagged(value)), (_key, item: unknown) =>
    typeof item === 'string' && uuidPattern.test(item) ? '<uuid>' : item);
}

describe.each(oracleLines)('chat types against MLflow %s', (line) => {
  let answers: OracleResult[];
  beforeAll(async () => {
    answers = await runOracle(line, 'chat.from_dict', cases.map((c) => ({ type: c.type, data: decodeTagged(c.data) })));
  });

  it(`accepts and refuses like ${cases.length} MLflow from_dict calls, with the same dicts and messages`, () => {
    const mismatches: string[] = [];
    let accepted = 0;
    let refused = 0;
    let expectedDivergences = 0;
    cases.forEach((testCase, index) => {
      const theirs = answers[index]!;
      const mine = ours(testCase);
      if (theirs.error === undefined) accepted += 1;
      else refused += 1;
      const same = theirs.error === undefined
        ? mine.error === undefined && JSON.stringify(comparable(mine.ok)) === JSON.stringify(comparable(theirs.ok))
        : mine.error !== undefined && mine.error.message === theirs.error.message;
      if (same) return;
      if (line === '2' && testCase.v3Only) {
        expectedDivergences += 1; // 2.x refuses list content / drops nested items; we follow 3.x
        return;
      }
      mismatches.push(`${testCase.type} ${JSON.stringify(testCase.data)}\n  mlflow: ${JSON.stringify(theirs.error ?? comparable(theirs.ok))}\n  ours:   ${JSON.stringify(mine.error ?? comparable(mine.ok))}`);
    });
    expect(mismatches).toEqual([]);
    // the generator must exercise both sides
    expect(accepted).toBeGreaterThan(60);
    expect(refused).toBeGreaterThan(60);
    // 2.x refuses multimodal content and drops nested tool-parameter items; 3.x and we do not
    if (line === '3') expect(expectedDivergences).toBe(0);
    else expect(expectedDivergences).toBeGreaterThan(0);
    const messages = new Set(answers.flatMap((answer) => (answer.error === undefined ? [] : [answer.error.message.replace(/\{.*\}|\[.*\]/g, '')])));
    expect(messages.size).toBeGreaterThan(15);
  });

  it('refuses with INVALID_PARAMETER_VALUE, and every accepted dict fits the wire-form zod schemas', () => {
    cases.forEach((testCase, index) => {
      const mine = ours(testCase);
      if (mine.error !== undefined) expect(mine.error.code).toBe('INVALID_PARAMETER_VALUE');
      const theirs = answers[index]!;
      if (theirs.error !== undefined) return;
      const schema = { ChatCompletionRequest: chatCompletionRequestDictSchema, ChatCompletionResponse: chatCompletionResponseDictSchema,
        ChatCompletionChunk: chatCompletionChunkDictSchema }[testCase.type];
      if (schema !== undefined && !(line === '2' && testCase.v3Only)) {
        expect(schema.safeParse(theirs.ok).success, JSON.stringify(comparable(theirs.ok))).toBe(true);
      }
    });
  });

  it('gives the same answer through the zod schema as through fromDict', () => {
    cases.filter((c) => c.type === 'ChatCompletionRequest').forEach((testCase) => {
      const parsed = chatCompletionRequestSchema.safeParse(decodeTagged(testCase.data));
      const mine = ours(testCase);
      expect(parsed.success).toBe(mine.error === undefined);
      if (!parsed.success) expect(parsed.error.issues[0]!.message).toBe(mine.error!.message);
    });
  });
});
