import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Command, InvalidArgumentError, Option } from 'commander';
import { MlflowException, writeFileAtomic } from '@pyfunc/format';
import { parseInvocationsRequest, serializePredictions } from '@pyfunc/http';
import { loadModel } from '@pyfunc/runtime';
import type { CliContext } from '../context.js';
import { environmentProgress } from '../progress.js';
import { parseModelConfig, usePythonBackend } from './load-options.js';
import { envManagerOption, interruptible, localModelDir, loggerFor, warnIfConda, type EnvManagerName } from '../options.js';

interface PredictOptions {
  modelUri: string;
  inputPath?: string;
  outputPath?: string;
  contentType: 'json' | 'csv';
  envManager: EnvManagerName;
  installMlflow?: boolean;
  pipRequirementsOverride?: string;
  env: [string, string][];
  inputData?: string;
  csvSchema?: boolean;
  modelConfig?: string;
}

/** `KEY=VALUE` (split at the first `=`), else a usage error with MLflow's text. */
function parseEnvPair(value: string, previous: [string, string][] = []): [string, string][] {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`'${value}' is not a valid key value pair, expecting \`key=value\``);
  return [...previous, [value.slice(0, at), value.slice(at + 1)]];
}

async function readStream(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** `-r "a==1, b==2"` → `['a==1', 'b==2']` (MLflow never splits; cli.md 3.5). */
export function splitRequirementsOverride(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((part) => part.trim()).filter(Boolean);
  return parts.length > 0 ? parts : undefined;
}

/** `pyfunc predict -m <model> -i <input>`: one prediction, printed as the server's 200 body (serving.md 10.2). */
export function predictCommand(context: CliContext): Command {
  return new Command('predict')
    .description('Predict once: read a JSON or CSV request, print the predictions as the scoring server would')
    .requiredOption('-m, --model-uri <uri>', 'model directory or URI (path, file:, runs:/, models:/, mlflow-artifacts:/)')
    .option('-i, --input-path <path>', 'request file (default: stdin)')
    .option('-o, --output-path <path>', 'where to write the predictions (default: stdout)')
    .addOption(new Option('-t, --content-type <type>', 'json or csv').default('json').argParser((value: string) => {
      if (value !== 'json' && value !== 'csv') throw new InvalidArgumentError('INVALID_PARAMETER_VALUE: Content type must be one of json or csv.');
      return value;
    }))
    .addOption(envManagerOption('virtualenv'))
    .option('--install-mlflow', 'install this MLflow version into the environment')
    .option('-r, --pip-requirements-override <reqs>', 'extra requirements, comma-separated: "a==1,b==2"')
    .option('--env <key=value>', 'environment variable for the prediction process (repeatable)', parseEnvPair, [])
    .option('--input-data <text>', 'the request inline (JSON or CSV), instead of -i')
    .option('--csv-schema', "apply the input schema's dtypes to CSV input, as the server does")
    .option('--model-config <json|path>', 'model config overrides')
    .action(async (options: PredictOptions, command: Command) => {
      const logger = loggerFor(context, command);
      warnIfConda(options.envManager, logger);
      if (options.inputData !== undefined && options.inputPath !== undefined) {
        throw new MlflowException('INVALID_PARAMETER_VALUE', 'Both --input-data and --input-path were given; pass only one.');
      }
      if (options.env.length > 0 && options.envManager === 'local') {
        throw new MlflowException('INVALID_PARAMETER_VALUE',
          "Extra environment variables are only supported when env_manager is set to 'virtualenv', 'conda' or 'uv'.");
      }
      const overrides = splitRequirementsOverride(options.pipRequirementsOverride);
      if (overrides !== undefined && options.envManager === 'local') {
        logger.warn({}, '--pip-requirements-override is ignored with --env-manager local.');
      }
      const dir = await localModelDir(options.modelUri);
      const body = options.inputData !== undefined ? Buffer.from(options.inputData, 'utf8')
        : options.inputPath !== undefined ? await readFile(options.inputPath).catch((error: unknown) => {
          throw new MlflowException('RESOURCE_DOES_NOT_EXIST', `Cannot read input file '${options.inputPath}': ${error instanceof Error ? error.message : String(error)}`);
        })
        : await readStream(context.stdin ?? process.stdin);
      const progress = environmentProgress(context, logger);
      const output = await interruptible(context, async (signal) => {
        usePythonBackend(options.envManager, 1, { pipRequirementsOverride: overrides, onProgress: progress.onProgress });
        const saved = new Map(options.env.map(([key]) => [key, process.env[key]]));
        for (const [key, value] of options.env) process.env[key] = value;
        const modelConfig = parseModelConfig(options.modelConfig);
        try {
          const loading = loadModel(dir, { logger, ...(modelConfig === undefined ? {} : { modelConfig }) });
          const model = await abortable(loading, signal, (loaded) => void loaded.close());
          try {
            const parsed = parseInvocationsRequest(body, options.contentType, model.metadata, { csvSchema: options.csvSchema === true });
            const prediction = await abortable(model.predict(parsed.data, parsed.params as Record<string, unknown> | null), signal);
            return serializePredictions(prediction, { unwrapped: parsed.path === 'llm' });
          } finally {
            await model.close();
          }
        } finally {
          for (const [key, value] of saved) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
          }
          progress.stop();
        }
      });
      if (options.outputPath !== undefined) await writeFileAtomic(options.outputPath, output);
      else context.stdout.write(output);
    });
}

/** Resolves as `work`, or rejects CANCELLED when `signal` aborts first (a late result is cleaned up). */
function abortable<T>(work: Promise<T>, signal: AbortSignal, cleanup?: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const onAbort = (): void => {
      if (done) return;
      done = true;
      reject(new MlflowException('CANCELLED', 'Interrupted.'));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then((value) => {
      signal.removeEventListener('abort', onAbort);
      if (done) cleanup?.(value);
      else { done = true; resolve(value); }
    }, (error: unknown) => {
      signal.removeEventListener('abort', onAbort);
      if (!done) { done = true; reject(error); }
    });
  });
}
