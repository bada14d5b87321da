import { Command, CommanderError, Option } from 'commander';
import { MlflowException } from '@pyfunc/format';
import { generateDockerfileCommand } from './commands/generate-dockerfile.js';
import { inspectCommand } from './commands/inspect.js';
import { predictCommand } from './commands/predict.js';
import { prepareEnvCommand } from './commands/prepare-env.js';
import { serveCommand } from './commands/serve.js';
import { requirementsCommand, updatePipRequirementsCommand } from './commands/update-pip-requirements.js';
import type { CliContext } from './context.js';

function configure(command: Command, context: CliContext): Command {
  command.helpOption('--help', 'show help').exitOverride().configureOutput({
    writeOut: (text) => context.stdout.write(text),
    writeErr: (text) => context.stderr.write(text),
  });
  for (const sub of command.commands) configure(sub, context);
  return command;
}

/** The `pyfunc` program; commands are added here, their logic lives in packages. */
export function createProgram(context: CliContext): Command {
  const program = new Command('pyfunc')
    .description('MLflow models from Node: inspect, serve and predict')
    .version(`${__PYFUNC_VERSION__} (MLflow model format 2.22 / 3.x)`, '--version')
    .option('-v, --verbose', 'debug logs and stack traces')
    .option('--quiet', 'only warnings and errors on stderr')
    .addOption(new Option('--log-format <format>', 'log lines on stderr').choices(['pretty', 'json']).default('pretty'));
  const models = new Command('models').description('MLflow-compatible command group (mlflow models ...)');
  const makers = [
    serveCommand, predictCommand, prepareEnvCommand,
    (c: CliContext) => generateDockerfileCommand(c, __PYFUNC_VERSION__), updatePipRequirementsCommand, inspectCommand,
  ];
  for (const make of makers) {
    program.addCommand(make(context));
    models.addCommand(make(context));
  }
  program.addCommand(requirementsCommand(context));
  program.addCommand(models);
  return configure(program, context);
}

/** cli.md: 0 done, 1 failed, 2 usage, 130 interrupted. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (MlflowException.isInstance(error) && error.errorCode === 'CANCELLED') return 130;
  return 1;
}

/** Runs `pyfunc` on `argv` (as process.argv) and returns the exit code; never exits itself. */
export async function main(argv: string[], context: CliContext = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const program = createProgram(context);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    const code = exitCodeFor(error);
    if (!(error instanceof CommanderError)) {
      const message = MlflowException.isInstance(error)
        ? `${error.errorCode}: ${error.message}`
        : `INTERNAL_ERROR: ${error instanceof Error ? error.message : String(error)}`;
      context.stderr.write(`${message}\n`);
      const verbose = argv.includes('-v') || argv.includes('--verbose');
      if (verbose && error instanceof Error && error.stack !== undefined) context.stderr.write(`${error.stack}\n`);
    }
    return code;
  }
}
