import type { LdapEntry } from '@ldap-login/config-schema';
import { directoryIndexFor, splitUsername } from '@ldap-login/protocol';
import { InvalidCredentialsError } from '../errors/errors.ts';

/**
 * What a login brings before any network I/O: which directory entry the username belongs to,
 * the name to look up there, and whether the password can be sent at all.
 */

/** Anything that serves one domain: a settings entry, or the live directory built from one. */
type ServesDomain = { LDAP_DOMAIN: string } | { domain: string };

function domainOf(candidate: ServesDomain): string {
  return ('domain' in candidate ? candidate.domain : candidate.LDAP_DOMAIN).toLowerCase();
}

interface SelectedEntry<E extends ServesDomain = LdapEntry> {
  entry: E;
  localPart: string;
}

/**
 * Chooses the directory entry for a username by the protocol's rule (`directoryIndexFor`): by its
 * domain, compared case-insensitively; a username without `@domain` only when exactly one entry is
 * configured. No entry, like an unknown domain, is invalid credentials.
 * A name with nothing before the `@`, or with control characters, can match nobody and is refused
 * here as an unknown user, without asking the directory.
 */
export function selectEntry<E extends ServesDomain>(
  entries: readonly E[],
  username: string,
): SelectedEntry<E> {
  const { localPart, domain } = splitUsername(username);
  const entry = entries[directoryIndexFor(username, entries.map(domainOf))];
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
 * Refuses empty and whitespace-only passwords before any network I/O: a directory may treat a
 * bind with an empty password as an anonymous bind and answer success.
 */
export function assertPasswordGiven(password: string, domain?: string): void {
  if (typeof password !== 'string' || password.trim() === '') {
    throw new InvalidCredentialsError('empty-password', { domain });
  }
}
