/**
 * The user's datastores (Psono's `Data_Store`): opaque encrypted trees, one default per type, a
 * unique (type, description) per user. Every method takes the caller's id and touches only that
 * user's rows, so another user's id reads as "does not exist".
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Database, DatastoresTable } from '../db/schema.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { deleteOrphanSecrets } from './secrets.ts';
import { VaultError } from './vault-errors.ts';

export type DatastoreRow = Selectable<DatastoresTable>;

export interface NewDatastore {
  type: string;
  description: string;
  data: string;
  dataNonce: string;
  secretKey: string;
  secretKeyNonce: string;
  isDefault: boolean;
}

export interface DatastoreChanges {
  data?: string;
  dataNonce?: string;
  secretKey?: string;
  secretKeyNonce?: string;
  description?: string;
  isDefault?: boolean;
  /** Write only if the datastore still has this write date (ms). */
  oldWriteDate?: number;
}

function duplicate(type: string): VaultError {
  return new VaultError(
    'DUPLICATE_TYPE_DESCRIPTION',
    `a datastore of type ${type} already has this description`,
  );
}

export class Datastores {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  list(userId: string): Promise<Pick<DatastoreRow, 'id' | 'type' | 'description' | 'is_default'>[]> {
    return this.db
      .selectFrom('datastores')
      .select(['id', 'type', 'description', 'is_default'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** The datastore if the user owns it. */
  find(userId: string, id: string): Promise<DatastoreRow | undefined> {
    return this.db
      .selectFrom('datastores')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  async create(userId: string, input: NewDatastore): Promise<string> {
    const now = this.now();
    const row: DatastoreRow = {
      id: randomUUID(),
      user_id: userId,
      type: input.type,
      description: input.description,
      data: input.data,
      data_nonce: input.dataNonce,
      secret_key: input.secretKey,
      secret_key_nonce: input.secretKeyNonce,
      is_default: input.isDefault ? 1 : 0,
      created_at: now,
      write_date: now,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('datastores').values(row).execute();
        if (input.isDefault) await clearOtherDefaults(trx, userId, row.type, row.id);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(input.type);
      throw error;
    }
    return row.id;
  }

  /** Applies the changes; returns the new write date. */
  async update(userId: string, id: string, changes: DatastoreChanges): Promise<number> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const current = await trx
          .selectFrom('datastores')
          .select(['type', 'data_nonce', 'write_date'])
          .where('id', '=', id)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (!current) throw new VaultError('NO_PERMISSION_OR_NOT_EXIST', `datastore ${id}`);
        if (changes.oldWriteDate !== undefined && changes.oldWriteDate !== Number(current.write_date)) {
          throw new VaultError(
            'WRITE_DATE_MISMATCH',
            `datastore ${id} changed since ${changes.oldWriteDate}`,
          );
        }
        if (changes.dataNonce !== undefined && changes.dataNonce === current.data_nonce) {
          throw new VaultError('DUPLICATE_NONCE', `datastore ${id}: data_nonce repeats the stored one`);
        }
        // A write date that always moves forward, even when two writes share a millisecond.
        const writeDate = Math.max(this.now(), Number(current.write_date) + 1);
        await trx
          .updateTable('datastores')
          .set({
            ...(changes.data === undefined ? {} : { data: changes.data }),
            ...(changes.dataNonce === undefined ? {} : { data_nonce: changes.dataNonce }),
            ...(changes.secretKey === undefined ? {} : { secret_key: changes.secretKey }),
            ...(changes.secretKeyNonce === undefined ? {} : { secret_key_nonce: changes.secretKeyNonce }),
            ...(changes.description === undefined ? {} : { description: changes.description }),
            ...(changes.isDefault === undefined ? {} : { is_default: changes.isDefault ? 1 : 0 }),
            write_date: writeDate,
          })
          .where('id', '=', id)
          .execute();
        if (changes.isDefault) await clearOtherDefaults(trx, userId, current.type, id);
        return writeDate;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate('this type');
      throw error;
    }
  }

  /** Deletes a datastore that is not the default, with its links and the secrets left unlinked. */
  async delete(userId: string, id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('datastores')
        .select(['is_default'])
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (!current) throw new VaultError('NO_PERMISSION_OR_NOT_EXIST', `datastore ${id}`);
      if (current.is_default === 1) {
        throw new VaultError('CANNOT_DELETE_DEFAULT_DATASTORE', `datastore ${id} is the default`);
      }
      const linked = await trx
        .selectFrom('secret_links')
        .select('secret_id')
        .where('parent_datastore_id', '=', id)
        .execute();
      await trx.deleteFrom('secret_links').where('parent_datastore_id', '=', id).execute();
      await trx.deleteFrom('datastores').where('id', '=', id).execute();
      await deleteOrphanSecrets(
        trx,
        linked.map((link) => link.secret_id),
      );
    });
  }
}

async function clearOtherDefaults(
  trx: Database,
  userId: string,
  type: string,
  keepId: string,
): Promise<void> {
  await trx
    .updateTable('datastores')
    .set({ is_default: 0 })
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .where('id', '!=', keepId)
    .execute();
}
