import { SingleBar } from 'cli-progress';
import type { Logger } from '@pyfunc/format';
import type { EnvProgressEvent } from './environment-api.js';
import type { CliContext } from './context.js';

/**
 * Reports environment-build progress: a cli-progress bar on a TTY stderr, plain log lines
 * otherwise. Returns the `onProgress` callback and a `stop` that clears the bar.
 */
export function environmentProgress(context: CliContext, logger: Logger): { onProgress: (event: EnvProgressEvent) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  const tty = context.stderr.isTTY === true;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const onProgress = (event: EnvProgressEvent): void => {
    if (tty && (event.phase === 'installing' || event.phase === 'downloading') && event.total !== undefined && event.total > 0) {
      if (bar === undefined) {
        bar = new SingleBar({ format: ' {phase} [{bar}] {value}/{total} {package}', stream: context.stderr, hideCursor: true, clearOnComplete: true });
        bar.start(event.total, event.completed ?? 0, { phase: event.phase, package: event.package ?? '' });
      } else {
        bar.setTotal(event.total);
        bar.update(event.completed ?? 0, { phase: event.phase, package: event.package ?? '' });
      }
      return;
    }
    switch (event.phase) {
      case 'resolving': logger.info({ envManager: event.envManager }, `Resolving the ${event.envManager} environment of ${event.modelDir}`); break;
      case 'cached': logger.info({ path: event.path }, `Environment ${event.envName} already exists; reusing it`); break;
      case 'waiting': logger.info({ ownerPid: event.ownerPid }, `Waiting for another process building ${event.envName}`); break;
      case 'creating': logger.info({ python: event.python }, `Creating environment ${event.envName}`); break;
      case 'downloading':
      case 'installing':
        if (!tty) {
          const count = event.total === undefined ? '' : ` (${event.completed ?? 0}/${event.total})`;
          logger.info({}, `${event.phase === 'installing' ? `Installing ${event.step}` : 'Downloading'}${event.package ? ` ${event.package}` : ''}${count}`);
        }
        break;
      case 'done':
        stop();
        logger.info({ path: event.path, durationMs: Math.round(event.durationMs) },
          `Environment ${event.envName} ${event.built ? 'built' : 'reused'}`);
        break;
    }
  };
  return { onProgress, stop };
}
