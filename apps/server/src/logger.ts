/**
 * Structured JSON logs (pino). Secrets never reach a log line: the code does not log them, and the
 * redaction below is a second line of defence for fields that could carry them.
 */
import { REDACTED, SECRET_FIELD_NAMES } from '@ldap-login/config-schema';
import pino, { type DestinationStream, type Logger } from 'pino';

/** pino paths for each secret field name: at the top of a record and up to two levels down. */
const REDACTED_PATHS = SECRET_FIELD_NAMES.flatMap((name) => {
  const key = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `["${name}"]`;
  return [key.startsWith('.') ? name : key, `*${key}`, `*.*${key}`];
});

export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'ldap-login-server' },
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
