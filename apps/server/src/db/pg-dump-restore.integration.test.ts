/**
 * docs/backup-restore.md, PostgreSQL part: the documented pg_dump and pg_restore commands against a
 * real PostgreSQL holding a migrated database, and the restored database is current for `migrate`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresBackend, postgresBackendAvailable, useDatabaseBackend } from '../test-support/databases.ts';
import { POSTGRES_BIN_DIR } from '../test-support/postgres.ts';
import { openDatabase } from './database.ts';
import { migrateToLatest } from './migrations.ts';

const run = promisify(execFile);
const available = postgresBackendAvailable();
const scratch = mkdtempSync(join(tmpdir(), 'pg-dump-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe.runIf(available)('PostgreSQL backup and restore (docs/backup-restore.md)', () => {
  const databases = useDatabaseBackend(postgresBackend);

  it('pg_dump --format=custom and pg_restore --clean bring the data back', async () => {
    const created = await databases.create();
    const { host, port, user, database } = created.config as {
      host: string;
      port: number;
      user: string;
      database: string;
    };
    const url = `postgresql://${user}@${host}:${port}/${database}`;
    const db = openDatabase(created.config);
    try {
      await migrateToLatest(db);
      await db
        .insertInto('login_throttle')
        .values({ key: 'user:alice@example.com', failures: 2, window_start: 1 })
        .execute();
      const dump = join(scratch, 'ldap-login.dump');
      // The documented commands, with this test server's URL.
      await run(join(POSTGRES_BIN_DIR, 'pg_dump'), ['--format=custom', `--file=${dump}`, url]);
      await db.deleteFrom('login_throttle').execute();
      await run(join(POSTGRES_BIN_DIR, 'pg_restore'), [
        '--clean',
        '--if-exists',
        '--no-owner',
        `--dbname=${url}`,
        dump,
      ]);
      expect(await db.selectFrom('login_throttle').selectAll().execute()).toEqual([
        { key: 'user:alice@example.com', failures: 2, window_start: 1 },
      ]);
      expect(await migrateToLatest(db)).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
