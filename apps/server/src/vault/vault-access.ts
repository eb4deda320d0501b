/**
 * Who may read and write what in the vault. A user reaches their own datastores and what is linked
 * into them, and shares through rights (Psono's `calculate_user_rights_on_share`): their own
 * accepted user rights and the rights of groups they hold an accepted membership of. A share with
 * no such right of its own inherits the rights of the nearest enclosing shares it is linked under.
 */
import type { Database } from '../db/schema.ts';

export interface Rights {
  read: boolean;
  write: boolean;
  grant: boolean;
}

const NONE: Rights = { read: false, write: false, grant: false };
const FULL: Rights = { read: true, write: true, grant: true };

/** Enclosing shares looked at, at most: a tree deeper than this inherits nothing from above it. */
const MAX_INHERITANCE_DEPTH = 32;

/** A parent in the vault's tree: a datastore or a share. */
export type VaultParent =
  | { datastoreId: string; shareId?: undefined }
  | { shareId: string; datastoreId?: undefined };

function union(into: Rights, row: { read: number; write: number; grant: number }): void {
  into.read ||= row.read === 1;
  into.write ||= row.write === 1;
  into.grant ||= row.grant === 1;
}

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

  /** The rights granted on these shares themselves (not inherited), and which of them have any. */
  private async directRights(
    userId: string,
    shareIds: string[],
    on: Database,
  ): Promise<{ rights: Rights; found: boolean }> {
    const own = await on
      .selectFrom('user_share_rights')
      .select(['read', 'write', 'grant'])
      .where('share_id', 'in', shareIds)
      .where('user_id', '=', userId)
      .where('accepted', '=', 1)
      .execute();
    const throughGroups = await on
      .selectFrom('group_share_rights')
      .innerJoin('group_memberships', 'group_memberships.group_id', 'group_share_rights.group_id')
      .select(['group_share_rights.read', 'group_share_rights.write', 'group_share_rights.grant'])
      .where('group_share_rights.share_id', 'in', shareIds)
      .where('group_memberships.user_id', '=', userId)
      .where('group_memberships.accepted', '=', 1)
      .where('group_memberships.secret_key', 'is not', null)
      .execute();
    const rights = { ...NONE };
    for (const row of [...own, ...throughGroups]) union(rights, row);
    return { rights, found: own.length + throughGroups.length > 0 };
  }

  /**
   * Rights of the user on a share: the union of their own and their groups' rights on it; without
   * any, those of the nearest level of enclosing shares that has some.
   */
  async shareRights(userId: string, shareId: string, on: Database = this.db): Promise<Rights> {
    const direct = await this.directRights(userId, [shareId], on);
    if (direct.found) return direct.rights;
    const seen = new Set([shareId]);
    let level = [shareId];
    for (let depth = 0; depth < MAX_INHERITANCE_DEPTH && level.length > 0; depth++) {
      const parents = await on
        .selectFrom('share_links')
        .select('parent_share_id')
        .where('share_id', 'in', level)
        .where('parent_share_id', 'is not', null)
        .execute();
      level = [...new Set(parents.map((row) => row.parent_share_id!))].filter((id) => !seen.has(id));
      if (level.length === 0) break;
      for (const id of level) seen.add(id);
      const inherited = await this.directRights(userId, level, on);
      if (inherited.found) return inherited.rights;
    }
    return { ...NONE };
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
      rights.grant ||= granted.grant;
    }
    return rights;
  }
}
