import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { MlflowException, type Logger } from '@pyfunc/format';
import { downloadArtifacts } from '@pyfunc/tracking';
import { createCliLogger, type LogOptions } from './logger.js';
import type { CliContext } from './context.js';

/** The `--env-manager` choices in MLflow's order. */
export type EnvManagerName = 'local' | 'conda' | 'virtualenv' | 'uv';
const ENV_MANAGERS: readonly EnvManagerName[] = ['local', 'conda', 'virtualenv', 'uv'];

/** `--env-manager`: an unknown value is a usage error (exit 2) carrying MLflow's message. */
export function envManagerOption(defaultValue?: EnvManagerName): Option {
  const option = new Option('--env-manager <manager>', "how to restore the model's Python environment: local, virtualenv, uv or conda")
    .argParser((value: string): EnvManagerName => {
      if (!(ENV_MANAGERS as readonly string[]).includes(value)) {
        throw new InvalidArgumentError(`INVALID_PARAMETER_VALUE: Invalid value for \`env_manager\`: ${value}. ` +
          "Must be one of ['local', 'conda', 'virtualenv', 'uv']");
      }
      return value as EnvManagerName;
    });
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** An integer option value, else a usage error. */
export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`'${value}' is not a valid integer.`);
  return Number(value);
}

/** The global options (`-v`, `--quiet`, `--log-format`) as seen from a command. */
export function logOptionsOf(command: Command): LogOptions {
  return command.optsWithGlobals<LogOptions>();
}

/** The logger of a command run. */
export function loggerFor(context: CliContext, command: Command): Logger {
  return createCliLogger(context, logOptionsOf(command));
}

/** MLflow's conda usage warning (cli_args.py), unless `MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING` is true. */
export function warnIfConda(envManager: string, logger: Logger): void {
  const disabled = (process.env.MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING ?? '').toLowerCase();
  if (envManager !== 'conda' || disabled === 'true' || disabled === '1') return;
  logger.warn({}, 'Use of conda is discouraged. If you use it, please ensure that your use of conda complies with ' +
    "Anaconda's terms of service (https://legal.anaconda.com/policies/en/?name=terms-of-service). virtualenv is the " +
    'recommended tool for environment reproducibility. To suppress this warning, set the ' +
    "MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING environment variable to 'TRUE'.");
}

/**
 * The local directory of a model URI: a path or a `file:` URI as is; `runs:/`, `models:/`,
 * `mlflow-artifacts:/` and other remote URIs downloaded with @pyfunc/tracking first.
 * @throws {MlflowException} RESOURCE_DOES_NOT_EXIST for a missing directory, run or model version.
 */
export async function localModelDir(modelUri: string): Promise<string> {
  let dir: string;
  if (modelUri.startsWith('file:')) {
    dir = fileURLToPath(modelUri.startsWith('file://') ? modelUri : `file://${modelUri.slice('file:'.length)}`);
  } else if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(modelUri)) {
    // runs:/, models:/, mlflow-artifacts:/, http(s): downloaded as MLflow's CLI does (MLFLOW_TRACKING_URI, MLFLOW_REGISTRY_URI)
    dir = await downloadArtifacts({ artifactUri: modelUri });
  } else {
    dir = resolve(modelUri);
  }
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `No such model directory: '${dir}'`, { path: dir });
  }
  return dir;
}

/**
 * Runs a long operation that SIGINT (or the context's signal) interrupts: the operation gets an
 * AbortSignal; an interruption ends as CANCELLED (exit 130).
 */
export async function interruptible<T>(context: CliContext, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  context.signal?.addEventListener('abort', onSignal, { once: true });
  if (context.signal?.aborted === true) controller.abort();
  try {
    const result = await run(controller.signal);
    if (controller.signal.aborted) throw new MlflowException('CANCELLED', 'Interrupted.');
    return result;
  } catch (error) {
    if (controller.signal.aborted && !(MlflowException.isInstance(error) && error.errorCode === 'CANCELLED')) {
      throw new MlflowException('CANCELLED', 'Interrupted.', { cause: error });
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    context.signal?.removeEventListener('abort', onSignal);
  }
}
