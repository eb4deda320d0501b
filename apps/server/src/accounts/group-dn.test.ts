import { describe, expect, it } from 'vitest';
import { dnKey } from './group-dn.ts';
import { groupsFingerprint } from './groups.ts';

describe('dnKey', () => {
  it('ignores case and spaces around separators', () => {
    expect(dnKey('CN=Developers, OU=Groups ,DC=Example,DC=com')).toBe(
      'cn=developers,ou=groups,dc=example,dc=com',
    );
    expect(dnKey('cn = a + uid = b,dc=x')).toBe('cn=a+uid=b,dc=x');
  });

  it('keeps escaped separators inside values', () => {
    expect(dnKey('CN=Smith\\, John,OU=People')).toBe('cn=smith\\, john,ou=people');
  });

  it('gives the same membership fingerprint regardless of order and spelling', () => {
    const a = [
      { dn: 'cn=a,dc=x', name: 'a' },
      { dn: 'cn=b,dc=x', name: 'b' },
    ];
    const b = [
      { dn: 'CN=B, DC=x', name: 'b' },
      { dn: 'cn=A,dc=X', name: 'a' },
    ];
    expect(groupsFingerprint(a)).toBe(groupsFingerprint(b));
    expect(groupsFingerprint(a)).not.toBe(groupsFingerprint(a.slice(1)));
  });
});
