/**
 * POST /invocations (serving.md 3-9): a content type and a body in, an answer (status, headers,
 * body) out; no framework, no socket. The Fetch handler and the Node fast path (node-listener.ts)
 * both write these answers, so they answer alike by construction.
 */
import { Frame, MlflowException } from '@pyfunc/format';
import { batchKey } from '../batcher.js';
import { checkContentType, type InvocationsFormat } from '../content-type.js';
import { parseInvocationsRequest } from '../parse-invocations-request.js';
import { readBody } from '../read-body.js';
import { errorBody, toPredictionError, toScoringError } from '../scoring-error.js';
import type { ScoringContext } from '../scoring-context.js';
import { serializePredictions, toJsonable } from '../serialize-predictions.js';
import { dumpsPythonJson } from '@pyfunc/format';
import { Deadlines, type Deadline } from '../deadlines.js';
import type { PyFuncModel } from '@pyfunc/runtime';

const DEADLINE = 'Request processing time exceeded limit';

/** An `/invocations` answer, before it becomes a Fetch `Response` or is written to a Node response. */
export interface InvocationsAnswer {
  readonly status: number;
  /** The headers, in the order a `Response` built from them carries them (content-type first). */
  readonly headers: Readonly<Record<string, string>>;
  /** Text, or the server-sent events of a prediction stream. */
  readonly body: string | ReadableStream<Uint8Array>;
}

/**
 * A request body for an {@link InvocationsScorer}: read already (the bytes, or the 413 error of
 * `bodyTooLarge`), or a reader called once the request is admitted (it may throw that error).
 */
export type InvocationsBody = Uint8Array | MlflowException | (() => Promise<Uint8Array>);

/**
 * Scores one `/invocations` request: its `Content-Type` header (`null` when absent) and its
 * body. Never rejects: every failure is an answer.
 */
export type InvocationsScorer = (contentType: string | null | undefined, body: InvocationsBody) => Promise<InvocationsAnswer>;

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });
const TEXT_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'text/plain; charset=utf-8' });
const STREAM_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });

function jsonAnswer(status: number, body: string): InvocationsAnswer {
  return { status, headers: JSON_HEADERS, body };
}

/** Server-sent events of a prediction stream (the 3.6 AgentServer framing). */
function eventStream(chunks: AsyncIterable<unknown>, strictJson: boolean, deadline: Deadline<unknown>, release: () => void): InvocationsAnswer {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        for await (const chunk of chunks) {
          if (deadline.expired) break;
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
  return { status: 200, headers: STREAM_HEADERS, body };
}

/**
 * Answers one `/invocations` request by calling `done` once with its answer: the callback form
 * of {@link InvocationsScorer}, for the Node fast path (no promise for the answer). `started`
 * is when the request started (`performance.now()`), when the caller has it: its deadline runs
 * from there.
 */
export type InvocationsAnswerer = (contentType: string | null | undefined, body: InvocationsBody, done: (answer: InvocationsAnswer) => void,
  started?: number) => void;

type Done = (answer: InvocationsAnswer) => void;

/** The `/invocations` answerer of one server (what the Fetch handler and the Node fast path share). */
export function createInvocationsAnswerer(context: ScoringContext): InvocationsAnswerer {
  const { options, logger, limiter, batcher } = context;
  const unwrappedOptions = { unwrapped: true, strictJson: options.strictJson };
  const wrappedOptions = { unwrapped: false, strictJson: options.strictJson };
  const parseOptions = { enableStreaming: options.enableStreaming, inputMode: options.inputMode };

  const failed = (error: unknown): InvocationsAnswer => {
    const exception = toScoringError(error);
    const tooLarge = exception.errorCode === 'BAD_REQUEST' && exception.message.includes('--max-body-size');
    logger.warn({ errorCode: exception.errorCode }, exception.message.slice(0, 300));
    return jsonAnswer(tooLarge ? 413 : exception.getHttpStatusCode(), errorBody(exception, { noStackTraces: options.noStackTraces }));
  };
  // the answer is whichever comes first: the work's, or the deadline's 504 (the work is then no longer waited on)
  const deadlines = new Deadlines<Done>(options.timeoutSeconds * 1000, (deadline) => {
    deadline.value(failed(new MlflowException('DEADLINE_EXCEEDED', DEADLINE)));
  });

  /**
   * Reads, parses, admits, predicts and serializes one request under its deadline (one async
   * frame: it runs for every request), and hands the answer to `done` unless the deadline
   * answered first.
   */
  const run = async (model: PyFuncModel, format: InvocationsFormat, body: InvocationsBody, deadline: Deadline<Done>): Promise<void> => {
    let answer: InvocationsAnswer;
    let release: (() => void) | undefined;
    let streaming = false;
    try {
      const bytes = typeof body === 'function' ? await body() : body;
      if (!(bytes instanceof Uint8Array)) throw bytes;
      const parsed = parseInvocationsRequest(bytes, format, model.metadata, parseOptions);
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
        if (deadline.expired) throw new MlflowException('DEADLINE_EXCEEDED', DEADLINE);
        answer = jsonAnswer(200, serializePredictions(prediction, wrappedOptions));
      } else {
        release = limiter.tryAcquire() ?? await limiter.acquire(deadline.signal);
        // answered 504 already: the slot goes back at once (finally)
        if (deadline.expired) throw new MlflowException('DEADLINE_EXCEEDED', DEADLINE);
        // the slot is freed when the request ends or its deadline passes, whichever comes first
        deadline.release = release;
        context.metrics.queued = limiter.queued;
        if (parsed.stream) {
          streaming = true;
          answer = eventStream(model.predictStream(parsed.data, params), options.strictJson, deadline, release);
        } else {
          let prediction: unknown;
          try {
            prediction = await model.predict(parsed.data, params);
          } catch (error) {
            throw toPredictionError(error, parsed.data);
          }
          if (deadline.expired) throw new MlflowException('DEADLINE_EXCEEDED', DEADLINE);
          answer = jsonAnswer(200, serializePredictions(prediction, parsed.path === 'llm' ? unwrappedOptions : wrappedOptions));
        }
      }
    } catch (error) {
      if (deadline.expired) return; // answered already, logged once
      answer = failed(error);
    } finally {
      if (!streaming) release?.();
    }
    if (deadline.expired) return;
    deadlines.finish(deadline);
    deadline.value(answer);
  };

  return (contentType, body, done, started) => {
    const model = context.slot.model;
    if (model === undefined) {
      const exception = new MlflowException('TEMPORARILY_UNAVAILABLE', 'The model is still loading.');
      done(jsonAnswer(exception.getHttpStatusCode(), errorBody(exception)));
      return;
    }
    const checked = checkContentType(contentType);
    if (checked.format === undefined) {
      done({ status: 415, headers: TEXT_HEADERS, body: checked.message });
      return;
    }
    void run(model, checked.format, body, deadlines.start(done, started));
  };
}

/** The `/invocations` scorer of one server: {@link createInvocationsAnswerer} with a promise. */
export function createInvocationsScorer(context: ScoringContext, answer: InvocationsAnswerer = createInvocationsAnswerer(context)): InvocationsScorer {
  return (contentType, body) => new Promise<InvocationsAnswer>((resolve) => answer(contentType, body, resolve));
}

/** An answer as a Fetch `Response`. */
export function answerResponse(answer: InvocationsAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/** The `/invocations` handler of one server (over `score` when given: a scorer of the same context). */
export function createInvocationsHandler(context: ScoringContext, score: InvocationsScorer = createInvocationsScorer(context)): (request: Request) => Promise<Response> {
  const limit = context.options.maxBodySize;
  return async (request: Request): Promise<Response> => answerResponse(await score(request.headers.get('content-type'), () => readBody(request, limit)));
}
