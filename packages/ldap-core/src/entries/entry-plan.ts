import type { LdapEntry } from '@ldap-login/config-schema';
import { AndFilter, EqualityFilter, ExtensibleFilter, type Filter, FilterParser, OrFilter } from 'ldapts';
import { DnSyntaxError, normalizeDn } from '../dn/dn.ts';
import { DirectoryMisconfiguredError, type DirectoryMisconfiguredReason } from '../errors/errors.ts';
import { isValidAttributeName } from './attributes.ts';
import { encodeObjectGuid } from './guid.ts';

/**
 * Everything about a directory entry that can be worked out once instead of at every login:
 * validated attribute names, the attribute list of the single user search, parsed custom filters,
 * normalised required groups.
 *
 * Filters are built as ldapts filter objects rather than text: a value from the login travels as
 * a BER octet string, so no input can change the filter's structure (the same protection that
 * RFC 4515 escaping gives a text filter, without escaping and re-parsing at every login).
 */
export interface EntryPlan {
  entry: LdapEntry;
  domain: string;
  /** Attributes the user search asks for: GUID, username, e-mail, groups, member value, required ones. */
  userAttributes: string[];
  /** Attributes that must come back as bytes (a binary `objectGUID`). */
  bufferAttributes: string[];
  /** `LDAP_MEMBER_ATTRIBUTE` is `dn`: groups list members by DN. */
  membersAreDns: boolean;
  /** `LDAP_REQUIRED_GROUP`, normalised. */
  requiredGroups: string[];
  /** `(&(objectClass=<user class>)(<username attr>=<name>)<custom user filter>)` */
  userFilter(name: string): Filter;
  /**
   * `(&(objectClass=<user class>)(<guid attr>=<guid>)<custom user filter>)`: the user a session
   * belongs to, by the id the account is keyed by (`objectGUID` as its 16 bytes).
   */
  userByGuidFilter(guid: string): Filter;
  /** The user search's attributes plus `userAccountControl`, for the re-check of a user without a bind. */
  recheckAttributes: string[];
  /** `(&(objectClass=<group class>)(|(<members attr>=<v1>)...)<custom group filter>)` */
  groupsWithMembersFilter(memberValues: readonly string[]): Filter;
  /**
   * Active Directory's transitive membership: `(&(objectClass=<group class>)(member:1.2.840.113556.1.4.1941:=<dn>)...)`,
   * for the user and (ORed) the other DNs given (the user's primary group).
   */
  nestedGroupsFilter(userDn: string, alsoMembersOf?: readonly string[]): Filter;
  /** Every group: `(&(objectClass=<group class>)<custom group filter>)` */
  allGroupsFilter(): Filter;
}

/** Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: membership through any number of nested groups. */
const MATCHING_RULE_IN_CHAIN = '1.2.840.113556.1.4.1941';

function misconfigured(
  entry: LdapEntry,
  reason: DirectoryMisconfiguredReason,
  key: string,
  problem: string,
): DirectoryMisconfiguredError {
  return new DirectoryMisconfiguredError(reason, { detail: `${key}: ${problem}`, domain: entry.LDAP_DOMAIN });
}

/**
 * Parses a custom filter from the settings (`LDAP_CUSTOM_USER_FILTER` / `_GROUP_FILTER`); the
 * outer parentheses may be left out. Throws `DirectoryMisconfiguredError('invalid-filter')`.
 */
function parseCustomFilter(text: string | undefined, key = 'filter'): Filter | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  const wrapped = trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
  try {
    assertOneBalancedExpression(wrapped);
    return FilterParser.parseString(wrapped);
  } catch (error) {
    throw new DirectoryMisconfiguredError('invalid-filter', {
      detail: `${key}: ${(error as Error).message}`,
      cause: error,
    });
  }
}

/** ldapts' parser forgives a missing `)` or trailing text; a filter from the settings must be exact. */
function assertOneBalancedExpression(filter: string): void {
  let depth = 0;
  for (let index = 0; index < filter.length; index += 1) {
    const char = filter[index];
    if (char === '\\') {
      index += 2;
    } else if (char === '(') {
      depth += 1;
    } else if (char === ')') {
      depth -= 1;
      if (depth === 0 && filter.slice(index + 1).trim() !== '') {
        throw new Error(`unexpected text after the filter: "${filter.slice(index + 1)}"`);
      }
      if (depth < 0) throw new Error('unbalanced parentheses');
    }
  }
  if (depth !== 0) throw new Error('unbalanced parentheses');
}

function and(filters: (Filter | undefined)[]): Filter {
  return new AndFilter({ filters: filters.filter((filter): filter is Filter => filter !== undefined) });
}

/** Case-insensitive de-duplication that keeps the first spelling. */
function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.filter((name) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Compiles an entry; throws `DirectoryMisconfiguredError` naming the setting when an attribute
 * name, DN or custom filter cannot work.
 */
export function compileEntry(entry: LdapEntry): EntryPlan {
  const membersAreDns = entry.LDAP_MEMBER_ATTRIBUTE.toLowerCase() === 'dn';
  const namedAttributes: [string, string][] = [
    ['LDAP_ATTR_GUID', entry.LDAP_ATTR_GUID],
    ['LDAP_ATTR_USERNAME', entry.LDAP_ATTR_USERNAME],
    ['LDAP_ATTR_EMAIL', entry.LDAP_ATTR_EMAIL],
    ['LDAP_ATTR_GROUPS', entry.LDAP_ATTR_GROUPS],
    ['LDAP_ATTR_MEMBERS', entry.LDAP_ATTR_MEMBERS],
    ...(membersAreDns ? [] : [['LDAP_MEMBER_ATTRIBUTE', entry.LDAP_MEMBER_ATTRIBUTE] as [string, string]]),
    ...entry.LDAP_REQUIRED_ATTRIBUTE.map(([name]) => ['LDAP_REQUIRED_ATTRIBUTE', name] as [string, string]),
  ];
  for (const [key, name] of namedAttributes) {
    if (!isValidAttributeName(name)) {
      throw misconfigured(entry, 'invalid-attribute-name', key, `"${name}" is not an attribute name`);
    }
  }

  // LDAP_BIND_DN is not checked: Active Directory also accepts `user@domain` and `DOMAIN\user` there.
  for (const key of ['LDAP_SEARCH_USER_DN', 'LDAP_SEARCH_GROUP_DN'] as const) {
    try {
      normalizeDn(entry[key]);
    } catch (error) {
      if (error instanceof DnSyntaxError) throw misconfigured(entry, 'invalid-dn', key, error.message);
      throw error;
    }
  }
  const requiredGroups = entry.LDAP_REQUIRED_GROUP.map((dn) => {
    try {
      return normalizeDn(dn);
    } catch (error) {
      if (error instanceof DnSyntaxError)
        throw misconfigured(entry, 'invalid-dn', 'LDAP_REQUIRED_GROUP', error.message);
      throw error;
    }
  });

  const customUserFilter = parseCustomFilter(entry.LDAP_CUSTOM_USER_FILTER, 'LDAP_CUSTOM_USER_FILTER');
  const customGroupFilter = parseCustomFilter(entry.LDAP_CUSTOM_GROUP_FILTER, 'LDAP_CUSTOM_GROUP_FILTER');

  const userClass = new EqualityFilter({ attribute: 'objectClass', value: entry.LDAP_OBJECT_CLASS_USER });
  const groupClass = new EqualityFilter({ attribute: 'objectClass', value: entry.LDAP_OBJECT_CLASS_GROUP });

  const binaryGuid = entry.LDAP_ATTR_GUID.toLowerCase() === 'objectguid';
  const userAttributes = uniqueNames([
    entry.LDAP_ATTR_GUID,
    // Active Directory: the primary group (Domain Users) is only in primaryGroupID, a RID of objectSid's domain.
    // and the lockout guard reads the user's bad-password count and password settings object.
    ...(binaryGuid
      ? ['primaryGroupID', 'objectSid', 'badPwdCount', 'badPasswordTime', 'msDS-ResultantPSO']
      : []),
    entry.LDAP_ATTR_USERNAME,
    entry.LDAP_ATTR_EMAIL,
    ...(entry.LDAP_MEMBER_OF_OVERLAY ? [entry.LDAP_ATTR_GROUPS] : []),
    ...(!entry.LDAP_MEMBER_OF_OVERLAY && !membersAreDns ? [entry.LDAP_MEMBER_ATTRIBUTE] : []),
    ...entry.LDAP_REQUIRED_ATTRIBUTE.map(([name]) => name),
  ]);
  // ldapts matches buffer attributes by the exact spelling the server answers with: ask for both
  // the configured one and Active Directory's own.
  const bufferAttributes = uniqueNames([entry.LDAP_ATTR_GUID]).concat(
    binaryGuid ? ['objectGUID', 'objectGuid', 'objectguid', 'objectSid', 'objectsid'] : [],
  );

  return {
    entry,
    domain: entry.LDAP_DOMAIN,
    userAttributes,
    bufferAttributes: [...new Set(bufferAttributes)],
    membersAreDns,
    requiredGroups,
    userFilter: (name) =>
      and([
        userClass,
        new EqualityFilter({ attribute: entry.LDAP_ATTR_USERNAME, value: name }),
        customUserFilter,
      ]),
    userByGuidFilter: (guid) =>
      and([
        userClass,
        new EqualityFilter({
          attribute: entry.LDAP_ATTR_GUID,
          value: (binaryGuid ? encodeObjectGuid(guid) : null) ?? guid,
        }),
        customUserFilter,
      ]),
    // Active Directory refuses a disabled account's bind (533); without a bind, its flag says so.
    recheckAttributes: uniqueNames([...userAttributes, 'userAccountControl']),
    groupsWithMembersFilter: (memberValues) =>
      and([
        groupClass,
        memberValues.length === 1
          ? new EqualityFilter({ attribute: entry.LDAP_ATTR_MEMBERS, value: memberValues[0]! })
          : new OrFilter({
              filters: memberValues.map(
                (value) => new EqualityFilter({ attribute: entry.LDAP_ATTR_MEMBERS, value }),
              ),
            }),
        customGroupFilter,
      ]),
    nestedGroupsFilter: (userDn, alsoMembersOf = []) => {
      // Active Directory keeps DN membership in `member`, whatever LDAP_ATTR_MEMBERS says for other directories.
      const chains = [userDn, ...alsoMembersOf].map(
        (dn) => new ExtensibleFilter({ matchType: 'member', rule: MATCHING_RULE_IN_CHAIN, value: dn }),
      );
      return and([
        groupClass,
        chains.length === 1 ? chains[0] : new OrFilter({ filters: chains }),
        customGroupFilter,
      ]);
    },
    allGroupsFilter: () => and([groupClass, customGroupFilter]),
  };
}
