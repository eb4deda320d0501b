/**
 * The full encrypted protocol against a real OpenLDAP (the disposable test directory of ldap-core):
 * what a user meets when the directory changes under them.
 */

import { ldapEntrySchema } from '@ldap-login/config-schema';
import { DirectoryService } from '@ldap-login/ldap-core';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { ApiError } from '@ldap-login/protocol';
import { Attribute, Change, type Client } from 'ldapts';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { LoginDirectory } from './accounts/directory-port.ts';
import { KeysLockedError } from './test-support/protocol-client.ts';
import { createTestApp, type TestApp, type TestAppOptions } from './test-support/test-app.ts';
import { useTestDirectory } from './test-support/test-directory.ts';

const ldap = useTestDirectory('LDAP login integration tests');
let directory: TestDirectory;
let admin: Client;
const apps: TestApp[] = [];
const services: DirectoryService[] = [];

beforeEach((context) => {
  directory = ldap.need(context);
  admin = ldap.admin;
});

// Runs before the directory stops (after-hooks run in reverse order of registration).
afterAll(async () => {
  for (const app of apps) await app.close();
  for (const service of services) await service.close();
});

/** Counts authenticate() calls, to show that throttled logins never reach the directory. */
function counting(service: DirectoryService): LoginDirectory & { calls: number } {
  const wrapper = {
    calls: 0,
    authenticate: (username: string, password: string) => {
      wrapper.calls++;
      return service.authenticate(username, password);
    },
    listGroups: (domain: string) => service.listGroups(domain),
    recheckUser: (domain: string, guid: string) => service.recheckUser(domain, guid),
    health: () => service.health(),
    close: () => service.close(),
  };
  return wrapper;
}

async function appFor(
  entryOverrides: Parameters<TestDirectory['ldapEntry']>[0] = {},
  options: Omit<TestAppOptions, 'directory'> = {},
) {
  const entry = directory.ldapEntry(entryOverrides);
  const service = new DirectoryService([ldapEntrySchema.parse(entry)]);
  services.push(service);
  const ldap = counting(service);
  const app = await createTestApp({
    ...options,
    directory: ldap,
    settings: { LDAP: [entry], ...options.settings },
  });
  apps.push(app);
  return { app, ldap };
}

async function groupNames(app: TestApp, username: string, password: string) {
  const session = await app.client().login(username, password);
  const profile = await session.call<{ groups: { name: string }[] }>('GET', '/user/');
  return profile.groups.map((group) => group.name);
}

describe('LDAP login with the full encrypted protocol', () => {
  it('creates the account on the first login and finds it again on the second', async () => {
    const { app } = await appFor();
    const alice = directory.users.alice!;
    const first = await app.client().login(`${alice.login}@${directory.domain}`, alice.password);
    expect(first.user).toMatchObject({
      username: `alice@${directory.domain}`,
      email: alice.mail,
      authentication: 'LDAP',
    });
    expect(first.privateKey).toMatch(/^[0-9a-f]{64}$/);
    const second = await app.client().login(`Alice@${directory.domain.toUpperCase()}`, alice.password);
    expect(second.user.id).toBe(first.user.id);
    expect(second.privateKey).toBe(first.privateKey);
    expect(second.secretKey).toBe(first.secretKey);
    expect((await groupNames(app, `alice@${directory.domain}`, alice.password)).sort()).toEqual([
      'developers',
      'staff',
    ]);
    const guid = await app.db.selectFrom('users').select('guid').executeTakeFirstOrThrow();
    expect(guid.guid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps the account when the user is renamed in the directory', async () => {
    const { app } = await appFor();
    const carol = directory.users.carol!;
    const before = await app.client().login(`carol@${directory.domain}`, carol.password);
    await admin.modifyDN(carol.dn, 'uid=carol.jones');
    const after = await app.client().login(`carol.jones@${directory.domain}`, carol.password);
    expect(after.user.id).toBe(before.user.id);
    expect(after.user.username).toBe(`carol.jones@${directory.domain}`);
    expect(after.privateKey).toBe(before.privateKey);
    await expect(app.client().login(`carol@${directory.domain}`, carol.password)).rejects.toMatchObject({
      status: 400,
      code: 'USERNAME_OR_PASSWORD_WRONG',
    });
  });

  it('reflects groups added and removed in the directory at the next login', async () => {
    const { app } = await appFor();
    const alice = directory.users.alice!;
    expect((await groupNames(app, `alice@${directory.domain}`, alice.password)).sort()).toEqual([
      'developers',
      'staff',
    ]);
    await admin.modify(directory.groups.admins!.dn, [
      new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [alice.dn] }) }),
    ]);
    await admin.modify(directory.groups.developers!.dn, [
      new Change({
        operation: 'delete',
        modification: new Attribute({ type: 'member', values: [alice.dn] }),
      }),
    ]);
    try {
      expect((await groupNames(app, `alice@${directory.domain}`, alice.password)).sort()).toEqual([
        'admins',
        'staff',
      ]);
    } finally {
      await admin.modify(directory.groups.developers!.dn, [
        new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [alice.dn] }) }),
      ]);
      await admin.modify(directory.groups.admins!.dn, [
        new Change({
          operation: 'delete',
          modification: new Attribute({ type: 'member', values: [alice.dn] }),
        }),
      ]);
    }
  });

  it('refuses users outside LDAP_REQUIRED_GROUP exactly like a wrong password', async () => {
    const { app } = await appFor({ LDAP_REQUIRED_GROUP: [directory.groups.admins!.dn] });
    const bob = directory.users.bob!;
    const zoe = directory.users.zoe!;
    await app.client().login(`bob@${directory.domain}`, bob.password);
    const refused = await app
      .client()
      .login(`zoe@${directory.domain}`, zoe.password)
      .catch((error: unknown) => error);
    const wrong = await app
      .client()
      .login(`bob@${directory.domain}`, 'not-the-password')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 400, code: 'USERNAME_OR_PASSWORD_WRONG' });
    expect(wrong).toMatchObject({ status: 400, code: 'USERNAME_OR_PASSWORD_WRONG' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reasons = await app.db
      .selectFrom('audit_events')
      .select(['username', 'reason'])
      .where('outcome', '=', 'failure')
      .execute();
    expect(reasons.find((row) => row.username === `zoe@${directory.domain}`)?.reason).toMatch(
      /^NOT_PERMITTED/,
    );
    expect(reasons.find((row) => row.username === `bob@${directory.domain}`)?.reason).toMatch(
      /^INVALID_CREDENTIALS/,
    );
  });

  it('keeps the keys open after a directory password change (previous-password path, no server secrets)', async () => {
    const { app } = await appFor({}, { settings: { COMPLIANCE_SERVER_SECRETS: 'noone' } });
    const dave = directory.users.dave!;
    const first = await app.client().login(`dave@${directory.domain}`, dave.password);
    const newPassword = 'Dave-New-Passw0rd!';
    await admin.modify(dave.dn, [
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'userPassword', values: [newPassword] }),
      }),
    ]);
    try {
      await expect(app.client().login(`dave@${directory.domain}`, dave.password)).rejects.toMatchObject({
        code: 'USERNAME_OR_PASSWORD_WRONG',
      });
      await expect(app.client().login(`dave@${directory.domain}`, newPassword)).rejects.toBeInstanceOf(
        KeysLockedError,
      );
      const changed = await app
        .client()
        .login(`dave@${directory.domain}`, newPassword, { previousPassword: dave.password });
      expect(changed.keysReencrypted).toBe(true);
      const later = await app.client().login(`dave@${directory.domain}`, newPassword);
      expect(later.keysReencrypted).toBe(false);
      expect(later.privateKey).toBe(first.privateKey);
      expect(later.secretKey).toBe(first.secretKey);
    } finally {
      await admin.modify(dave.dn, [
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'userPassword', values: [dave.password] }),
        }),
      ]);
    }
  });

  it('opens the keys with the new directory password alone when server secrets are on (auto)', async () => {
    const { app } = await appFor();
    const dave = directory.users.dave!;
    const first = await app.client().login(`dave@${directory.domain}`, dave.password);
    expect(first.serverSecretExists).toBe(true);
    const newPassword = 'Dave-Other-Passw0rd!';
    const setPassword = (password: string) =>
      admin.modify(dave.dn, [
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'userPassword', values: [password] }),
        }),
      ]);
    await setPassword(newPassword);
    try {
      const after = await app.client().login(`dave@${directory.domain}`, newPassword);
      expect(after.keysReencrypted).toBe(false);
      expect(after.privateKey).toBe(first.privateKey);
      expect(after.secretKey).toBe(first.secretKey);
    } finally {
      await setPassword(dave.password);
    }
    // And back: the keys follow the password the directory accepts.
    const again = await app.client().login(`dave@${directory.domain}`, dave.password);
    expect(again.privateKey).toBe(first.privateKey);
  });

  it('deletes a datastore only with the password the directory accepts', async () => {
    const { app } = await appFor();
    const bob = directory.users.bob!;
    const session = await app.client().login(`${bob.login}@${directory.domain}`, bob.password);
    const datastore = (description: string, isDefault: boolean) =>
      session.call<{ datastore_id: string }>('PUT', '/datastore/', {
        type: 'password',
        description,
        data: '',
        data_nonce: '',
        is_default: isDefault,
        secret_key: 'ab'.repeat(80),
        secret_key_nonce: 'cd'.repeat(24),
      });
    await datastore('default', true);
    const { datastore_id: extra } = await datastore('old', false);
    const wrong = await session
      .call('DELETE', '/datastore/', { datastore_id: extra, password: `${bob.password}-not` })
      .catch((error: unknown) => error);
    expect(wrong).toMatchObject({ status: 403, code: 'PASSWORD_INCORRECT' });
    expect(
      await session.call('DELETE', '/datastore/', { datastore_id: extra, password: bob.password }),
    ).toEqual({});
    const { datastores } = await session.call<{ datastores: { id: string }[] }>('GET', '/datastore/');
    expect(datastores.map((entry) => entry.id)).not.toContain(extra);
  });

  it('ends sessions at logout and refuses expired ones', async () => {
    let clock = Date.now();
    const { app } = await appFor({}, { now: () => clock });
    const bob = directory.users.bob!;
    const session = await app
      .client()
      .login(`bob@${directory.domain}`, bob.password, { sessionDuration: 600 });
    await session.call('GET', '/user/');
    await session.logout();
    await expect(session.call('GET', '/user/')).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });

    const next = await app.client().login(`bob@${directory.domain}`, bob.password, { sessionDuration: 600 });
    clock += 601_000;
    await expect(next.call('GET', '/user/')).rejects.toMatchObject({ status: 401, code: 'SESSION_EXPIRED' });
  });

  it('throttles failed logins before the directory is asked', async () => {
    const { app, ldap } = await appFor({}, { settings: { LOGIN_THROTTLE_USERNAME_FAILURES: 3 } });
    const jsmith = directory.users.jsmith!;
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(app.client().login(`jsmith@${directory.domain}`, 'wrong')).rejects.toMatchObject({
        code: 'USERNAME_OR_PASSWORD_WRONG',
      });
    }
    const asked = ldap.calls;
    const throttled = await app
      .client()
      .login(`jsmith@${directory.domain}`, jsmith.password)
      .catch((error: unknown) => error);
    expect(throttled).toMatchObject({ status: 429, code: 'TOO_MANY_LOGIN_ATTEMPTS' });
    expect(Number((throttled as ApiError).retryAfterSeconds)).toBeGreaterThan(0);
    expect(ldap.calls).toBe(asked);
  });

  it('answers 503 when no directory URL answers, and reports it in the health check', async () => {
    const { app } = await appFor({ LDAP_URL: 'ldap://127.0.0.1:1', LDAP_CONNECT_TIMEOUT: 1 });
    await expect(
      app.client().login(`alice@${directory.domain}`, directory.users.alice!.password),
    ).rejects.toMatchObject({
      status: 503,
      code: 'DIRECTORY_UNAVAILABLE',
    });
    const health = await (await app.request('/healthcheck/')).json();
    expect(health).toMatchObject({
      healthy: true,
      directories: [{ domain: directory.domain, healthy: false }],
    });
    expect(JSON.stringify(health)).not.toContain('127.0.0.1');
  });
});
