/** What a secret's value is replaced with in printable copies of settings and in log lines. */
export const REDACTED = '[redacted]';

/**
 * The names under which a secret travels anywhere in this project, spelt as they occur: keys of
 * `settings.yaml` (the server secret, the private key, the service account's and the database's
 * passwords), fields of the database configuration and of log records, HTTP headers. The one list:
 * `redactSettings` hides them in printable copies of the settings, the server's logger censors them
 * in every log line. A test checks that every settings key whose name says PASS, KEY or SECRET
 * (PUBLIC_KEY aside) is listed.
 */
export const SECRET_FIELD_NAMES: readonly string[] = [
  'SECRET_KEY',
  'PRIVATE_KEY',
  'LDAP_BIND_PASS',
  'METRICS_SECRET',
  'PASSWORD',
  'password',
  'secret',
  'token',
  'private_key',
  'secret_key',
  'authorization',
  'authorization-validator',
];

const SECRET_NAMES = new Set(SECRET_FIELD_NAMES);

/**
 * A deep copy of settings (or of any plain data derived from them, such as a DatabaseConfig)
 * that is safe to print or log: the value of every key in `SECRET_FIELD_NAMES` is replaced by
 * "[redacted]". Absent values stay absent, so
 * the copy still shows which secrets are set.
 *
 * @example
 * console.log(JSON.stringify(redactSettings(settings), null, 2));
 */
export function redactSettings<T>(settings: T): T {
  return redactValue(settings) as T;
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime());
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    copy[key] =
      SECRET_NAMES.has(key) && inner !== undefined && inner !== null ? REDACTED : redactValue(inner);
  }
  return copy;
}
