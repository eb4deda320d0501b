import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from './database.ts';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startWalCheckpointer } from './wal-checkpointer.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function walDatabase(): { file: string; sqlite: SQLite.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'wal-checkpointer-'));
  dirs.push(dir);
  const file = join(dir, 'db.sqlite3');
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // No checkpoint from this connection: whatever is copied, the worker copied.
  sqlite.pragma('wal_autocheckpoint = 0');
  sqlite.exec('create table rows (id integer primary key, text text not null)');
  return { file, sqlite };
}

describe('startWalCheckpointer', () => {
  it('copies the WAL into the database file from its worker thread, and stops', async () => {
    const { file, sqlite } = walDatabase();
    const checkpointer = startWalCheckpointer(file, { intervalMs: 10 });
    const insert = sqlite.prepare('insert into rows (text) values (?)');
    for (let index = 0; index < 200; index++) insert.run('x'.repeat(500));
    await vi.waitFor(() => expect(checkpointer.framesCheckpointed).toBeGreaterThan(0), { timeout: 5000 });
    await checkpointer.stop();
    await checkpointer.stop();
    // Stopped: more commits are no longer copied.
    const copied = checkpointer.framesCheckpointed;
    for (let index = 0; index < 50; index++) insert.run('y');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(checkpointer.framesCheckpointed).toBe(copied);
    expect((sqlite.prepare('select count(*) as n from rows').get() as { n: number }).n).toBe(250);
    sqlite.close();
  });

  it('reports a worker that cannot open the database', async () => {
    const onFailure = vi.fn();
    const checkpointer = startWalCheckpointer(join(tmpdir(), 'no-such-dir-for-wal', 'db.sqlite3'), {
      onFailure,
    });
    await vi.waitFor(() => expect(onFailure).toHaveBeenCalledOnce(), { timeout: 5000 });
    expect(String(onFailure.mock.calls[0]![0])).toMatch(/unable to open|does not exist|SQLITE_CANTOPEN/i);
    await checkpointer.stop();
  });
});

describe('openDatabase (SQLite file)', () => {
  it('leaves checkpoints to the worker up to the fallback threshold, and destroy() stops the worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wal-open-'));
    dirs.push(dir);
    const file = join(dir, 'db.sqlite3');
    const db = openDatabase({ kind: 'sqlite', file });
    await db.schema
      .createTable('rows')
      .addColumn('id', 'integer', (col) => col.primaryKey())
      .execute();
    const probe = new SQLite(file);
    expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
    probe.close();
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
    expect(rows[0]?.wal_autocheckpoint).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
    await db.destroy();
  });
});
