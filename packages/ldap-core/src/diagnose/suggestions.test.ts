import type { Entry } from 'ldapts';
import { describe, expect, it } from 'vitest';
import {
  ancestorDns,
  attributeSpelling,
  childNearestTo,
  commonContainer,
  countObjectClasses,
  emailLikeAttributes,
  listForMessage,
  loginAttributesMatching,
  sharedUserObjectClasses,
  splitDn,
  suggestGroupSettings,
  suggestGuidAttribute,
} from './suggestions.ts';

const openldapUser: Entry = {
  dn: 'uid=alice,ou=people,dc=example,dc=org',
  objectClass: ['top', 'inetOrgPerson', 'posixAccount', 'organizationalPerson', 'person'],
  uid: 'alice',
  cn: 'Alice Anderson',
  mail: 'alice@example.org',
  entryUUID: '84d5bab0-7fe7-1041-8e2f-45fa3d5b819f',
};

const adUser: Entry = {
  dn: 'CN=Alice Anderson,OU=Users,DC=corp,DC=example,DC=net',
  objectClass: ['top', 'person', 'organizationalPerson', 'user'],
  sAMAccountName: 'alice',
  userPrincipalName: 'alice@corp.example.net',
  objectGUID: Buffer.alloc(16, 7),
  entryUUID: '0b7c3f36-0000-4000-8000-000000000001',
};

describe('loginAttributesMatching', () => {
  it('names every login-like attribute that holds the typed name, as the directory spells it', () => {
    expect(loginAttributesMatching(openldapUser, 'alice', 'example.org')).toEqual(['uid', 'mail']);
    expect(loginAttributesMatching(adUser, 'ALICE', 'corp.example.net')).toEqual([
      'sAMAccountName',
      'userPrincipalName',
    ]);
  });

  it('does not take the mail of another domain for the login', () => {
    expect(loginAttributesMatching(openldapUser, 'alice', 'example.com')).toEqual(['uid']);
    expect(loginAttributesMatching(openldapUser, 'bob', 'example.org')).toEqual([]);
  });
});

describe('object classes', () => {
  it('counts classes per entry, most frequent first, without top', () => {
    const group: Entry = { dn: 'cn=staff,ou=groups', objectClass: ['top', 'groupOfNames'] };
    expect(countObjectClasses([openldapUser, adUser, group])).toEqual([
      { name: 'organizationalPerson', count: 2 },
      { name: 'person', count: 2 },
      { name: 'groupOfNames', count: 1 },
      { name: 'inetOrgPerson', count: 1 },
      { name: 'posixAccount', count: 1 },
      { name: 'user', count: 1 },
    ]);
  });

  it('suggests the most specific user class all entries share', () => {
    expect(sharedUserObjectClasses([openldapUser])[0]).toBe('inetOrgPerson');
    expect(sharedUserObjectClasses([adUser])[0]).toBe('user');
    // Only the classes both carry qualify.
    expect(sharedUserObjectClasses([openldapUser, adUser])).toEqual(['organizationalPerson', 'person']);
    expect(sharedUserObjectClasses([])).toEqual([]);
  });
});

describe('suggestGuidAttribute', () => {
  it("prefers Active Directory's objectGUID, then OpenLDAP's entryUUID", () => {
    expect(suggestGuidAttribute(adUser)).toBe('objectGUID');
    expect(suggestGuidAttribute(openldapUser)).toBe('entryUUID');
    expect(suggestGuidAttribute({ dn: 'cn=x', nsuniqueid: 'a-b-c' })).toBe('nsuniqueid');
    expect(suggestGuidAttribute({ dn: 'cn=x', cn: 'x' })).toBeUndefined();
  });
});

describe('attributeSpelling', () => {
  it('finds an attribute case-insensitively and ignores options and empty values', () => {
    expect(
      attributeSpelling({ dn: 'x', 'userCertificate;binary': Buffer.from('ab') }, 'usercertificate'),
    ).toBe('userCertificate');
    expect(attributeSpelling({ dn: 'x', mail: [] }, 'mail')).toBeUndefined();
  });
});

describe('emailLikeAttributes', () => {
  it('finds attributes that hold an address when mail is missing', () => {
    expect(emailLikeAttributes(adUser)).toEqual(['userPrincipalName']);
    expect(emailLikeAttributes({ dn: 'uid=x', uid: 'x', description: 'not @ an address' })).toEqual([]);
  });
});

describe('suggestGroupSettings', () => {
  const posix: Entry = { dn: 'cn=staff,ou=groups', objectClass: ['top', 'posixGroup'], memberUid: ['alice'] };
  const names: Entry = { dn: 'cn=dev,ou=groups', objectClass: ['top', 'groupOfNames'], member: ['uid=a'] };
  const unique: Entry = { dn: 'cn=ops,ou=groups', objectClass: 'groupOfUniqueNames' };

  it('gives the settings of the most common group shape', () => {
    expect(suggestGroupSettings([posix, posix, names])).toEqual({
      LDAP_OBJECT_CLASS_GROUP: 'posixGroup',
      LDAP_ATTR_MEMBERS: 'memberUid',
      LDAP_MEMBER_ATTRIBUTE: 'uid',
      groups: 2,
    });
    expect(suggestGroupSettings([names])).toMatchObject({
      LDAP_ATTR_MEMBERS: 'member',
      LDAP_MEMBER_ATTRIBUTE: 'dn',
    });
    expect(suggestGroupSettings([unique])).toMatchObject({
      LDAP_OBJECT_CLASS_GROUP: 'groupOfUniqueNames',
      LDAP_ATTR_MEMBERS: 'uniqueMember',
    });
  });

  it('suggests nothing when no group has a known shape', () => {
    expect(suggestGroupSettings([{ dn: 'ou=x', objectClass: 'organizationalUnit' }])).toBeUndefined();
    expect(suggestGroupSettings([])).toBeUndefined();
  });
});

describe('DN helpers', () => {
  it('splits at unescaped commas only', () => {
    expect(splitDn('cn=Smith\\, John,ou=people,dc=example')).toEqual([
      'cn=Smith\\, John',
      'ou=people',
      'dc=example',
    ]);
    expect(splitDn('cn=Smith\\2C John,ou=people')).toEqual(['cn=Smith\\, John', 'ou=people']);
    expect(splitDn('not a dn')).toEqual([]);
  });

  it('lists ancestors nearest first', () => {
    expect(ancestorDns('ou=staff,dc=example,dc=org')).toEqual(['dc=example,dc=org', 'dc=org']);
    expect(ancestorDns('dc=org')).toEqual([]);
  });

  it('finds the deepest container of several entries', () => {
    expect(
      commonContainer([
        'uid=jdoe,ou=people,dc=example,dc=org',
        'uid=jdoe,ou=contractors,ou=people,dc=example,dc=org',
      ]),
    ).toBe('ou=people,dc=example,dc=org');
    expect(commonContainer(['uid=a,ou=people,dc=x', 'cn=b,ou=groups,dc=x'])).toBe('dc=x');
    expect(commonContainer(['uid=a,dc=x', 'uid=b,dc=y'])).toBeUndefined();
    expect(commonContainer([])).toBeUndefined();
  });

  it('picks the child closest to a mistyped RDN', () => {
    const children = [
      'ou=people,dc=example,dc=org',
      'ou=groups,dc=example,dc=org',
      'ou=services,dc=example,dc=org',
    ];
    expect(childNearestTo('ou=peeple,dc=example,dc=org', 'dc=example,dc=org', children)).toBe(
      'ou=people,dc=example,dc=org',
    );
    expect(childNearestTo('ou=staff,dc=example,dc=org', 'dc=example,dc=org', children)).toBeUndefined();
    // Deeper: the RDN just below the parent is compared.
    expect(childNearestTo('ou=x,ou=group,dc=example,dc=org', 'dc=example,dc=org', children)).toBe(
      'ou=groups,dc=example,dc=org',
    );
  });
});

describe('names for messages', () => {
  it('shortens long lists', () => {
    expect(listForMessage([])).toBe('(none)');
    expect(listForMessage(['a', 'b', 'c'], 2)).toBe('a, b and 1 more');
  });
});
