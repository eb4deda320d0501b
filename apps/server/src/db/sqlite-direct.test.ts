import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';
import { exclusively, sqliteHandleOf } from './sqlite-direct.ts';

let dir: string;
let db: Database;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-direct-'));
  db = openDatabase({ kind: 'sqlite', file: join(dir, 'db.sqlite3') });
  await migrateToLatest(db);
});
afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const keys = async () =>
  (await db.selectFrom('login_throttle').select('key').orderBy('key').execute()).map((row) => row.key);

it('waits for an open Kysely transaction instead of running inside it', async () => {
  const sqlite = sqliteHandleOf(db)!;
  let insideTransaction = false;
  const transaction = db
    .transaction()
    .execute(async (trx) => {
      await trx
        .insertInto('login_throttle')
        .values({ key: 'rolled-back', failures: 1, window_start: 1 })
        .execute();
      insideTransaction = true;
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('roll back');
    })
    .catch(() => 'rolled back');
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(insideTransaction).toBe(true);
  // Run directly, this insert would join the open transaction and be rolled back with it.
  const direct = exclusively(db, () =>
    sqlite.prepare("insert into login_throttle (key, failures, window_start) values ('kept', 1, 1)").run(),
  );
  expect(await transaction).toBe('rolled back');
  expect((await direct).changes).toBe(1);
  expect(await keys()).toEqual(['kept']);
});

it('is only offered for SQLite opened by openDatabase, not for a transaction', async () => {
  expect(sqliteHandleOf(db)).toBeDefined();
  await db.transaction().execute(async (trx) => {
    expect(sqliteHandleOf(trx)).toBeUndefined();
  });
});
