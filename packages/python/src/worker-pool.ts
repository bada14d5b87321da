/**
 * A pool of Python workers for one model: a FIFO queue (fair, first come first served), a
 * per-request timeout, and a replacement for every worker that dies.
 */
import { availableParallelism } from 'node:os';
import { MlflowException, silentLogger, type Logger } from '@pyfunc/format';
import { PythonWorker, decodeAnswer, toCodedError, type WorkerLaunch } from './python-worker.js';
import type { WireMessage } from '@pyfunc/runtime/wire';

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Number of workers (default: the number of cores, at most 4). */
  workers?: number;
  /** A request still running after this long kills its worker and fails with DEADLINE_EXCEEDED (default none). */
  requestTimeoutMs?: number;
  /** Receives the workers' stdout/stderr lines and restarts. */
  logger?: Logger;
  /** Passed to the worker's `load_model` (`model_config`, `suppress_warnings`). */
  workerOptions?: Record<string, unknown>;
  /** `json` puts every buffer into the JSON header as base64: for debugging only, slow (default `binary`, or `$PYFUNC_TRANSPORT`). */
  transport?: 'binary' | 'json';
}

interface Job {
  readonly op: 'predict' | 'stream';
  readonly data: unknown;
  readonly params: Record<string, unknown> | undefined;
  onMessage(message: WireMessage): boolean;
  onFail(error: MlflowException): void;
  cancelled?: boolean;
}

/** The default pool size: the cores available, at most 4. */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** The variables native libraries read for their thread-pool size (OpenMP, OpenBLAS, MKL, Accelerate, numexpr). */
export const THREAD_VARIABLES = ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'VECLIB_MAXIMUM_THREADS', 'NUMEXPR_NUM_THREADS'] as const;

/**
 * The thread-pool limits for each of `workers` processes sharing `cores`: each gets its share of
 * the cores (at least one). Without them every worker's OpenBLAS/OpenMP starts a thread per core
 * and, spinning, they fight over the cores: two workers predicting 1M rows at once ran slower
 * than one. A variable already set (in `env` or this process's environment) is left as it is;
 * one worker is left alone entirely, as in MLflow's own serving.
 */
export function threadLimits(workers: number, cores: number = availableParallelism(), env: Record<string, string | undefined> = process.env): Record<string, string> {
  if (workers <= 1) return {};
  const share = String(Math.max(1, Math.floor(cores / workers)));
  const limits: Record<string, string> = {};
  for (const name of THREAD_VARIABLES) if (env[name] === undefined || env[name] === '') limits[name] = share;
  return limits;
}

/** A fixed-size pool of workers running one model. */
export class WorkerPool {
  readonly #modelDir: string;
  readonly #launch: WorkerLaunch;
  readonly #options: WorkerPoolOptions;
  readonly #logger: Logger;
  readonly #idle: PythonWorker[] = [];
  readonly #all = new Set<PythonWorker>();
  readonly #queue: Job[] = [];
  #closed = false;
  #starting = 0;

  private constructor(modelDir: string, launch: WorkerLaunch, options: WorkerPoolOptions) {
    this.#modelDir = modelDir;
    this.#launch = launch;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /**
   * Starts the workers and waits until every one has loaded the model.
   * @throws {MlflowException} the load error of the first worker that failed (its Python
   *   traceback in the message and `cause`); RESOURCE_DOES_NOT_EXIST for a missing interpreter.
   */
  static async start(modelDir: string, launch: WorkerLaunch, options: WorkerPoolOptions = {}): Promise<WorkerPool> {
    const size = options.workers ?? defaultWorkerCount();
    if (!Number.isInteger(size) || size < 1) {
      throw new MlflowException('INVALID_PARAMETER_VALUE', `\`workers\` must be a positive integer, got ${String(size)}.`);
    }
    // every worker (replacements too) starts with its share of the cores for native thread pools
    const limits = threadLimits(size, undefined, { ...process.env, ...launch.env });
    const pool = new WorkerPool(modelDir, { ...launch, env: { ...limits, ...launch.env } }, options);
    const workers = Array.from({ length: size }, () => pool.#spawn());
    const results = await Promise.allSettled(workers.map((worker) => worker.ready));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      await pool.close();
      throw (failure as PromiseRejectedResult).reason;
    }
    for (const worker of workers) pool.#release(worker);
    return pool;
  }

  /** Process ids of the live workers. */
  get pids(): number[] {
    return [...this.#all].map((worker) => worker.pid).filter((pid): pid is number => pid !== undefined);
  }

  #spawn(): PythonWorker {
    const transport = this.#options.transport ?? (process.env.PYFUNC_TRANSPORT === 'json' ? 'json' : 'binary');
    const worker = new PythonWorker(this.#modelDir, this.#launch, { logger: this.#logger, workerOptions: this.#options.workerOptions, transport });
    this.#all.add(worker);
    worker.onExit(() => {
      this.#all.delete(worker);
      const at = this.#idle.indexOf(worker);
      if (at >= 0) this.#idle.splice(at, 1);
      // only a worker that had loaded is replaced: one that never loaded would fail again (no crash loop)
      if (!this.#closed && worker.loaded) this.#replace();
    });
    return worker;
  }

  #replace(): void {
    this.#logger.warn({ modelDir: this.#modelDir }, 'A Python worker ended; starting a replacement.');
    this.#starting++;
    const worker = this.#spawn();
    worker.ready.then(
      () => { this.#starting--; this.#release(worker); },
      (error: unknown) => {
        this.#starting--;
        this.#logger.warn({ error: String(error) }, 'A replacement Python worker failed to load the model.');
        // no worker can serve: fail what waits rather than hang
        if (this.#all.size === 0 && this.#starting === 0) {
          for (const job of this.#queue.splice(0)) job.onFail(error as MlflowException);
        }
      },
    );
  }

  #release(worker: PythonWorker): void {
    if (worker.exited) return;
    if (this.#closed) { void worker.close(); return; }
    this.#idle.push(worker);
    this.#drain();
  }

  #drain(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      if (job.cancelled === true) continue;
      const worker = this.#idle.shift()!;
      this.#run(worker, job);
    }
  }

  #run(worker: PythonWorker, job: Job): void {
    const timeoutMs = this.#options.requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    this.#busy.set(job, worker);
    const finish = (): void => {
      finished = true;
      this.#busy.delete(job);
      if (timer !== undefined) clearTimeout(timer);
    };
    if (timeoutMs !== undefined && timeoutMs > 0) {
      timer = setTimeout(() => {
        if (finished) return;
        worker.abort(new MlflowException('DEADLINE_EXCEEDED',
          `The Python model did not answer within ${timeoutMs} ms; its worker (pid ${String(worker.pid)}) was stopped and is being restarted.`));
      }, timeoutMs);
    }
    worker.send(job.op, job.data, job.params, {
      onMessage: (message) => {
        const done = job.onMessage(message);
        if (done) {
          finish();
          this.#release(worker);
        }
        return done;
      },
      onFail: (error) => {
        finish();
        job.onFail(error);
      },
    });
  }

  #submit(job: Job): void {
    if (this.#closed) {
      job.onFail(new MlflowException('INVALID_STATE', 'This model has been closed; load it again to predict.'));
      return;
    }
    this.#queue.push(job);
    this.#drain();
  }

  /**
   * Runs `model.predict(data, params=params)` in a worker.
   * @throws {MlflowException} MLflow's error with its code; INTERNAL_ERROR (Python traceback in
   *   `cause`) for other Python exceptions or a worker that died; DEADLINE_EXCEEDED on timeout.
   */
  predict(data: unknown, params: Record<string, unknown> | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#submit({
        op: 'predict', data, params,
        onMessage: (message) => {
          if (message.header.error !== undefined) reject(toCodedError(message.header.error as Record<string, string>));
          else {
            try { resolve(decodeAnswer(message, 'ok')); } catch (error) { reject(error); }
          }
          return true;
        },
        onFail: reject,
      });
    });
  }

  /**
   * Runs `model.predict_stream(data, params=params)`, yielding chunks as Python yields them.
   * The worker stays with the stream until it ends (or the consumer stops early, which
   * restarts that worker).
   */
  async *predictStream(data: unknown, params: Record<string, unknown> | undefined): AsyncGenerator<unknown> {
    const chunks: unknown[] = [];
    let ended = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const notify = (): void => { const w = wake; wake = undefined; w?.(); };
    const job: Job = {
      op: 'stream', data, params,
      onMessage: (message) => {
        if (message.header.error !== undefined) {
          failure = toCodedError(message.header.error as Record<string, string>);
          ended = true;
        } else if (message.header.done === true) {
          ended = true;
        } else {
          try { chunks.push(decodeAnswer(message, 'chunk')); } catch (error) { failure = error; ended = true; }
        }
        notify();
        return ended;
      },
      onFail: (error) => { failure = error; ended = true; notify(); },
    };
    this.#submit(job);
    let completed = false;
    try {
      for (;;) {
        if (chunks.length > 0) { yield chunks.shift(); continue; }
        if (ended) {
          completed = true;
          if (failure !== undefined) throw failure;
          return;
        }
        await new Promise<void>((resolve) => { wake = resolve; });
      }
    } finally {
      if (!completed && !ended) {
        // the consumer stopped early: the generator cannot be interrupted in Python, so the worker is replaced
        job.cancelled = true;
        this.#abandon(job);
      }
    }
  }

  #abandon(job: Job): void {
    job.onFail = () => undefined;
    job.onMessage = () => false;
    const at = this.#queue.indexOf(job);
    if (at >= 0) { this.#queue.splice(at, 1); return; }
    const worker = this.#busy.get(job);
    this.#busy.delete(job);
    worker?.abort(new MlflowException('CANCELLED', 'The stream was abandoned.'));
  }

  readonly #busy = new Map<Job, PythonWorker>();

  /** Stops every worker and waits for the processes to exit; queued requests fail with INVALID_STATE. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.onFail(new MlflowException('INVALID_STATE', 'This model has been closed; load it again to predict.'));
    await Promise.all([...this.#all].map((worker) => worker.close()));
    this.#all.clear();
    this.#idle.length = 0;
  }
}
