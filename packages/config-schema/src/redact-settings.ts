/** What a secret's value is replaced with in printable copies of settings. */
export const REDACTED = '[redacted]';

/** Key names whose values are secrets: passwords, keys and the server secret. PUBLIC_KEY is public. */
const SECRET_KEY_NAME = /pass|key|secret/i;
const PUBLIC_KEY_NAMES = new Set(['PUBLIC_KEY', 'public_key', 'verify_key', 'VERIFY_KEY']);

/** True when a key's value must never be printed or logged. */
export function isSecretKeyName(name: string): boolean {
  return SECRET_KEY_NAME.test(name) && !PUBLIC_KEY_NAMES.has(name);
}

/**
 * A deep copy of settings (or of any plain data derived from them, such as a DatabaseConfig)
 * that is safe to print or log: the value of every key whose name holds PASS, PASSWORD, KEY,
 * or SECRET (except PUBLIC_KEY) is replaced by "[redacted]". Absent values stay absent, so
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
    copy[key] = isSecretKeyName(key) && inner !== undefined && inner !== null ? REDACTED : redactValue(inner);
  }
  return copy;
}
