/**
 * Fresh, empty databases of each kind for the persistence suite. SQLite always works; PostgreSQL
 * needs Debian's server binaries (installed in CI). Without them, outside CI, the PostgreSQL run is
 * skipped with a loud message; under CI their absence is a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '@ldap-login/config-schema';
import { runningInCi } from '@ldap-login/ldap-core/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { POSTGRES_BIN_DIR, postgresAvailable, type RunningPostgres, startPostgres } from './postgres.ts';

/** One empty database of a backend; `drop` removes it. */
export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

export interface DatabaseBackend {
  kind: DatabaseConfig['kind'];
  /** A new empty database. */
  create(): Promise<TestDatabase>;
  stop(): Promise<void>;
}

export const sqliteBackend: DatabaseBackend = {
  kind: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'ldap-login-sqlite-'));
    return {
      config: { kind: 'sqlite', file: join(dir, 'db.sqlite3') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  async stop() {},
};

export function postgresBackendAvailable(): boolean {
  if (postgresAvailable()) return true;
  const message = `PostgreSQL server binaries not found in ${POSTGRES_BIN_DIR} (apt-get install postgresql-15)`;
  if (runningInCi()) throw new Error(`${message}: required under CI`);
  console.warn(`\n*** SKIPPING the PostgreSQL persistence suite: ${message} ***\n`);
  return false;
}

export async function postgresBackend(): Promise<DatabaseBackend> {
  const server: RunningPostgres = await startPostgres();
  let counter = 0;
  return {
    kind: 'postgres',
    async create() {
      const name = `test_${process.pid}_${++counter}`;
      const admin = new pg.Client(server.config);
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      return {
        config: { ...server.config, database: name },
        async drop() {
          const cleanup = new pg.Client(server.config);
          await cleanup.connect();
          await cleanup.query(`drop database if exists ${name} with (force)`);
          await cleanup.end();
        },
      };
    },
    stop: () => server.stop(),
  };
}

/**
 * The backends a persistence test runs on, as `describe.each` rows: SQLite always, PostgreSQL where
 * its binaries are installed (always under CI, see `postgresBackendAvailable`).
 */
export function databaseBackends(): [name: string, start: () => Promise<DatabaseBackend>][] {
  const backends: [string, () => Promise<DatabaseBackend>][] = [['sqlite', async () => sqliteBackend]];
  if (postgresBackendAvailable()) backends.push(['postgres', postgresBackend]);
  return backends;
}

export interface DatabaseBackendHandle {
  /**
   * A new empty database on the block's backend. One made in a test or a `beforeEach` is dropped
   * after that test, one made in a `beforeAll` after the block.
   */
  create(): Promise<TestDatabase>;
}

/**
 * Starts a backend of `databaseBackends()` for the calling `describe` block, drops the databases
 * the block made and stops the backend after it. Call it before the block's own hooks: after-hooks
 * run in reverse order, so the block's `afterEach` (closing its app) runs before the drop.
 *
 * @example
 * describe.each(databaseBackends())('vault routes on %s', (_name, start) => {
 *   const databases = useDatabaseBackend(start);
 *   beforeEach(async () => {
 *     app = await createTestApp({ directory, database: (await databases.create()).config });
 *   });
 *   afterEach(() => app.close());
 * });
 */
export function useDatabaseBackend(start: () => Promise<DatabaseBackend>): DatabaseBackendHandle {
  let backend: DatabaseBackend | undefined;
  let inTest = false;
  const forTest: TestDatabase[] = [];
  const forBlock: TestDatabase[] = [];
  const dropAll = async (databases: TestDatabase[]) => {
    for (const database of databases.splice(0).reverse()) await database.drop();
  };
  beforeAll(async () => {
    backend = await start();
  });
  beforeEach(() => {
    inTest = true;
  });
  afterEach(async () => {
    inTest = false;
    await dropAll(forTest);
  });
  afterAll(async () => {
    await dropAll(forBlock);
    await backend?.stop();
  });
  return {
    async create() {
      if (!backend) throw new Error('the database backend did not start');
      const database = await backend.create();
      (inTest ? forTest : forBlock).push(database);
      return database;
    },
  };
}
