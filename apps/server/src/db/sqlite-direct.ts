/**
 * The few statements every login runs, executed on SQLite directly instead of through Kysely's
 * asynchronous executor.
 *
 * Why: each statement through Kysely costs about 6 us of the server's CPU on top of SQLite's own work
 * (a connection lease, several promise hops, the result transform), and a login runs nine of them
 * (throttle check, user, BEGIN, three writes, COMMIT, session, activation): about 6% of a login's
 * server CPU. better-sqlite3 is synchronous, so a group of statements run here takes one lease of
 * Kysely's connection (`db.connection()`, which holds the SQLite driver's mutex) and runs inside it
 * without yielding: no other query or transaction can run in between, exactly as with Kysely. The SQL
 * is still built and compiled by Kysely (`PreparedQuery`); PostgreSQL keeps the Kysely path.
 */
import type SQLite from 'better-sqlite3';
import type { Database } from './schema.ts';

const handles = new WeakMap<Database, SQLite.Database>();

/** Called by `openDatabase` for SQLite. */
export function registerSqliteHandle(db: Database, sqlite: SQLite.Database): void {
  handles.set(db, sqlite);
}

/** The SQLite connection under `db`, when `db` is SQLite opened by `openDatabase` (not a transaction). */
export function sqliteHandleOf(db: Database): SQLite.Database | undefined {
  return handles.get(db);
}

/**
 * Runs `work` with the connection to itself: Kysely's connection is leased for the duration, so no
 * Kysely query or transaction interleaves. `work` must be synchronous (better-sqlite3 calls only).
 */
export function exclusively<T>(db: Database, work: () => T): Promise<T> {
  return db.connection().execute(async () => work());
}
