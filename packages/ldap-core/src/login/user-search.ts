import type { Entry, Filter } from 'ldapts';
import type { DirectoryConnection } from '../connection/connection.ts';
import type { EntryPlan } from '../entries/entry-plan.ts';
import { toDirectoryError } from '../errors/error-mapping.ts';
import { InvalidCredentialsError } from '../errors/errors.ts';

/**
 * The one user search of a login: under `LDAP_SEARCH_USER_DN`, for the user's object class and
 * name (plus the custom user filter), fetching every attribute the login needs at once.
 */

/**
 * Runs the user search on a service-bound connection and returns every matching entry (at most
 * two are asked for: one is enough to log in, two prove ambiguity).
 */
export function searchUserEntries(
  connection: DirectoryConnection,
  plan: EntryPlan,
  name: string,
): Promise<Entry[]> {
  return searchUsers(connection, plan, plan.userFilter(name), plan.userAttributes);
}

/**
 * One search under `LDAP_SEARCH_USER_DN` for at most two entries (two prove ambiguity); a failure
 * becomes the `DirectoryError` of the user-search step.
 */
export async function searchUsers(
  connection: DirectoryConnection,
  plan: EntryPlan,
  filter: Filter,
  attributes: string[],
): Promise<Entry[]> {
  const { entry } = plan;
  try {
    const result = await connection.client.search(entry.LDAP_SEARCH_USER_DN, {
      scope: 'sub',
      filter,
      attributes,
      explicitBufferAttributes: plan.bufferAttributes,
      sizeLimit: 2,
      timeLimit: Math.ceil(entry.LDAP_OPERATION_TIMEOUT),
    });
    return result.searchEntries;
  } catch (error) {
    throw toDirectoryError(error, {
      step: 'user-search',
      url: connection.url,
      dn: entry.LDAP_SEARCH_USER_DN,
      domain: plan.domain,
    });
  }
}

/** Exactly one entry, or invalid credentials: `user-not-found` for none, `ambiguous-user` for several. */
function selectUserEntry(entries: Entry[], plan: EntryPlan, name: string): Entry {
  if (entries.length === 1) return entries[0]!;
  if (entries.length === 0) {
    throw new InvalidCredentialsError('user-not-found', {
      detail: `no ${plan.entry.LDAP_OBJECT_CLASS_USER} with ${plan.entry.LDAP_ATTR_USERNAME}=${JSON.stringify(name)} under ${plan.entry.LDAP_SEARCH_USER_DN}`,
      domain: plan.domain,
    });
  }
  throw new InvalidCredentialsError('ambiguous-user', {
    detail: `${plan.entry.LDAP_ATTR_USERNAME}=${JSON.stringify(name)} matches several entries: ${entries.map((found) => found.dn).join(' | ')}`,
    domain: plan.domain,
  });
}

/** Finds the single directory entry of a user (search, then selection). */
export async function findUserEntry(
  connection: DirectoryConnection,
  plan: EntryPlan,
  name: string,
): Promise<Entry> {
  return selectUserEntry(await searchUserEntries(connection, plan, name), plan, name);
}
