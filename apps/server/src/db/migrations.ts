/**
 * Schema migrations, kept in code (not files on disk) so the built server and the Docker image carry
 * them. Each migration is written once for both SQLite and PostgreSQL through Kysely's schema builder.
 */
import { groupKey } from '@ldap-login/ldap-core';
import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  SqliteAdapter,
  sql,
  type Transaction,
} from 'kysely';
import type { Database, DatabaseSchema } from './schema.ts';

const migrations = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('ldap_domain', 'text', (col) => col.notNull())
        .addColumn('guid', 'text', (col) => col.notNull())
        .addColumn('username', 'text', (col) => col.notNull())
        .addColumn('email', 'text')
        .addColumn('user_dn', 'text', (col) => col.notNull())
        .addColumn('public_key', 'text', (col) => col.notNull())
        .addColumn('private_key', 'text', (col) => col.notNull())
        .addColumn('private_key_nonce', 'text', (col) => col.notNull())
        .addColumn('secret_key', 'text', (col) => col.notNull())
        .addColumn('secret_key_nonce', 'text', (col) => col.notNull())
        .addColumn('user_sauce', 'text', (col) => col.notNull())
        .addColumn('groups_fingerprint', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('last_login', 'bigint', (col) => col.notNull())
        .addUniqueConstraint('users_directory_identity', ['ldap_domain', 'guid'])
        .execute();
      await db.schema.createIndex('users_username').on('users').column('username').execute();

      await db.schema
        .createTable('ldap_groups')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('ldap_domain', 'text', (col) => col.notNull())
        .addColumn('dn_key', 'text', (col) => col.notNull())
        .addColumn('dn', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('synced_at', 'bigint', (col) => col.notNull())
        .addUniqueConstraint('ldap_groups_identity', ['ldap_domain', 'dn_key'])
        .execute();

      await db.schema
        .createTable('memberships')
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('group_id', 'text', (col) =>
          col.notNull().references('ldap_groups.id').onDelete('cascade'),
        )
        .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'group_id'])
        .execute();
      await db.schema.createIndex('memberships_group').on('memberships').column('group_id').execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('token_hash', 'text', (col) => col.notNull().unique())
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('secret', 'text', (col) => col.notNull())
        .addColumn('validator', 'text')
        .addColumn('active', 'integer', (col) => col.notNull())
        .addColumn('device_fingerprint', 'text', (col) => col.notNull())
        .addColumn('device_description', 'text', (col) => col.notNull())
        .addColumn('client_address', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('valid_till', 'bigint', (col) => col.notNull())
        .addColumn('ended_at', 'bigint')
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('event', 'text', (col) => col.notNull())
        .addColumn('outcome', 'text', (col) => col.notNull())
        .addColumn('username', 'text')
        .addColumn('user_id', 'text')
        .addColumn('client_address', 'text')
        .addColumn('reason', 'text')
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();

      await db.schema
        .createTable('login_throttle')
        .addColumn('key', 'text', (col) => col.primaryKey())
        .addColumn('failures', 'integer', (col) => col.notNull())
        .addColumn('window_start', 'bigint', (col) => col.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        'login_throttle',
        'audit_events',
        'sessions',
        'memberships',
        'ldap_groups',
        'users',
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  '0002_dn_key_canonical': {
    up: (db: Kysely<unknown>) => inOneTransaction(db as Kysely<DatabaseSchema>, recomputeGroupKeys),
  },
  '0003_throttle_replay_retention': {
    async up(db: Kysely<unknown>) {
      // Hashes of login requests already used (public key + nonce), kept until the request could
      // no longer be accepted anyway (see replay-guard.ts). The cleanup of throttling counters and
      // sessions scans their tables instead of keeping an index that every login would write.
      // Keyed by expiry first: inserts land at the end of one B-tree (device times grow), the
      // cleanup removes a range from its start, and a replay (the same box, so the same
      // device_time) still meets its own key. SQLite keeps it in one B-tree (WITHOUT ROWID).
      const isSqlite = db.getExecutor().adapter instanceof SqliteAdapter;
      await db.schema
        .createTable('login_requests')
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .addColumn('hash', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('login_requests_pk', ['expires_at', 'hash'])
        .$call((table) => (isSqlite ? table.modifyEnd(sql`without rowid`) : table))
        .execute();
      // Repeated refusals of one throttling key in one window share one audit row that counts them.
      await db.schema
        .alterTable('audit_events')
        .addColumn('occurrences', 'integer', (col) => col.notNull().defaultTo(1))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('audit_events').dropColumn('occurrences').execute();
      await db.schema.dropTable('login_requests').ifExists().execute();
    },
  },
  '0004_vault': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('datastores')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('description', 'text', (col) => col.notNull())
        .addColumn('data', 'text', (col) => col.notNull())
        .addColumn('data_nonce', 'text', (col) => col.notNull())
        .addColumn('secret_key', 'text', (col) => col.notNull())
        .addColumn('secret_key_nonce', 'text', (col) => col.notNull())
        .addColumn('is_default', 'integer', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('write_date', 'bigint', (col) => col.notNull())
        .addUniqueConstraint('datastores_type_description', ['user_id', 'type', 'description'])
        .execute();

      await db.schema
        .createTable('secrets')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('data', 'text', (col) => col.notNull())
        .addColumn('data_nonce', 'text', (col) => col.notNull().unique())
        .addColumn('callback_url', 'text', (col) => col.notNull())
        .addColumn('callback_user', 'text', (col) => col.notNull())
        .addColumn('callback_pass', 'text', (col) => col.notNull())
        .addColumn('read_count', 'integer', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('write_date', 'bigint', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('secret_links')
        .addColumn('link_id', 'text', (col) => col.primaryKey())
        .addColumn('secret_id', 'text', (col) => col.notNull().references('secrets.id').onDelete('cascade'))
        .addColumn('parent_datastore_id', 'text', (col) =>
          col.references('datastores.id').onDelete('cascade'),
        )
        .addColumn('parent_share_id', 'text')
        .execute();
      await db.schema.createIndex('secret_links_secret').on('secret_links').column('secret_id').execute();
      await db.schema
        .createIndex('secret_links_datastore')
        .on('secret_links')
        .column('parent_datastore_id')
        .execute();

      await db.schema
        .createTable('secret_history')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('secret_id', 'text', (col) => col.notNull().references('secrets.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('data', 'text', (col) => col.notNull())
        .addColumn('data_nonce', 'text', (col) => col.notNull())
        .addColumn('callback_url', 'text', (col) => col.notNull())
        .addColumn('callback_user', 'text', (col) => col.notNull())
        .addColumn('callback_pass', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('write_date', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('secret_history_secret').on('secret_history').column('secret_id').execute();

      await db.schema
        .createTable('user_login_secrets')
        .addColumn('user_id', 'text', (col) => col.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('server_secret', 'text')
        .addColumn('server_secret_nonce', 'text')
        .addColumn('password_mac', 'text')
        .addColumn('authkey_mac', 'text')
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['user_login_secrets', 'secret_history', 'secret_links', 'secrets', 'datastores']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  // Its own table, not a users column: the login reads it once, and nothing else changes shape.
  '0005_user_blocks': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('user_blocks')
        .addColumn('user_id', 'text', (col) => col.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('blocked_at', 'bigint', (col) => col.notNull())
        .addColumn('reason', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('user_blocks').execute();
    },
  },
  '0006_team_vaults': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('vault_groups')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('public_key', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('group_memberships')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('group_id', 'text', (col) =>
          col.notNull().references('vault_groups.id').onDelete('cascade'),
        )
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('creator_id', 'text', (col) => col.references('users.id').onDelete('set null'))
        .addColumn('secret_key', 'text')
        .addColumn('secret_key_nonce', 'text')
        .addColumn('secret_key_type', 'text')
        .addColumn('private_key', 'text')
        .addColumn('private_key_nonce', 'text')
        .addColumn('private_key_type', 'text')
        .addColumn('group_admin', 'integer', (col) => col.notNull())
        .addColumn('share_admin', 'integer', (col) => col.notNull())
        .addColumn('accepted', 'integer')
        .addColumn('forced', 'integer', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addUniqueConstraint('group_memberships_member', ['group_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('group_memberships_user')
        .on('group_memberships')
        .column('user_id')
        .execute();

      await db.schema
        .createTable('shares')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('data', 'text', (col) => col.notNull())
        .addColumn('data_nonce', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('write_date', 'bigint', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('share_links')
        .addColumn('link_id', 'text', (col) => col.primaryKey())
        .addColumn('share_id', 'text', (col) => col.notNull().references('shares.id').onDelete('cascade'))
        .addColumn('parent_share_id', 'text', (col) => col.references('shares.id').onDelete('cascade'))
        .addColumn('parent_datastore_id', 'text', (col) =>
          col.references('datastores.id').onDelete('cascade'),
        )
        .execute();
      await db.schema.createIndex('share_links_share').on('share_links').column('share_id').execute();
      await db.schema
        .createIndex('share_links_parent_share')
        .on('share_links')
        .column('parent_share_id')
        .execute();
      await db.schema
        .createIndex('secret_links_parent_share')
        .on('secret_links')
        .column('parent_share_id')
        .execute();

      for (const table of ['user_share_rights', 'group_share_rights'] as const) {
        const holder = table === 'user_share_rights' ? 'user_id' : 'group_id';
        await db.schema
          .createTable(table)
          .addColumn('id', 'text', (col) => col.primaryKey())
          .addColumn('share_id', 'text', (col) => col.notNull().references('shares.id').onDelete('cascade'))
          .addColumn(holder, 'text', (col) =>
            col
              .notNull()
              .references(holder === 'user_id' ? 'users.id' : 'vault_groups.id')
              .onDelete('cascade'),
          )
          .addColumn('creator_id', 'text', (col) => col.references('users.id').onDelete('set null'))
          .addColumn('title', 'text', (col) => col.notNull())
          .addColumn('title_nonce', 'text', (col) => col.notNull())
          .addColumn('type', 'text', (col) => col.notNull())
          .addColumn('type_nonce', 'text', (col) => col.notNull())
          .addColumn('key', 'text', (col) => col.notNull())
          .addColumn('key_nonce', 'text', (col) => col.notNull())
          .$call((builder) =>
            table === 'user_share_rights'
              ? builder.addColumn('key_type', 'text', (col) => col.notNull()).addColumn('accepted', 'integer')
              : builder,
          )
          .addColumn('read', 'integer', (col) => col.notNull())
          .addColumn('write', 'integer', (col) => col.notNull())
          .addColumn('grant', 'integer', (col) => col.notNull())
          .addColumn('created_at', 'bigint', (col) => col.notNull())
          .addColumn('write_date', 'bigint', (col) => col.notNull())
          .addUniqueConstraint(`${table}_holder`, ['share_id', holder])
          .execute();
        await db.schema.createIndex(`${table}_by_holder`).on(table).column(holder).execute();
      }

      await db.schema
        .createTable('group_mappings')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('group_id', 'text', (col) =>
          col.notNull().references('vault_groups.id').onDelete('cascade'),
        )
        .addColumn('ldap_domain', 'text', (col) => col.notNull())
        .addColumn('dn_key', 'text', (col) => col.notNull())
        .addColumn('dn', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addUniqueConstraint('group_mappings_identity', ['group_id', 'ldap_domain', 'dn_key'])
        .execute();
      await db.schema
        .createIndex('group_mappings_domain')
        .on('group_mappings')
        .column('ldap_domain')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('secret_links_parent_share').ifExists().execute();
      for (const table of [
        'group_mappings',
        'group_share_rights',
        'user_share_rights',
        'share_links',
        'shares',
        'group_memberships',
        'vault_groups',
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  // Every login writes `login_throttle` and `audit_events`. In SQLite a table keyed by a text
  // primary key is two B-trees (the rows by rowid, and the key's index), and every new row is a
  // page written in each: WITHOUT ROWID keeps the rows in the key's own B-tree, one fewer page per
  // new row (one WAL frame, two system calls). Both tables' rows are small, the condition under
  // which SQLite recommends it. PostgreSQL stores a table and its primary key apart in any case:
  // nothing to do there.
  '0007_login_tables_without_rowid': {
    async up(db: Kysely<unknown>) {
      if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
      await inOneTransaction(db as Kysely<DatabaseSchema>, (trx) => rebuildLoginTables(trx, true));
    },
    async down(db: Kysely<unknown>) {
      if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
      await inOneTransaction(db as Kysely<DatabaseSchema>, (trx) => rebuildLoginTables(trx, false));
    },
  },
} satisfies Record<string, Migration>;

/**
 * SQLite: `login_throttle` and `audit_events` built anew, WITHOUT ROWID or not, with every row,
 * column and index they had (SQLite cannot change a table's storage in place).
 */
async function rebuildLoginTables(
  db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>,
  withoutRowid: boolean,
): Promise<void> {
  const storage = <T extends { modifyEnd(modifier: ReturnType<typeof sql>): T }>(table: T): T =>
    withoutRowid ? table.modifyEnd(sql`without rowid`) : table;
  await db.schema
    .createTable('login_throttle_rebuilt')
    .addColumn('key', 'text', (col) => col.primaryKey().notNull())
    .addColumn('failures', 'integer', (col) => col.notNull())
    .addColumn('window_start', 'bigint', (col) => col.notNull())
    .$call(storage)
    .execute();
  await sql`insert into login_throttle_rebuilt (key, failures, window_start)
    select key, failures, window_start from login_throttle`.execute(db);
  await db.schema.dropTable('login_throttle').execute();
  await db.schema.alterTable('login_throttle_rebuilt').renameTo('login_throttle').execute();

  await db.schema
    .createTable('audit_events_rebuilt')
    .addColumn('id', 'text', (col) => col.primaryKey().notNull())
    .addColumn('at', 'bigint', (col) => col.notNull())
    .addColumn('event', 'text', (col) => col.notNull())
    .addColumn('outcome', 'text', (col) => col.notNull())
    .addColumn('username', 'text')
    .addColumn('user_id', 'text')
    .addColumn('client_address', 'text')
    .addColumn('reason', 'text')
    .addColumn('details', 'text')
    .addColumn('occurrences', 'integer', (col) => col.notNull().defaultTo(1))
    .$call(storage)
    .execute();
  await sql`insert into audit_events_rebuilt
      (id, at, event, outcome, username, user_id, client_address, reason, details, occurrences)
    select id, at, event, outcome, username, user_id, client_address, reason, details, occurrences
    from audit_events`.execute(db);
  await db.schema.dropTable('audit_events').execute();
  await db.schema.alterTable('audit_events_rebuilt').renameTo('audit_events').execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
}

/** Runs `work` in a transaction unless the migrator already opened one (it does on PostgreSQL). */
async function inOneTransaction(
  db: Kysely<DatabaseSchema>,
  work: (trx: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>) => Promise<void>,
): Promise<void> {
  if (db.isTransaction) return work(db);
  return db.transaction().execute(work);
}

/** Rows per statement when memberships move: well below SQLite's bound-parameter limit. */
const MEMBERSHIP_BATCH = 500;

/**
 * `dn_key` used to be a lowercased, space-trimmed DN, which kept `\,` and `\2C`, `\\` and `\5C`, or
 * `cn` and `2.5.4.3` apart: one directory group could be stored twice. Recomputes every key with
 * ldap-core's `groupKey` (its `normalizeDn` rule) and merges the rows of one group: the most recently
 * synced row survives (its spelling is the directory's latest), the others' memberships move to it
 * (a user in both keeps one membership) and they are deleted. Users' `groups_fingerprint`s are left
 * alone: where they change under the new keys, the next login stores the memberships once more.
 */
async function recomputeGroupKeys(db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>): Promise<void> {
  const rows = await db
    .selectFrom('ldap_groups')
    .select(['id', 'ldap_domain', 'dn_key', 'dn', 'synced_at'])
    .orderBy('synced_at', 'desc')
    .orderBy('id')
    .execute();
  const survivors = new Map<string, { id: string; key: string; oldKey: string }>();
  const merges: { from: string; into: string }[] = [];
  for (const row of rows) {
    const key = groupKey(row.dn);
    // JSON keeps domain and key apart whatever characters they hold.
    const identity = JSON.stringify([row.ldap_domain, key]);
    const survivor = survivors.get(identity);
    if (survivor) merges.push({ from: row.id, into: survivor.id });
    else survivors.set(identity, { id: row.id, key, oldKey: row.dn_key });
  }

  for (const { from, into } of merges) {
    const members = await db
      .selectFrom('memberships')
      .select('user_id')
      .where('group_id', '=', from)
      .execute();
    for (let start = 0; start < members.length; start += MEMBERSHIP_BATCH) {
      await db
        .insertInto('memberships')
        .values(
          members.slice(start, start + MEMBERSHIP_BATCH).map(({ user_id }) => ({ user_id, group_id: into })),
        )
        .onConflict((conflict) => conflict.columns(['user_id', 'group_id']).doNothing())
        .execute();
    }
    await db.deleteFrom('memberships').where('group_id', '=', from).execute();
    await db.deleteFrom('ldap_groups').where('id', '=', from).execute();
  }

  // Two steps, so that no row takes a key another row still holds under the unique constraint.
  const changed = [...survivors.values()].filter((survivor) => survivor.key !== survivor.oldKey);
  for (const { id } of changed) {
    await db
      .updateTable('ldap_groups')
      .set({ dn_key: `renaming ${id}` })
      .where('id', '=', id)
      .execute();
  }
  for (const { id, key } of changed) {
    await db.updateTable('ldap_groups').set({ dn_key: key }).where('id', '=', id).execute();
  }
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** The migrations' names, in order. */
export type MigrationName = keyof typeof migrations;

/**
 * Applies every pending migration; safe to call at every start and from several replicas at once
 * (Kysely takes a lock table around the run). Returns the names of the migrations it applied.
 */
export async function migrateToLatest(db: Database): Promise<string[]> {
  return appliedOrThrow(await new Migrator({ db, provider }).migrateToLatest());
}

/**
 * Applies the pending migrations up to and including `name`: a migration's test starts from the
 * schema (and data) of the one before it.
 */
export async function migrateUpTo(db: Database, name: MigrationName): Promise<string[]> {
  return appliedOrThrow(await new Migrator({ db, provider }).migrateTo(name));
}

function appliedOrThrow({ error, results }: MigrationResultSet): string[] {
  const failed = results?.find((result) => result.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    throw new MigrationError(`migration ${failed?.migrationName ?? ''} failed`.replace('  ', ' '), {
      cause: error,
    });
  }
  return (results ?? [])
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
}

/** Cheap round trip used by the health check. */
export async function pingDatabase(db: Database): Promise<void> {
  await sql`select 1`.execute(db);
}
