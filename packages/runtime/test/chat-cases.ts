/**
 * Seeded generators of chat dicts in the oracle's tagged form ({"$float": "1.0"} for Python
 * floats), valid and broken, for the chat differential tests. `v3Only` marks a case that uses
 * what only MLflow 3.x accepts (multimodal content lists, nested tool-parameter items).
 */

/** A small seeded PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChatCase {
  type: string;
  data: unknown;
  v3Only: boolean;
}

type Tagged = unknown;
const float = (value: number): Tagged => ({ $float: String(value) === String(Math.trunc(value)) ? `${value}.0` : String(value) });

export class ChatCaseGenerator {
  private readonly random: () => number;
  v3Only = false;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /** Builds a dict from optional fields: each present with probability `p`. */
  private dict(fields: Record<string, () => Tagged>, p = 0.5, required: string[] = []): Record<string, Tagged> {
    const out: Record<string, Tagged> = {};
    for (const [key, make] of Object.entries(fields)) {
      if (required.includes(key) ? this.chance(0.93) : this.chance(p)) out[key] = make();
    }
    if (this.chance(0.15)) out.unknown_key = this.pick(['x', 1, null]);
    return out;
  }

  /** Mostly valid values, with a `bad` probability of a wrong one. */
  private value(good: () => Tagged, bads: Tagged[], bad = 0.12): Tagged {
    return this.chance(bad) ? this.pick(bads) : good();
  }

  toolCall(): Tagged {
    return this.dict({
      id: () => this.value(() => this.pick(['call_1', 'call_2']), [7, null]),
      type: () => this.value(() => 'function', [1]),
      function: () => this.value(() => this.dict({
        name: () => this.value(() => this.pick(['get_weather', 'lookup']), [3, null]),
        arguments: () => this.value(() => '{"city": "Paris"}', [{ city: 'Paris' }]),
      }, 0.5, ['name', 'arguments']), ['fn', [1]]),
    }, 0.5, ['id', 'function']);
  }

  message(): Tagged {
    const withToolCalls = this.chance(0.25);
    return this.dict({
      role: () => this.value(() => this.pick(['user', 'assistant', 'system', 'tool', 'critic']), [1, null, ['user']]),
      content: () => {
        if (this.chance(0.08)) {
          this.v3Only = true;
          return this.chance(0.8) ? [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'u' } }] : ['hi'];
        }
        return this.value(() => this.pick(['Hello!', 'What is the weather?', "it's", '']), [5, float(1.5), null, { text: 'x' }]);
      },
      refusal: () => this.value(() => this.pick(['I cannot', '']), [3]),
      name: () => this.value(() => 'alice', [false]),
      tool_calls: () => this.value(() => Array.from({ length: 1 + Math.floor(this.random() * 2) }, () => this.toolCall()),
        ['call', [], [{ id: 'c' }, 'x'], null]),
      tool_call_id: () => this.value(() => 'call_1', [1]),
    }, 0.2, withToolCalls ? ['role', 'tool_calls'] : ['role', 'content']);
  }

  paramProperty(depth = 0): Tagged {
    return this.dict({
      type: () => this.value(() => this.pick(['string', 'number', 'integer', 'object', 'array', 'boolean', 'null']), ['text', 1]),
      description: () => this.value(() => 'a param', [1]),
      enum: () => this.value(() => ['a', 'b'], ['a', [1, 'b']]),
      items: () => {
        if (depth === 0 && this.chance(0.3)) {
          this.v3Only = true;
          return this.paramProperty(1);
        }
        return this.value(() => ({ type: 'string' }), ['string', { type: 'text' }, {}]);
      },
    }, 0.3, ['type']);
  }

  tool(): Tagged {
    return this.dict({
      type: () => this.value(() => 'function', ['retrieval', null]),
      function: () => this.value(() => this.dict({
        name: () => this.value(() => 'get_weather', [1, null]),
        description: () => this.value(() => 'Weather of a city', [2]),
        parameters: () => this.value(() => this.dict({
          properties: () => this.value(() => ({ city: this.paramProperty(), days: this.paramProperty() }), [['city'], { city: 'string' }, null]),
          type: () => this.value(() => 'object', ['array']),
          required: () => this.value(() => ['city'], ['city', [1]]),
          additionalProperties: () => this.value(() => false, ['no', 0]),
        }, 0.4, ['properties']), ['params', []]),
        strict: () => this.value(() => this.chance(0.5), [1, null]),
      }, 0.5, ['name']), ['fn', null]),
    }, 0.5, ['function']);
  }

  request(): Tagged {
    return this.dict({
      messages: () => this.value(() => Array.from({ length: Math.floor(this.random() * 4) }, () => this.message()),
        ['hello', null, { role: 'user' }, [{ role: 'user', content: 'a' }, 'b']], 0.08),
      temperature: () => this.value(() => float(this.pick([0.2, 0.7, 1, 1.5])), [1, 0, '0.5', true, null]),
      max_tokens: () => this.value(() => this.pick([10, 256]), [float(10), '10', true, null]),
      stop: () => this.value(() => this.pick([['\n'], ['END', 'STOP'], []]), ['\n', [1], null]),
      n: () => this.value(() => this.pick([1, 2]), [float(1), '2', true, null]),
      stream: () => this.value(() => this.chance(0.5), [0, 'false', null]),
      top_p: () => this.value(() => float(0.9), [1, '0.9']),
      top_k: () => this.value(() => 40, [float(40), '40']),
      frequency_penalty: () => this.value(() => float(0.5), [0, 'x']),
      presence_penalty: () => this.value(() => float(-0.5), [2]),
      custom_inputs: () => this.value(() => ({ user_id: 'u1', depth: 2, nested: { a: [1, float(2)] }, none: null }), [['a'], 'x', 5]),
      tools: () => this.value(() => Array.from({ length: 1 + Math.floor(this.random() * 2) }, () => this.tool()),
        ['tool', [{ type: 'function', function: { name: 'f' } }, 'x']]),
    }, 0.3);
  }

  usage(): Tagged {
    return this.dict({
      prompt_tokens: () => this.value(() => 5, [float(5), '5']),
      completion_tokens: () => this.value(() => 7, [null]),
      total_tokens: () => this.value(() => 12, ['12']),
    }, 0.7);
  }

  logprobs(): Tagged {
    const top = (): Tagged => this.dict({
      token: () => this.value(() => 'a', [1]),
      logprob: () => this.value(() => float(-0.25), [-1, 'x']),
      bytes: () => this.value(() => [97], [[float(97)], 'a']),
    }, 0.5, ['token', 'logprob']);
    return this.dict({
      content: () => this.value(() => [{ ...(top() as object), top_logprobs: this.chance(0.9) ? [top()] : 'x' }], ['x', [1]]),
    }, 0.8);
  }

  response(): Tagged {
    return this.dict({
      choices: () => this.value(() => Array.from({ length: 1 + Math.floor(this.random() * 2) }, () => this.dict({
        message: () => this.value(() => this.message(), ['hi', null]),
        index: () => this.value(() => this.pick([0, 1]), [float(0), '0', null]),
        finish_reason: () => this.value(() => this.pick(['stop', 'length']), [1, null]),
        logprobs: () => this.logprobs(),
      }, 0.4, ['message'])), ['x', null, [1]]),
      usage: () => this.value(() => this.usage(), ['u', [1]]),
      id: () => this.value(() => 'resp-1', [1]),
      model: () => this.value(() => 'gpt-x', [2]),
      object: () => this.value(() => 'chat.completion', [null, 3]),
      created: () => this.value(() => 1700000000, [float(1.5), '1700000000', null]),
      custom_outputs: () => ({ trace: 'abc', score: float(0.5) }),
    }, 0.5, ['choices', 'created']);
  }

  chunk(): Tagged {
    return this.dict({
      choices: () => this.value(() => [this.dict({
        delta: () => this.value(() => this.dict({
          role: () => this.value(() => this.pick(['assistant', null]), [1]),
          content: () => this.value(() => this.pick(['Hel', 'lo', null]), [1, ['x']]),
          refusal: () => this.value(() => 'no', ['']),
          name: () => 'bot',
          tool_calls: () => [this.toolCall()],
        }, 0.4), ['d', null]),
        index: () => this.value(() => 0, ['0']),
        finish_reason: () => this.value(() => this.pick(['stop', null]), [1]),
      }, 0.5, ['delta'])], ['x']),
      usage: () => this.usage(),
      id: () => 'chunk-1',
      model: () => 'm',
      object: () => this.value(() => 'chat.completion.chunk', [1]),
      created: () => this.value(() => 1700000000, ['now']),
    }, 0.5, ['choices', 'created']);
  }

  /** `count` cases of one type, each recording whether it used a 3.x-only form. */
  cases(type: string, count: number, make: () => Tagged): ChatCase[] {
    return Array.from({ length: count }, () => {
      this.v3Only = false;
      const data = make();
      return { type, data, v3Only: this.v3Only };
    });
  }
}
