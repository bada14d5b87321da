/**
 * The environment-manager interface (environment.md 10, 11): `prepare(modelDir, options)`
 * restores (or reuses) the model's Python environment and returns an {@link Environment}
 * that runs commands inside it.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { MlflowException, type Logger } from '@pyfunc/format';

/** The `--env-manager` choices, in MLflow's order. */
export const envManagerNames = ['local', 'conda', 'virtualenv', 'uv'] as const;
/** One `--env-manager` choice. */
export type EnvManagerName = (typeof envManagerNames)[number];

/** A structured progress event of {@link EnvManager.prepare}. */
export type EnvProgressEvent =
  | { phase: 'resolving'; envManager: EnvManagerName; modelDir: string; envName?: string }
  | { phase: 'cached'; envName: string; path: string }
  | { phase: 'waiting'; envName: string; ownerPid?: number }
  | { phase: 'creating'; envName: string; python: string }
  | { phase: 'downloading'; package?: string; completed?: number; total?: number }
  | { phase: 'installing'; step: 'build_dependencies' | 'dependencies' | 'override'; package?: string;
      completed?: number; total?: number }
  | { phase: 'done'; envName: string; path: string | undefined; built: boolean; durationMs: number };

/** Options of {@link EnvManager.prepare}. */
export interface PrepareOptions {
  /** The cache of built environments (default {@link defaultEnvCacheDir}). */
  cacheDir?: string;
  /** The interpreter used to create environments and, for `local`, to run them (default `python3` on PATH). */
  python?: string;
  /** pyenv, for a Python version the machine lacks: a path, or false to never use it (default: `pyenv` on PATH). */
  pyenv?: string | false;
  /** uv binary for the uv manager (default: `$PYFUNC_UV`, else uv pip-installed into `<cacheDir>/.tools`). */
  uv?: string;
  /** Appended to the hashed environment name (MLflow's `env_id`). */
  envId?: string;
  /** Extra requirements installed after the model's (MLflow's `pip_requirements_override`). */
  pipRequirementsOverride?: string[];
  /** Variables added to every install command and to {@link Environment.execute}. */
  extraEnv?: Record<string, string>;
  logger?: Logger;
  onProgress?: (event: EnvProgressEvent) => void;
  signal?: AbortSignal;
  /** How long to wait for another process building the same environment (default 30 min). */
  lockTimeoutMs?: number;
}

/** Options of {@link Environment.execute} and {@link Environment.spawn}. */
export interface ExecuteOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Text written to the command's stdin. */
  input?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Throw on a non-zero exit (default true). */
  check?: boolean;
}

/** The outcome of {@link Environment.execute}. */
export interface ExecuteResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A restored environment. */
export interface Environment {
  readonly envManager: EnvManagerName;
  /** MLflow's environment name (`mlflow-<sha1>`), or `local`. */
  readonly name: string;
  /** The environment's directory (undefined for `local`). */
  readonly path: string | undefined;
  /** The environment's Python interpreter. */
  readonly python: string;
  /** False when an existing environment was reused. */
  readonly built: boolean;
  /** Shell commands that activate it, in order (environment.md 10.7). */
  readonly activationCommands: readonly string[];
  /** Variables set for every command. */
  readonly extraEnv: Readonly<Record<string, string>>;
  /**
   * Runs `command` inside the environment: a string runs as
   * `bash -c "<activate> && <command>"` (MLflow's way); an argv array runs without a shell,
   * with the environment's `bin` first on PATH (no quoting pitfalls).
   * @throws {MlflowException} INTERNAL_ERROR with the command's output on a non-zero exit
   * (unless `check: false`); DEADLINE_EXCEEDED on timeout; CANCELLED on abort.
   */
  execute(command: string | readonly string[], options?: ExecuteOptions): Promise<ExecuteResult>;
  /** Starts `command` inside the environment and returns the child (for long-running workers). */
  spawn(command: string | readonly string[], options?: SpawnOptions & { env?: Record<string, string> }): ChildProcess;
}

/** One environment manager (a row of `envManagers`). */
export interface EnvManager {
  readonly name: EnvManagerName;
  /**
   * Restores the model's environment, or reuses the cached one.
   * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST for a missing model file, Python
   * version, tool or package; INVALID_PARAMETER_VALUE for invalid environment files;
   * INTERNAL_ERROR with pip's/uv's own text when an install fails.
   */
  prepare(modelDir: string, options?: PrepareOptions): Promise<Environment>;
}

/** Output of a finished process. */
export interface ProcessOutput extends ExecuteResult {
  command: readonly string[];
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Each complete line of stdout and stderr as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/**
 * Runs a program (no shell) and collects its output; never throws for a non-zero exit.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST when the program does not exist;
 * DEADLINE_EXCEEDED on timeout; CANCELLED on abort.
 */
export function runProcess(file: string, args: readonly string[], options: RunProcessOptions = {}): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new MlflowException('CANCELLED', `Cancelled before running ${file}`));
      return;
    }
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const partial = { stdout: '', stderr: '' };
    const feed = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
      if (options.onLine === undefined) return;
      const lines = (partial[stream] + chunk.toString('utf8')).split(/\r?\n|\r/);
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) options.onLine(line, stream);
    };
    child.stdout!.on('data', (chunk: Buffer) => { out.push(chunk); feed('stdout', chunk); });
    child.stderr!.on('data', (chunk: Buffer) => { err.push(chunk); feed('stderr', chunk); });
    let ended: 'timeout' | 'abort' | undefined;
    const kill = (why: 'timeout' | 'abort') => { ended = why; child.kill('SIGKILL'); };
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => kill('timeout'), options.timeoutMs);
    const onAbort = () => kill('abort');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input ?? '');
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(new MlflowException(error.code === 'ENOENT' ? 'RESOURCE_DOES_NOT_EXIST' : 'INTERNAL_ERROR',
        `Could not run ${file}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signalName) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream] !== '') options.onLine?.(partial[stream], stream);
      }
      const command = [file, ...args];
      if (ended === 'timeout') {
        reject(new MlflowException('DEADLINE_EXCEEDED', `Timed out after ${options.timeoutMs} ms: ${command.join(' ')}`));
      } else if (ended === 'abort') {
        reject(new MlflowException('CANCELLED', `Cancelled: ${command.join(' ')}`));
      } else {
        resolve({
          command, exitCode: code ?? (signalName ? 128 : 1),
          stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
        });
      }
    });
  });
}

/** Quotes one word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The fields of {@link ShellEnvironment}. */
export interface ShellEnvironmentInit {
  envManager: EnvManagerName;
  name: string;
  path: string | undefined;
  python: string;
  built: boolean;
  activationCommands: readonly string[];
  extraEnv?: Record<string, string>;
  /** Directories put first on PATH for argv commands. */
  binDirs: readonly string[];
  /** Variables set for argv commands (e.g. VIRTUAL_ENV). */
  activationEnv?: Record<string, string>;
}

/** The {@link Environment} every manager returns: activation commands plus variables. */
export class ShellEnvironment implements Environment {
  readonly envManager: EnvManagerName;
  readonly name: string;
  readonly path: string | undefined;
  readonly python: string;
  readonly built: boolean;
  readonly activationCommands: readonly string[];
  readonly extraEnv: Readonly<Record<string, string>>;
  private readonly binDirs: readonly string[];
  private readonly activationEnv: Record<string, string>;

  constructor(init: ShellEnvironmentInit) {
    this.envManager = init.envManager;
    this.name = init.name;
    this.path = init.path;
    this.python = init.python;
    this.built = init.built;
    this.activationCommands = init.activationCommands;
    this.extraEnv = { ...init.extraEnv };
    this.binDirs = init.binDirs;
    this.activationEnv = { ...init.activationEnv };
  }

  private invocation(command: string | readonly string[], env: Record<string, string> | undefined):
    { file: string; args: string[]; env: NodeJS.ProcessEnv } {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...this.extraEnv, ...env };
    if (typeof command === 'string') {
      return { file: 'bash', args: ['-c', [...this.activationCommands, command].join(' && ')], env: childEnv };
    }
    if (command.length === 0) throw new MlflowException('INVALID_PARAMETER_VALUE', 'Empty command');
    const path = [...this.binDirs, childEnv.PATH ?? ''].filter((p) => p !== '').join(delimiter);
    return { file: command[0]!, args: command.slice(1), env: { ...childEnv, ...this.activationEnv, PATH: path } };
  }

  async execute(command: string | readonly string[], options: ExecuteOptions = {}): Promise<ExecuteResult> {
    const { file, args, env } = this.invocation(command, options.env);
    const result = await runProcess(file, args, {
      cwd: options.cwd, env, input: options.input, signal: options.signal, timeoutMs: options.timeoutMs,
    });
    if (result.exitCode !== 0 && options.check !== false) {
      throw new MlflowException('INTERNAL_ERROR', [
        `Non-zero exit code: ${result.exitCode}`,
        `Command: ${typeof command === 'string' ? command : command.join(' ')}`,
        ...(result.stdout ? ['', 'STDOUT:', result.stdout.trimEnd()] : []),
        ...(result.stderr ? ['', 'STDERR:', result.stderr.trimEnd()] : []),
      ].join('\n'));
    }
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  spawn(command: string | readonly string[], options: SpawnOptions & { env?: Record<string, string> } = {}): ChildProcess {
    const { file, args, env } = this.invocation(command, options.env);
    return spawn(file, args, { ...options, env });
  }
}

/** `<dir>/bin` for POSIX virtual environments. */
export function venvBin(dir: string): string {
  return join(dir, 'bin');
}
