/**
 * The loaded chat model's conversions against MLflow's `_ChatModelPyfuncWrapper` around the
 * same echo model: request dicts in, response dicts (and streamed chunk dicts) out, or the same
 * error message.
 */
import { MlflowException } from '@pyfunc/format';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeTagged, encodeTagged, oracleLines, runOracle, type OracleResult } from '../../../test/oracle/src/index.js';
import { ChatModelPyfuncWrapper } from '../src/chat/index.js';
import { ChatCaseGenerator } from './chat-cases.js';
import { EchoChatModel } from './chat-echo-model.js';

const generator = new ChatCaseGenerator(777);
const inputs = [
  ...generator.cases('request', 70, () => generator.request()).filter((c) => !c.v3Only).map((c) => decodeTagged(c.data)),
  decodeTagged({ messages: [{ role: 'user', content: 'x' }], temperature: 1 }), // an int temperature: refused without enforcement
  decodeTagged({ messages: 'ab' }), // iterated like Python: 'str' has no items
  decodeTagged({ messages: '' }),
  decodeTagged({}),
  decodeTagged({ messages: [{ content: 'no role' }] }),
  ['not', 'a', 'dict'],
  'text',
];

async function ours(run: () => Promise<unknown>): Promise<OracleResult> {
  try {
    return { ok: (await run()) as never };
  } catch (error) {
    if (!MlflowException.isInstance(error)) throw error;
    return { error: { type: error.errorCode, message: error.message, code: error.errorCode } };
  }
}

const wrapper = new ChatModelPyfuncWrapper(new EchoChatModel(), { artifacts: {}, modelConfig: {} });
const tagged = (value: unknown) => JSON.stringify(encodeTagged(value));

describe.each(oracleLines)('chat wrapper against MLflow %s', (line) => {
  let predicted: OracleResult[];
  let streamed: OracleResult[];
  beforeAll(async () => {
    predicted = await runOracle(line, 'chat.wrapper_predict', inputs.map((input) => ({ input })));
    streamed = await runOracle(line, 'chat.wrapper_predict_stream', inputs.map((input) => ({ input })));
  });

  it(`predicts like MLflow on ${inputs.length} requests (dicts, errors and codes)`, async () => {
    let succeeded = 0;
    for (const [index, input] of inputs.entries()) {
      const theirs = predicted[index]!;
      const mine = await ours(() => wrapper.predict(input));
      if (theirs.error === undefined) {
        succeeded += 1;
        expect(mine.error, tagged(input)).toBeUndefined();
        expect(tagged(mine.ok), tagged(input)).toBe(tagged(theirs.ok));
      } else {
        expect(mine.error?.message, tagged(input)).toBe(theirs.error.message);
        if (theirs.error.code !== null) expect(mine.error?.code).toBe(theirs.error.code);
        else expect(mine.error?.code).toBe('INVALID_PARAMETER_VALUE');
      }
    }
    expect(succeeded).toBeGreaterThan(10);
  });

  it('streams like MLflow: the same chunk dicts, an empty final delta', async () => {
    for (const [index, input] of inputs.entries()) {
      const theirs = streamed[index]!;
      const mine = await ours(async () => {
        const chunks: unknown[] = [];
        for await (const chunk of wrapper.predictStream(input)) chunks.push(chunk);
        return chunks;
      });
      if (theirs.error === undefined) {
        expect(tagged(mine.ok), tagged(input)).toBe(tagged(theirs.ok));
        expect((mine.ok as { choices: { delta: unknown }[] }[]).at(-1)!.choices[0]!.delta).toEqual({});
      } else {
        expect(mine.error?.message, tagged(input)).toBe(theirs.error.message);
      }
    }
  });
});
