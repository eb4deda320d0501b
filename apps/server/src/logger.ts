/**
 * Structured JSON logs (pino). Secrets never reach a log line: the code does not log them, and the
 * censoring below is a second line of defence for fields that could carry them.
 *
 * The censoring is one pass over the record's keys (and those of plain objects up to two levels
 * down) against the set of secret names, copying only what it changes. pino's own `redact` option
 * compiles one accessor per path: with every name at three depths (36 paths, 24 of them wildcards)
 * it cost about 30 us per line, more than the rest of the line's formatting and a fifth of what the
 * login handler itself spends.
 */
import { REDACTED, SECRET_FIELD_NAMES } from '@ldap-login/config-schema';
import pino, { type DestinationStream, type Logger } from 'pino';

const SECRET_NAMES: ReadonlySet<string> = new Set(SECRET_FIELD_NAMES);

/** Levels below the record's top that are searched for secret names. */
const CENSORED_DEPTH = 2;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * `record` with the value of every secret name replaced by "[redacted]", at the top and in plain
 * objects up to `CENSORED_DEPTH` levels down; the same object when there is nothing to replace.
 * Errors and other class instances are left to their serializers (pino's `err` keeps its shape).
 */
export function censorSecrets(record: Record<string, unknown>, depth = 0): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const value = record[key];
    let censored = value;
    if (SECRET_NAMES.has(key)) {
      if (value !== undefined) censored = REDACTED;
    } else if (depth < CENSORED_DEPTH && isPlainObject(value)) {
      censored = censorSecrets(value, depth + 1);
    }
    if (censored !== value) {
      copy ??= { ...record };
      copy[key] = censored;
    }
  }
  return copy ?? record;
}

export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'ldap-login-server' },
    formatters: {
      bindings: (bindings: Record<string, unknown>) => censorSecrets(bindings),
      log: (record: Record<string, unknown>) => censorSecrets(record),
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // A child's bindings skip `formatters.bindings`: they are censored on their way in, by every
  // descendant (each inherits this `child`).
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, censorSecrets(bindings), childOptions);
  } as Logger['child'];
  return logger;
}
