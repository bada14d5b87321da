/**
 * POST /invocations (serving.md 3-9): Request in, Response out; no framework, no socket.
 */
import { MlflowException } from '@pyfunc/format';
import { checkContentType } from '../content-type.js';
import { parseInvocationsRequest } from '../parse-invocations-request.js';
import { readBody } from '../read-body.js';
import { errorBody, errorResponse, toPredictionError, toScoringError } from '../scoring-error.js';
import type { ScoringContext } from '../scoring-context.js';
import { serializePredictions, toJsonable } from '../serialize-predictions.js';
import { dumpsPythonJson } from '@pyfunc/format';

const DEADLINE = 'Request processing time exceeded limit';

function jsonResponse(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'application/json' } });
}

/** Runs `work` with a deadline; on expiry the signal aborts and DEADLINE_EXCEEDED is thrown. */
async function withDeadline<T>(seconds: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new MlflowException('DEADLINE_EXCEEDED', DEADLINE));
    }, seconds * 1000);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Server-sent events of a prediction stream (the 3.6 AgentServer framing). */
function eventStream(chunks: AsyncIterable<unknown>, strictJson: boolean, signal: AbortSignal, release: () => void): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        for await (const chunk of chunks) {
          if (signal.aborted) break;
          controller.enqueue(encoder.encode(`data: ${dumpsPythonJson(toJsonable(chunk, strictJson))}\n\n`));
        }
      } catch (error) {
        controller.enqueue(encoder.encode(`data: ${dumpsPythonJson({ error: toScoringError(error).message })}\n\n`));
      } finally {
        release();
      }
      controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
}

/** The `/invocations` handler of one server. */
export function createInvocationsHandler(context: ScoringContext): (request: Request) => Promise<Response> {
  const { options, logger, limiter } = context;
  return async (request: Request): Promise<Response> => {
    const model = context.slot.model;
    if (model === undefined) {
      return errorResponse(new MlflowException('TEMPORARILY_UNAVAILABLE', 'The model is still loading.'));
    }
    const checked = checkContentType(request.headers.get('content-type'));
    if (checked.format === undefined) {
      return new Response(checked.message, { status: 415, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    let release: (() => void) | undefined;
    let streaming = false;
    try {
      return await withDeadline(options.timeoutSeconds, async (signal) => {
        const body = await readBody(request, options.maxBodySize);
        const parsed = parseInvocationsRequest(body, checked.format, model.metadata, { enableStreaming: options.enableStreaming });
        release = await limiter.acquire(signal);
        context.metrics.queued = limiter.queued;
        if (parsed.stream) {
          streaming = true;
          return eventStream(model.predictStream(parsed.data, parsed.params as Record<string, unknown> | null), options.strictJson, signal, release);
        }
        let prediction: unknown;
        try {
          prediction = await model.predict(parsed.data, parsed.params as Record<string, unknown> | null);
        } catch (error) {
          throw toPredictionError(error, parsed.data);
        }
        if (signal.aborted) throw new MlflowException('DEADLINE_EXCEEDED', DEADLINE);
        return jsonResponse(200, serializePredictions(prediction, { unwrapped: parsed.path === 'llm', strictJson: options.strictJson }));
      });
    } catch (error) {
      const exception = toScoringError(error);
      const tooLarge = exception.errorCode === 'BAD_REQUEST' && exception.message.includes('--max-body-size');
      logger.warn({ errorCode: exception.errorCode }, exception.message.slice(0, 300));
      return jsonResponse(tooLarge ? 413 : exception.getHttpStatusCode(), errorBody(exception, { noStackTraces: options.noStackTraces }));
    } finally {
      if (!streaming) release?.();
    }
  };
}
