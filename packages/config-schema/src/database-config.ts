import { resolve } from 'node:path';
import type { Settings } from './settings-schema.ts';

/** Where the server keeps its accounts and sessions, derived from `DATABASES` and `DATA_DIR`. */
export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; host: string; port: number; database: string; user: string; password: string };

type DatabaseKind = DatabaseConfig['kind'];

/** File name of the embedded database inside the data directory when `DATABASES` is absent. */
const DEFAULT_SQLITE_FILE_NAME = 'db.sqlite3';

/** Port PostgreSQL listens on when `PORT` is not given. */
const DEFAULT_POSTGRES_PORT = 5432;

/**
 * The database kind behind a Django/Psono `ENGINE` name, or undefined when this server cannot
 * use it. Psono's files say `django.db.backends.postgresql` (or the older `..._psycopg2`); the
 * short names are accepted too.
 */
export function databaseKindOfEngine(engine: string): DatabaseKind | undefined {
  const name = engine
    .trim()
    .toLowerCase()
    .replace(/^django\.db\.backends\./, '');
  if (['postgresql', 'postgresql_psycopg2', 'postgres', 'pg', 'postgis'].includes(name)) return 'postgres';
  if (['sqlite3', 'sqlite'].includes(name)) return 'sqlite';
  return undefined;
}

/**
 * Turns validated settings into a database connection description. The schema has already
 * checked the engine and the keys PostgreSQL needs, so this never fails on validated input.
 *
 * A relative SQLite `NAME` is taken relative to the data directory, so a settings file can say
 * `NAME: accounts.sqlite3` and keep the file with the rest of the data.
 */
export function databaseConfigFrom(settings: Settings, dataDir: string): DatabaseConfig {
  const database = settings.DATABASES?.default;
  if (database === undefined) return { kind: 'sqlite', file: resolve(dataDir, DEFAULT_SQLITE_FILE_NAME) };
  if (databaseKindOfEngine(database.ENGINE) === 'sqlite') {
    return { kind: 'sqlite', file: resolve(dataDir, database.NAME || DEFAULT_SQLITE_FILE_NAME) };
  }
  return {
    kind: 'postgres',
    host: database.HOST || 'localhost',
    port: database.PORT === undefined || database.PORT === '' ? DEFAULT_POSTGRES_PORT : Number(database.PORT),
    database: database.NAME ?? '',
    user: database.USER ?? '',
    password: database.PASSWORD ?? '',
  };
}
