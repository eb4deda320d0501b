/**
 * Migration 0007_login_tables_without_rowid on SQLite and on a real PostgreSQL, from a populated
 * 0006 database: every throttling counter and audit row keeps its values, the login's statements
 * (the throttle's upsert, the summary row of repeated refusals) work on the new tables, and on
 * SQLite both tables are WITHOUT ROWID with the audit's time index kept (and back with `down`).
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { recordAuditEvent } from '../audit.ts';
import { databaseBackends } from '../test-support/databases.ts';
import { useTestDatabase } from '../test-support/test-database.ts';
import { LoginThrottle } from '../throttle/login-throttle.ts';
import { executorFor } from './executor.ts';
import { migrateToLatest, migrateUpTo } from './migrations.ts';
import type { Database } from './schema.ts';

const NOW = 1_800_000_000_000;

const COUNTERS = [
  { key: 'user:alice@example.com', failures: 3, window_start: NOW - 1000 },
  { key: 'addr:192.0.2.7', failures: 1, window_start: NOW - 2000 },
  { key: 'device:d-1', failures: 0, window_start: NOW - 3000 },
];

const EVENTS = [
  {
    id: 'a0000000-0000-4000-8000-000000000001',
    at: NOW - 50,
    event: 'login',
    outcome: 'success',
    username: 'alice@example.com',
    user_id: 'u-alice',
    client_address: '192.0.2.7',
    reason: null,
    details: '{"account_created":true}',
    occurrences: 1,
  },
  {
    id: 'refusals:user:bob@example.com:1799999990000',
    at: NOW - 40,
    event: 'login',
    outcome: 'failure',
    username: 'bob@example.com',
    user_id: null,
    client_address: '192.0.2.8',
    reason: 'THROTTLED_USERNAME',
    details: '{"window_start":1799999990000}',
    occurrences: 7,
  },
];

async function seed0006(db: Database): Promise<void> {
  await migrateUpTo(db, '0006_team_vaults');
  await db.insertInto('login_throttle').values(COUNTERS).execute();
  await db.insertInto('audit_events').values(EVENTS).execute();
}

const counters = (db: Database) =>
  db.selectFrom('login_throttle').select(['key', 'failures', 'window_start']).orderBy('key').execute();
const events = (db: Database) => db.selectFrom('audit_events').selectAll().orderBy('at').execute();

/** SQLite: how the table is stored (its CREATE statement) and its indexes. */
async function sqliteShape(
  db: Database,
  table: string,
): Promise<{ withoutRowid: boolean; indexes: string[] }> {
  const { rows } = await sql<{ type: string; name: string; sql: string | null }>`
    select type, name, sql from sqlite_master where tbl_name = ${table} order by name`.execute(db);
  const created = rows.find((row) => row.type === 'table')!;
  return {
    withoutRowid: /without rowid/i.test(created.sql ?? ''),
    indexes: rows.filter((row) => row.type === 'index').map((row) => row.name),
  };
}

describe.each(databaseBackends())('migration 0007_login_tables_without_rowid on %s', (name, makeBackend) => {
  const database = useTestDatabase(makeBackend);

  it('keeps every counter and audit row, and the login statements work on the new tables', async () => {
    const { db } = database;
    await seed0006(db);
    const before = { counters: await counters(db), events: await events(db) };
    expect(before.counters).toHaveLength(3);

    expect(await migrateToLatest(db)).toContain('0007_login_tables_without_rowid');
    expect(await counters(db)).toEqual(before.counters);
    expect(await events(db)).toEqual(before.events);

    if (name === 'sqlite') {
      expect(await sqliteShape(db, 'login_throttle')).toEqual({ withoutRowid: true, indexes: [] });
      expect(await sqliteShape(db, 'audit_events')).toEqual({
        withoutRowid: true,
        indexes: ['audit_events_at'],
      });
    }

    // The throttle's upsert counts up an existing counter and creates a new one.
    const throttle = new LoginThrottle(
      { usernameFailures: 5, deviceFailures: 3, addressFailures: 50, windowSeconds: 60 },
      () => NOW,
    );
    const executor = executorFor(db);
    const reservation = await executor.transaction((tx) =>
      throttle.reserve(tx, 'alice@example.com', '192.0.2.99'),
    );
    expect(reservation.usernameWindowStart).toBe(NOW - 1000);
    expect(await counters(db)).toEqual([
      { key: 'addr:192.0.2.7', failures: 1, window_start: NOW - 2000 },
      { key: 'addr:192.0.2.99', failures: 1, window_start: NOW },
      { key: 'device:d-1', failures: 0, window_start: NOW - 3000 },
      { key: 'user:alice@example.com', failures: 4, window_start: NOW - 1000 },
    ]);

    // A new audit row, and the primary key still refuses a second row under one id.
    await recordAuditEvent(executor, { event: 'logout', outcome: 'success', userId: 'u-alice', at: NOW });
    expect(await events(db)).toHaveLength(3);
    await expect(
      db
        .insertInto('audit_events')
        .values({ ...EVENTS[0]!, at: NOW + 1 })
        .execute(),
    ).rejects.toThrow();
    expect(await migrateToLatest(db)).toEqual([]);
  });

  it('down: on SQLite rowid tables again, on PostgreSQL nothing changes; the rows stay', async () => {
    const { db } = database;
    await seed0006(db);
    await migrateToLatest(db);
    const after = { counters: await counters(db), events: await events(db) };
    await migrateUpTo(db, '0006_team_vaults');
    if (name === 'sqlite') {
      expect(await sqliteShape(db, 'login_throttle')).toEqual({
        withoutRowid: false,
        indexes: ['sqlite_autoindex_login_throttle_1'],
      });
      expect(await sqliteShape(db, 'audit_events')).toEqual({
        withoutRowid: false,
        indexes: ['audit_events_at', 'sqlite_autoindex_audit_events_1'],
      });
    }
    expect(await counters(db)).toEqual(after.counters);
    expect(await events(db)).toEqual(after.events);
  });
});
