/**
 * Request deadlines of one server: every request gets the same time limit, so deadlines expire
 * in the order requests started. They sit in a linked list (O(1) to add and remove) under one
 * timer armed for the oldest, instead of a timer per request (measurable at tens of thousands
 * of requests a second).
 */

/** One request's deadline, carrying the request's own `value`. */
export class Deadline<T = unknown> {
  prev: Deadline<T> | undefined;
  next: Deadline<T> | undefined;
  /** True once the time limit passed (the request has been answered by its expiry). */
  expired = false;
  /** Frees what the request holds (its limiter slot) when the deadline passes first. */
  release: (() => void) | undefined;
  #controller: AbortController | undefined;

  constructor(readonly at: number, readonly value: T) {}

  /** Aborts when the deadline passes (made only when something waits on it). */
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.expired) this.#controller.abort();
    return this.#controller.signal;
  }

  /** Marks the deadline passed: aborts the signal, frees what the request holds. */
  expire(): void {
    this.expired = true;
    this.#controller?.abort();
    this.release?.();
  }
}

/** The deadlines of requests that all have `ms` milliseconds; `onExpire` runs for each that passes. */
export class Deadlines<T = unknown> {
  #head: Deadline<T> | undefined;
  #tail: Deadline<T> | undefined;
  /** Unref'd: in-flight requests keep the process alive by their sockets, not by their deadlines. */
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly ms: number, readonly onExpire: (deadline: Deadline<T>) => void) {}

  /**
   * Starts a deadline for a request that started at `now` (`performance.now()`'s clock); it
   * expires unless {@link finish} comes first.
   */
  start(value: T, now = performance.now()): Deadline<T> {
    const entry = new Deadline(now + this.ms, value);
    const tail = this.#tail;
    if (tail === undefined) {
      this.#head = entry;
    } else {
      tail.next = entry;
      entry.prev = tail;
    }
    this.#tail = entry;
    if (this.#timer === undefined) this.#arm(entry.at);
    return entry;
  }

  /** The request finished in time: its deadline no longer runs (no effect once expired or finished). */
  finish(entry: Deadline<T>): void {
    if (entry.expired) return;
    const { prev, next } = entry;
    if (prev === undefined) {
      if (this.#head !== entry) return; // not in the list (finished already)
      this.#head = next;
    } else {
      prev.next = next;
    }
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    entry.prev = undefined;
    entry.next = undefined;
    // the timer stays armed when the list empties: it fires once, finds nothing due, and is not
    // re-armed (stopping and re-arming it around every request of a lone client costs as much as
    // a timer per request)
  }

  #arm(at: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(at - performance.now())));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    let entry = this.#head;
    while (entry !== undefined && entry.at <= now) {
      const next = entry.next;
      this.#head = next;
      if (next === undefined) this.#tail = undefined;
      else next.prev = undefined;
      entry.next = undefined;
      entry.expire();
      this.onExpire(entry);
      entry = next;
    }
    if (this.#head !== undefined) this.#arm(this.#head.at);
  }
}
