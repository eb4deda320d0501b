/**
 * The scale cells' large databases: N users, sessions and secrets (with their links and one
 * datastore per user), written with bulk SQL (`INSERT ... SELECT` over a generated series) into the
 * server's own schema (its migrations), once, and kept in a cache folder for the next runs. A
 * database is built under a temporary name and renamed when complete, so an interrupted build
 * leaves no half-filled cache behind.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseConfig } from '@ldap-login/config-schema';
import { type Database, migrateToLatest, openDatabase } from '@ldap-login/server';
import { sql } from 'kysely';

export interface ScaleSizes {
  users: number;
  sessions: number;
  secrets: number;
}

export type PostgresConfig = Extract<DatabaseConfig, { kind: 'postgres' }>;

/** The cache's name for these sizes (a change of sizes builds another database). */
export function scaleName(sizes: ScaleSizes): string {
  return `scale_u${sizes.users}_s${sizes.sessions}_x${sizes.secrets}`;
}

/** UUID-shaped ids, distinct per table (the fourth group) and per row (the last). */
function ids(
  kind: 'users' | 'datastores' | 'secrets' | 'links' | 'sessions',
  engine: 'sqlite' | 'postgres',
  row: string,
) {
  const group = { users: '8000', datastores: '9000', secrets: 'a000', links: 'b000', sessions: 'c000' }[kind];
  return engine === 'sqlite'
    ? `printf('00000000-0000-4000-${group}-%012d', ${row})`
    : `'00000000-0000-4000-${group}-' || lpad((${row})::text, 12, '0')`;
}

/** The statements that fill an empty, migrated database. */
export function bulkStatements(sizes: ScaleSizes, engine: 'sqlite' | 'postgres'): string[] {
  const series = (count: number, body: string) =>
    engine === 'sqlite'
      ? `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count}) ${body} FROM n`
      : `${body} FROM generate_series(1, ${count}) AS n(i)`;
  const text = (pattern: string, width: number) =>
    engine === 'sqlite'
      ? `printf('${pattern}%0${width}d', i)`
      : `'${pattern}' || lpad(i::text, ${width}, '0')`;
  const owner = (count: number) => `((i - 1) % ${count}) + 1`;
  const hex = (length: number) => `'${'ab'.repeat(length / 2)}'`;
  const now = Date.now();
  return [
    `INSERT INTO users (id, ldap_domain, guid, username, email, user_dn, public_key, private_key, private_key_nonce,
      secret_key, secret_key_nonce, user_sauce, groups_fingerprint, created_at, last_login)
     ${series(
       sizes.users,
       `SELECT ${ids('users', engine, 'i')}, 'scale.example', ${text('guid-', 8)}, ${text('scale', 8)} || '@scale.example',
        ${text('scale', 8)} || '@scale.example', ${text('uid=scale', 8)} || ',ou=people,dc=scale,dc=example',
        ${hex(64)}, ${hex(160)}, ${hex(48)}, ${hex(160)}, ${hex(48)}, ${hex(64)}, ${hex(64)}, ${now}, ${now}`,
     )}`,
    `INSERT INTO datastores (id, user_id, type, description, data, data_nonce, secret_key, secret_key_nonce,
      is_default, created_at, write_date)
     ${series(
       sizes.users,
       `SELECT ${ids('datastores', engine, 'i')}, ${ids('users', engine, 'i')}, 'password', 'default',
        ${hex(2048)}, ${hex(48)}, ${hex(160)}, ${hex(48)}, 1, ${now}, ${now}`,
     )}`,
    `INSERT INTO secrets (id, user_id, data, data_nonce, callback_url, callback_user, callback_pass, read_count,
      created_at, write_date)
     ${series(
       sizes.secrets,
       `SELECT ${ids('secrets', engine, 'i')}, ${ids('users', engine, owner(sizes.users))}, ${hex(400)},
        ${text('', 48)}, '', '', '', 0, ${now}, ${now}`,
     )}`,
    `INSERT INTO secret_links (link_id, secret_id, parent_datastore_id, parent_share_id)
     ${series(
       sizes.secrets,
       `SELECT ${ids('links', engine, 'i')}, ${ids('secrets', engine, 'i')}, ${ids('datastores', engine, owner(sizes.users))}, NULL`,
     )}`,
    `INSERT INTO sessions (id, token_hash, user_id, secret, validator, active, device_fingerprint, device_description,
      client_address, created_at, valid_till, ended_at)
     ${series(
       sizes.sessions,
       `SELECT ${ids('sessions', engine, 'i')}, ${text('', 64)}, ${ids('users', engine, owner(sizes.users))}, ${hex(64)},
        NULL, 1, 'scale', 'scale', '127.0.0.1', ${now}, ${now + 365 * 86_400_000}, NULL`,
     )}`,
  ];
}

async function fill(db: Database, sizes: ScaleSizes, engine: 'sqlite' | 'postgres'): Promise<void> {
  await migrateToLatest(db);
  if (engine === 'sqlite') await sql.raw('PRAGMA synchronous = OFF').execute(db);
  for (const statement of bulkStatements(sizes, engine)) await sql.raw(statement).execute(db);
  if (engine === 'postgres') await sql.raw('ANALYZE').execute(db);
  else await sql.raw('ANALYZE').execute(db);
}

/**
 * The SQLite file of these sizes in `cacheDir`, built when missing. Returns its path and whether it
 * was built now.
 */
export async function cachedSqlite(
  cacheDir: string,
  sizes: ScaleSizes,
): Promise<{ file: string; built: boolean }> {
  const file = join(cacheDir, `${scaleName(sizes)}.sqlite3`);
  if (existsSync(file)) return { file, built: false };
  mkdirSync(cacheDir, { recursive: true });
  const building = `${file}.building`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(building + suffix, { force: true });
  const db = openDatabase({ kind: 'sqlite', file: building });
  try {
    await fill(db, sizes, 'sqlite');
  } finally {
    await db.destroy();
  }
  for (const suffix of ['-wal', '-shm']) rmSync(building + suffix, { force: true });
  renameSync(building, file);
  return { file, built: true };
}

/**
 * The PostgreSQL database of these sizes on the running server, built when missing; `small` is a
 * fresh, empty database beside it (dropped and created again on every run).
 */
export async function cachedPostgres(
  server: PostgresConfig,
  sizes: ScaleSizes,
): Promise<{ large: PostgresConfig; small: PostgresConfig; built: boolean }> {
  const admin = openDatabase(server);
  const name = scaleName(sizes);
  const small = `${name}_small`;
  let built = false;
  try {
    const existing = await sql<{ datname: string }>`SELECT datname FROM pg_database`.execute(admin);
    const names = new Set(existing.rows.map((row) => row.datname));
    if (!names.has(name)) {
      const building = `${name}_building`;
      await sql.raw(`DROP DATABASE IF EXISTS ${building}`).execute(admin);
      await sql.raw(`CREATE DATABASE ${building}`).execute(admin);
      const db = openDatabase({ ...server, database: building });
      try {
        await fill(db, sizes, 'postgres');
      } finally {
        await db.destroy();
      }
      await sql.raw(`ALTER DATABASE ${building} RENAME TO ${name}`).execute(admin);
      built = true;
    }
    await sql.raw(`DROP DATABASE IF EXISTS ${small}`).execute(admin);
    await sql.raw(`CREATE DATABASE ${small}`).execute(admin);
  } finally {
    await admin.destroy();
  }
  return { large: { ...server, database: name }, small: { ...server, database: small }, built };
}
