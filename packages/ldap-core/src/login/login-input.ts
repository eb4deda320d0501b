import type { LdapEntry } from '@ldap-login/config-schema';
import { directoryIndexFor, splitUsername } from '@ldap-login/protocol';
import { InvalidCredentialsError } from '../errors/errors.ts';

/**
 * What a login brings before any network I/O: which directory entry the username belongs to,
 * the name to look up there, and whether the password can be sent at all.
 */

/** Anything that serves one domain: a settings entry, or the live directory built from one. */
type ServesDomain =
  | { LDAP_DOMAIN: string; LDAP_NETBIOS_DOMAIN?: string | undefined }
  | { domain: string; entry: { LDAP_NETBIOS_DOMAIN?: string | undefined } };

function domainOf(candidate: ServesDomain): string {
  return ('domain' in candidate ? candidate.domain : candidate.LDAP_DOMAIN).toLowerCase();
}

function netbiosDomainOf(candidate: ServesDomain): string | undefined {
  return ('entry' in candidate ? candidate.entry : candidate).LDAP_NETBIOS_DOMAIN?.toUpperCase();
}

/**
 * `CORP\gina` (with or without an `@domain` a client appended) names the entry whose
 * `LDAP_NETBIOS_DOMAIN` is `CORP`, when exactly one entry has it; the name there is `gina`.
 */
function byNetbiosDomain<E extends ServesDomain>(
  entries: readonly E[],
  localPart: string,
): SelectedEntry<E> | undefined {
  const backslash = localPart.indexOf('\\');
  if (backslash <= 0) return undefined;
  const netbios = localPart.slice(0, backslash).toUpperCase();
  const matching = entries.filter((candidate) => netbiosDomainOf(candidate) === netbios);
  if (matching.length !== 1) return undefined;
  return { entry: matching[0]!, localPart: localPart.slice(backslash + 1) };
}

interface SelectedEntry<E extends ServesDomain = LdapEntry> {
  entry: E;
  localPart: string;
}

/** The entry and name a username selects, before any check (see selectEntry). */
function chooseEntry<E extends ServesDomain>(
  entries: readonly E[],
  username: string,
): { entry: E | undefined; localPart: string } {
  const split = splitUsername(username);
  const netbios = byNetbiosDomain(entries, split.localPart);
  if (netbios !== undefined) return netbios;
  return { entry: entries[directoryIndexFor(username, entries.map(domainOf))], localPart: split.localPart };
}

/**
 * Chooses the directory entry for a username by the protocol's rule (`directoryIndexFor`): by its
 * domain, compared case-insensitively; a username without `@domain` only when exactly one entry is
 * configured. `CORP\\gina` goes to the one entry whose `LDAP_NETBIOS_DOMAIN` is `CORP`, as `gina`.
 * No entry, like an unknown domain, is invalid credentials.
 * A name with nothing before the `@`, or with control characters, can match nobody and is refused
 * here as an unknown user, without asking the directory.
 */
export function selectEntry<E extends ServesDomain>(
  entries: readonly E[],
  username: string,
): SelectedEntry<E> {
  const { domain } = splitUsername(username);
  const { entry, localPart } = chooseEntry(entries, username);
  if (entry === undefined) {
    throw new InvalidCredentialsError('unknown-domain', {
      detail:
        domain === null
          ? `username without @domain and ${entries.length} directories configured`
          : `no LDAP entry for domain "${domain}"`,
    });
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (localPart === '' || /[\u0000-\u001f\u007f]/.test(localPart)) {
    throw new InvalidCredentialsError('user-not-found', {
      detail: 'username is empty or contains control characters',
      domain: domainOf(entry),
    });
  }
  return { entry, localPart };
}

/**
 * The name a login searches for in its entry: the local part, or with `LDAP_ATTR_USERNAME:
 * userPrincipalName` the full UPN (`gina@corp.test`; a bare `gina` gets the entry's domain).
 */
export function searchNameFor(entry: LdapEntry, localPart: string): string {
  if (entry.LDAP_ATTR_USERNAME.toLowerCase() !== 'userprincipalname' || localPart.includes('@'))
    return localPart;
  return `${localPart}@${entry.LDAP_DOMAIN.toLowerCase()}`;
}

/**
 * `name@domain` of a typed username under the selection rules above (NetBIOS prefix, domain, the
 * only entry), or undefined when no entry serves it: the one key a login is throttled and audited
 * under, whichever way the user typed it.
 *
 * @example
 * qualifiedLoginName(settings.LDAP, 'CORP\\gina') // 'gina@corp.test' (LDAP_NETBIOS_DOMAIN: CORP)
 */
export function qualifiedLoginName(entries: readonly LdapEntry[], username: string): string | undefined {
  const { entry, localPart } = chooseEntry(entries, username);
  return entry === undefined ? undefined : `${localPart}@${entry.LDAP_DOMAIN.toLowerCase()}`;
}

/**
 * Refuses empty and whitespace-only passwords before any network I/O: a directory may treat a
 * bind with an empty password as an anonymous bind and answer success.
 */
export function assertPasswordGiven(password: string, domain?: string): void {
  if (typeof password !== 'string' || password.trim() === '') {
    throw new InvalidCredentialsError('empty-password', { domain });
  }
}
