/**
 * Schema migrations, kept in code (not files on disk) so the built server and the Docker image carry
 * them. Each migration is written once for both SQLite and PostgreSQL through Kysely's schema builder.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Database } from './schema.ts';

const migrations: Record<string, Migration> = {
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
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/**
 * Applies every pending migration; safe to call at every start and from several replicas at once
 * (Kysely takes a lock table around the run). Returns the names of the migrations it applied.
 */
export async function migrateToLatest(db: Database): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
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
