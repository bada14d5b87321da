/**
 * One Python worker process: MLflow's `load_model` on the model, requests over fd 3/4.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, read as readFd, unlinkSync, writev as writevFd } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { MlflowException, silentLogger, type Logger } from '@pyfunc/format';
import {
  MessageReader,
  bodyChunks,
  bodySize,
  decodeValue,
  encodeMessage,
  encodeValue,
  pythonWireDir,
  sharedBodyOf,
  splitBody,
  type WireMessage,
  type WireTree,
} from '@pyfunc/runtime/wire';

/** The worker script shipped in the package's `python/` folder. */
export const WORKER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'pyfunc_worker.py');

/** How to start a worker: an interpreter (or a spawn function from an environment) and its env. */
export interface WorkerLaunch {
  /** The Python interpreter. */
  readonly python: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Spawns `argv` in the model's environment with these stdio; defaults to running `python` directly. */
  readonly spawn?: (argv: readonly string[], env: Record<string, string>, stdio: StdioOptions) => ChildProcess;
}

/** A Python-side failure: its exception type and traceback (the `cause` of the coded error). */
export class PythonError extends Error {
  /** The Python exception class name. */
  readonly pythonType: string;
  /** The formatted Python traceback. */
  readonly traceback: string;

  constructor(pythonType: string, message: string, traceback: string) {
    super(`${pythonType}: ${message}\n${traceback}`);
    this.name = 'PythonError';
    this.pythonType = pythonType;
    this.traceback = traceback;
  }
}

interface PythonErrorInfo { type?: string; code?: string | null; message?: string; traceback?: string }

/** MLflow's own exceptions keep their code and message; any other Python exception is INTERNAL_ERROR. */
export function toCodedError(info: PythonErrorInfo, context?: string): MlflowException {
  const type = info.type ?? 'Exception';
  const message = info.message ?? '';
  const cause = new PythonError(type, message, info.traceback ?? '');
  if (typeof info.code === 'string' && info.code !== '') return new MlflowException(info.code, message, { cause });
  const text = context === undefined ? `${type}: ${message}` : `${context}: ${type}: ${message}\n${info.traceback ?? ''}`;
  return new MlflowException('INTERNAL_ERROR', text, { cause });
}

interface Pending {
  onMessage(message: WireMessage): boolean; // true when the request is finished
  onFail(error: MlflowException): void;
}

let nextId = 1;

/** Requests up to this size are copied into one buffer and written at once. */
const SMALL_MESSAGE = 64 * 1024;
/** Bodies of this size or more go through the shared file (Python's SHARED_MIN is the same). */
const SHARED_MIN = 1 << 20;
/** Past this size the shared file is emptied once a request is done, not kept for the next. */
const SHARED_KEEP = 256 << 20;

/**
 * A deleted file in /dev/shm (memory, not disk) for large bodies both ways: Node writes a big
 * frame's columns there and Python maps them, instead of pushing them through a 64 KiB pipe
 * (two copies and hundreds of wake-ups). Linux only; `PYFUNC_SHARED_MEMORY=0` turns it off.
 * Deleted at once, so nothing is left behind whatever happens to either process.
 */
function openSharedFile(): number | undefined {
  if (process.platform !== 'linux' || process.env.PYFUNC_SHARED_MEMORY === '0') return undefined;
  try {
    const path = join('/dev/shm', `pyfunc-${process.pid}-${randomBytes(6).toString('hex')}`);
    const fd = openSync(path, 'w+', 0o600);
    unlinkSync(path);
    return fd;
  } catch {
    return undefined;
  }
}

/**
 * A running worker. `ready` settles once the model is loaded (or failed to load); requests run
 * one at a time (the pool guarantees it).
 */
export class PythonWorker {
  readonly #child: ChildProcess;
  readonly #in: Writable;
  readonly #logger: Logger;
  #pending: { id: number; handler: Pending } | undefined;
  #exited = false;
  #loaded = false;
  readonly #json: boolean;
  /** The shared file's descriptor (closed once the worker is gone and no I/O on it is in flight). */
  #sharedFd: number | undefined;
  /** Whether Python mapped the shared file, and whether its request region is free to overwrite. */
  #sharedOn = false;
  #sharedFree = true;
  #sharedOps = 0;
  #sharedHigh = 0;
  /** Answers waiting while an earlier answer's body is read from the shared file. */
  readonly #inbox: WireMessage[] = [];
  #reading = false;
  #exitListeners: ((error: MlflowException) => void)[] = [];
  /** Settles when the model is loaded. */
  readonly ready: Promise<void>;

  constructor(modelDir: string, launch: WorkerLaunch, options: { logger?: Logger; workerOptions?: Record<string, unknown>; transport?: 'binary' | 'json' } = {}) {
    this.#logger = options.logger ?? silentLogger;
    this.#json = options.transport === 'json';
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...launch.env,
      PYTHONUNBUFFERED: '1',
      PYFUNC_WORKER_OPTIONS: JSON.stringify(options.workerOptions ?? {}),
      PYFUNC_WORKER_TRANSPORT: this.#json ? 'json' : 'binary',
      PYFUNC_WIRE_DIR: pythonWireDir(),
    };
    const argv = ['-u', WORKER_SCRIPT, modelDir];
    this.#sharedFd = this.#json ? undefined : openSharedFile();
    const fds: StdioOptions = ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', this.#sharedFd ?? 'ignore'];
    this.#child = launch.spawn !== undefined
      ? launch.spawn([launch.python, ...argv], env, fds)
      : spawn(launch.python, argv, { env, stdio: fds, cwd: modelDir });
    const child = this.#child;
    const stdio = (child.stdio as (Readable | Writable | null)[] | undefined) ?? [];
    const out = (stdio[4] ?? new PassThrough()) as Readable; // absent when the spawn itself failed
    this.#in = (stdio[3] ?? new PassThrough()) as Writable;
    this.#in.on('error', () => { /* EPIPE after the worker died: the exit handler reports it */ });
    const stderrTail: string[] = [];
    for (const [stream, level] of [[child.stdout, 'info'], [child.stderr, 'warn']] as const) {
      if (stream === null) continue;
      createInterface({ input: stream }).on('line', (line) => {
        if (level === 'warn') {
          stderrTail.push(line);
          if (stderrTail.length > 40) stderrTail.shift();
        }
        this.#logger[level]({ pid: child.pid, stream: level === 'info' ? 'stdout' : 'stderr' }, line);
      });
    }
    const reader = new MessageReader();
    let resolveReady!: () => void;
    let rejectReady!: (error: MlflowException) => void;
    this.ready = new Promise<void>((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });
    this.ready.catch(() => undefined);
    let loaded = false;
    out.on('data', (chunk: Buffer) => {
      let messages: WireMessage[];
      try {
        messages = reader.push(chunk);
      } catch (error) {
        this.kill();
        this.#fail(error as MlflowException);
        return;
      }
      for (const message of messages) {
        const op = message.header.op;
        if (op === 'ready') {
          loaded = true;
          this.#loaded = true;
          this.#sharedOn = message.header.shm === true && this.#sharedFd !== undefined;
          resolveReady();
          continue;
        }
        if (op === 'load_error') {
          rejectReady(toCodedError(message.header.error as PythonErrorInfo, `Failed to load the model in Python (${modelDir})`));
          continue;
        }
        this.#inbox.push(message);
      }
      this.#drain();
    });
    out.on('error', () => undefined);
    child.on('error', (error: NodeJS.ErrnoException) => {
      const failure = error.code === 'ENOENT'
        ? new MlflowException('RESOURCE_DOES_NOT_EXIST', `Python interpreter not found: '${launch.python}'. Install Python or pass \`python\` / set PYFUNC_PYTHON.`, { cause: error })
        : new MlflowException('INTERNAL_ERROR', `Could not start the Python worker: ${error.message}`, { cause: error });
      this.#exited = true;
      this.#closeShared();
      rejectReady(failure);
      this.#fail(failure);
    });
    child.on('exit', () => { this.#exited = true; });
    child.on('close', (code, signal) => {
      this.#exited = true;
      this.#closeShared();
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      const tail = stderrTail.length > 0 ? `\n${stderrTail.join('\n')}` : '';
      if (!loaded) rejectReady(new MlflowException('INTERNAL_ERROR', `The Python worker ${how} before the model loaded.${tail}`));
      this.#fail(new MlflowException('INTERNAL_ERROR', `The Python worker (pid ${String(child.pid)}) ${how} while handling the request.`));
    });
  }

  /** The worker's process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether the model loaded (the worker served or could serve requests). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Whether the process has ended. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Registers a listener for the worker's death. */
  onExit(listener: (error: MlflowException) => void): void {
    this.#exitListeners.push(listener);
  }

  /** Hands answers to the request in order; an answer whose body is in the shared file is read first. */
  #drain(): void {
    while (!this.#reading && this.#inbox.length > 0) {
      const message = this.#inbox[0]!;
      const shared = sharedBodyOf(message.header);
      if (shared !== undefined) {
        this.#readShared(message, shared.offset, shared.size);
        return;
      }
      this.#inbox.shift();
      this.#deliver(message);
    }
  }

  #readShared(message: WireMessage, offset: number, size: number): void {
    const fd = this.#sharedFd;
    const pending = this.#pending;
    if (fd === undefined || pending === undefined || pending.id !== message.header.id) {
      this.#inbox.shift(); // nobody waits for it (a timed-out request): skip
      this.#drain();
      return;
    }
    this.#reading = true;
    this.#sharedOps++;
    this.#sharedHigh = Math.max(this.#sharedHigh, offset + size);
    // a fresh allocation (not the shared pool), so typed views are 8-aligned
    const body = Buffer.allocUnsafeSlow(size);
    readFd(fd, body, 0, size, offset, (error, bytesRead) => {
      this.#sharedOps--;
      this.#reading = false;
      this.#inbox.shift();
      if (error !== null || bytesRead !== size) {
        if (this.#pending === pending) {
          this.#pending = undefined;
          pending.handler.onFail(new MlflowException('INTERNAL_ERROR', `Could not read the Python worker's answer from shared memory: ${error?.message ?? `${String(bytesRead)} of ${String(size)} bytes`}`));
        }
      } else {
        let buffers: Uint8Array[];
        try {
          buffers = splitBody(message.header, body);
        } catch (failure) {
          this.kill();
          this.#fail(failure as MlflowException);
          return;
        }
        this.#deliver({ header: message.header, buffers });
      }
      this.#closeShared();
      this.#drain();
    });
  }

  #deliver(message: WireMessage): void {
    const pending = this.#pending;
    if (pending === undefined || pending.id !== message.header.id) return;
    if (typeof message.header.sf === 'boolean') {
      // the request's last answer: Python says whether its shared buffers are free again
      this.#sharedFree = message.header.sf;
      if (this.#sharedFree && this.#sharedHigh > SHARED_KEEP && this.#sharedFd !== undefined) {
        try {
          ftruncateSync(this.#sharedFd, 0); // a huge request's memory is not kept for the next
          this.#sharedHigh = 0;
        } catch { /* kept: harmless */ }
      }
    }
    // a finished request may already have let the pool send the next one (inside onMessage): keep that one
    if (pending.handler.onMessage(message) && this.#pending === pending) this.#pending = undefined;
  }

  /** Closes the shared file once the worker is gone and nothing reads or writes it. */
  #closeShared(): void {
    if (!this.#exited || this.#sharedOps > 0 || this.#sharedFd === undefined) return;
    const fd = this.#sharedFd;
    this.#sharedFd = undefined;
    try { closeSync(fd); } catch { /* already closed */ }
  }

  #fail(error: MlflowException): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.handler.onFail(error);
    const listeners = this.#exitListeners;
    this.#exitListeners = [];
    for (const listener of listeners) listener(error);
  }

  /** Fails the current request with `error` and kills the process (timeouts). */
  abort(error: MlflowException): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.handler.onFail(error);
    this.kill();
  }

  /** Sends one request; `handler` sees each answer message until it returns true. */
  send(op: 'predict' | 'stream', data: unknown, params: Record<string, unknown> | undefined, handler: Pending): void {
    if (this.#exited) {
      handler.onFail(new MlflowException('INTERNAL_ERROR', 'The Python worker is not running.'));
      return;
    }
    const buffers: Uint8Array[] = [];
    const id = nextId++;
    let header: Record<string, unknown>;
    try {
      header = { id, op, data: encodeValue(data, buffers), params: params === undefined ? null : encodeValue(params, buffers) };
    } catch (error) {
      handler.onFail(MlflowException.isInstance(error) ? error : new MlflowException('INVALID_PARAMETER_VALUE', String(error)));
      return;
    }
    this.#pending = { id, handler };
    if (this.#sharedOn && this.#sharedFree && this.#sharedFd !== undefined) {
      const size = bodySize(buffers);
      if (size >= SHARED_MIN) {
        this.#sendShared(id, header, buffers, size);
        return;
      }
    }
    this.#write(encodeMessage(header, buffers, { json: this.#json }));
  }

  /** Writes a large body to the shared file, then the header on the pipe; the pipe if that fails. */
  #sendShared(id: number, header: Record<string, unknown>, buffers: Uint8Array[], size: number): void {
    const fd = this.#sharedFd!;
    this.#sharedFree = false;
    this.#sharedOps++;
    this.#sharedHigh = Math.max(this.#sharedHigh, size);
    writevFd(fd, bodyChunks(buffers).chunks, 0, (error, written) => {
      this.#sharedOps--;
      if (this.#exited || this.#pending?.id !== id) {
        this.#closeShared();
        return; // failed or aborted meanwhile
      }
      if (error === null && written === size) {
        this.#write(encodeMessage(header, buffers, { shared: { offset: 0, size } }));
      } else {
        // no room in /dev/shm (or a short write): this request takes the pipe
        this.#logger.debug({ pid: this.#child.pid, error: error?.message }, 'shared memory write failed; using the pipe');
        this.#sharedFree = true;
        this.#write(encodeMessage(header, buffers, {}));
      }
    });
  }

  #write(chunks: Buffer[]): void {
    let size = 0;
    for (const chunk of chunks) size += chunk.length;
    if (size <= SMALL_MESSAGE) {
      // one write, one syscall: small requests are latency-bound
      this.#in.write(Buffer.concat(chunks, size));
    } else {
      // large buffers are written where they are (no copy), gathered into writev calls
      this.#in.cork();
      for (const chunk of chunks) this.#in.write(chunk);
      this.#in.uncork();
    }
  }

  /** Stops the process: closing fd 3 makes it exit; SIGKILL if `force`. */
  kill(force = true): void {
    if (this.#exited) return;
    this.#in.end();
    if (force) this.#child.kill('SIGKILL');
  }

  /** Ends the worker and waits for the process to be gone. */
  async close(graceMs = 2000): Promise<void> {
    if (this.#exited) return;
    const gone = new Promise<void>((resolve) => this.#child.once('close', () => resolve()));
    this.kill(false);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

/** Decodes an answer's value. */
export function decodeAnswer(message: WireMessage, key: 'ok' | 'chunk'): unknown {
  return decodeValue((message.header[key] ?? null) as WireTree, message.buffers);
}
