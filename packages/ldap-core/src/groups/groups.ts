import { type Entry, type Filter, ResultCodeError } from 'ldapts';
import type { DirectoryConnection } from '../connection/connection.ts';
import type { RootDse } from '../connection/root-dse.ts';
import { DnSyntaxError, firstRdnValue, normalizeDn } from '../dn/dn.ts';
import { attributeStrings } from '../entries/attributes.ts';
import type { EntryPlan } from '../entries/entry-plan.ts';
import { toDirectoryError } from '../errors/error-mapping.ts';

/**
 * A user's groups, by one of three roads:
 * - the memberOf overlay (or Active Directory): the group DNs are an attribute of the user entry,
 *   already fetched by the user search;
 * - otherwise a paged search for groups whose `LDAP_ATTR_MEMBERS` holds the user's
 *   `LDAP_MEMBER_ATTRIBUTE` value (or DN);
 * - with `LDAP_NESTED_GROUPS`, the groups of those groups too: Active Directory resolves the chain
 *   itself (LDAP_MATCHING_RULE_IN_CHAIN); for other directories it is followed level by level.
 */

export interface DirectoryGroup {
  dn: string;
  /** The value of the group DN's first RDN (`cn=Sales,ou=groups,...` -> `Sales`). */
  name: string;
}

/** Page size for group searches: below Active Directory's default MaxPageSize (1000). */
const GROUP_PAGE_SIZE = 500;
/** How deep nested groups are followed, and how many groups at most, when the directory cannot do it. */
const NESTING_DEPTH_LIMIT = 10;
const NESTED_GROUP_LIMIT = 5_000;
/** Values per OR filter (and parallel base searches) in one step of nested resolution. */
const BATCH_SIZE = 50;

function normalizedOrSelf(dn: string): string {
  try {
    return normalizeDn(dn);
  } catch (error) {
    if (error instanceof DnSyntaxError) return dn.toLowerCase();
    throw error;
  }
}

/**
 * Group DNs repeat at every login (everyone is in `staff`): their parsed form is remembered, up to
 * a bound, so a login does not parse the same DNs again.
 */
const PARSED_GROUP_DN_LIMIT = 10_000;
const parsedGroupDns = new Map<string, { key: string; name: string }>();

function parsedGroupDn(dn: string): { key: string; name: string } {
  let parsed = parsedGroupDns.get(dn);
  if (parsed === undefined) {
    if (parsedGroupDns.size >= PARSED_GROUP_DN_LIMIT) parsedGroupDns.clear();
    parsed = { key: normalizedOrSelf(dn), name: firstRdnValue(dn) };
    parsedGroupDns.set(dn, parsed);
  }
  return parsed;
}

/** Groups from DNs, de-duplicated by normalised DN (first spelling kept). */
export function groupsFromDns(dns: Iterable<string>): DirectoryGroup[] {
  const seen = new Set<string>();
  const groups: DirectoryGroup[] = [];
  for (const dn of dns) {
    const { key, name } = parsedGroupDn(dn);
    if (seen.has(key)) continue;
    seen.add(key);
    groups.push({ dn, name });
  }
  return groups;
}

/**
 * The key of a group: its `normalizeDn` form, remembered in the same bounded memory as above (a DN
 * that does not parse is only lowercased). The server stores it as `ldap_groups.dn_key`.
 *
 * @example
 * groupKey('CN=Smith\\2C John, OU=Groups,DC=corp') // 'cn=smith\\, john,ou=groups,dc=corp'
 */
export function groupKey(dn: string): string {
  return parsedGroupDn(dn).key;
}

/** The direct groups listed on the user entry (`LDAP_ATTR_GROUPS`, memberOf overlay mode). */
export function groupsFromUserEntry(plan: EntryPlan, userEntry: Entry): DirectoryGroup[] {
  return groupsFromDns(attributeStrings(userEntry, plan.entry.LDAP_ATTR_GROUPS));
}

/** The values a group's `LDAP_ATTR_MEMBERS` holds for this user: the DN, or the `LDAP_MEMBER_ATTRIBUTE` values. */
export function memberValuesOf(plan: EntryPlan, userEntry: Entry): string[] {
  return plan.membersAreDns ? [userEntry.dn] : attributeStrings(userEntry, plan.entry.LDAP_MEMBER_ATTRIBUTE);
}

/** A paged search for groups under `LDAP_SEARCH_GROUP_DN`; only DNs are fetched. */
async function searchGroups(
  connection: DirectoryConnection,
  plan: EntryPlan,
  filter: Filter,
): Promise<DirectoryGroup[]> {
  try {
    const { searchEntries } = await connection.client.search(plan.entry.LDAP_SEARCH_GROUP_DN, {
      scope: 'sub',
      filter,
      attributes: ['1.1'],
      paged: { pageSize: GROUP_PAGE_SIZE },
      timeLimit: Math.ceil(plan.entry.LDAP_OPERATION_TIMEOUT),
    });
    return groupsFromDns(searchEntries.map((entry) => entry.dn));
  } catch (error) {
    throw toDirectoryError(error, {
      step: 'group-search',
      url: connection.url,
      dn: plan.entry.LDAP_SEARCH_GROUP_DN,
      domain: plan.domain,
    });
  }
}

/** The groups whose members attribute holds this user (no memberOf overlay). */
async function searchGroupsOfMember(
  connection: DirectoryConnection,
  plan: EntryPlan,
  userEntry: Entry,
): Promise<DirectoryGroup[]> {
  const values = memberValuesOf(plan, userEntry);
  if (values.length === 0) return [];
  return searchGroups(connection, plan, plan.groupsWithMembersFilter(values));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

/** The groups that list `group` through the memberOf overlay: read `LDAP_ATTR_GROUPS` of the group entry. */
async function parentsByMemberOf(
  connection: DirectoryConnection,
  plan: EntryPlan,
  group: DirectoryGroup,
): Promise<string[]> {
  try {
    const { searchEntries } = await connection.client.search(group.dn, {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: [plan.entry.LDAP_ATTR_GROUPS],
    });
    return searchEntries.flatMap((entry) => attributeStrings(entry, plan.entry.LDAP_ATTR_GROUPS));
  } catch (error) {
    // A memberOf value may point to a group deleted since, or outside what the service account may read.
    if (error instanceof ResultCodeError && (error.code === 32 || error.code === 50)) return [];
    throw toDirectoryError(error, {
      step: 'group-search',
      url: connection.url,
      dn: group.dn,
      domain: plan.domain,
    });
  }
}

/**
 * Follows group nesting upwards from `direct`, level by level, for directories without a
 * transitive matching rule. Cycles end; depth and count are bounded.
 */
async function followNestedGroups(
  connection: DirectoryConnection,
  plan: EntryPlan,
  direct: DirectoryGroup[],
): Promise<DirectoryGroup[]> {
  const found = new Map<string, DirectoryGroup>(direct.map((group) => [groupKey(group.dn), group]));
  let level = direct;
  for (
    let depth = 0;
    depth < NESTING_DEPTH_LIMIT && level.length > 0 && found.size < NESTED_GROUP_LIMIT;
    depth += 1
  ) {
    const parents: DirectoryGroup[] = [];
    for (const batch of chunks(level, BATCH_SIZE)) {
      if (plan.entry.LDAP_MEMBER_OF_OVERLAY) {
        const dns = (
          await Promise.all(batch.map((group) => parentsByMemberOf(connection, plan, group)))
        ).flat();
        parents.push(...groupsFromDns(dns));
      } else if (plan.membersAreDns) {
        parents.push(
          ...(await searchGroups(
            connection,
            plan,
            plan.groupsWithMembersFilter(batch.map((group) => group.dn)),
          )),
        );
      }
    }
    level = [];
    for (const parent of parents) {
      const key = groupKey(parent.dn);
      if (found.has(key)) continue;
      found.set(key, parent);
      level.push(parent);
    }
  }
  return [...found.values()];
}

/**
 * All groups of a user. `rootDse` is only needed with `LDAP_NESTED_GROUPS` (to know whether the
 * directory resolves the chain itself). `primaryGroupDn` (Active Directory's primary group, see
 * primary-group.ts) counts as a direct group, and its parents as the user's with nesting.
 */
export async function resolveGroups(
  connection: DirectoryConnection,
  plan: EntryPlan,
  userEntry: Entry,
  rootDse?: RootDse,
  primaryGroupDn?: string,
): Promise<DirectoryGroup[]> {
  const { entry } = plan;
  const primary = primaryGroupDn === undefined ? [] : [primaryGroupDn];
  if (entry.LDAP_NESTED_GROUPS && rootDse?.isActiveDirectory) {
    const nested = await searchGroups(connection, plan, plan.nestedGroupsFilter(userEntry.dn, primary));
    return groupsFromDns([...primary, ...nested.map((group) => group.dn)]);
  }
  const listed = entry.LDAP_MEMBER_OF_OVERLAY
    ? groupsFromUserEntry(plan, userEntry)
    : await searchGroupsOfMember(connection, plan, userEntry);
  const direct =
    primary.length === 0 ? listed : groupsFromDns([...primary, ...listed.map((group) => group.dn)]);
  return entry.LDAP_NESTED_GROUPS ? followNestedGroups(connection, plan, direct) : direct;
}

/** Every group of the entry (paged), for the group sync. */
export async function listAllGroups(
  connection: DirectoryConnection,
  plan: EntryPlan,
): Promise<DirectoryGroup[]> {
  return searchGroups(connection, plan, plan.allGroupsFilter());
}
