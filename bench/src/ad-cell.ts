/**
 * The AD-shaped cell: the product's login against a directory shaped like Active Directory (the
 * `ad-like` dataset: `user` objects, `sAMAccountName`, binary `objectGUID`, `group` objects with
 * `member`), over ldaps://, with nested groups on and the memberOf overlay not used
 * (`LDAP_MEMBER_OF_OVERLAY: false`), so that every login searches the groups of the user and then
 * their parents, as against a real domain controller. The generated users are each in a group,
 * which is in a department group, which is in one all-staff group: three levels.
 *
 * It runs on OpenLDAP (the test directory), not on Samba: what it shows is what the server does per
 * login with that shape of directory. Next to the server's CPU per login it counts, from slapd's log,
 * the connections the server opened (each a TLS handshake over ldaps), the binds and the searches per
 * login: a handshake per login, or a search per level of nesting, shows there.
 */
import { randomBytes } from 'node:crypto';
import type { LdapEntryInput } from '@ldap-login/config-schema';
import { startDirectory, type TestDirectory } from '@ldap-login/ldap-core/testing';

/** Department groups the generated groups are spread over. */
const DEPARTMENTS = 4;

function groupsDn(directory: { domain: string }): string {
  return `ou=Groups,${directory.domain
    .split('.')
    .map((part) => `dc=${part}`)
    .join(',')}`;
}

function groupLdif(dn: string, name: string, members: string[]): string {
  return [
    `dn: ${dn}`,
    'objectClass: top',
    'objectClass: group',
    `cn: ${name}`,
    `sAMAccountName: ${name}`,
    'groupType: -2147483646',
    `objectGUID:: ${randomBytes(16).toString('base64')}`,
    ...members.map((member) => `member: ${member}`),
    '',
  ].join('\n');
}

/** Department groups over the generated groups, and one all-staff group over the departments. */
export function nestedGroupsLdif(extraGroups: number, domain = 'corp.example.net'): string {
  const base = groupsDn({ domain });
  const departments = Array.from({ length: Math.min(DEPARTMENTS, extraGroups) }, (_, index) => ({
    name: `department${index + 1}`,
    dn: `cn=department${index + 1},${base}`,
    members: [] as string[],
  }));
  for (let index = 1; index <= extraGroups; index++) {
    departments[(index - 1) % departments.length]!.members.push(
      `cn=group${String(index).padStart(4, '0')},${base}`,
    );
  }
  return [
    ...departments.map((department) => groupLdif(department.dn, department.name, department.members)),
    groupLdif(
      `cn=all-staff,${base}`,
      'all-staff',
      departments.map((department) => department.dn),
    ),
  ].join('\n');
}

export async function startAdShapedDirectory(
  users: number,
  mode: 'auto' | 'container' | 'native',
): Promise<TestDirectory> {
  const extraGroups = Math.max(1, Math.floor(users / 4));
  return startDirectory({
    dataset: 'ad-like',
    extraUsers: users,
    extraGroups,
    largeGroupSize: 0,
    extraLdif: nestedGroupsLdif(extraGroups),
    mode,
  });
}

/** The product's entry for it: ldaps, nested groups, no memberOf overlay. */
export function adShapedEntry(directory: TestDirectory): LdapEntryInput {
  return directory.ldapEntry({
    LDAP_URL: directory.ldapsUrl,
    LDAP_MEMBER_OF_OVERLAY: false,
    LDAP_NESTED_GROUPS: true,
  });
}

export interface DirectoryWork {
  connections: number;
  tls_handshakes: number;
  binds: number;
  searches: number;
}

/** Counts in slapd's log (loglevel stats) since `since` (a previous `log()` text). */
export function directoryWorkSince(log: string, since: string): DirectoryWork {
  const text = log.startsWith(since) ? log.slice(since.length) : log;
  const count = (pattern: RegExp) => (text.match(pattern) ?? []).length;
  return {
    connections: count(/ ACCEPT from /g),
    tls_handshakes: count(/ TLS established /g),
    // One simple bind logs two lines (`method=128`, then `mech=SIMPLE`): count the first.
    binds: count(/ BIND dn="[^"]*" method=/g),
    searches: count(/ SRCH base=/g),
  };
}
