import { describe, expect, it } from 'vitest';
import { compileEntry } from '../entries/entry-plan.ts';
import { testEntry } from '../test-support/entry.ts';
import { groupsFromDns, groupsFromUserEntry, memberValuesOf } from './groups.ts';

describe('groupsFromDns', () => {
  it('names each group by its first RDN and drops spellings of the same DN', () => {
    expect(
      groupsFromDns([
        'cn=Staff,ou=groups,dc=x',
        'CN=staff, OU=Groups,DC=X',
        'cn=R&D \\22Labs\\22\\2C Ü,ou=groups,dc=x',
      ]),
    ).toEqual([
      { dn: 'cn=Staff,ou=groups,dc=x', name: 'Staff' },
      { dn: 'cn=R&D \\22Labs\\22\\2C Ü,ou=groups,dc=x', name: 'R&D "Labs", Ü' },
    ]);
  });
});

describe('group roads', () => {
  const user = {
    dn: 'uid=alice,ou=people,dc=x',
    uid: ['alice', 'asmith'],
    memberOf: ['cn=staff,ou=groups,dc=x'],
  };

  it('reads LDAP_ATTR_GROUPS from the user entry', () => {
    expect(groupsFromUserEntry(compileEntry(testEntry()), user)).toEqual([
      { dn: 'cn=staff,ou=groups,dc=x', name: 'staff' },
    ]);
  });

  it('matches groups by DN or by every value of LDAP_MEMBER_ATTRIBUTE', () => {
    expect(memberValuesOf(compileEntry(testEntry({ LDAP_MEMBER_ATTRIBUTE: 'dn' })), user)).toEqual([user.dn]);
    expect(memberValuesOf(compileEntry(testEntry({ LDAP_MEMBER_ATTRIBUTE: 'uid' })), user)).toEqual([
      'alice',
      'asmith',
    ]);
    expect(memberValuesOf(compileEntry(testEntry({ LDAP_MEMBER_ATTRIBUTE: 'uidNumber' })), user)).toEqual([]);
  });
});
