/**
 * POST /v1/chat/completions: OpenAI's chat API over a chat model (`stream: true` answers
 * server-sent events as OpenAI does: `data: <chunk>` lines, then `data: [DONE]`).
 */
import { MlflowException, dumpsPythonJson, isPlainObject, parsePythonJson } from '@pyfunc/format';
import { readBody } from '../read-body.js';
import { errorResponse, toPredictionError, toScoringError } from '../scoring-error.js';
import type { ScoringContext } from '../scoring-context.js';
import { toJsonable } from '../serialize-predictions.js';
import { decodeBody } from '../parse-invocations-request.js';

/** The `/v1/chat/completions` handler of one server. */
export function createChatCompletionsHandler(context: ScoringContext): (request: Request) => Promise<Response> {
  return async (request: Request): Promise<Response> => {
    const model = context.slot.model;
    if (model === undefined) return errorResponse(new MlflowException('TEMPORARILY_UNAVAILABLE', 'The model is still loading.'));
    let release: (() => void) | undefined;
    let streaming = false;
    try {
      const text = decodeBody(await readBody(request, context.options.maxBodySize), 'json');
      let body: unknown;
      try {
        body = parsePythonJson(text);
      } catch (error) {
        throw new MlflowException('BAD_REQUEST', `Invalid input. The body is not valid JSON: ${(error as Error).message}`);
      }
      if (!isPlainObject(body) || !Array.isArray((body as Record<string, unknown>).messages)) {
        throw new MlflowException('BAD_REQUEST', 'Invalid input. A chat completion request is a JSON object with a "messages" list.');
      }
      const { model: _name, stream, stream_options: _streamOptions, ...rest } = body as Record<string, unknown>;
      const names = new Set((model.metadata.getParamsSchema()?.params ?? []).map((param) => param.name));
      const data: Record<string, unknown> = {};
      const params: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(rest)) (names.has(key) ? params : data)[key] = value;
      release = await context.limiter.acquire();
      if (stream === true) {
        streaming = true;
        const chunks = model.predictStream(data, params);
        const encoder = new TextEncoder();
        const done = release;
        const out = new ReadableStream<Uint8Array>({
          async start(controller) {
            try {
              for await (const chunk of chunks) {
                const json = toJsonable(chunk) as Record<string, unknown>;
                if (isPlainObject(json) && json.object === undefined) json.object = 'chat.completion.chunk';
                controller.enqueue(encoder.encode(`data: ${dumpsPythonJson(json)}\n\n`));
              }
            } catch (error) {
              controller.enqueue(encoder.encode(`data: ${dumpsPythonJson({ error: { message: toScoringError(error).message, type: 'server_error' } })}\n\n`));
            } finally {
              done();
            }
            controller.enqueue(encoder.encode('data: [DONE]\n\n'));
            controller.close();
          },
        });
        return new Response(out, { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
      }
      let prediction: unknown;
      try {
        prediction = await model.predict(data, params);
      } catch (error) {
        throw toPredictionError(error, data);
      }
      const json = toJsonable(prediction);
      if (isPlainObject(json) && (json as Record<string, unknown>).object === undefined) (json as Record<string, unknown>).object = 'chat.completion';
      return new Response(dumpsPythonJson(json), { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      return errorResponse(toScoringError(error), { noStackTraces: context.options.noStackTraces });
    } finally {
      if (!streaming) release?.();
    }
  };
}
