import { Readable } from 'node:stream';
import { main, type CliContext } from '../../src/index.js';

/** Runs `pyfunc ...args` in-process with buffers; `extra` adds stdin, a signal, a listening hook. */
export async function run(args: string[], extra: Partial<CliContext> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'pyfunc', ...args], {
    stdout: { write: (text: string) => ((stdout += text), true) },
    stderr: { write: (text: string) => ((stderr += text), true) },
    ...extra,
  });
  return { code, stdout, stderr };
}

/** A stdin stream holding `text`. */
export const stdinOf = (text: string): Readable => Readable.from([Buffer.from(text)]);
