/**
 * Where ldap-core reports what happened on the way (failover, reconnects, ambiguous users).
 * Fields never carry passwords; the server passes its own logger in.
 */
export interface DirectoryLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The default: says nothing. */
export const silentLogger: DirectoryLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
