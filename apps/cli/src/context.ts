import type { Writable } from 'node:stream';

/** What a command may touch: its output streams. Tests pass buffers. */
export interface CliContext {
  stdout: Pick<Writable, 'write'>;
  stderr: Pick<Writable, 'write'>;
}
