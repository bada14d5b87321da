import { rm } from 'node:fs/promises';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { loadEnvironmentApi } from '../environment-api.js';
import { envManagerOption, interruptible, localModelDir, loggerFor, warnIfConda, type EnvManagerName } from '../options.js';
import { environmentProgress } from '../progress.js';

interface PrepareEnvOptions {
  modelUri: string;
  envManager: EnvManagerName;
  installMlflow?: boolean;
  force?: boolean;
}

/** `pyfunc prepare-env -m <model>`: build or reuse the environment `serve` and `predict` will use (serving.md 10.3). */
export function prepareEnvCommand(context: CliContext): Command {
  return new Command('prepare-env')
    .description("Build (or reuse) the model's Python environment, as serve and predict would")
    .requiredOption('-m, --model-uri <uri>', 'model directory or file: URI')
    .addOption(envManagerOption('virtualenv'))
    .option('--install-mlflow', 'install this MLflow version into the environment')
    .option('--force', 'delete the cached environment and build it again')
    .action(async (options: PrepareEnvOptions, command: Command) => {
      const logger = loggerFor(context, command);
      warnIfConda(options.envManager, logger);
      const dir = await localModelDir(options.modelUri);
      if (options.envManager === 'local') {
        context.stdout.write('Nothing to prepare: --env-manager local runs the model in the current Python environment.\n');
        return;
      }
      if (options.installMlflow === true) logger.warn({}, '--install-mlflow: the environment keeps the MLflow version the model requires.');
      const api = await loadEnvironmentApi('getEnvManager');
      const manager = api.getEnvManager(options.envManager);
      const progress = environmentProgress(context, logger);
      try {
        const environment = await interruptible(context, async (signal) => {
          let prepared = await manager.prepare(dir, { logger, onProgress: progress.onProgress, signal });
          if (options.force === true && !prepared.built && prepared.path !== undefined) {
            logger.info({ path: prepared.path }, `--force: deleting ${prepared.name} and building it again`);
            await rm(prepared.path, { recursive: true, force: true });
            prepared = await manager.prepare(dir, { logger, onProgress: progress.onProgress, signal });
          }
          return prepared;
        });
        context.stdout.write(`Environment ${environment.name} ${environment.built ? 'built' : 'already exists'}: ${environment.path ?? environment.python}\n`);
      } finally {
        progress.stop();
      }
    });
}
