/**
 * Who may read and write what in the vault. Today a user reaches their own datastores and the
 * secrets linked into them; shares will grant more through `shareRights` (Psono's
 * `user_has_rights_on_share`), which every check below already goes through.
 */
import type { Database } from '../db/schema.ts';

export interface Rights {
  read: boolean;
  write: boolean;
}

const NONE: Rights = { read: false, write: false };
const FULL: Rights = { read: true, write: true };

/** A parent in the vault's tree: a datastore or a share. */
export type VaultParent =
  | { datastoreId: string; shareId?: undefined }
  | { shareId: string; datastoreId?: undefined };

/**
 * Every check takes the executor to run on (`on`): inside a transaction it must be the
 * transaction, since SQLite's one connection is held by it.
 */
export class VaultAccess {
  constructor(private readonly db: Database) {}

  async ownsDatastore(userId: string, datastoreId: string, on: Database = this.db): Promise<boolean> {
    const row = await on
      .selectFrom('datastores')
      .select('id')
      .where('id', '=', datastoreId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Rights of the user on a share: none until sharing exists. */
  async shareRights(_userId: string, _shareId: string, _on: Database = this.db): Promise<Rights> {
    return NONE;
  }

  async rightsOnParent(userId: string, parent: VaultParent, on: Database = this.db): Promise<Rights> {
    if (parent.datastoreId !== undefined)
      return (await this.ownsDatastore(userId, parent.datastoreId, on)) ? FULL : NONE;
    return this.shareRights(userId, parent.shareId, on);
  }

  /** Rights on a secret: the union of the rights on every parent that links it. */
  async rightsOnSecret(userId: string, secretId: string, on: Database = this.db): Promise<Rights> {
    const links = await on
      .selectFrom('secret_links')
      .leftJoin('datastores', 'datastores.id', 'secret_links.parent_datastore_id')
      .select(['secret_links.parent_share_id', 'datastores.user_id as datastore_owner'])
      .where('secret_links.secret_id', '=', secretId)
      .execute();
    const rights = { ...NONE };
    for (const link of links) {
      const granted =
        link.datastore_owner === userId
          ? FULL
          : link.parent_share_id !== null
            ? await this.shareRights(userId, link.parent_share_id, on)
            : NONE;
      rights.read ||= granted.read;
      rights.write ||= granted.write;
    }
    return rights;
  }
}
