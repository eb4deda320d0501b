import { afterEach, beforeEach } from 'vitest';
import { openDatabase } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { type DatabaseBackend, useDatabaseBackend } from './databases.ts';

export interface TestDatabaseHandle {
  /** The current test's database, opened on a new empty database of the block's backend. */
  readonly db: Database;
}

/**
 * Opens a new empty database of a `databaseBackends()` backend before each test of the calling
 * `describe` block, and closes it (then drops it) after the test.
 *
 * @example
 * describe.each(databaseBackends())('migration 0007 on %s', (_name, start) => {
 *   const database = useTestDatabase(start);
 *   it('...', async () => {
 *     const { db } = database;
 *     await migrateToLatest(db);
 *   });
 * });
 */
export function useTestDatabase(start: () => Promise<DatabaseBackend>): TestDatabaseHandle {
  const databases = useDatabaseBackend(start);
  let db: Database | undefined;
  beforeEach(async () => {
    db = openDatabase((await databases.create()).config);
  });
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
  });
  return {
    get db() {
      if (!db) throw new Error('the test database is opened only inside a test');
      return db;
    },
  };
}
