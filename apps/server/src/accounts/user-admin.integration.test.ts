/**
 * `manage users` / `manage sessions` underneath, on SQLite and PostgreSQL, with logins against a
 * real OpenLDAP: a blocked user loses their sessions and cannot log in (generic refusal, exact
 * reason in the audit); sessions are listed and revoked by id, by user and all at once.
 */
import { ldapEntrySchema } from '@ldap-login/config-schema';
import { DirectoryService } from '@ldap-login/ldap-core';
import { startDirectoryOrSkip, type TestDirectory } from '@ldap-login/ldap-core/testing';
import { ApiError } from '@ldap-login/protocol';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { databaseBackends, useDatabaseBackend } from '../test-support/databases.ts';
import type { Session } from '../test-support/protocol-client.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { blockUser, findUser, listSessions, listUsers, revokeSessions, unblockUser } from './user-admin.ts';

const backends = databaseBackends();

async function statusOf(session: Session): Promise<number> {
  try {
    await session.call('GET', '/user/');
    return 200;
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
}

describe.each(backends)('user administration on %s', (_kind, openBackend) => {
  const databases = useDatabaseBackend(openBackend);
  let directory: TestDirectory | undefined;
  let app: TestApp;
  let service: DirectoryService;

  beforeAll(async () => {
    directory = await startDirectoryOrSkip(
      { dataset: 'openldap-memberof', largeGroupSize: 0 },
      'user administration tests',
    );
    if (!directory) return;
    const entry = directory.ldapEntry();
    service = new DirectoryService([ldapEntrySchema.parse(entry)]);
    const database = await databases.create();
    app = await createTestApp({ directory: service, settings: { LDAP: [entry] }, database: database.config });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await service?.close();
    await directory?.stop();
  });

  function need(context: TestContext): TestDirectory {
    if (!directory) context.skip('no test directory on this machine');
    return directory!;
  }

  function login(dir: TestDirectory, key: string, password?: string): Promise<Session> {
    const user = dir.users[key]!;
    return app.client().login(`${user.login}@${dir.domain}`, password ?? user.password);
  }

  it('blocks a user: sessions end, logins are refused like a wrong password, unblock lets them in', async (context) => {
    const dir = need(context);
    const first = await login(dir, 'alice');
    const second = await login(dir, 'alice');
    const bob = await login(dir, 'bob');
    const alice = await findUser(app.db, Date.now(), `ALICE@${dir.domain}`);
    expect(alice).toMatchObject({ username: `alice@${dir.domain}`, liveSessions: 2, blockedAt: null });

    expect(await blockUser(app.db, alice!.id, Date.now(), 'left the company')).toBe(2);
    expect(await statusOf(first)).toBe(401);
    expect(await statusOf(second)).toBe(401);
    expect(await statusOf(bob)).toBe(200);

    const refused = await login(dir, 'alice').catch((error: unknown) => error);
    const wrongPassword = await login(dir, 'carol', 'not-her-password').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect([(refused as ApiError).status, (refused as ApiError).code]).toEqual([
      (wrongPassword as ApiError).status,
      (wrongPassword as ApiError).code,
    ]);
    const reasons = await app.db
      .selectFrom('audit_events')
      .select('reason')
      .where('event', '=', 'login')
      .where('username', '=', `alice@${dir.domain}`)
      .where('outcome', '=', 'failure')
      .execute();
    expect(reasons.map((row) => row.reason)).toEqual(['USER_BLOCKED']);
    const listed = await listUsers(app.db, Date.now(), 'alice');
    expect(listed).toHaveLength(1);
    expect(listed[0]!.blockedAt).not.toBeNull();

    expect(await unblockUser(app.db, alice!.id, Date.now())).toBe(true);
    expect(await unblockUser(app.db, alice!.id, Date.now())).toBe(false);
    expect(await statusOf(await login(dir, 'alice'))).toBe(200);
  });

  it('lists and revokes sessions by id, by user and all', async (context) => {
    const dir = need(context);
    await revokeSessions(app.db, Date.now(), { all: true });
    const dave1 = await login(dir, 'dave');
    const dave2 = await login(dir, 'dave');
    const jsmith = await login(dir, 'jsmith');
    const dave = await findUser(app.db, Date.now(), `dave@${dir.domain}`);
    const daves = await listSessions(app.db, Date.now(), dave!.id);
    expect(daves).toHaveLength(2);
    expect(daves.every((session) => session.username === `dave@${dir.domain}`)).toBe(true);
    expect(await listSessions(app.db, Date.now())).toHaveLength(3);

    expect(await revokeSessions(app.db, Date.now(), { sessionId: daves[0]!.id })).toBe(1);
    expect(await revokeSessions(app.db, Date.now(), { sessionId: daves[0]!.id })).toBe(0);
    expect([await statusOf(dave1), await statusOf(dave2)].sort()).toEqual([200, 401]);
    expect(await revokeSessions(app.db, Date.now(), { userId: dave!.id })).toBe(1);
    expect(await statusOf(dave2)).toBe(401);
    expect(await statusOf(jsmith)).toBe(200);
    expect(await revokeSessions(app.db, Date.now(), { all: true })).toBe(1);
    expect(await statusOf(jsmith)).toBe(401);
    expect(await listSessions(app.db, Date.now())).toEqual([]);
  });
});
