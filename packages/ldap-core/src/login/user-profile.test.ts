import { describe, expect, it } from 'vitest';
import { compileEntry } from '../entries/entry-plan.ts';
import { DirectoryMisconfiguredError } from '../errors/errors.ts';
import { testEntry } from '../test-support/entry.ts';
import { readUserProfile } from './user-profile.ts';

const adPlan = compileEntry(testEntry({ LDAP_DOMAIN: 'Corp.Example.NET' }));
const openldapPlan = compileEntry(testEntry({ LDAP_ATTR_GUID: 'entryUUID', LDAP_ATTR_USERNAME: 'uid' }));

describe('readUserProfile', () => {
  it('reads an AD entry: binary GUID, canonical lowercase username, first e-mail', () => {
    const profile = readUserProfile(
      adPlan,
      {
        dn: 'CN=Alice,OU=Users,DC=corp',
        objectGUID: Buffer.from('33221100554477668899aabbccddeeff', 'hex'),
        sAMAccountName: 'Alice',
        mail: ['alice@corp.example.net', 'a@corp.example.net'],
      },
      'ALICE',
    );
    expect(profile).toEqual({
      dn: 'CN=Alice,OU=Users,DC=corp',
      guid: '00112233-4455-6677-8899-aabbccddeeff',
      username: 'alice@corp.example.net',
      email: 'alice@corp.example.net',
    });
  });

  it('prefers the username value the user typed and allows a missing e-mail', () => {
    const profile = readUserProfile(
      openldapPlan,
      {
        dn: 'uid=a,dc=x',
        entryUUID: 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6',
        uid: ['asmith', 'Alice.Smith'],
        mail: [],
      },
      'alice.smith',
    );
    expect(profile.username).toBe('alice.smith@example.org');
    expect(profile.guid).toBe('f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
    expect(profile.email).toBeNull();
  });

  it('finds attributes whatever case the server spelt them in', () => {
    const profile = readUserProfile(
      openldapPlan,
      { dn: 'uid=a,dc=x', entryuuid: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', UID: 'a', MAIL: 'a@x' },
      'a',
    );
    expect(profile.email).toBe('a@x');
    expect(profile.username).toBe('a@example.org');
  });

  it('calls a missing GUID a misconfiguration naming LDAP_ATTR_GUID', () => {
    expect(() =>
      readUserProfile(adPlan, { dn: 'CN=Alice,DC=corp', sAMAccountName: 'alice' }, 'alice'),
    ).toThrow(DirectoryMisconfiguredError);
    expect(() => readUserProfile(adPlan, { dn: 'CN=Alice,DC=corp', objectGUID: [] }, 'alice')).toThrow(
      expect.objectContaining({ reason: 'guid-missing', message: expect.stringContaining('LDAP_ATTR_GUID') }),
    );
  });
});
