/**
 * Opens the database described by the settings: an embedded SQLite file (WAL) or PostgreSQL,
 * behind one Kysely query layer.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseConfig } from '@ldap-login/config-schema';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { registerSqliteExecutor } from './executor.ts';
import type { Database, DatabaseSchema } from './schema.ts';
import { LockedSqliteDialect } from './sqlite-dialect.ts';
import { SqliteLock } from './sqlite-lock.ts';
import {
  DEFAULT_AUTOCHECKPOINT_PAGES,
  FALLBACK_AUTOCHECKPOINT_PAGES,
  startWalCheckpointer,
} from './wal-checkpointer.ts';

const INT8_OID = 20;
const STATEMENT_CACHE_LIMIT = 256;

/**
 * Kysely prepares every query anew; SQLite's prepare costs more than running these small queries,
 * so keep prepared statements by SQL text (the login path uses a dozen distinct statements).
 */
function cachePreparedStatements(sqlite: SQLite.Database): void {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement === undefined) {
      statement = prepare(source);
      if (cache.size < STATEMENT_CACHE_LIMIT) cache.set(source, statement);
    }
    return statement;
  }) as typeof sqlite.prepare;
}

/**
 * Opens (and, for SQLite, creates) the database. Call `migrateToLatest(db)` before use and
 * `db.destroy()` at the end.
 *
 * @example
 * const db = openDatabase({ kind: 'sqlite', file: '/var/lib/app/db.sqlite3' });
 * await migrateToLatest(db);
 */
export function openDatabase(
  config: DatabaseConfig,
  options: {
    onConnectionError?: (error: Error) => void;
    /** SQLite: the checkpoint worker failed; checkpoints run in the calling thread again. */
    onCheckpointerFailure?: (error: Error) => void;
  } = {},
): Database {
  if (config.kind === 'sqlite') {
    const onDisk = config.file !== ':memory:';
    // The file holds session secrets and encrypted keys: readable by the server's user only.
    if (onDisk) mkdirSync(dirname(config.file), { recursive: true, mode: 0o700 });
    const isNew = onDisk && !existsSync(config.file);
    const sqlite = new SQLite(config.file);
    if (isNew) chmodSync(config.file, 0o600);
    // WAL lets readers run beside the writer; synchronous=NORMAL in WAL mode keeps every committed
    // transaction across a process crash (kill -9) and only risks the last ones on power loss.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    cachePreparedStatements(sqlite);
    // On disk, the WAL is checkpointed by a worker thread (see wal-checkpointer.ts), which stops
    // when the database is destroyed. Should the worker fail, the connection checkpoints at
    // SQLite's default threshold again.
    const checkpointer = onDisk
      ? startWalCheckpointer(config.file, {
          onFailure: (error) => {
            if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
            options.onCheckpointerFailure?.(error);
          },
        })
      : undefined;
    if (onDisk) sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    const lock = new SqliteLock();
    const db = new Kysely<DatabaseSchema>({ dialect: new LockedSqliteDialect(sqlite, lock, checkpointer) });
    registerSqliteExecutor(db, sqlite, lock);
    return db;
  }
  const pool = new pg.Pool({
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    max: 10,
    connectionTimeoutMillis: 10_000,
    // Times are bigint milliseconds; they fit a JavaScript number, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection the server dropped (restart, failover) is removed from the pool by pg; the
  // next query opens a new one. Without a listener the event would crash the process.
  pool.on('error', (error) => options.onConnectionError?.(error));
  return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
}
