import { closestNames } from '@ldap-login/config-schema';
import type { Entry } from 'ldapts';
import { DnSyntaxError, parseDn, type Rdn } from '../dn/dn.ts';
import { escapeDnValue } from '../dn/escape.ts';
import { attributeStrings } from '../entries/attributes.ts';

/**
 * The reasoning behind testldap's hints: given entries the directory actually holds, which setting
 * value is most likely right. Pure functions, so every rule is unit-tested without a directory.
 */

/** Attributes that commonly carry a login name, most common first. */
export const LOGIN_NAME_ATTRIBUTES = ['uid', 'sAMAccountName', 'userPrincipalName', 'cn', 'mail'] as const;

/** Attributes that hold a stable, never reused identifier, by directory family. */
// objectGUID first: an Active Directory (or a directory shaped like one) carries it as its canonical id.
const GUID_ATTRIBUTES = ['objectGUID', 'entryUUID', 'nsUniqueId', 'ipaUniqueID', 'GUID'] as const;

/** User object classes from the most to the least specific; `top` and mix-ins never suggested alone. */
const USER_CLASS_PREFERENCE = [
  'user',
  'inetOrgPerson',
  'posixAccount',
  'organizationalPerson',
  'person',
  'account',
  'shadowAccount',
];
const NEVER_SUGGESTED_CLASSES = new Set(['top', 'extensibleobject']);

/** Group shapes an administrator can configure, with the settings each one needs. */
const GROUP_SHAPES = [
  { objectClass: 'group', membersAttribute: 'member', memberAttribute: 'dn' },
  { objectClass: 'groupOfNames', membersAttribute: 'member', memberAttribute: 'dn' },
  { objectClass: 'groupOfUniqueNames', membersAttribute: 'uniqueMember', memberAttribute: 'dn' },
  { objectClass: 'posixGroup', membersAttribute: 'memberUid', memberAttribute: 'uid' },
] as const;

const lower = (value: string) => value.toLowerCase();

/** The attribute's name as the directory spells it on this entry, if the entry carries it. */
export function attributeSpelling(entry: Entry, name: string): string | undefined {
  const wanted = lower(name);
  const key = Object.keys(entry).find(
    (candidate) => candidate !== 'dn' && lower(candidate.split(';', 1)[0]!) === wanted,
  );
  return key === undefined || attributeStrings(entry, name).length === 0 ? undefined : key.split(';', 1)[0];
}

export function hasObjectClass(entry: Entry, objectClass: string): boolean {
  return attributeStrings(entry, 'objectClass').some((value) => lower(value) === lower(objectClass));
}

/**
 * The login-name attributes of `entry` whose value is the login the user typed: the bare name
 * (`alice`) or, for mail-like attributes, the name with the domain (`alice@example.com`).
 *
 * @example loginAttributesMatching(entry, 'alice', 'example.com') // ['uid', 'mail']
 */
export function loginAttributesMatching(entry: Entry, login: string, domain?: string): string[] {
  const accepted = new Set([lower(login)]);
  if (domain) accepted.add(lower(`${login}@${domain}`));
  const matches: string[] = [];
  for (const name of LOGIN_NAME_ATTRIBUTES) {
    const spelling = attributeSpelling(entry, name);
    if (spelling && attributeStrings(entry, name).some((value) => accepted.has(lower(value)))) {
      matches.push(spelling);
    }
  }
  return matches;
}

/** Object classes with the number of entries carrying each, most frequent first (`top` left out). */
export function countObjectClasses(entries: Entry[]): { name: string; count: number }[] {
  const counts = new Map<string, { name: string; count: number }>();
  for (const entry of entries) {
    const seen = new Set<string>();
    for (const value of attributeStrings(entry, 'objectClass')) {
      const key = lower(value);
      if (NEVER_SUGGESTED_CLASSES.has(key) || seen.has(key)) continue;
      seen.add(key);
      const current = counts.get(key) ?? { name: value, count: 0 };
      current.count += 1;
      counts.set(key, current);
    }
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/**
 * The object classes every given entry carries, the most specific user class first: the values
 * `LDAP_OBJECT_CLASS_USER` could take so that all these entries are found.
 */
export function sharedUserObjectClasses(entries: Entry[]): string[] {
  if (entries.length === 0) return [];
  const shared = countObjectClasses(entries).filter((item) => item.count === entries.length);
  const rank = (name: string) => {
    const index = USER_CLASS_PREFERENCE.findIndex((preferred) => lower(preferred) === lower(name));
    return index === -1 ? USER_CLASS_PREFERENCE.length : index;
  };
  return shared.map((item) => item.name).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The identifier attribute this entry carries, preferring the one each directory family uses. */
export function suggestGuidAttribute(entry: Entry): string | undefined {
  for (const name of GUID_ATTRIBUTES) {
    const spelling = attributeSpelling(entry, name);
    if (spelling) return spelling;
  }
  return undefined;
}

/** Attribute names that look like an e-mail address holder on this entry (for a missing mail). */
export function emailLikeAttributes(entry: Entry): string[] {
  return Object.keys(entry).filter(
    (key) =>
      key !== 'dn' &&
      attributeStrings(entry, key).some((value) => /^[^@\s,=]+@[^@\s,=]+\.[a-z]{2,}$/i.test(value)),
  );
}

export interface GroupSettingsSuggestion {
  LDAP_OBJECT_CLASS_GROUP: string;
  LDAP_ATTR_MEMBERS: string;
  LDAP_MEMBER_ATTRIBUTE: string;
  /** How many of the given groups have this shape. */
  groups: number;
}

/**
 * The group settings that fit the groups a directory holds, for `LDAP_MEMBER_OF_OVERLAY: False`:
 * the most common group shape among `groups`, judged by object class and filled member attribute.
 */
export function suggestGroupSettings(groups: Entry[]): GroupSettingsSuggestion | undefined {
  let best: GroupSettingsSuggestion | undefined;
  for (const shape of GROUP_SHAPES) {
    // Judged by object class alone: an empty group still shows which shape the directory uses.
    const matching = groups.filter((group) => hasObjectClass(group, shape.objectClass));
    if (matching.length > 0 && (!best || matching.length > best.groups)) {
      const spelled = matching.map((group) =>
        attributeStrings(group, 'objectClass').find((value) => lower(value) === lower(shape.objectClass)),
      )[0];
      best = {
        LDAP_OBJECT_CLASS_GROUP: spelled ?? shape.objectClass,
        LDAP_ATTR_MEMBERS: shape.membersAttribute,
        LDAP_MEMBER_ATTRIBUTE: shape.memberAttribute,
        groups: matching.length,
      };
    }
  }
  return best;
}

function formatRdn(rdn: Rdn): string {
  return rdn
    .map((part) => `${part.type}=${part.ber ? `#${part.value}` : escapeDnValue(part.value)}`)
    .join('+');
}

/** The RDNs of a DN as strings, most specific first; a string that is no DN gives none. */
export function splitDn(dn: string): string[] {
  try {
    return parseDn(dn).map(formatRdn);
  } catch (error) {
    if (error instanceof DnSyntaxError) return [];
    throw error;
  }
}

/** The DNs above `dn`, nearest first: `ou=a,dc=x,dc=y` -> [`dc=x,dc=y`, `dc=y`]. */
export function ancestorDns(dn: string): string[] {
  const rdns = splitDn(dn);
  const ancestors: string[] = [];
  for (let start = 1; start < rdns.length; start += 1) ancestors.push(rdns.slice(start).join(','));
  return ancestors;
}

/** The deepest DN that contains every given DN (the entries themselves excluded), or undefined. */
export function commonContainer(dns: string[]): string | undefined {
  if (dns.length === 0) return undefined;
  const reversed = dns.map((dn) => splitDn(dn).reverse());
  const shortest = Math.min(...reversed.map((rdns) => rdns.length - 1));
  const shared: string[] = [];
  for (let depth = 0; depth < shortest; depth += 1) {
    const rdn = reversed[0]![depth]!;
    if (!reversed.every((rdns) => lower(rdns[depth]!) === lower(rdn))) break;
    shared.push(rdn);
  }
  return shared.length === 0 ? undefined : shared.reverse().join(',');
}

/** A list for a message: `a, b and 3 more`. */
export function listForMessage(items: string[], shown = 5): string {
  if (items.length === 0) return '(none)';
  const head = items.slice(0, shown).join(', ');
  return items.length > shown ? `${head} and ${items.length - shown} more` : head;
}

/**
 * Of the children of `parent`, the one whose RDN is closest to the RDN the missing DN has at that
 * depth: `ou=peple,dc=x` under `dc=x` with children `ou=people`, `ou=groups` -> `ou=people,dc=x`.
 */
export function childNearestTo(missingDn: string, parent: string, children: string[]): string | undefined {
  const missing = splitDn(missingDn);
  const wanted = missing[missing.length - splitDn(parent).length - 1];
  if (!wanted) return undefined;
  const byRdn = new Map(children.map((child) => [splitDn(child)[0] ?? child, child]));
  const [closest] = closestNames(wanted, [...byRdn.keys()], 1);
  return closest === undefined ? undefined : byRdn.get(closest);
}
