import { pino, type Logger as PinoLogger } from 'pino';
import type { Logger } from '@pyfunc/format';
import type { CliContext } from './context.js';

/** The global logging options (cli.md 1). */
export interface LogOptions {
  verbose?: boolean;
  quiet?: boolean;
  logFormat?: 'pretty' | 'json';
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One pino JSON line as `LEVEL message key=value ...`. */
export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, msg, time: _time, pid: _pid, hostname: _host, ...rest } = record;
  const fields = Object.entries(rest).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${LEVELS[Number(level)] ?? String(level)} ${String(msg ?? '')}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`;
}

/**
 * A pino logger writing to the context's stderr: JSON lines with `--log-format json`, one
 * readable line per record otherwise; `-v` shows debug, `--quiet` only warnings and errors.
 */
export function createCliLogger(context: CliContext, options: LogOptions): Logger & PinoLogger {
  const level = options.verbose === true ? 'debug' : options.quiet === true ? 'warn' : 'info';
  const json = options.logFormat === 'json';
  const destination = {
    write(text: string): void {
      context.stderr.write(json ? text : text.split('\n').filter(Boolean).map(prettyLine).join(''));
    },
  };
  return pino({ level, base: undefined, timestamp: json ? pino.stdTimeFunctions.isoTime : false }, destination);
}
