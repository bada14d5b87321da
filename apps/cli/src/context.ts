import type { Readable, Writable } from 'node:stream';

/** What a command may touch: its streams and an interrupt signal. Tests pass buffers. */
export interface CliContext {
  stdout: Pick<Writable, 'write'> & { isTTY?: boolean };
  stderr: Pick<Writable, 'write'> & { isTTY?: boolean };
  /** Input of `predict` without `-i` (default `process.stdin`). */
  stdin?: Readable;
  /** Aborting it interrupts a long operation (exit 130) or stops `serve` (exit 0), like SIGINT. */
  signal?: AbortSignal;
  /** Called once `serve` listens, with its URL (tests and the quick start use it). */
  onListening?: (url: string) => void;
}
