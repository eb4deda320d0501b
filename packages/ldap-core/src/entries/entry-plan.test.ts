import { describe, expect, it } from 'vitest';
import { DirectoryMisconfiguredError } from '../errors/errors.ts';
import { testEntry } from '../test-support/entry.ts';
import { compileEntry } from './entry-plan.ts';

function misconfiguredReason(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof DirectoryMisconfiguredError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('compileEntry', () => {
  it('builds the user filter with the custom filter, the name as one exact value', () => {
    const plan = compileEntry(
      testEntry({
        LDAP_OBJECT_CLASS_USER: 'inetOrgPerson',
        LDAP_ATTR_USERNAME: 'uid',
        LDAP_CUSTOM_USER_FILTER: '(!(employeeType=disabled))',
      }),
    );
    expect(plan.userFilter('admin)(|(uid=*').toString()).toBe(
      '(&(objectClass=inetOrgPerson)(uid=admin\\29\\28|\\28uid=\\2a)(!(employeeType=disabled)))',
    );
  });

  it('accepts a custom filter without outer parentheses', () => {
    const plan = compileEntry(testEntry({ LDAP_CUSTOM_USER_FILTER: 'employeeType=staff' }));
    expect(plan.userFilter('alice').toString()).toBe(
      '(&(objectClass=user)(sAMAccountName=alice)(employeeType=staff))',
    );
  });

  it('asks for every attribute the login needs in one search', () => {
    const overlay = compileEntry(
      testEntry({
        LDAP_ATTR_GUID: 'entryUUID',
        LDAP_ATTR_USERNAME: 'uid',
        LDAP_REQUIRED_ATTRIBUTE: [
          ['employeeType', 'staff'],
          ['UID', '*'],
        ],
      }),
    );
    expect(overlay.userAttributes).toEqual(['entryUUID', 'uid', 'mail', 'memberOf', 'employeeType']);

    const posix = compileEntry(
      testEntry({ LDAP_MEMBER_OF_OVERLAY: false, LDAP_MEMBER_ATTRIBUTE: 'uid', LDAP_ATTR_USERNAME: 'uid' }),
    );
    // objectGUID means Active Directory: the primary group and the lockout guard's attributes come along.
    expect(posix.userAttributes).toEqual([
      'objectGUID',
      'primaryGroupID',
      'objectSid',
      'badPwdCount',
      'badPasswordTime',
      'msDS-ResultantPSO',
      'uid',
      'mail',
    ]);
    expect(posix.bufferAttributes).toEqual(expect.arrayContaining(['objectGUID', 'objectSid']));
  });

  it('builds group filters from the members attribute or the in-chain rule', () => {
    const plan = compileEntry(
      testEntry({
        LDAP_OBJECT_CLASS_GROUP: 'groupOfNames',
        LDAP_ATTR_MEMBERS: 'member',
        LDAP_CUSTOM_GROUP_FILTER: '(cn=app-*)',
      }),
    );
    expect(plan.groupsWithMembersFilter(['uid=a*,dc=x']).toString()).toBe(
      '(&(objectClass=groupOfNames)(member=uid=a\\2a,dc=x)(cn=app-*))',
    );
    expect(plan.groupsWithMembersFilter(['a', 'b']).toString()).toBe(
      '(&(objectClass=groupOfNames)(|(member=a)(member=b))(cn=app-*))',
    );
    expect(plan.nestedGroupsFilter('CN=Smith\\, John,DC=corp').toString()).toBe(
      '(&(objectClass=groupOfNames)(member:1.2.840.113556.1.4.1941:=CN=Smith\\5c, John,DC=corp)(cn=app-*))',
    );
    expect(plan.allGroupsFilter().toString()).toBe('(&(objectClass=groupOfNames)(cn=app-*))');
  });

  it('normalises the required groups', () => {
    const plan = compileEntry(testEntry({ LDAP_REQUIRED_GROUP: ['CN=Admins, OU=Groups,DC=Example,DC=org'] }));
    expect(plan.requiredGroups).toEqual(['cn=admins,ou=groups,dc=example,dc=org']);
  });

  it.each([
    [{ LDAP_ATTR_USERNAME: 'uid)(x' }, 'invalid-attribute-name'],
    [{ LDAP_REQUIRED_ATTRIBUTE: [['bad name', '*']] as [string, string][] }, 'invalid-attribute-name'],
    [{ LDAP_CUSTOM_USER_FILTER: '(&(uid=a)' }, 'invalid-filter'],
    [{ LDAP_CUSTOM_USER_FILTER: '(uid=a)(uid=b)' }, 'invalid-filter'],
    [{ LDAP_CUSTOM_GROUP_FILTER: '(cn=\\zz)' }, 'invalid-filter'],
    [{ LDAP_SEARCH_USER_DN: 'people' }, 'invalid-dn'],
    [{ LDAP_REQUIRED_GROUP: ['cn=admins,=groups'] }, 'invalid-dn'],
  ])('refuses %j as %s', (overrides, reason) => {
    expect(misconfiguredReason(() => compileEntry(testEntry(overrides)))).toBe(reason);
  });
});
