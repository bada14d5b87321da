// Shared by the env-manager tests: child processes running test/fixtures/env-child.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Starts the env child (`node --import tsx fixtures/env-child.ts ...`). */
export function startChild(args: string[]): { child: ChildProcess; lines: Record<string, unknown>[]; done: Promise<number | null>; waitFor: (predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'env-child.ts'), ...args], {
    cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { predicate: (line: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.trim()) continue;
      const line = JSON.parse(part) as Record<string, unknown>;
      lines.push(line);
      for (const waiter of [...waiters]) if (waiter.predicate(line)) { waiter.resolve(); waiters.splice(waiters.indexOf(waiter), 1); }
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => {
    if (code !== 0 && code !== null) process.stderr.write(stderr.slice(-2000));
    resolve(code);
  }));
  const waitFor = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 120_000) => new Promise<void>((resolve, reject) => {
    if (lines.some(predicate)) { resolve(); return; }
    const timer = setTimeout(() => reject(new Error(`timed out waiting; lines: ${JSON.stringify(lines).slice(-1000)}; stderr: ${stderr.slice(-1000)}`)), timeoutMs);
    waiters.push({ predicate, resolve: () => { clearTimeout(timer); resolve(); } });
  });
  return { child, lines, done, waitFor };
}

/** The `result` line of a finished child. */
export function resultOf(lines: Record<string, unknown>[]): Record<string, unknown> | undefined {
  return lines.find((line) => 'result' in line)?.result as Record<string, unknown> | undefined;
}
