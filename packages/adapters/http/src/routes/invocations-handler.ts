/**
 * POST /invocations (serving.md 3-9): Request in, Response out; no framework, no socket.
 */
import { Frame, MlflowException } from '@pyfunc/format';
import { batchKey } from '../batcher.js';
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

/**
 * A request's deadline: `aborted` turns true when it passes. The `AbortSignal` is only made when
 * something needs one (a wait for a slot): most requests never do, and a controller per request
 * is measurable on the hot path.
 */
class Deadline {
  #controller: AbortController | undefined;
  #expired = false;

  get aborted(): boolean {
    return this.#expired;
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.#expired) this.#controller.abort();
    return this.#controller.signal;
  }

  expire(): void {
    this.#expired = true;
    this.#controller?.abort();
  }
}

/** Runs `work` with a deadline; on expiry the deadline aborts and DEADLINE_EXCEEDED is thrown (the work is no longer waited on). */
function withDeadline<T>(seconds: number, work: (deadline: Deadline) => Promise<T>): Promise<T> {
  const deadline = new Deadline();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      deadline.expire();
      reject(new MlflowException('DEADLINE_EXCEEDED', DEADLINE));
    }, seconds * 1000);
    work(deadline).then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error: unknown) => { clearTimeout(timer); reject(error); },
    );
  });
}

/** Server-sent events of a prediction stream (the 3.6 AgentServer framing). */
function eventStream(chunks: AsyncIterable<unknown>, strictJson: boolean, signal: { readonly aborted: boolean }, release: () => void): Response {
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
  const { options, logger, limiter, batcher } = context;
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
      return await withDeadline(options.timeoutSeconds, async (deadline) => {
        const body = await readBody(request, options.maxBodySize);
        const parsed = parseInvocationsRequest(body, checked.format, model.metadata, { enableStreaming: options.enableStreaming });
        const params = parsed.params as Record<string, unknown> | null;
        const key = batcher !== undefined && !parsed.stream && parsed.data instanceof Frame && batcher.accepts(parsed.data.numRows)
          ? batchKey(parsed.data, params) : undefined;
        if (key !== undefined) {
          // the batcher holds the limiter's slot for the whole batch
          let prediction: unknown;
          try {
            prediction = await batcher!.predict(model, parsed.data as Frame, params, key);
          } catch (error) {
            throw batcher!.isAdmissionError(error) ? error : toPredictionError(error, parsed.data);
          }
          context.metrics.queued = limiter.queued;
          if (deadline.aborted) throw new MlflowException('DEADLINE_EXCEEDED', DEADLINE);
          return jsonResponse(200, serializePredictions(prediction, { unwrapped: false, strictJson: options.strictJson }));
        }
        release = limiter.tryAcquire() ?? await limiter.acquire(deadline.signal);
        context.metrics.queued = limiter.queued;
        if (parsed.stream) {
          streaming = true;
          return eventStream(model.predictStream(parsed.data, parsed.params as Record<string, unknown> | null), options.strictJson, deadline, release);
        }
        let prediction: unknown;
        try {
          prediction = await model.predict(parsed.data, parsed.params as Record<string, unknown> | null);
        } catch (error) {
          throw toPredictionError(error, parsed.data);
        }
        if (deadline.aborted) throw new MlflowException('DEADLINE_EXCEEDED', DEADLINE);
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
