/**
 * Server secrets (`COMPLIANCE_SERVER_SECRETS`) through the API, on SQLite and PostgreSQL: what a
 * client sees after a directory password change in each mode, and every move between modes on the
 * same database, with no key ever lost.
 */

import { ApiError } from '@ldap-login/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseBackends, type TestDatabase, useDatabaseBackend } from '../test-support/databases.ts';
import { FakeDirectory } from '../test-support/fake-directory.ts';
import { KeysLockedError, type Session } from '../test-support/protocol-client.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';

const backends = databaseBackends();

type Mode = 'auto' | 'noone' | 'all';

describe.each(backends)('server secrets on %s', (_name, makeBackend) => {
  const databases = useDatabaseBackend(makeBackend);
  let database: TestDatabase;
  let directory: FakeDirectory;
  let t: TestApp | undefined;
  const SECRET_KEY = 'k'.repeat(64);

  beforeEach(async () => {
    database = await databases.create();
    directory = new FakeDirectory();
    directory.add({ login: 'alice', domain: 'example.com', password: 'pw-1', guid: 'guid-alice' });
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** (Re)starts the server on the same database with another mode, as an administrator would. */
  async function serve(mode: Mode, secretKey: string | null = SECRET_KEY): Promise<TestApp> {
    await t?.close();
    t = await createTestApp({
      directory,
      database: database.config,
      settings: { COMPLIANCE_SERVER_SECRETS: mode, SECRET_KEY: secretKey ?? undefined },
    });
    return t;
  }

  const changePassword = (password: string) => {
    directory.users.get('alice@example.com')!.password = password;
  };
  const login = (password: string, previousPassword?: string) =>
    t!.client().login('alice@example.com', password, previousPassword ? { previousPassword } : {});

  async function storedCopy(): Promise<string | null> {
    const row = await t!.db.selectFrom('user_login_secrets').select('server_secret').executeTakeFirst();
    return row?.server_secret ?? null;
  }

  async function infoMode(): Promise<string> {
    const signed = (await (await t!.request('/info/')).json()) as { info: string };
    return JSON.parse(signed.info).compliance_server_secrets;
  }

  function sameKeys(a: Session, b: Session) {
    expect(b.privateKey).toBe(a.privateKey);
    expect(b.secretKey).toBe(a.secretKey);
  }

  for (const mode of ['auto', 'all'] as const) {
    it(`in ${mode}, opens the vault with the new directory password and no prompt for the old one`, async () => {
      await serve(mode);
      expect(await infoMode()).toBe(mode);
      const first = await login('pw-1');
      expect(first.serverSecretExists).toBe(true);
      const copy = await storedCopy();
      expect(copy).toBeTruthy();
      // Encrypted at rest: neither key appears in the stored copy.
      expect(copy).not.toContain(first.privateKey);
      expect(copy).not.toContain(first.secretKey);

      changePassword('pw-2');
      const after = await login('pw-2');
      expect(after.keysReencrypted).toBe(false);
      expect(after.serverSecretExists).toBe(true);
      sameKeys(first, after);
      // The old password opens nothing any more.
      const users = await t!.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
      expect(users.private_key).not.toBe(first.user.private_key);
    });
  }

  it('in noone, keeps no copy: the client asks for the previous password and re-encrypts', async () => {
    await serve('noone');
    expect(await infoMode()).toBe('noone');
    const first = await login('pw-1');
    expect(first.serverSecretExists).toBe(false);
    expect(await storedCopy()).toBeNull();
    changePassword('pw-2');
    await expect(login('pw-2')).rejects.toBeInstanceOf(KeysLockedError);
    const changed = await login('pw-2', 'pw-1');
    expect(changed.keysReencrypted).toBe(true);
    sameKeys(first, changed);
    const later = await login('pw-2');
    expect(later.keysReencrypted).toBe(false);
    sameKeys(first, later);
    expect(await storedCopy()).toBeNull();
  });

  it('without SECRET_KEY keeps no copy whatever the mode says', async () => {
    await serve('auto', null);
    expect(await infoMode()).toBe('noone');
    const first = await login('pw-1');
    expect(first.serverSecretExists).toBe(false);
    expect(await storedCopy()).toBeNull();
  });

  it('auto -> noone: the copy brings the keys to the current password, then goes', async () => {
    await serve('auto');
    const first = await login('pw-1');
    changePassword('pw-2');
    await serve('noone');
    const after = await login('pw-2');
    expect(after.keysReencrypted).toBe(false);
    expect(after.serverSecretExists).toBe(false);
    sameKeys(first, after);
    expect(await storedCopy()).toBeNull();
    // From now on a change needs the previous password, and that still works.
    changePassword('pw-3');
    await expect(login('pw-3')).rejects.toBeInstanceOf(KeysLockedError);
    sameKeys(first, await login('pw-3', 'pw-2'));
  });

  it('noone -> auto: the first login whose password opens the keys takes the copy', async () => {
    await serve('noone');
    const first = await login('pw-1');
    await serve('auto');
    const taken = await login('pw-1');
    expect(await storedCopy()).toBeTruthy();
    expect(taken.serverSecretExists).toBe(true);
    changePassword('pw-2');
    sameKeys(first, await login('pw-2'));
  });

  it('noone -> auto after a password change: the previous password once, then no prompt again', async () => {
    await serve('noone');
    const first = await login('pw-1');
    changePassword('pw-2');
    await serve('auto');
    await expect(login('pw-2')).rejects.toBeInstanceOf(KeysLockedError);
    // Our client re-encrypts under pw-2 (PUT /user/update/); the next login takes the copy.
    const reencrypted = await login('pw-2', 'pw-1');
    expect(reencrypted.serverSecretExists).toBe(false);
    const next = await login('pw-2');
    expect(next.serverSecretExists).toBe(true);
    changePassword('pw-3');
    sameKeys(first, await login('pw-3'));
  });

  it("auto, official client's key transfer: POST /server-secret/ stores the keys it opened", async () => {
    await serve('noone');
    const first = await login('pw-1');
    await serve('auto');
    changePassword('pw-2');
    // The official client opens the keys with the previous password but never re-encrypts;
    // its key-transfer page then hands the opened keys over.
    const session = await login('pw-2', 'pw-1');
    const refused = await session
      .call('POST', '/server-secret/', { private_key: 'ab'.repeat(32), secret_key: session.secretKey })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 400, code: 'SERVER_SECRET_REFUSED' });
    expect(
      await session.call('POST', '/server-secret/', {
        private_key: session.privateKey,
        secret_key: session.secretKey,
      }),
    ).toEqual({});
    expect(await storedCopy()).toBeTruthy();
    changePassword('pw-3');
    const after = await login('pw-3');
    expect(after.serverSecretExists).toBe(true);
    sameKeys(first, after);
  });

  it('noone refuses POST /server-secret/', async () => {
    await serve('noone');
    const session = await login('pw-1');
    const refused = await session
      .call('POST', '/server-secret/', { private_key: session.privateKey, secret_key: session.secretKey })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 400, code: 'SERVER_SECRET_REFUSED' });
    expect(await storedCopy()).toBeNull();
  });
});
