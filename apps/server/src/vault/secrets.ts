/**
 * Secrets (Psono's `Secret`, `Secret_Link`, `Secret_History`): one encrypted entry each, placed in
 * the client's tree by a link (`link_id`) under a datastore or a share. A write keeps the previous
 * version in the history. Rights come from `VaultAccess`, so shares plug in there.
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { lockRow } from '../db/row-lock.ts';
import type { Database, SecretHistoryTable, SecretsTable } from '../db/schema.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import type { CallbackPassCipher } from './callback-pass.ts';
import type { VaultAccess, VaultParent } from './vault-access.ts';
import { denied, VaultError } from './vault-errors.ts';

export type SecretRow = Selectable<SecretsTable>;
export type SecretHistoryRow = Selectable<SecretHistoryTable>;

export interface NewSecret {
  data: string;
  dataNonce: string;
  linkId: string;
  parent: VaultParent;
  callbackUrl: string;
  callbackUser: string;
  callbackPass: string;
}

export interface SecretChanges {
  data?: string;
  dataNonce?: string;
  callbackUrl?: string;
  callbackUser?: string;
  callbackPass?: string;
}

/** A secret or history entry as the client reads it (callback password in the clear). */
export type SecretVersion = Omit<SecretRow, 'id' | 'user_id' | 'read_count'>;

/** Deletes those of `secretIds` that no link reaches any more (their history goes with them). */
export async function deleteOrphanSecrets(trx: Database, secretIds: string[]): Promise<void> {
  for (const secretId of new Set(secretIds)) {
    const linked = await trx
      .selectFrom('secret_links')
      .select('link_id')
      .where('secret_id', '=', secretId)
      .executeTakeFirst();
    if (!linked) await trx.deleteFrom('secrets').where('id', '=', secretId).execute();
  }
}

export class Secrets {
  constructor(
    private readonly db: Database,
    private readonly access: VaultAccess,
    private readonly callbackPass: CallbackPassCipher,
    private readonly now: () => number,
  ) {}

  private async requireParent(userId: string, parent: VaultParent, on: Database): Promise<void> {
    const rights = await this.access.rightsOnParent(userId, parent, on);
    if (!rights.write) throw denied(`parent ${parent.datastoreId ?? parent.shareId}`);
  }

  async create(userId: string, input: NewSecret): Promise<string> {
    const now = this.now();
    const secret: SecretRow = {
      id: randomUUID(),
      user_id: userId,
      data: input.data,
      data_nonce: input.dataNonce,
      callback_url: input.callbackUrl,
      callback_user: input.callbackUser,
      callback_pass: this.callbackPass.seal(input.callbackPass),
      read_count: 0,
      created_at: now,
      write_date: now,
    };
    await this.db.transaction().execute(async (trx) => {
      await this.requireParent(userId, input.parent, trx);
      const existingLink = await trx
        .selectFrom('secret_links')
        .select('link_id')
        .where('link_id', '=', input.linkId)
        .executeTakeFirst();
      if (existingLink) throw new VaultError('DUPLICATE_LINK_ID', `link ${input.linkId} exists`);
      try {
        await trx.insertInto('secrets').values(secret).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new VaultError('DUPLICATE_NONCE', 'data_nonce already used');
        throw error;
      }
      await trx
        .insertInto('secret_links')
        .values({
          link_id: input.linkId,
          secret_id: secret.id,
          parent_datastore_id: input.parent.datastoreId ?? null,
          parent_share_id: input.parent.shareId ?? null,
        })
        .execute();
    });
    return secret.id;
  }

  /** Reads the secret (counting the read, as Psono does); refused without read rights. */
  async read(userId: string, secretId: string): Promise<SecretVersion & { read_count: number }> {
    if (!(await this.access.rightsOnSecret(userId, secretId)).read) throw denied(`secret ${secretId}`);
    const row = await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('secrets')
        .set((eb) => ({ read_count: eb('read_count', '+', 1) }))
        .where('id', '=', secretId)
        .execute();
      return trx.selectFrom('secrets').selectAll().where('id', '=', secretId).executeTakeFirst();
    });
    if (!row) throw denied(`secret ${secretId}`);
    return { ...this.version(row), read_count: Number(row.read_count) };
  }

  private version(row: Omit<SecretVersion, 'callback_pass'> & { callback_pass: string }): SecretVersion {
    return {
      data: row.data,
      data_nonce: row.data_nonce,
      callback_url: row.callback_url,
      callback_user: row.callback_user,
      callback_pass: this.callbackPass.open(row.callback_pass),
      created_at: Number(row.created_at),
      write_date: Number(row.write_date),
    };
  }

  /** Writes a new version; the one it replaces goes to the history in the same transaction. */
  async update(userId: string, secretId: string, changes: SecretChanges): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await this.access.rightsOnSecret(userId, secretId, trx)).write)
        throw denied(`secret ${secretId}`);
      // Lock the row before reading it: two writers of one secret then run one after the other,
      // each moving the version it read to the history. Reading first and locking at the update
      // deadlocked on PostgreSQL (the history insert's foreign key check waits for the other
      // writer's lock), and let both writers put the same old version in the history.
      await lockRow(trx, 'secrets', 'write_date', secretId).execute();
      const current = await trx
        .selectFrom('secrets')
        .selectAll()
        .where('id', '=', secretId)
        .executeTakeFirst();
      if (!current) throw denied(`secret ${secretId}`);
      if (changes.dataNonce !== undefined) {
        // A nonce this secret ever had means a replayed (or broken) write.
        const reused =
          current.data_nonce === changes.dataNonce ||
          (await trx
            .selectFrom('secret_history')
            .select('id')
            .where('secret_id', '=', secretId)
            .where('data_nonce', '=', changes.dataNonce)
            .executeTakeFirst()) !== undefined;
        if (reused) throw new VaultError('DUPLICATE_NONCE', `secret ${secretId}: data_nonce used before`);
      }
      const now = this.now();
      await trx
        .insertInto('secret_history')
        .values({
          id: randomUUID(),
          secret_id: secretId,
          user_id: userId,
          data: current.data,
          data_nonce: current.data_nonce,
          callback_url: current.callback_url,
          callback_user: current.callback_user,
          callback_pass: current.callback_pass,
          created_at: now,
          write_date: Number(current.write_date),
        })
        .execute();
      try {
        await trx
          .updateTable('secrets')
          .set({
            ...(changes.data === undefined ? {} : { data: changes.data }),
            ...(changes.dataNonce === undefined ? {} : { data_nonce: changes.dataNonce }),
            ...(changes.callbackUrl === undefined ? {} : { callback_url: changes.callbackUrl }),
            ...(changes.callbackUser === undefined ? {} : { callback_user: changes.callbackUser }),
            ...(changes.callbackPass === undefined
              ? {}
              : { callback_pass: this.callbackPass.seal(changes.callbackPass) }),
            write_date: Math.max(now, Number(current.write_date) + 1),
          })
          .where('id', '=', secretId)
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new VaultError('DUPLICATE_NONCE', 'data_nonce already used');
        throw error;
      }
    });
  }

  /** The earlier versions of a secret, oldest first, with who replaced each. */
  async history(
    userId: string,
    secretId: string,
  ): Promise<{ id: string; created_at: number; username: string }[]> {
    if (!(await this.access.rightsOnSecret(userId, secretId)).read) throw denied(`secret ${secretId}`);
    const rows = await this.db
      .selectFrom('secret_history')
      .innerJoin('users', 'users.id', 'secret_history.user_id')
      .select(['secret_history.id', 'secret_history.created_at', 'users.username'])
      .where('secret_history.secret_id', '=', secretId)
      .orderBy('secret_history.created_at')
      .orderBy('secret_history.id')
      .execute();
    return rows.map((row) => ({ id: row.id, created_at: Number(row.created_at), username: row.username }));
  }

  async historyItem(userId: string, historyId: string): Promise<SecretVersion> {
    const row = await this.db
      .selectFrom('secret_history')
      .selectAll()
      .where('id', '=', historyId)
      .executeTakeFirst();
    if (!row || !(await this.access.rightsOnSecret(userId, row.secret_id)).read) {
      throw denied(`history ${historyId}`);
    }
    return this.version(row);
  }

  /** Rights to change a link: write on every parent it has now (Psono's rule). */
  private async linkedSecrets(trx: Database, userId: string, linkId: string): Promise<string[]> {
    const links = await trx.selectFrom('secret_links').selectAll().where('link_id', '=', linkId).execute();
    if (links.length === 0) throw denied(`link ${linkId}`);
    for (const link of links) {
      const parent: VaultParent =
        link.parent_datastore_id !== null
          ? { datastoreId: link.parent_datastore_id }
          : { shareId: link.parent_share_id ?? '' };
      if (!(await this.access.rightsOnParent(userId, parent, trx)).write) throw denied(`link ${linkId}`);
    }
    return links.map((link) => link.secret_id);
  }

  /** Moves the link under a new parent (drag and drop in the client's tree). */
  async moveLink(userId: string, linkId: string, newParent: VaultParent): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.requireParent(userId, newParent, trx);
      await this.linkedSecrets(trx, userId, linkId);
      await trx
        .updateTable('secret_links')
        .set({
          parent_datastore_id: newParent.datastoreId ?? null,
          parent_share_id: newParent.shareId ?? null,
        })
        .where('link_id', '=', linkId)
        .execute();
    });
  }

  /** Deletes the link; a secret no other link reaches is deleted with its history. */
  async deleteLink(userId: string, linkId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const secretIds = await this.linkedSecrets(trx, userId, linkId);
      await trx.deleteFrom('secret_links').where('link_id', '=', linkId).execute();
      await deleteOrphanSecrets(trx, secretIds);
    });
  }
}
