/**
 * The persistence suite, run unchanged on SQLite and on a real PostgreSQL.
 */
import { passwordKey } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AccountService } from '../accounts/account-service.ts';
import type { DirectoryUser } from '../accounts/directory-port.ts';
import { syncDirectoryGroups } from '../accounts/groups.ts';
import { recordAuditEvent } from '../audit.ts';
import { SessionStore } from '../sessions/session-store.ts';
import {
  type DatabaseBackend,
  postgresBackend,
  postgresBackendAvailable,
  sqliteBackend,
} from '../test-support/databases.ts';
import { FakeDirectory } from '../test-support/fake-directory.ts';
import { createTestApp } from '../test-support/test-app.ts';
import { LoginThrottle } from '../throttle/login-throttle.ts';
import { openDatabase } from './database.ts';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';

const backends: [string, () => Promise<DatabaseBackend>][] = [['sqlite', async () => sqliteBackend]];
if (postgresBackendAvailable()) backends.push(['postgres', postgresBackend]);

function directoryUser(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    domain: 'example.com',
    dn: 'uid=alice,ou=people,dc=example,dc=com',
    guid: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
    username: 'alice@example.com',
    email: 'alice@example.com',
    groups: [
      { dn: 'cn=staff,ou=groups,dc=example,dc=com', name: 'staff' },
      { dn: 'cn=developers,ou=groups,dc=example,dc=com', name: 'developers' },
    ],
    ...overrides,
  };
}

describe.each(backends)('persistence on %s', (_name, makeBackend) => {
  let backend: DatabaseBackend;
  let database: Awaited<ReturnType<DatabaseBackend['create']>>;
  let db: Database;
  let clock: number;

  beforeAll(async () => {
    backend = await makeBackend();
  }, 120_000);
  afterAll(async () => {
    await backend?.stop();
  });
  beforeEach(async () => {
    database = await backend.create();
    db = openDatabase(database.config);
    await migrateToLatest(db);
    clock = 1_800_000_000_000;
  });
  afterEach(async () => {
    await db.destroy();
    await database.drop();
  });

  const sessionsAt = () => new SessionStore(db, () => clock);
  const newSession = (store: SessionStore) => (userId: string) =>
    store.buildSession({
      userId,
      durationSeconds: 3600,
      deviceFingerprint: 'fp',
      deviceDescription: 'test',
      clientAddress: '192.0.2.1',
    }).row;

  it('applies migrations once and is idempotent', async () => {
    expect(await migrateToLatest(db)).toEqual([]);
    const again = openDatabase(database.config);
    try {
      expect(await migrateToLatest(again)).toEqual([]);
    } finally {
      await again.destroy();
    }
  });

  it('creates an account with keys that open with the password, then keeps it across renames', async () => {
    const accounts = new AccountService(db, () => clock);
    const sessions = sessionsAt();
    const first = await accounts.recordLogin(directoryUser(), 'pw-1', newSession(sessions));
    expect(first.created).toBe(true);
    const key = await passwordKey(sodiumCrypto, 'pw-1', first.user.user_sauce);
    expect(
      sodiumCrypto.secretboxOpen({ text: first.user.private_key, nonce: first.user.private_key_nonce }, key),
    ).toMatch(/^[0-9a-f]{64}$/);

    clock += 1000;
    const renamed = await accounts.recordLogin(
      directoryUser({
        username: 'alice.smith',
        email: null,
        dn: 'uid=alice.smith,ou=people,dc=example,dc=com',
      }),
      'pw-1',
      newSession(sessions),
    );
    expect(renamed.created).toBe(false);
    expect(renamed.user.id).toBe(first.user.id);
    const stored = await accounts.findById(first.user.id);
    expect(stored).toMatchObject({
      username: 'alice.smith@example.com',
      email: null,
      user_dn: 'uid=alice.smith,ou=people,dc=example,dc=com',
      private_key: first.user.private_key,
      created_at: 1_800_000_000_000,
      last_login: 1_800_000_001_000,
    });
    expect(await db.selectFrom('users').select('id').execute()).toHaveLength(1);
    expect(await db.selectFrom('sessions').select('id').execute()).toHaveLength(2);
  });

  it('records a returning login (nothing changed in the directory): last_login, the session and the audit row', async () => {
    const accounts = new AccountService(db, () => clock);
    const sessions = sessionsAt();
    const first = await accounts.recordLogin(directoryUser(), 'pw', newSession(sessions));
    clock += 5000;
    let sessionId = '';
    const again = await accounts.recordLogin(
      directoryUser(),
      'pw',
      (userId) => {
        const row = newSession(sessions)(userId);
        sessionId = row.id;
        return row;
      },
      (user, created) => ({
        event: 'login',
        outcome: 'success',
        username: user.username,
        userId: user.id,
        details: { created },
        at: clock,
      }),
    );
    expect(again).toMatchObject({ created: false, user: { id: first.user.id, last_login: clock } });
    expect(await accounts.findById(first.user.id)).toMatchObject({
      last_login: clock,
      username: 'alice@example.com',
    });
    expect(
      await db.selectFrom('sessions').select(['id', 'user_id']).where('id', '=', sessionId).execute(),
    ).toEqual([{ id: sessionId, user_id: first.user.id }]);
    expect(await db.selectFrom('audit_events').select(['user_id', 'at', 'details']).execute()).toEqual([
      { user_id: first.user.id, at: clock, details: '{"created":false}' },
    ]);
    expect((await accounts.groupsOf(first.user.id)).map((group) => group.name)).toEqual([
      'developers',
      'staff',
    ]);
  });

  it('creates one account when two first logins race', async () => {
    const accounts = new AccountService(db, () => clock);
    const sessions = sessionsAt();
    const [a, b] = await Promise.all([
      accounts.recordLogin(directoryUser(), 'pw', newSession(sessions)),
      accounts.recordLogin(directoryUser(), 'pw', newSession(sessions)),
    ]);
    expect(a.user.id).toBe(b.user.id);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    expect(await db.selectFrom('users').select('id').execute()).toHaveLength(1);
    expect(await db.selectFrom('sessions').select('id').execute()).toHaveLength(2);
  });

  it('keeps memberships equal to the directory, comparing DNs case-insensitively', async () => {
    const accounts = new AccountService(db, () => clock);
    const sessions = sessionsAt();
    const { user } = await accounts.recordLogin(directoryUser(), 'pw', newSession(sessions));
    expect((await accounts.groupsOf(user.id)).map((group) => group.name)).toEqual(['developers', 'staff']);

    await accounts.recordLogin(
      directoryUser({
        groups: [
          { dn: 'CN=Staff, OU=Groups, DC=example, DC=com', name: 'staff' },
          { dn: 'cn=admins,ou=groups,dc=example,dc=com', name: 'admins' },
        ],
      }),
      'pw',
      newSession(sessions),
    );
    expect((await accounts.groupsOf(user.id)).map((group) => group.name)).toEqual(['admins', 'staff']);
    expect(await db.selectFrom('ldap_groups').select('dn_key').orderBy('dn_key').execute()).toEqual([
      { dn_key: 'cn=admins,ou=groups,dc=example,dc=com' },
      { dn_key: 'cn=developers,ou=groups,dc=example,dc=com' },
      { dn_key: 'cn=staff,ou=groups,dc=example,dc=com' },
    ]);

    await accounts.recordLogin(directoryUser({ groups: [] }), 'pw', newSession(sessions));
    expect(await accounts.groupsOf(user.id)).toEqual([]);
  });

  it('stores sessions hashed, activates once, ends, lists live ones and purges old ones', async () => {
    const accounts = new AccountService(db, () => clock);
    const sessions = sessionsAt();
    let token = '';
    const { user } = await accounts.recordLogin(directoryUser(), 'pw', (userId) => {
      const built = sessions.buildSession({
        userId,
        durationSeconds: 60,
        deviceFingerprint: 'fp',
        deviceDescription: 'laptop',
        clientAddress: '192.0.2.1',
      });
      token = built.token;
      return built.row;
    });
    const found = await sessions.findByToken(token);
    expect(found).toMatchObject({ user_id: user.id, active: 0, valid_till: clock + 60_000 });
    expect(found!.token_hash).not.toBe(token);
    expect(await sessions.activate(found!.id)).toBe(true);
    expect(await sessions.activate(found!.id)).toBe(false);
    expect((await sessions.findByToken(token))!.validator).toBeNull();
    expect(await sessions.listLive(user.id)).toHaveLength(1);
    clock += 61_000;
    expect(await sessions.listLive(user.id)).toHaveLength(0);
    expect(await sessions.end(user.id, found!.id)).toBe(true);
    expect(await sessions.end(user.id, found!.id)).toBe(false);
    clock += 8 * 24 * 3600 * 1000;
    expect(await sessions.purge()).toBe(1);
    expect(await sessions.findByToken(token)).toBeUndefined();
  });

  it('counts failed logins per username and address, shared through the database', async () => {
    const limits = { usernameFailures: 2, addressFailures: 3, windowSeconds: 60 };
    const throttle = new LoginThrottle(db, limits, () => clock);
    // A second instance (another replica) sees the same counters.
    const replica = new LoginThrottle(db, limits, () => clock);
    expect(await throttle.check('alice@example.com', '192.0.2.1')).toEqual({
      allowed: true,
      usernameHasFailures: false,
    });
    await throttle.recordFailure('alice@example.com', '192.0.2.1');
    await replica.recordFailure('ALICE@example.com', '192.0.2.2');
    expect(await replica.check('alice@example.com', '192.0.2.3')).toEqual({
      allowed: false,
      key: 'username',
      retryAfterSeconds: 60,
    });
    await throttle.recordFailure('bob@example.com', '192.0.2.1');
    await throttle.recordFailure('carol@example.com', '192.0.2.1');
    expect(await throttle.check('dave@example.com', '192.0.2.1')).toMatchObject({
      allowed: false,
      key: 'address',
    });
    clock += 30_000;
    expect(await throttle.check('alice@example.com', '192.0.2.9')).toMatchObject({ retryAfterSeconds: 30 });
    clock += 30_000;
    expect(await throttle.check('alice@example.com', '192.0.2.1')).toEqual({
      allowed: true,
      usernameHasFailures: true,
    });
    await throttle.recordFailure('alice@example.com', '192.0.2.9');
    const row = await db
      .selectFrom('login_throttle')
      .selectAll()
      .where('key', '=', 'user:alice@example.com')
      .executeTakeFirst();
    expect(row).toEqual({ key: 'user:alice@example.com', failures: 1, window_start: clock });
    await throttle.recordSuccess('alice@example.com');
    expect(await throttle.check('alice@example.com', '192.0.2.9')).toEqual({
      allowed: true,
      usernameHasFailures: false,
    });
  });

  it('records audit events and synchronises directory groups', async () => {
    await recordAuditEvent(db, {
      event: 'testldap',
      outcome: 'failure',
      username: 'alice@example.com',
      reason: 'USER_NOT_FOUND',
      details: { step: 'user search' },
      at: clock,
    });
    expect(await db.selectFrom('audit_events').selectAll().execute()).toEqual([
      expect.objectContaining({
        event: 'testldap',
        outcome: 'failure',
        username: 'alice@example.com',
        reason: 'USER_NOT_FOUND',
        details: '{"step":"user search"}',
        at: clock,
      }),
    ]);

    const directory = new FakeDirectory();
    directory.add({
      login: 'a',
      domain: 'example.com',
      password: 'x',
      guid: 'g',
      groups: [
        { dn: 'cn=one,dc=example,dc=com', name: 'one' },
        { dn: 'cn=two,dc=example,dc=com', name: 'two' },
      ],
    });
    expect(await syncDirectoryGroups(db, directory)).toEqual([{ domain: 'example.com', groups: 2 }]);
    expect(await syncDirectoryGroups(db, directory, ['example.com'])).toEqual([
      { domain: 'example.com', groups: 2 },
    ]);
    expect(await db.selectFrom('ldap_groups').select('name').orderBy('name').execute()).toEqual([
      { name: 'one' },
      { name: 'two' },
    ]);
    directory.unavailable = true;
    directory.listGroups = async () => {
      throw new Error('directory down');
    };
    expect(await syncDirectoryGroups(db, directory, ['example.com'])).toEqual([
      { domain: 'example.com', groups: 0, error: 'directory down' },
    ]);
  });

  it('serves the whole encrypted protocol on this database', async () => {
    const directory = new FakeDirectory();
    directory.add({
      login: 'alice',
      domain: 'example.com',
      password: 'pw',
      guid: 'g-1',
      groups: [{ dn: 'cn=x,dc=e', name: 'x' }],
    });
    const t = await createTestApp({ directory, database: database.config });
    try {
      const session = await t.client().login('alice@example.com', 'pw');
      expect(await session.call('GET', '/user/')).toMatchObject({
        username: 'alice@example.com',
        groups: [{ name: 'x' }],
      });
      await session.logout();
      await expect(session.call('GET', '/user/')).rejects.toMatchObject({ status: 401 });
    } finally {
      await t.close();
    }
  });
});
