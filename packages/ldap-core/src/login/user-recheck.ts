import type { Entry } from 'ldapts';
import type { DirectoryConnection } from '../connection/connection.ts';
import { attributeStrings } from '../entries/attributes.ts';
import type { EntryPlan } from '../entries/entry-plan.ts';
import { InvalidCredentialsError } from '../errors/errors.ts';
import { searchUsers } from './user-search.ts';

/**
 * The re-check of a user who logged in before: looked up by GUID as the service account (no
 * password, so no bind as the user), then held to the same rules as a login.
 */

/** Why the directory no longer lets a user in. */
export type RecheckRefusal = 'user-not-found' | 'account-disabled' | 'required-group' | 'required-attribute';

/** Active Directory's ACCOUNTDISABLE flag in `userAccountControl`. */
const ACCOUNT_DISABLED = 0x2;

/**
 * Every entry with the user's GUID that the user search would find (the custom user filter
 * applies). Zero: deleted, or excluded by the filter. Throws a `DirectoryError` when the
 * directory cannot answer.
 */
export function searchUserByGuid(
  connection: DirectoryConnection,
  plan: EntryPlan,
  guid: string,
): Promise<Entry[]> {
  return searchUsers(connection, plan, plan.userByGuidFilter(guid), plan.recheckAttributes);
}

/** The one entry of the GUID, undefined when there is none; several are the directory's fault. */
export function selectRecheckedEntry(entries: Entry[], plan: EntryPlan, guid: string): Entry | undefined {
  if (entries.length <= 1) return entries[0];
  throw new InvalidCredentialsError('ambiguous-user', {
    detail: `${plan.entry.LDAP_ATTR_GUID}=${guid} matches several entries: ${entries.map((found) => found.dn).join(' | ')}`,
    domain: plan.domain,
  });
}

/** True when Active Directory marks the account disabled (a bind would fail with 533). */
export function isDisabledAccount(userEntry: Entry): boolean {
  return attributeStrings(userEntry, 'userAccountControl').some((value) => {
    const flags = Number.parseInt(value, 10);
    return Number.isInteger(flags) && (flags & ACCOUNT_DISABLED) !== 0;
  });
}
