/**
 * Which directory a username belongs to. A username is `name@domain`, split at the last `@`, the
 * domain compared case-insensitively; a name without `@domain` belongs to the only directory when
 * exactly one is configured, else to none. Clients append their server's domain before sending.
 */

export interface SplitUsername {
  /** The part before the last `@` (the whole trimmed username when there is none). */
  localPart: string;
  /** The part after the last `@`, lowercased; `null` when the username has no `@`. */
  domain: string | null;
}

/** Splits `alice@example.com` into `alice` and `example.com` (at the last `@`). */
export function splitUsername(username: string): SplitUsername {
  const trimmed = username.trim();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) return { localPart: trimmed, domain: null };
  return { localPart: trimmed.slice(0, at), domain: trimmed.slice(at + 1).toLowerCase() };
}

/**
 * The index in `domains` of the directory that serves `username`, or -1 when none does.
 *
 * @example
 * directoryIndexFor('alice@Example.com', ['example.com', 'corp.example.net']); // => 0
 * directoryIndexFor('alice', ['example.com']); // => 0
 * directoryIndexFor('alice', ['example.com', 'corp.example.net']); // => -1
 */
export function directoryIndexFor(username: string, domains: readonly string[]): number {
  const { domain } = splitUsername(username);
  if (domain === null) return domains.length === 1 ? 0 : -1;
  return domains.findIndex((candidate) => candidate.toLowerCase() === domain);
}

/** `alice` becomes `alice@example.com`; a name that already names its domain stays as typed. */
export function qualifyUsername(typed: string, domain: string): string {
  const name = typed.trim();
  if (name.includes('@') || !domain) return name;
  return `${name}@${domain}`;
}
