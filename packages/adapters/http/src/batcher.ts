/**
 * Dynamic batching of `/invocations` (opt-in): tabular requests that arrive while the model is
 * busy are concatenated into one frame, predicted in one call, and the prediction is split back
 * by each request's row count. Requests only share a batch when their columns (labels, dtypes,
 * order) and params are identical; a batch whose prediction is not row-aligned, or whose predict
 * fails, is predicted request by request, so every request gets the answer or error it would have
 * had alone.
 */
import { Frame, concatFrames, copyPyValue, dumpsPythonJson, rowCount, sliceRows } from '@pyfunc/format';
import type { PyFuncModel } from '@pyfunc/runtime';
import type { Limiter } from './limiter.js';

/** Options of dynamic batching (`batching` of `serve`). */
export interface BatchingOptions {
  /** Most rows in one batch; a request of this many rows or more is predicted alone. Default 32. */
  maxBatchSize?: number;
  /** Longest wait, in milliseconds, between a batch's first request and its predict. Default 2. */
  maxDelayMs?: number;
}

type Params = Record<string, unknown> | null;

interface Entry {
  readonly frame: Frame;
  /** This request's own params (equal to the batch's; used when it is predicted alone). */
  readonly params: Params;
  resolve(prediction: unknown): void;
  reject(error: unknown): void;
}

interface Batch {
  readonly key: string;
  readonly model: PyFuncModel;
  readonly params: Params;
  readonly entries: Entry[];
  rows: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Counters of a batcher (for tests and metrics). */
export interface BatcherStats {
  /** Predict calls made for batches of two requests or more. */
  batches: number;
  /** Requests answered from a batched predict. */
  batchedRequests: number;
  /** Batches predicted request by request (predict failed or the output was not row-aligned). */
  fallbacks: number;
}

function labelKey(label: string | number): string {
  return typeof label === 'number' ? `#${label}` : `'${label}`;
}

/**
 * The batch key of a parsed request: equal keys may share a predict. `undefined` when the input
 * is not a frame with rows, or the params cannot be compared.
 */
export function batchKey(data: unknown, params: unknown): string | undefined {
  if (!(data instanceof Frame) || data.numRows === 0 || data.columns.length === 0) return undefined;
  let paramsKey: string;
  try {
    // Python's JSON text keeps what equality needs: 1 vs 1.0, order of keys, nesting
    paramsKey = params === null || params === undefined ? '-' : dumpsPythonJson(params);
  } catch {
    return undefined;
  }
  const columns = data.columns.map((column) => `${labelKey(column.name)}:${column.dtype}`).join('\u0000');
  return `${columns}\u0001${paramsKey}`;
}

/**
 * Collects concurrent tabular requests into batches. At most `maxInFlight` batches are predicted
 * at once (one per model replica); a request that finds fewer in flight and no batch collecting
 * is predicted at once, so a lone client waits for nothing. Every predict holds a slot of the
 * server's limiter.
 */
export class Batcher {
  readonly maxBatchSize: number;
  readonly maxDelayMs: number;
  readonly stats: BatcherStats = { batches: 0, batchedRequests: 0, fallbacks: 0 };
  readonly #limiter: Limiter;
  readonly #maxInFlight: number;
  /** Batches collecting, oldest first (a Map keeps insertion order). */
  readonly #collecting = new Map<string, Batch>();
  #inFlight = 0;
  /** Errors of the limiter (no slot), not of the model: they are answered as they are. */
  readonly #admissionErrors = new WeakSet<object>();

  constructor(limiter: Limiter, maxInFlight: number, options: BatchingOptions = {}) {
    this.#limiter = limiter;
    this.#maxInFlight = Math.max(1, Math.floor(maxInFlight));
    this.maxBatchSize = Math.max(1, Math.floor(options.maxBatchSize ?? 32));
    this.maxDelayMs = Math.max(0, options.maxDelayMs ?? 2);
  }

  /** Batches being predicted now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Whether `error` came from the limiter (the server is at capacity) rather than from the model. */
  isAdmissionError(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.#admissionErrors.has(error);
  }

  /** Whether a request of `rows` rows may go through the batcher (smaller than a full batch). */
  accepts(rows: number): boolean {
    return rows < this.maxBatchSize;
  }

  /**
   * Predicts `frame` with `params`, batched with others of the same `key` (see {@link batchKey}).
   * Resolves with this request's part of the prediction; rejects with what `model.predict`
   * throws for this request alone, or the limiter's TEMPORARILY_UNAVAILABLE.
   */
  predict(model: PyFuncModel, frame: Frame, params: Params, key: string): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const entry: Entry = { frame, params, resolve, reject };
      let batch = this.#collecting.get(key);
      if (batch !== undefined && batch.rows + frame.numRows > this.maxBatchSize) {
        this.#dispatch(batch);
        batch = undefined;
      }
      if (batch === undefined) {
        batch = { key, model, params, entries: [], rows: 0, timer: undefined };
        if (this.#inFlight < this.#maxInFlight && this.#limiter.running < this.#limiter.concurrency) {
          // idle: no wait for company
          batch.entries.push(entry);
          batch.rows = frame.numRows;
          this.#dispatch(batch);
          return;
        }
        this.#collecting.set(key, batch);
        batch.timer = setTimeout(() => this.#dispatch(batch!), this.maxDelayMs);
      }
      batch.entries.push(entry);
      batch.rows += frame.numRows;
      if (batch.rows >= this.maxBatchSize) this.#dispatch(batch);
    });
  }

  /** Closes a batch and predicts it (waiting for a limiter slot if need be). */
  #dispatch(batch: Batch): void {
    if (this.#collecting.get(batch.key) === batch) this.#collecting.delete(batch.key);
    clearTimeout(batch.timer);
    this.#inFlight++;
    void this.#run(batch).finally(() => {
      this.#inFlight--;
      this.#pump();
    });
  }

  /** A slot freed up: the oldest collecting batch goes now instead of at its deadline. */
  #pump(): void {
    if (this.#inFlight >= this.#maxInFlight) return;
    const oldest = this.#collecting.values().next();
    if (oldest.done !== true) this.#dispatch(oldest.value);
  }

  async #run(batch: Batch): Promise<void> {
    let release: () => void;
    try {
      release = this.#limiter.tryAcquire() ?? await this.#limiter.acquire();
    } catch (error) {
      if (typeof error === 'object' && error !== null) this.#admissionErrors.add(error);
      for (const entry of batch.entries) entry.reject(error);
      return;
    }
    try {
      if (batch.entries.length === 1) {
        await settle(batch.entries[0]!, batch.model);
        return;
      }
      let prediction: unknown;
      let ok = false;
      try {
        // a copy of the params: the requests keep theirs untouched for a fallback
        prediction = await batch.model.predict(concatFrames(batch.entries.map((entry) => entry.frame)), copyPyValue(batch.params));
        ok = rowCount(prediction) === batch.rows;
      } catch {
        ok = false;
      }
      if (ok) {
        this.stats.batches++;
        this.stats.batchedRequests += batch.entries.length;
        let start = 0;
        for (const entry of batch.entries) {
          const end = start + entry.frame.numRows;
          try {
            entry.resolve(sliceRows(prediction, start, end));
          } catch (error) {
            entry.reject(error);
          }
          start = end;
        }
        return;
      }
      // not row-aligned, or a request broke the batch: each request on its own, for its own answer
      this.stats.fallbacks++;
      for (const entry of batch.entries) await settle(entry, batch.model);
    } finally {
      release();
    }
  }
}

async function settle(entry: Entry, model: PyFuncModel): Promise<void> {
  try {
    entry.resolve(await model.predict(entry.frame, entry.params));
  } catch (error) {
    entry.reject(error);
  }
}
