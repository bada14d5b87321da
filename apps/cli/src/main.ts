import { Command, CommanderError } from 'commander';
import { MlflowException } from '@pyfunc/format';
import { inspectCommand } from './commands/inspect.js';
import type { CliContext } from './context.js';

/** The `pyfunc` program; commands are added here, their logic lives in packages. */
export function createProgram(context: CliContext): Command {
  const program = new Command('pyfunc')
    .description('MLflow models from Node: inspect, serve and predict')
    .version(`${__PYFUNC_VERSION__} (MLflow model format 2.22 / 3.x)`, '--version')
    .helpOption('--help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    });
  const models = new Command('models').description('MLflow-compatible command group (mlflow models ...)')
    .helpOption('--help', 'show help').exitOverride();
  for (const make of [inspectCommand]) {
    program.addCommand(make(context).helpOption('--help', 'show help').exitOverride());
    models.addCommand(make(context).helpOption('--help', 'show help').exitOverride());
  }
  program.addCommand(models);
  return program;
}

/** cli.md: 0 done, 1 failed, 2 usage, 130 interrupted. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (MlflowException.isInstance(error) && error.errorCode === 'CANCELLED') return 130;
  return 1;
}

/** Runs `pyfunc` on `argv` (as process.argv) and returns the exit code; never exits itself. */
export async function main(argv: string[], context: CliContext = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    await createProgram(context).parseAsync(argv);
    return 0;
  } catch (error) {
    const code = exitCodeFor(error);
    if (!(error instanceof CommanderError)) {
      const message = MlflowException.isInstance(error)
        ? `${error.errorCode}: ${error.message}`
        : `INTERNAL_ERROR: ${error instanceof Error ? error.message : String(error)}`;
      context.stderr.write(`${message}\n`);
    }
    return code;
  }
}
