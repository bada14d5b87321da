/** The pino calls libraries make; a pino logger fits as is. Libraries never print. */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything; the default of every library function. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  child() {
    return silentLogger;
  },
};
