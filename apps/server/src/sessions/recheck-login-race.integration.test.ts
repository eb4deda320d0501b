/**
 * A login and the session re-check of the same user whose directory groups just changed both
 * rewrite the user's stored groups and forced memberships at the same moment. Against a real
 * OpenLDAP, on SQLite and PostgreSQL: every login answers 200, the re-check applies the groups
 * without an error, PostgreSQL finds no deadlock between the two, and what is stored at the end
 * follows the directory.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { type DatabaseConfig, ldapEntrySchema } from '@ldap-login/config-schema';
import { DirectoryService, groupKey } from '@ldap-login/ldap-core';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { ApiError } from '@ldap-login/protocol';
import { Attribute, Change } from 'ldapts';
import pg from 'pg';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { executorFor } from '../db/executor.ts';
import { databaseBackends, useDatabaseBackend } from '../test-support/databases.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { useTestDirectory } from '../test-support/test-directory.ts';
import { addMapping } from '../vault/forced-memberships.ts';
import { recheckSessions } from './session-recheck.ts';

/** Rounds of one login racing one re-check, the directory group changing before each. */
const ROUNDS = 30;
/** Start offsets between the login and the re-check, spread evenly over +-MAX_OFFSET_MS. */
const SPREAD = 15;
const MAX_OFFSET_MS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * PostgreSQL's count of deadlocks in the database (0 on SQLite, whose one connection cannot
 * deadlock). The executor retries a transaction PostgreSQL ended as a deadlock's victim, but only
 * after the second PostgreSQL waits before it looks for one, and at most three times: the login
 * then takes over a second, and a third deadlock in a row is a 500. Read from a new connection:
 * a server process reports its counts when it ends, and the pool's ones still run.
 */
async function deadlocksOf(config: DatabaseConfig): Promise<number> {
  if (config.kind !== 'postgres') return 0;
  const client = new pg.Client(config);
  await client.connect();
  try {
    const { rows } = await client.query<{ deadlocks: string }>(
      'select deadlocks from pg_stat_database where datname = current_database()',
    );
    return Number(rows[0]!.deadlocks);
  } finally {
    await client.end();
  }
}

const backends = databaseBackends();
const ldap = useTestDirectory('login and re-check race tests');

describe.each(backends)('a login racing the session re-check on %s', (_kind, openBackend) => {
  const databases = useDatabaseBackend(openBackend);
  let app: TestApp | undefined;
  let service: DirectoryService | undefined;
  let raceGroupDn = '';

  afterEach(async () => {
    await app?.close();
    await service?.close();
    if (raceGroupDn) await ldap.admin.del(raceGroupDn).catch(() => undefined);
    raceGroupDn = '';
  });

  /** Adds or removes `dn` as a member of the race group. */
  async function setMember(dn: string, member: boolean) {
    await ldap.admin.modify(raceGroupDn, [
      new Change({
        operation: member ? 'add' : 'delete',
        modification: new Attribute({ type: 'member', values: [dn] }),
      }),
    ]);
  }

  /** The login's HTTP status: 200, or the status of the error it answered. */
  async function loginStatus(dir: TestDirectory): Promise<number> {
    const bob = dir.users.bob!;
    try {
      await app!.client().login(`${bob.login}@${dir.domain}`, bob.password);
      return 200;
    } catch (error) {
      if (error instanceof ApiError) return error.status;
      throw error;
    }
  }

  it(`keeps every login at 200 over ${ROUNDS} rounds and stores the directory's last answer`, async (context) => {
    const dir = ldap.need(context);
    // alice stays in the group (a groupOfNames needs a member); bob joins and leaves it.
    raceGroupDn = `cn=race ${randomUUID().slice(0, 8)},ou=groups,${dir.baseDn}`;
    await ldap.admin.add(raceGroupDn, {
      objectClass: ['top', 'groupOfNames'],
      cn: raceGroupDn.slice(3, raceGroupDn.indexOf(',')),
      member: [dir.users.alice!.dn],
    });
    const entry = dir.ldapEntry({});
    service = new DirectoryService([ldapEntrySchema.parse(entry)]);
    const database = await databases.create();
    app = await createTestApp({ directory: service, database: database.config, settings: { LDAP: [entry] } });
    const vaultGroupId = randomUUID();
    await app.db
      .insertInto('vault_groups')
      .values({ id: vaultGroupId, name: 'Race', public_key: '00'.repeat(32), created_at: Date.now() })
      .execute();
    await addMapping(
      app.db,
      executorFor(app.db),
      { group: vaultGroupId, domain: dir.domain, dn: raceGroupDn },
      Date.now(),
    );
    // bob's first login gives him a session, so the re-check looks at him.
    const bob = dir.users.bob!;
    const bobId = (await app.client().login(`${bob.login}@${dir.domain}`, bob.password)).user.id;

    const warnings: string[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _encoding, done) {
          warnings.push(String(chunk));
          done();
        },
      }),
    );

    const statuses: number[] = [];
    let member = false;
    const started = Date.now();
    for (let round = 0; round < ROUNDS && Date.now() - started < 120_000; round++) {
      member = !member;
      await setMember(dir.users.bob!.dn, member);
      // One of the two starts a little later, by a different offset each round (from the login
      // 20 ms late to the re-check 20 ms late), so that some rounds land the two transactions on
      // each other whatever the machine's load.
      const offset = ((round % SPREAD) / (SPREAD - 1)) * 2 * MAX_OFFSET_MS - MAX_OFFSET_MS;
      const [status] = await Promise.all([
        sleep(Math.max(0, -offset)).then(() => loginStatus(dir)),
        sleep(Math.max(0, offset)).then(() => recheckSessions(app!.db, service!, logger)),
      ]);
      statuses.push(status);
    }

    // The stored directory groups and the forced membership follow the directory's last answer.
    const stored = await app.db
      .selectFrom('memberships')
      .innerJoin('ldap_groups', 'ldap_groups.id', 'memberships.group_id')
      .select('ldap_groups.dn_key')
      .where('memberships.user_id', '=', bobId)
      .execute();
    const forced = await app.db
      .selectFrom('group_memberships')
      .select('id')
      .where('user_id', '=', bobId)
      .where('group_id', '=', vaultGroupId)
      .where('forced', '=', 1)
      .execute();
    await app.close();
    app = undefined;
    expect({
      rounds: statuses.length,
      failedLogins: statuses.filter((status) => status !== 200),
      recheckWarnings: warnings.length,
      deadlocks: await deadlocksOf(database.config),
      storedRaceGroup: stored.some((row) => row.dn_key === groupKey(raceGroupDn)),
      forcedMemberships: forced.length,
    }).toEqual({
      rounds: ROUNDS,
      failedLogins: [],
      recheckWarnings: 0,
      deadlocks: 0,
      storedRaceGroup: member,
      forcedMemberships: member ? 1 : 0,
    });
  }, 300_000);
});
