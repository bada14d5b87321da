/**
 * What every route handler of one server shares: the model, options, metrics, admission queue.
 */
import { silentLogger, type Logger } from '@pyfunc/format';
import type { PyFuncModel } from '@pyfunc/runtime';
import { Batcher, type BatchingOptions } from './batcher.js';
import { Limiter } from './limiter.js';
import { ScoringMetrics } from './metrics.js';
import { DEFAULT_MAX_BODY_SIZE } from './read-body.js';
import type { InputMode } from './parse-invocations-request.js';

/** Options of the scoring handlers (and of `serve`). */
export interface ScoringOptions {
  /** Seconds a request may take (parse + predict + serialize); 504 after. Default 60 (MLflow's). */
  timeoutSeconds?: number;
  /** Largest accepted body in bytes; 413 beyond. Default 100 MiB. */
  maxBodySize?: number;
  /** Model calls running at once. Default: `workers` for python_function models, else 32 per worker. */
  maxConcurrency?: number;
  /** Requests waiting for a slot before 503 answers. Default 256. */
  maxQueue?: number;
  /** Model replicas (N Python workers for python_function models); used for the default concurrency. */
  workers?: number;
  /** `"stream": true` JSON bodies answer server-sent events (serving.md 7.4). Default false. */
  enableStreaming?: boolean;
  /** `raw`: models get the `inputs` JSON value untouched (cli.md 3 item 7). Default `mlflow`. */
  inputMode?: InputMode;
  /** Write `null` for NaN/±Infinity. Default false. */
  strictJson?: boolean;
  /** Leave `stack_trace` out of error bodies. Default false (MLflow includes it). */
  noStackTraces?: boolean;
  /** The MLflow version `/version` reports. Default `2.22.0`. */
  mlflowVersion?: string;
  /** Structured logs (pino fits). Default: silent. */
  logger?: Logger;
  /**
   * Dynamic batching of concurrent tabular requests (one predict for many; see the README).
   * Safe only for models that predict every row independently. Default `false` (off).
   */
  batching?: BatchingOptions | false;
}

/** The model slot: empty until loaded (readiness). */
export interface ModelSlot {
  model: PyFuncModel | undefined;
  /** True once shutdown began: readiness turns false. */
  draining: boolean;
}

/** Shared state of one server's handlers. */
export interface ScoringContext {
  slot: ModelSlot;
  options: Required<Pick<ScoringOptions, 'timeoutSeconds' | 'maxBodySize' | 'enableStreaming' | 'inputMode' | 'strictJson' | 'noStackTraces' | 'mlflowVersion'>>;
  logger: Logger;
  metrics: ScoringMetrics;
  limiter: Limiter;
  /** The dynamic batcher, when batching is on. */
  batcher?: Batcher;
}

/** Builds the shared state for a model (or an empty slot filled later). */
export function createScoringContext(model: PyFuncModel | undefined, options: ScoringOptions = {}): ScoringContext {
  const workers = Math.max(1, options.workers ?? 1);
  const metrics = new ScoringMetrics();
  const slot: ModelSlot = { model, draining: false };
  metrics.workerRestarts = () => {
    const value = (slot.model as unknown as { workerRestarts?: unknown } | undefined)?.workerRestarts;
    return typeof value === 'number' ? value : undefined;
  };
  // a Python worker handles one request at a time (serving.md 9.3): as many in flight as workers
  const limiter = new Limiter(options.maxConcurrency ?? (model?.flavorName === 'python_function' ? workers : 32 * workers), options.maxQueue ?? 256);
  const batching = options.batching;
  const batcher = batching === undefined || batching === false ? undefined : new Batcher(limiter, workers, batching);
  if (batcher !== undefined) metrics.batching = () => batcher.stats;
  return {
    slot,
    options: {
      timeoutSeconds: options.timeoutSeconds ?? (Number(process.env.MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT) || 60),
      maxBodySize: options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE,
      enableStreaming: options.enableStreaming ?? false,
      inputMode: options.inputMode ?? 'mlflow',
      strictJson: options.strictJson ?? false,
      noStackTraces: options.noStackTraces ?? false,
      mlflowVersion: options.mlflowVersion ?? '2.22.0',
    },
    logger: options.logger ?? silentLogger,
    metrics,
    limiter,
    // one batch in flight per model replica
    ...(batcher === undefined ? {} : { batcher }),
  };
}
