import { type LdapEntry, type LdapEntryInput, ldapEntrySchema } from '@ldap-login/config-schema';

/** A parsed settings entry (defaults applied) for unit tests that never connect. */
export function testEntry(overrides: Partial<LdapEntryInput> = {}): LdapEntry {
  return ldapEntrySchema.parse({
    LDAP_URL: 'ldap://127.0.0.1:1',
    LDAP_DOMAIN: 'example.org',
    LDAP_BIND_DN: 'cn=reader,dc=example,dc=org',
    LDAP_BIND_PASS: 'secret',
    LDAP_SEARCH_USER_DN: 'ou=people,dc=example,dc=org',
    LDAP_SEARCH_GROUP_DN: 'ou=groups,dc=example,dc=org',
    ...overrides,
  });
}
