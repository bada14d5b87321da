/**
 * A bounded admission queue: at most `concurrency` tasks run, at most `maxQueue` wait; beyond
 * that a request is refused at once instead of piling up (issue 7 item 5).
 */
import { MlflowException } from '@pyfunc/format';

/** Admission control for model calls. */
export class Limiter {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly concurrency: number, readonly maxQueue: number) {}

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }

  /** A slot now if one is free (the returned function frees it), else `undefined`: no promise, no wait. */
  tryAcquire(): (() => void) | undefined {
    if (this.#running >= this.concurrency) return undefined;
    this.#running++;
    return this.#releaser();
  }

  /**
   * Waits for a slot; the returned function frees it (call it exactly once).
   * @throws {MlflowException} TEMPORARILY_UNAVAILABLE (503) when the queue is full;
   *   DEADLINE_EXCEEDED when `signal` aborts while waiting.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#running < this.concurrency) {
      this.#running++;
      return this.#releaser();
    }
    if (this.#waiting.length >= this.maxQueue) {
      throw new MlflowException('TEMPORARILY_UNAVAILABLE',
        `The server is at capacity (${this.concurrency} running, ${this.maxQueue} queued); retry later.`);
    }
    await new Promise<void>((resolve, reject) => {
      const entry = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const index = this.#waiting.indexOf(entry);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(new MlflowException('DEADLINE_EXCEEDED', 'Request processing time exceeded limit'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(entry);
    });
    this.#running++;
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      this.#waiting.shift()?.();
    };
  }
}
