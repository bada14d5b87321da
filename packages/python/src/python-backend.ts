/**
 * The `python_function` backend: loads a model in Python workers running MLflow's own
 * `mlflow.pyfunc.load_model`, inside the model's restored environment.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { MlflowException, type Logger } from '@pyfunc/format';
import {
  loadModel as runtimeLoadModel,
  registerBackend,
  type FlavorBackendV1,
  type LoadModelOptions,
  type LoadOptions,
  type LoadedModelV1,
  type PyFuncModel,
} from '@pyfunc/runtime';
import type { WorkerLaunch } from './python-worker.js';
import type { EnvProgressEvent } from '@pyfunc/environment';
import { WorkerPool } from './worker-pool.js';

/** The environment managers (environment.md 10). */
export type EnvManagerName = 'local' | 'virtualenv' | 'uv' | 'conda';

/** Options of the Python backend. */
export interface PythonLoadOptions {
  /**
   * Where the workers run: `local` = the given interpreter as is (default, like MLflow's
   * in-process `load_model`); `virtualenv` / `uv` / `conda` restore the model's environment
   * with @pyfunc/environment (cached, reused).
   */
  envManager?: EnvManagerName;
  /** The interpreter for `local` (and to create environments): default `$PYFUNC_PYTHON`, else `python3`. */
  python?: string;
  /** Worker processes per model (default `$PYFUNC_WORKERS`, else the cores, at most 4). */
  workers?: number;
  /** Per-request timeout; a worker past it is killed and restarted (default `$PYFUNC_REQUEST_TIMEOUT_MS`, else none). */
  requestTimeoutMs?: number;
  /** Cache directory of built environments (@pyfunc/environment's default otherwise). */
  envCacheDir?: string;
  /** `json`: buffers as base64 inside the JSON header, for debugging only (default `binary`, or `$PYFUNC_TRANSPORT`). */
  transport?: 'binary' | 'json';
  /**
   * Requirements installed into the restored environment on top of the model's (MLflow's
   * `--pip-requirements-override`); part of the environment's identity. Ignored by `local`.
   */
  pipRequirementsOverride?: readonly string[];
  /** Progress of the environment build (resolving, downloading, installing, done). */
  onProgress?: (event: EnvProgressEvent) => void;
}

/** The model each `backendOptions` object of this package's `loadModel` produced. */
const loadedByOptions = new WeakMap<object, PythonLoadedModel>();
const loadedByModel = new WeakMap<PyFuncModel, PythonLoadedModel>();
const livePools = new Set<WorkerPool>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // a normal exit kills the workers; a SIGKILLed Node is covered by the workers themselves
  // (EOF on their request pipe, and PR_SET_PDEATHSIG on Linux)
  process.on('exit', () => {
    for (const pool of livePools) {
      for (const pid of pool.pids) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }
  });
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new MlflowException('INVALID_PARAMETER_VALUE', `${name} must be a number, got '${raw}'.`);
  return value;
}

const OPTION_KEYS = ['envManager', 'python', 'workers', 'requestTimeoutMs', 'envCacheDir', 'transport', 'pipRequirementsOverride', 'onProgress'] as const;

/** The backend's options: the defaults, overridden by the load call's `backendOptions` (its known keys). */
function resolveOptions(defaults: PythonLoadOptions, backendOptions: Readonly<Record<string, unknown>> = {}): Required<Pick<PythonLoadOptions, 'envManager' | 'python'>> & PythonLoadOptions {
  const given: PythonLoadOptions = { ...defaults };
  for (const key of OPTION_KEYS) {
    const value = backendOptions[key];
    if (value !== undefined) (given as Record<string, unknown>)[key] = value;
  }
  const envManager = given.envManager ?? (process.env.PYFUNC_ENV_MANAGER as EnvManagerName | undefined) ?? 'local';
  if (!['local', 'virtualenv', 'uv', 'conda'].includes(envManager)) {
    throw new MlflowException('INVALID_PARAMETER_VALUE',
      `Invalid value for \`env_manager\`: ${envManager}. Must be one of ['local', 'conda', 'virtualenv', 'uv']`);
  }
  return {
    ...given,
    envManager,
    python: given.python ?? process.env.PYFUNC_PYTHON ?? 'python3',
    workers: given.workers ?? envNumber('PYFUNC_WORKERS'),
    requestTimeoutMs: given.requestTimeoutMs ?? envNumber('PYFUNC_REQUEST_TIMEOUT_MS'),
  };
}

interface EnvironmentLike {
  readonly python: string;
  readonly extraEnv?: Readonly<Record<string, string>>;
  spawn?(command: readonly string[], options?: SpawnOptions & { env?: Record<string, string> }): ChildProcess;
}

interface EnvironmentModule {
  getEnvManager?: (name: string) => { prepare(modelDir: string, options?: Record<string, unknown>): Promise<EnvironmentLike> };
}

async function launchFor(modelDir: string, options: ReturnType<typeof resolveOptions>, logger: Logger): Promise<WorkerLaunch> {
  if (options.envManager === 'local') return { python: options.python };
  let module: EnvironmentModule;
  try {
    const packageName = '@pyfunc/environment'; // resolved at run time: its exports are still growing
    module = (await import(packageName)) as EnvironmentModule;
  } catch (error) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `envManager '${options.envManager}' needs @pyfunc/environment: npm install @pyfunc/environment`, { cause: error });
  }
  if (typeof module.getEnvManager !== 'function') {
    throw new MlflowException('NOT_IMPLEMENTED', `This @pyfunc/environment has no environment managers; use envManager 'local'.`);
  }
  const manager = module.getEnvManager(options.envManager);
  const environment = await manager.prepare(modelDir, {
    python: options.python === 'python3' ? undefined : options.python,
    cacheDir: options.envCacheDir,
    logger,
    ...(options.pipRequirementsOverride === undefined || options.pipRequirementsOverride.length === 0 ? {} : { pipRequirementsOverride: [...options.pipRequirementsOverride] }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  const spawnIn = environment.spawn?.bind(environment);
  return {
    python: environment.python,
    env: environment.extraEnv,
    spawn: spawnIn === undefined ? undefined : (argv, env, stdio) => spawnIn(argv, { env, stdio, cwd: modelDir }),
  };
}

/** A model served by a worker pool. */
class PythonLoadedModel implements LoadedModelV1 {
  readonly enforcesSchema = true;
  readonly #pool: WorkerPool;

  constructor(pool: WorkerPool) {
    this.#pool = pool;
  }

  /** The live workers' process ids. */
  get workerPids(): number[] {
    return this.#pool.pids;
  }

  doPredict(data: unknown, params: Record<string, unknown> | undefined): Promise<unknown> {
    return this.#pool.predict(data, params);
  }

  doPredictStream(data: unknown, params: Record<string, unknown> | undefined): AsyncIterable<unknown> {
    return this.#pool.predictStream(data, params);
  }

  async doClose(): Promise<void> {
    livePools.delete(this.#pool);
    await this.#pool.close();
  }
}

/**
 * A `python_function` backend with its own defaults (a load call's options win over them).
 * Register it with the runtime's `registerBackend` to change the defaults for every load.
 */
export function createPythonBackend(defaults: PythonLoadOptions = {}): FlavorBackendV1 {
  return {
    specificationVersion: 'v1',
    flavorName: 'python_function',
    async doLoad(modelDir: string, loadOptions: LoadOptions): Promise<LoadedModelV1> {
      const options = resolveOptions(defaults, loadOptions.backendOptions);
      const logger = loadOptions.logger;
      const launch = await launchFor(modelDir, options, logger);
      const pool = await WorkerPool.start(modelDir, launch, {
        workers: options.workers,
        requestTimeoutMs: options.requestTimeoutMs,
        transport: options.transport,
        logger,
        workerOptions: {
          model_config: loadOptions.modelConfigOverrides ?? null,
          suppress_warnings: loadOptions.suppressWarnings,
        },
      });
      installExitHook();
      livePools.add(pool);
      const loaded = new PythonLoadedModel(pool);
      if (loadOptions.backendOptions !== undefined) loadedByOptions.set(loadOptions.backendOptions, loaded);
      return loaded;
    },
  };
}

/** The backend the runtime imports for the `python_function` flavor (options from the load call or the environment). */
export const backend: FlavorBackendV1 = createPythonBackend();

// importing this package is what makes `python_function` models loadable: the runtime cannot
// import its dependents, so the backend registers itself here
registerBackend(backend);

/**
 * `loadModel` with the Python backend's options: the runtime's loading (MLmodel, config,
 * input example) with `envManager`, `python`, `workers` and `requestTimeoutMs` applied to a
 * `python_function` model.
 * @throws {MlflowException} as the runtime's `loadModel`; RESOURCE_DOES_NOT_EXIST for a missing
 *   interpreter or environment tool; the Python load error (with its traceback) when MLflow
 *   fails to load the model; INTERNAL_ERROR when an environment cannot be built.
 */
export async function loadModel(modelUri: string | URL, options: LoadModelOptions & PythonLoadOptions = {}): Promise<PyFuncModel> {
  const { envManager, python, workers, requestTimeoutMs, envCacheDir, transport, pipRequirementsOverride, onProgress, ...rest } = options;
  const backendOptions: Record<string, unknown> = { ...rest.backendOptions };
  for (const [key, value] of Object.entries({ envManager, python, workers, requestTimeoutMs, envCacheDir, transport, pipRequirementsOverride, onProgress })) {
    if (value !== undefined) backendOptions[key] = value;
  }
  const model = await runtimeLoadModel(modelUri, { ...rest, backendOptions });
  const loaded = loadedByOptions.get(backendOptions);
  if (loaded !== undefined) loadedByModel.set(model, loaded);
  return model;
}

/** The process ids of the workers of a model loaded with this package's {@link loadModel} (empty for other models). */
export function workerPids(model: PyFuncModel): number[] {
  return loadedByModel.get(model)?.workerPids ?? [];
}
