/**
 * The SQLite lock's counters in `/server/metrics` on both databases: on SQLite they count the
 * statements that waited for another request's transaction; PostgreSQL has no such lock, so they
 * are absent there rather than a 0 that would read as "never waited".
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { executorFor } from '../db/executor.ts';
import { defineStatement } from '../db/statement.ts';
import { databaseBackends, useDatabaseBackend } from '../test-support/databases.ts';
import { FakeDirectory } from '../test-support/fake-directory.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';

const selectOne = defineStatement((db) => db.selectNoFrom(sql<number>`1`.as('one')));

/** One statement issued while a transaction awaits between its statements, as another request's would be. */
async function statementBesideTransaction(app: TestApp): Promise<void> {
  const executor = executorFor(app.db);
  let statement: Promise<unknown> | undefined;
  await executor.transaction(async (tx) => {
    await tx.run(selectOne, {});
    statement = executor.run(selectOne, {});
    await new Promise((resolve) => setTimeout(resolve, 15));
  });
  await statement;
}

async function scrape(app: TestApp): Promise<string> {
  const reply = await app.request('/metrics', {}, '127.0.0.1');
  expect(reply.status).toBe(200);
  return reply.text();
}

function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe.each(databaseBackends())('SQLite lock metrics on %s', (name, start) => {
  const databases = useDatabaseBackend(start);
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it(
    name === 'sqlite'
      ? 'counts the statement that waited for a transaction'
      : 'leaves the counters out: there is no such lock',
    async () => {
      app = await createTestApp({
        directory: new FakeDirectory(),
        database: (await databases.create()).config,
      });
      await statementBesideTransaction(app);
      const text = await scrape(app);
      // The exposition itself works on both: the process metrics are there.
      expect(text).toContain('ldap_login_process_cpu_seconds_total');
      if (name === 'sqlite') {
        expect(text).toContain('# TYPE ldap_login_sqlite_lock_waits_total counter');
        expect(sample(text, 'ldap_login_sqlite_lock_waits_total')).toBe(1);
        expect(sample(text, 'ldap_login_sqlite_lock_wait_seconds_total')).toBeGreaterThanOrEqual(0.014);
      } else {
        expect(text).not.toContain('sqlite_lock');
      }
    },
  );
});
