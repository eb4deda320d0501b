import { type LdapEntryInput, type Settings, settingsSchema } from '@ldap-login/config-schema';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { startDirectoryOrSkip, type TestDirectory } from '../testing/index.ts';
import { diagnose } from './diagnose.ts';
import type { DiagnoseResult, DiagnoseStep } from './types.ts';

/**
 * `diagnose` in-process against the real test directory, for the cases the CLI tests leave out:
 * StartTLS, the group settings, custom filters, usernames without a domain, several entries.
 */

let posix: TestDirectory | undefined;

beforeAll(async () => {
  posix = await startDirectoryOrSkip(
    { dataset: 'openldap-posix', largeGroupSize: 0 },
    'directory integration tests of ldap-core',
  );
}, 120_000);

afterAll(async () => {
  await posix?.stop();
});

function need(context: TestContext): TestDirectory {
  if (!posix) context.skip('no test directory on this machine (see the warning above)');
  return posix!;
}

function settingsWith(...entries: LdapEntryInput[]): Settings {
  return settingsSchema.parse({ AUTHENTICATION_METHODS: ['AUTHKEY', 'LDAP'], LDAP: entries });
}

function failure(result: DiagnoseResult): DiagnoseStep {
  expect(result.ok).toBe(false);
  const errors = result.steps.filter((step) => step.status === 'error');
  expect(errors).toHaveLength(1);
  expect(result.steps.at(-1)).toBe(errors[0]);
  return errors[0]!;
}

describe('diagnose', () => {
  it('passes over StartTLS with the CA, and names the CA file without it', async (context) => {
    const directory = need(context);
    const password = directory.users.alice!.password;
    const good = await diagnose(
      settingsWith(directory.ldapEntry({ LDAP_START_TLS: true })),
      'alice@example.com',
      password,
    );
    expect(good.ok, JSON.stringify(good.steps, null, 2)).toBe(true);
    expect(good.steps.find((step) => step.id === 'service-bind')?.message).toContain('over StartTLS');

    const bad = await diagnose(
      settingsWith(directory.ldapEntry({ LDAP_START_TLS: true, LDAP_CA_CERT_FILE: undefined })),
      'alice@example.com',
      password,
    );
    const step = failure(bad);
    expect(step).toMatchObject({ id: 'service-bind', setting: 'LDAP[0].LDAP_CA_CERT_FILE' });
    expect(step.message).toContain('not trusted');
  });

  it('finds the group base that was meant', async (context) => {
    const directory = need(context);
    const result = await diagnose(
      settingsWith(directory.ldapEntry({ LDAP_SEARCH_GROUP_DN: 'ou=grups,dc=example,dc=com' })),
      'alice@example.com',
      directory.users.alice!.password,
    );
    expect(failure(result)).toMatchObject({
      id: 'groups',
      message: 'ou=grups,dc=example,dc=com does not exist',
      setting: 'LDAP[0].LDAP_SEARCH_GROUP_DN',
      suggestion: 'ou=groups,dc=example,dc=com',
    });
  });

  it('suggests the group class the groups have', async (context) => {
    const directory = need(context);
    const result = await diagnose(
      settingsWith(directory.ldapEntry({ LDAP_OBJECT_CLASS_GROUP: 'groupOfNames' })),
      'alice@example.com',
      directory.users.alice!.password,
    );
    expect(failure(result)).toMatchObject({
      id: 'groups',
      setting: 'LDAP[0].LDAP_OBJECT_CLASS_GROUP',
      suggestion: 'posixGroup',
    });
  });

  it('says when the custom user filter is what keeps the user out', async (context) => {
    const directory = need(context);
    const result = await diagnose(
      settingsWith(directory.ldapEntry({ LDAP_CUSTOM_USER_FILTER: directory.definition.enabledFilter })),
      'eve@example.com',
      directory.users.eve!.password,
    );
    const step = failure(result);
    expect(step).toMatchObject({ id: 'user-search', setting: 'LDAP[0].LDAP_CUSTOM_USER_FILTER' });
    expect(step.message).toContain('LDAP_CUSTOM_USER_FILTER excludes it');
  });

  it('finds a user who lives outside the search base', async (context) => {
    const directory = need(context);
    const result = await diagnose(
      settingsWith(directory.ldapEntry({ LDAP_SEARCH_USER_DN: 'ou=services,dc=example,dc=com' })),
      'alice@example.com',
      directory.users.alice!.password,
    );
    const step = failure(result);
    expect(step).toMatchObject({
      id: 'user-search',
      setting: 'LDAP[0].LDAP_SEARCH_USER_DN',
      suggestion: 'dc=example,dc=com',
    });
    expect(step.message).toContain(directory.users.alice!.dn);
  });

  it('describes the entries under the base when the user is nowhere and the class is wrong', async (context) => {
    const directory = need(context);
    const result = await diagnose(
      settingsWith(directory.ldapEntry({ LDAP_OBJECT_CLASS_USER: 'user' })),
      'nobody@example.com',
      'Some-Passw0rd',
    );
    const step = failure(result);
    expect(step).toMatchObject({
      id: 'user-search',
      setting: 'LDAP[0].LDAP_OBJECT_CLASS_USER',
      suggestion: 'inetOrgPerson',
    });
    expect(step.message).toBe('no entry under ou=people,dc=example,dc=com has objectClass user');
    expect(step.hint).toMatch(/^object classes under the base: .*inetOrgPerson \(\d+\)/);
  });

  it('refuses a custom filter that cannot parse before any network I/O', async (context) => {
    const directory = need(context);
    const result = await diagnose(
      settingsWith(directory.ldapEntry({ LDAP_CUSTOM_USER_FILTER: '(employeeType=active' })),
      'alice@example.com',
      'irrelevant',
    );
    expect(failure(result)).toMatchObject({ id: 'domain-entry', setting: 'LDAP[0].LDAP_CUSTOM_USER_FILTER' });
    expect(result.steps.map((step) => step.id)).toEqual(['authentication-methods', 'domain-entry']);
  });

  it('takes a username without domain when one entry is configured, and asks for one with two', async (context) => {
    const directory = need(context);
    const password = directory.users.alice!.password;
    const single = await diagnose(settingsWith(directory.ldapEntry()), 'alice', password);
    expect(single.ok, JSON.stringify(single.steps, null, 2)).toBe(true);
    expect(single.entryIndex).toBe(0);
    expect(single.userDn).toBe(directory.users.alice!.dn);

    const two = settingsWith(directory.ldapEntry(), directory.ldapEntry({ LDAP_DOMAIN: 'other.example' }));
    expect(failure(await diagnose(two, 'alice', password))).toMatchObject({ id: 'domain-entry' });
    const chosen = await diagnose(two, 'alice@OTHER.example', password);
    expect(chosen.ok).toBe(true);
    expect(chosen.entryIndex).toBe(1);
    expect(chosen.steps.find((step) => step.id === 'domain-entry')?.message).toContain(
      'LDAP[1] serves other.example',
    );
  });

  it('never puts the password in a step', async (context) => {
    const directory = need(context);
    const password = directory.users.jsmith!.password;
    for (const overrides of [
      {},
      { LDAP_ATTR_USERNAME: 'cn' },
      { LDAP_REQUIRED_GROUP: ['cn=nope,ou=groups,dc=example,dc=com'] },
    ]) {
      const result = await diagnose(
        settingsWith(directory.ldapEntry(overrides)),
        'jsmith@example.com',
        password,
      );
      expect(JSON.stringify(result)).not.toContain(password);
      expect(JSON.stringify(result)).not.toContain(directory.bindPassword);
    }
  });

  it('stops between steps when aborted', async (context) => {
    const directory = need(context);
    const controller = new AbortController();
    controller.abort();
    const result = await diagnose(settingsWith(directory.ldapEntry()), 'alice@example.com', 'x', {
      signal: controller.signal,
    });
    expect(failure(result).id).toBe('authentication-methods');
  });
});
