import { Command, InvalidArgumentError, Option } from 'commander';
import { MlflowException } from '@pyfunc/format';
import { serve } from '@pyfunc/http';
import type { CliContext } from '../context.js';
import { envManagerOption, localModelDir, loggerFor, parseInteger, warnIfConda, type EnvManagerName } from '../options.js';
import { environmentProgress } from '../progress.js';
import { parseModelConfig, rejectMlserver, usePythonBackend } from './load-options.js';

interface ServeOptions {
  modelUri: string;
  port: number;
  host: string;
  timeout: number;
  workers: number;
  envManager: EnvManagerName;
  conda: boolean;
  installMlflow?: boolean;
  enableMlserver?: boolean;
  maxBodySize: string;
  stackTraces: boolean;
  strictJson?: boolean;
  enableStreaming?: boolean;
  inputMode: 'mlflow' | 'raw';
  modelConfig?: string;
  batchMaxSize: number;
  batchMaxDelayMs: number;
}

/** A non-negative number of milliseconds (`2`, `0.5`). */
function parseMilliseconds(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) throw new InvalidArgumentError(`'${value}' is not a non-negative number.`);
  return number;
}

/** A non-negative integer. */
function parseCount(value: string): number {
  const number = parseInteger(value);
  if (number < 0) throw new InvalidArgumentError(`'${value}' is not a non-negative integer.`);
  return number;
}

/** `100MiB`, `1048576`, `10mb`, `512k` → bytes. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$/i.exec(text);
  if (match === null) throw new Error(`invalid size '${text}'`);
  const unit = (match[2] ?? '').toLowerCase().replace(/b$/, '');
  const power = ['', 'k', 'm', 'g', 't'].indexOf(unit.replace('i', ''));
  const base = unit.includes('i') ? 1024 : unit === '' ? 1 : 1000;
  return Math.floor(Number(match[1]) * base ** power);
}

/** `pyfunc serve -m <model>`: MLflow's scoring server (serving.md 10.1); runs until SIGINT/SIGTERM. */
export function serveCommand(context: CliContext): Command {
  return new Command('serve')
    .description('Serve a model with MLflow\'s scoring protocol (/invocations, /ping, /health, /version)')
    .requiredOption('-m, --model-uri <uri>', 'model directory or URI (path, file:, runs:/, models:/, mlflow-artifacts:/)')
    .addOption(new Option('-p, --port <port>', 'port to listen on').env('MLFLOW_PORT').default(5000).argParser(parseInteger))
    .addOption(new Option('-h, --host <host>', 'interface to bind').env('MLFLOW_HOST').default('127.0.0.1'))
    .addOption(new Option('-t, --timeout <seconds>', 'per-request timeout in seconds').env('MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT').default(60).argParser(parseInteger))
    .addOption(new Option('-w, --workers <n>', 'model replicas').env('MLFLOW_MODELS_WORKERS').default(1).argParser(parseInteger))
    .addOption(envManagerOption('virtualenv'))
    .option('--no-conda', 'same as --env-manager local')
    .option('--install-mlflow', 'install this MLflow version into the environment')
    .option('--enable-mlserver', 'serve with MLServer (not supported by pyfunc)')
    .option('--max-body-size <size>', 'largest request body (413 beyond)', '100MiB')
    .option('--no-stack-traces', 'leave stack_trace out of error bodies')
    .option('--strict-json', 'write NaN and ±Infinity as null')
    .option('--enable-streaming', 'answer "stream": true requests with server-sent events')
    .addOption(new Option('--input-mode <mode>', 'raw: models get the "inputs" JSON value untouched (no frame or tensor conversion)')
      .choices(['mlflow', 'raw']).default('mlflow'))
    .addOption(new Option('--model-config <json|path>', 'model config overrides').env('SERVING_MODEL_CONFIG'))
    .addOption(new Option('--batch-max-size <n>', 'dynamic batching: predict concurrent tabular requests together, up to n rows '
      + '(only for models that score each row independently); 0 = off').default(0).argParser(parseCount))
    .addOption(new Option('--batch-max-delay-ms <ms>', 'dynamic batching: longest wait for a batch to fill').default(2).argParser(parseMilliseconds))
    .action(async (options: ServeOptions, command: Command) => {
      const logger = loggerFor(context, command);
      rejectMlserver(options.enableMlserver);
      const envManager: EnvManagerName = options.conda === false ? 'local' : options.envManager;
      warnIfConda(envManager, logger);
      if (options.installMlflow === true) logger.warn({}, '--install-mlflow: the environment keeps the MLflow version the model requires.');
      let maxBodySize: number;
      try {
        maxBodySize = parseSize(options.maxBodySize);
      } catch {
        throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid --max-body-size '${options.maxBodySize}': expected bytes or a size like 100MiB.`);
      }
      const dir = await localModelDir(options.modelUri);
      const progress = environmentProgress(context, logger);
      usePythonBackend(envManager, options.workers, { onProgress: progress.onProgress });
      const controller = new AbortController();
      context.signal?.addEventListener('abort', () => controller.abort(), { once: true });
      const modelConfig = parseModelConfig(options.modelConfig);
      const server = await serve(dir, {
        host: options.host,
        port: options.port,
        timeoutSeconds: options.timeout,
        workers: options.workers,
        maxBodySize,
        enableStreaming: options.enableStreaming === true,
        inputMode: options.inputMode,
        strictJson: options.strictJson === true,
        noStackTraces: options.stackTraces === false,
        logger,
        signal: controller.signal,
        loadOptions: { logger, ...(modelConfig === undefined ? {} : { modelConfig }) },
        batching: options.batchMaxSize > 0 ? { maxBatchSize: options.batchMaxSize, maxDelayMs: options.batchMaxDelayMs } : false,
      });
      progress.stop();
      logger.info({ url: server.url, envManager }, `Serving ${dir} at ${server.url}`);
      context.onListening?.(server.url);
      if (context.signal?.aborted === true) void server.close();
      await server.closed;
    });
}
