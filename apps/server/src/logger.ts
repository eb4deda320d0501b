/**
 * Structured JSON logs (pino). Secrets never reach a log line: the code does not log them, and the
 * redaction below is a second line of defence for fields that could carry them.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["authorization-validator"]',
  'LDAP_BIND_PASS',
  '*.LDAP_BIND_PASS',
  'PRIVATE_KEY',
  'SECRET_KEY',
];

export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'ldap-login-server' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
