/**
 * Offboarding against a real OpenLDAP, on SQLite and PostgreSQL: a user disabled, deleted, moved
 * out of the required group or without the required attribute value in the directory loses their
 * sessions within the re-check cadence; a directory that cannot answer ends none.
 */
import { ldapEntrySchema } from '@ldap-login/config-schema';
import { DirectoryService } from '@ldap-login/ldap-core';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { ApiError } from '@ldap-login/protocol';
import { Attribute, Change } from 'ldapts';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseBackends, useDatabaseBackend } from '../test-support/databases.ts';
import type { Session } from '../test-support/protocol-client.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { useTestDirectory } from '../test-support/test-directory.ts';
import { recheckSessions, SessionRecheckTimer } from './session-recheck.ts';

const CADENCE_MS = 200;
/** Rounds run every 200 ms; the session must be gone well within this. */
const WITHIN_MS = 5_000;

const backends = databaseBackends();

describe.each(backends)('session re-check on %s', (_kind, openBackend) => {
  const ldap = useTestDirectory('session re-check tests');
  const databases = useDatabaseBackend(openBackend);
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** An app whose directory entry has `overrides`, with the re-check running every 200 ms. */
  async function appWithRecheck(dir: TestDirectory, overrides: Parameters<TestDirectory['ldapEntry']>[0]) {
    const entry = dir.ldapEntry(overrides);
    const service = new DirectoryService([ldapEntrySchema.parse(entry)]);
    const database = await databases.create();
    const app = await createTestApp({
      directory: service,
      settings: { LDAP: [entry] },
      database: database.config,
    });
    const timer = new SessionRecheckTimer(app.db, service, pino({ level: 'silent' }), CADENCE_MS);
    timer.start();
    cleanups.push(async () => {
      await timer.stop();
      await app.close();
      await service.close();
    });
    return { app, service };
  }

  async function login(app: TestApp, dir: TestDirectory, key: string): Promise<Session> {
    const user = dir.users[key]!;
    const session = await app.client().login(`${user.login}@${dir.domain}`, user.password);
    await session.call('GET', '/user/');
    return session;
  }

  /** Polls `GET /user/` until it answers 401 or the time is up; returns the last status. */
  async function statusWithin(session: Session, ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      let status = 200;
      try {
        await session.call('GET', '/user/');
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        status = error.status;
      }
      if (status !== 200 || Date.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function endedAudit(app: TestApp, username: string) {
    return app.db
      .selectFrom('audit_events')
      .select(['reason', 'details'])
      .where('event', '=', 'sessions_ended')
      .where('username', '=', username)
      .execute();
  }

  /**
   * The audit events once there is one (the round records it just after ending the sessions, so a
   * request may see the 401 first), or none after a second.
   */
  async function endedAuditOnce(app: TestApp, username: string) {
    const deadline = Date.now() + 1_000;
    for (;;) {
      const events = await endedAudit(app, username);
      if (events.length > 0 || Date.now() > deadline) return events;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('ends the sessions of a user the custom filter now excludes (employeeType=disabled)', async (context) => {
    const dir = ldap.need(context);
    const { app } = await appWithRecheck(dir, { LDAP_CUSTOM_USER_FILTER: dir.definition.enabledFilter });
    const alice = await login(app, dir, 'alice');
    const bob = await login(app, dir, 'bob');
    await ldap.admin.modify(dir.users.alice!.dn, [
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'employeeType', values: ['disabled'] }),
      }),
    ]);
    expect(await statusWithin(alice, WITHIN_MS)).toBe(401);
    // Others keep theirs.
    expect(await statusWithin(bob, 3 * CADENCE_MS)).toBe(200);
    const audit = await endedAuditOnce(app, `alice@${dir.domain}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.reason).toBe('user-not-found');
    expect(JSON.parse(String(audit[0]!.details))).toMatchObject({ sessions: 1 });
  });

  it('ends the sessions of a user removed from LDAP_REQUIRED_GROUP', async (context) => {
    const dir = ldap.need(context);
    const staff = dir.groups.staff!.dn;
    const { app } = await appWithRecheck(dir, { LDAP_REQUIRED_GROUP: [staff] });
    const carol = await login(app, dir, 'carol');
    await ldap.admin.modify(staff, [
      new Change({
        operation: 'delete',
        modification: new Attribute({ type: 'member', values: [dir.users.carol!.dn] }),
      }),
    ]);
    expect(await statusWithin(carol, WITHIN_MS)).toBe(401);
    expect((await endedAuditOnce(app, `carol@${dir.domain}`))[0]?.reason).toBe('required-group');
  });

  it('ends the sessions of a user who lost the value LDAP_REQUIRED_ATTRIBUTE asks for', async (context) => {
    const dir = ldap.need(context);
    const description = (value: string) =>
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'description', values: [value] }),
      });
    await ldap.admin.modify(dir.users.zoe!.dn, [description('vault-user')]);
    const { app } = await appWithRecheck(dir, { LDAP_REQUIRED_ATTRIBUTE: [['description', 'vault-user']] });
    const zoe = await login(app, dir, 'zoe');
    await ldap.admin.modify(dir.users.zoe!.dn, [description('former-staff')]);
    expect(await statusWithin(zoe, WITHIN_MS)).toBe(401);
    expect((await endedAuditOnce(app, `zoe@${dir.domain}`))[0]?.reason).toBe('required-attribute');
  });

  it('ends the sessions of a user deleted from the directory', async (context) => {
    const dir = ldap.need(context);
    const { app } = await appWithRecheck(dir, {});
    const dave = await login(app, dir, 'dave');
    await ldap.admin.del(dir.users.dave!.dn);
    expect(await statusWithin(dave, WITHIN_MS)).toBe(401);
    expect((await endedAuditOnce(app, `dave@${dir.domain}`))[0]?.reason).toBe('user-not-found');
  });

  it('ends no session while the directory is down', async (context) => {
    const dir = ldap.need(context);
    const { app, service } = await appWithRecheck(dir, {});
    const jsmith = await login(app, dir, 'jsmith');
    await dir.stop();
    const round = await recheckSessions(app.db, service, pino({ level: 'silent' }));
    expect(round.ended).toEqual([]);
    expect(round.undecided).toBeGreaterThan(0);
    expect(round.unavailable).toEqual([{ domain: dir.domain, reason: expect.any(String) }]);
    // Several rounds of the cadence pass without ending it.
    expect(await statusWithin(jsmith, 5 * CADENCE_MS)).toBe(200);
    expect(await endedAudit(app, `jsmith@${dir.domain}`)).toEqual([]);
  });
});
