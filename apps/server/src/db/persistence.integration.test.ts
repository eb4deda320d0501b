/**
 * The persistence suite, run unchanged on SQLite and on a real PostgreSQL.
 */
import { passwordKey } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AccountService } from '../accounts/account-service.ts';
import type { DirectoryUser } from '../accounts/directory-port.ts';
import { syncDirectoryGroups } from '../accounts/groups.ts';
import { auditRepeatedRefusal, recordAuditEvent } from '../audit.ts';
import { SessionStore } from '../sessions/session-store.ts';
import { databaseBackends, type TestDatabase, useDatabaseBackend } from '../test-support/databases.ts';
import { FakeDirectory } from '../test-support/fake-directory.ts';
import { createTestApp } from '../test-support/test-app.ts';
import { LoginThrottle, LoginThrottled } from '../throttle/login-throttle.ts';
import { claimLoginRequest, LoginRequestExpired, LoginRequestReplayed } from '../throttle/replay-guard.ts';
import { cleanUpOnce, type RetentionPolicy } from './cleanup.ts';
import { openDatabase } from './database.ts';
import { type Executor, executorFor } from './executor.ts';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';

const backends = databaseBackends();

const RETENTION: RetentionPolicy = {
  auditRetentionDays: 90,
  sessionRetentionDays: 7,
  throttleWindowSeconds: 60,
};

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
  const databases = useDatabaseBackend(makeBackend);
  let database: TestDatabase;
  let db: Database;
  let clock: number;

  beforeEach(async () => {
    database = await databases.create();
    db = openDatabase(database.config);
    await migrateToLatest(db);
    clock = 1_800_000_000_000;
  });
  afterEach(async () => {
    await db.destroy();
  });

  const sessionsAt = () => new SessionStore(executorFor(db), () => clock);
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
    const accounts = new AccountService(executorFor(db), sessionsAt(), () => clock);
    const sessions = sessionsAt();
    const first = await accounts.recordLogin(directoryUser(), 'pw-1', { session: newSession(sessions) });
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
      { session: newSession(sessions) },
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
    const accounts = new AccountService(executorFor(db), sessionsAt(), () => clock);
    const sessions = sessionsAt();
    const first = await accounts.recordLogin(directoryUser(), 'pw', { session: newSession(sessions) });
    clock += 5000;
    let sessionId = '';
    const again = await accounts.recordLogin(directoryUser(), 'pw', {
      session: (userId) => {
        const row = newSession(sessions)(userId);
        sessionId = row.id;
        return row;
      },
      audit: (user, created) => ({
        event: 'login',
        outcome: 'success',
        username: user.username,
        userId: user.id,
        details: { created },
        at: clock,
      }),
    });
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
    const accounts = new AccountService(executorFor(db), sessionsAt(), () => clock);
    const sessions = sessionsAt();
    const [a, b] = await Promise.all([
      accounts.recordLogin(directoryUser(), 'pw', { session: newSession(sessions) }),
      accounts.recordLogin(directoryUser(), 'pw', { session: newSession(sessions) }),
    ]);
    expect(a.user.id).toBe(b.user.id);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    expect(await db.selectFrom('users').select('id').execute()).toHaveLength(1);
    expect(await db.selectFrom('sessions').select('id').execute()).toHaveLength(2);
  });

  it('keeps memberships equal to the directory, comparing DNs case-insensitively', async () => {
    const accounts = new AccountService(executorFor(db), sessionsAt(), () => clock);
    const sessions = sessionsAt();
    const { user } = await accounts.recordLogin(directoryUser(), 'pw', { session: newSession(sessions) });
    expect((await accounts.groupsOf(user.id)).map((group) => group.name)).toEqual(['developers', 'staff']);

    await accounts.recordLogin(
      directoryUser({
        groups: [
          { dn: 'CN=Staff, OU=Groups, DC=example, DC=com', name: 'staff' },
          { dn: 'cn=admins,ou=groups,dc=example,dc=com', name: 'admins' },
        ],
      }),
      'pw',
      { session: newSession(sessions) },
    );
    expect((await accounts.groupsOf(user.id)).map((group) => group.name)).toEqual(['admins', 'staff']);
    expect(await db.selectFrom('ldap_groups').select('dn_key').orderBy('dn_key').execute()).toEqual([
      { dn_key: 'cn=admins,ou=groups,dc=example,dc=com' },
      { dn_key: 'cn=developers,ou=groups,dc=example,dc=com' },
      { dn_key: 'cn=staff,ou=groups,dc=example,dc=com' },
    ]);

    await accounts.recordLogin(directoryUser({ groups: [] }), 'pw', { session: newSession(sessions) });
    expect(await accounts.groupsOf(user.id)).toEqual([]);
  });

  it('stores sessions hashed, activates once, ends, lists live ones and purges old ones', async () => {
    const accounts = new AccountService(executorFor(db), sessionsAt(), () => clock);
    const sessions = sessionsAt();
    let token = '';
    const { user } = await accounts.recordLogin(directoryUser(), 'pw', {
      session: (userId) => {
        const built = sessions.buildSession({
          userId,
          durationSeconds: 60,
          deviceFingerprint: 'fp',
          deviceDescription: 'laptop',
          clientAddress: '192.0.2.1',
        });
        token = built.token;
        return built.row;
      },
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
    expect((await cleanUpOnce(executorFor(db), RETENTION, clock)).sessions).toBe(1);
    expect(await sessions.findByToken(token)).toBeUndefined();
  });

  it('counts attempts per username and address before the directory, shared through the database', async () => {
    const limits = { usernameFailures: 2, deviceFailures: 2, addressFailures: 3, windowSeconds: 60 };
    const executor = executorFor(db);
    const throttle = new LoginThrottle(limits, () => clock);
    // A second database connection and instance (another replica) sees the same counters.
    const other = openDatabase(database.config);
    const replica = new LoginThrottle(limits, () => clock);
    const reserve = (on: LoginThrottle, ex: Executor, username: string, address: string) =>
      ex.transaction((tx) => on.reserve(tx, username, address));
    const counters = async () =>
      Object.fromEntries(
        (await db.selectFrom('login_throttle').select(['key', 'failures']).execute()).map((row) => [
          row.key,
          row.failures,
        ]),
      );
    try {
      await reserve(throttle, executor, 'alice@example.com', '192.0.2.1');
      await reserve(replica, executorFor(other), 'ALICE@example.com', '192.0.2.2');
      await expect(reserve(replica, executorFor(other), 'alice@example.com', '192.0.2.3')).rejects.toEqual(
        new LoginThrottled('username', 'user:alice@example.com', clock, 60),
      );
      // The refused attempt counted nothing, not even for its address.
      expect(await counters()).toEqual({
        'user:alice@example.com': 2,
        'addr:192.0.2.1': 1,
        'addr:192.0.2.2': 1,
      });

      await reserve(throttle, executor, 'bob@example.com', '192.0.2.1');
      await reserve(throttle, executor, 'carol@example.com', '192.0.2.1');
      await expect(reserve(throttle, executor, 'dave@example.com', '192.0.2.1')).rejects.toMatchObject({
        key: 'address',
      });
      clock += 30_000;
      await expect(reserve(throttle, executor, 'alice@example.com', '192.0.2.9')).rejects.toMatchObject({
        retryAfterSeconds: 30,
      });
      clock += 30_000;
      // The window has ended: the next attempt starts a new one at 1.
      const reservation = await reserve(throttle, executor, 'alice@example.com', '192.0.2.1');
      expect(reservation).toEqual({
        usernameKey: 'user:alice@example.com',
        addressKey: 'addr:192.0.2.1',
        usernameWindowStart: clock,
        addressWindowStart: clock,
      });
      // A success clears the username and gives the address its attempt back.
      await executor.transaction((tx) => throttle.releaseAfterSuccess(tx, reservation));
      expect(await counters()).toMatchObject({ 'addr:192.0.2.1': 0, 'user:alice@example.com': 0 });
      // An attempt the directory could not answer counts for neither key.
      const unanswered = await reserve(throttle, executor, 'erin@example.com', '192.0.2.1');
      await throttle.releaseUncounted(executor, unanswered);
      expect(await counters()).toMatchObject({ 'user:erin@example.com': 0, 'addr:192.0.2.1': 0 });

      // A known device: its own counter and its username's devices' counter, not the username's.
      const fromDevice = (deviceId: string, address: string) =>
        executor.transaction((tx) => throttle.reserve(tx, 'alice@example.com', address, deviceId));
      const deviceAttempt = await fromDevice('laptop', '192.0.2.20');
      expect(deviceAttempt).toEqual({
        usernameKey: 'devices:alice@example.com',
        addressKey: 'addr:192.0.2.20',
        usernameWindowStart: clock,
        addressWindowStart: clock,
        device: { key: 'device:laptop', windowStart: clock },
      });
      await fromDevice('laptop', '192.0.2.20');
      await expect(fromDevice('laptop', '192.0.2.20')).rejects.toMatchObject({ key: 'device' });
      // The username's devices together are over the username limit (2) too: the phone is refused.
      await expect(fromDevice('phone', '192.0.2.21')).rejects.toMatchObject({
        key: 'device',
        counterKey: 'devices:alice@example.com',
      });
      expect(await counters()).toMatchObject({
        'user:alice@example.com': 0,
        'device:laptop': 2,
        'devices:alice@example.com': 2,
      });
      // The device's answered success clears its counters, never the username's shared one.
      await executor.transaction((tx) => throttle.releaseAfterSuccess(tx, deviceAttempt));
      expect(await counters()).toMatchObject({ 'device:laptop': 0, 'devices:alice@example.com': 0 });
      await throttle.releaseUncounted(executor, await fromDevice('phone', '192.0.2.21'));
      expect(await counters()).toMatchObject({ 'device:phone': 0, 'devices:alice@example.com': 0 });

      // Counters of ended windows go at the next cleanup.
      clock += 61_000;
      expect((await cleanUpOnce(executor, RETENTION, clock)).throttleCounters).toBe(11);
      expect(await counters()).toEqual({});
    } finally {
      await other.destroy();
    }
  });

  it('lets concurrent attempts through only up to the limit, from two instances at once', async () => {
    const limits = { usernameFailures: 5, deviceFailures: 3, addressFailures: 20, windowSeconds: 300 };
    // PostgreSQL: two pools, as two replicas have. SQLite serves one process through one
    // connection (another process would wait for the file's lock instead).
    const other = database.config.kind === 'postgres' ? openDatabase(database.config) : db;
    try {
      const throttles = [
        { throttle: new LoginThrottle(limits, () => clock), executor: executorFor(db) },
        { throttle: new LoginThrottle(limits, () => clock), executor: executorFor(other) },
      ];
      const attempt = (index: number, username: string, address: string) => {
        const { throttle, executor } = throttles[index % 2]!;
        return executor
          .transaction((tx) => throttle.reserve(tx, username, address))
          .then(
            () => 'reserved',
            (error: unknown) => (error instanceof LoginThrottled ? error.key : Promise.reject(error)),
          );
      };
      const forOneUser = await Promise.all(
        Array.from({ length: 40 }, (_, index) => attempt(index, 'alice@example.com', `198.51.100.${index}`)),
      );
      expect(forOneUser.filter((outcome) => outcome === 'reserved')).toHaveLength(5);
      const fromOneAddress = await Promise.all(
        Array.from({ length: 200 }, (_, index) => attempt(index, `user-${index}@example.com`, '203.0.113.9')),
      );
      expect(fromOneAddress.filter((outcome) => outcome === 'reserved')).toHaveLength(20);
    } finally {
      if (other !== db) await other.destroy();
    }
  });

  it('accepts each login request once, within its time', async () => {
    const executor = executorFor(db);
    const request = {
      publicKey: 'ab'.repeat(32),
      nonce: 'cd'.repeat(24),
      deviceTime: new Date(clock).toISOString(),
    };
    await executor.transaction((tx) => claimLoginRequest(tx, request, clock));
    await expect(executor.transaction((tx) => claimLoginRequest(tx, request, clock + 1000))).rejects.toThrow(
      LoginRequestReplayed,
    );
    await expect(
      executor.transaction((tx) =>
        claimLoginRequest(tx, { ...request, nonce: 'ef'.repeat(24) }, clock + 3_600_000),
      ),
    ).rejects.toThrow(LoginRequestExpired);
    await expect(
      executor.transaction((tx) => claimLoginRequest(tx, { ...request, deviceTime: null }, clock)),
    ).rejects.toThrow(LoginRequestExpired);
    expect((await cleanUpOnce(executor, RETENTION, clock)).loginRequests).toBe(0);
    expect((await cleanUpOnce(executor, RETENTION, clock + 301_000)).loginRequests).toBe(1);
  });

  it('summarises repeated refusals and removes audit events past their retention, in bounded batches', async () => {
    const executor = executorFor(db);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const services = { executor, logger, now: () => clock };
    for (let index = 0; index < 30; index++) {
      auditRepeatedRefusal(
        services,
        { event: 'login', outcome: 'failure', username: 'alice@example.com', reason: 'THROTTLED_USERNAME' },
        { key: 'user:alice@example.com', windowStart: clock },
      );
    }
    await vi.waitFor(async () => {
      const rows = await db.selectFrom('audit_events').select(['occurrences', 'reason']).execute();
      expect(rows).toEqual([{ occurrences: 30, reason: 'THROTTLED_USERNAME' }]);
    });
    expect(lines.filter((line) => line.includes('login refused'))).toHaveLength(1);

    for (let index = 0; index < 25; index++) {
      await recordAuditEvent(executor, { event: 'logout', outcome: 'success', at: clock + index });
    }
    const later = clock + 91 * 24 * 3600 * 1000;
    // Batches of 10, at most 2 per run: 20 rows now, the rest at the next run.
    expect(
      (await cleanUpOnce(executor, RETENTION, later, { batchSize: 10, maxBatches: 2 })).auditEvents,
    ).toBe(20);
    expect(
      (await cleanUpOnce(executor, RETENTION, later, { batchSize: 10, maxBatches: 2 })).auditEvents,
    ).toBe(6);
    await recordAuditEvent(executor, { event: 'logout', outcome: 'success', at: later });
    expect((await cleanUpOnce(executor, RETENTION, later)).auditEvents).toBe(0);
  });

  it('records audit events and synchronises directory groups', async () => {
    await recordAuditEvent(executorFor(db), {
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
    expect(await syncDirectoryGroups(executorFor(db), directory)).toEqual([
      { domain: 'example.com', groups: 2 },
    ]);
    expect(await syncDirectoryGroups(executorFor(db), directory, ['example.com'])).toEqual([
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
    expect(await syncDirectoryGroups(executorFor(db), directory, ['example.com'])).toEqual([
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
