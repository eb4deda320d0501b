import type { FakeUser } from '@ldap-login/server/testing';

export const FAKE_DOMAIN = 'example.com';

/** `count` directory users, each in one of four groups; the passwords follow from the names. */
export function fakeUsers(count: number): FakeUser[] {
  return Array.from({ length: count }, (_, index) => ({
    login: `user${index}`,
    domain: FAKE_DOMAIN,
    password: `Passw0rd-${index}`,
    guid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    email: `user${index}@${FAKE_DOMAIN}`,
    groups: [{ dn: `cn=group${index % 4},ou=groups,dc=example,dc=com`, name: `group${index % 4}` }],
  }));
}
