/**
 * Shares (Psono's `Share`, `User_Share_Right`, `Group_Share_Right`, `Share_Tree`): an encrypted
 * folder or entry reached through rights, placed in users' trees by share links. Every method
 * checks the caller's rights through `VaultAccess` on every id it touches.
 */
import { randomUUID } from 'node:crypto';
import type {
  AcceptShareRightReply,
  CreateShareRightRequest,
  ListSharesReply,
  ShareRightsReply,
} from '@ldap-login/protocol';
import type { Database } from '../db/schema.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { flagsOf, iso } from './reply-values.ts';
import type { Rights, VaultAccess, VaultParent } from './vault-access.ts';
import { denied, VaultError } from './vault-errors.ts';

/** Refuses unless the caller is an accepted share admin of the group (Psono's rule for group rights). */
async function requireShareAdmin(db: Database, groupId: string, callerId: string): Promise<void> {
  const admin = await db
    .selectFrom('group_memberships')
    .select('id')
    .where('group_id', '=', groupId)
    .where('user_id', '=', callerId)
    .where('accepted', '=', 1)
    .where('share_admin', '=', 1)
    .executeTakeFirst();
  if (!admin) throw denied(`group ${groupId}: not a share admin`);
}

const flag = (value: boolean) => (value ? 1 : 0);

export interface NewShare {
  data: string;
  dataNonce: string;
  key: string;
  keyNonce: string;
  linkId: string;
  parent: VaultParent;
}

export interface RightFlags {
  read: boolean;
  write: boolean;
  grant: boolean;
}

/** Who a right is for: exactly one user or one group. */
export type RightHolder = { userId: string; groupId?: undefined } | { groupId: string; userId?: undefined };

export class Shares {
  constructor(
    private readonly db: Database,
    private readonly access: VaultAccess,
    private readonly now: () => number,
  ) {}

  private async require(
    userId: string,
    shareId: string,
    wanted: keyof Rights,
    on: Database,
  ): Promise<Rights> {
    const rights = await this.access.shareRights(userId, shareId, on);
    if (!rights[wanted]) throw denied(`share ${shareId}: no ${wanted} right`);
    return rights;
  }

  private async requireParent(userId: string, parent: VaultParent, on: Database): Promise<void> {
    if (!(await this.access.rightsOnParent(userId, parent, on)).write) {
      throw denied(`parent ${parent.datastoreId ?? parent.shareId}`);
    }
  }

  private async requireFreeLinkId(on: Database, linkId: string): Promise<void> {
    const taken =
      (await on
        .selectFrom('share_links')
        .select('link_id')
        .where('link_id', '=', linkId)
        .executeTakeFirst()) ??
      (await on
        .selectFrom('secret_links')
        .select('link_id')
        .where('link_id', '=', linkId)
        .executeTakeFirst());
    if (taken) throw new VaultError('DUPLICATE_LINK_ID', `link ${linkId} exists`);
  }

  /** `POST /share/`: the share, the creator's full right on it (accepted) and its place. */
  async create(userId: string, input: NewShare): Promise<string> {
    const id = randomUUID();
    const now = this.now();
    await this.db.transaction().execute(async (trx) => {
      await this.requireParent(userId, input.parent, trx);
      await this.requireFreeLinkId(trx, input.linkId);
      await trx
        .insertInto('shares')
        .values({
          id,
          user_id: userId,
          data: input.data,
          data_nonce: input.dataNonce,
          created_at: now,
          write_date: now,
        })
        .execute();
      await trx
        .insertInto('user_share_rights')
        .values({
          id: randomUUID(),
          share_id: id,
          user_id: userId,
          creator_id: userId,
          title: '',
          title_nonce: '',
          type: '',
          type_nonce: '',
          key: input.key,
          key_nonce: input.keyNonce,
          key_type: 'symmetric',
          read: 1,
          write: 1,
          grant: 1,
          accepted: 1,
          created_at: now,
          write_date: now,
        })
        .execute();
      await trx
        .insertInto('share_links')
        .values({
          link_id: input.linkId,
          share_id: id,
          parent_share_id: input.parent.shareId ?? null,
          parent_datastore_id: input.parent.datastoreId ?? null,
        })
        .execute();
    });
    return id;
  }

  /** `GET /share/<id>/` (read right). */
  async read(userId: string, shareId: string) {
    const rights = await this.require(userId, shareId, 'read', this.db);
    const share = await this.db.selectFrom('shares').selectAll().where('id', '=', shareId).executeTakeFirst();
    if (!share) throw denied(`share ${shareId}`);
    return {
      id: share.id,
      data: share.data,
      data_nonce: share.data_nonce,
      user_id: share.user_id,
      rights,
      write_date: iso(share.write_date),
    };
  }

  /** `PUT /share/` (write right); returns the new write date. */
  async update(userId: string, shareId: string, data: string, dataNonce: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await this.require(userId, shareId, 'write', trx);
      const share = await trx
        .selectFrom('shares')
        .select(['data_nonce', 'write_date'])
        .where('id', '=', shareId)
        .executeTakeFirst();
      if (!share) throw denied(`share ${shareId}`);
      if (share.data_nonce === dataNonce) {
        throw new VaultError('DUPLICATE_NONCE', `share ${shareId}: data_nonce repeats the stored one`);
      }
      const writeDate = Math.max(this.now(), Number(share.write_date) + 1);
      await trx
        .updateTable('shares')
        .set({ data, data_nonce: dataNonce, write_date: writeDate })
        .where('id', '=', shareId)
        .execute();
      return writeDate;
    });
  }

  /** `GET /share/`: the caller's own rights, offered and accepted (not the declined ones). */
  async list(userId: string): Promise<ListSharesReply['shares']> {
    const rows = await this.db
      .selectFrom('user_share_rights')
      .leftJoin('users as creator', 'creator.id', 'user_share_rights.creator_id')
      .selectAll('user_share_rights')
      .select(['creator.username as creator_username', 'creator.public_key as creator_public_key'])
      .where('user_share_rights.user_id', '=', userId)
      .where((eb) =>
        eb.or([eb('user_share_rights.accepted', 'is', null), eb('user_share_rights.accepted', '=', 1)]),
      )
      .orderBy('user_share_rights.created_at')
      .execute();
    return rows.map((row) => ({
      id: row.share_id,
      share_right_id: row.id,
      share_right_user_id: row.user_id,
      share_right_title: row.title,
      share_right_title_nonce: row.title_nonce,
      share_right_type: row.type,
      share_right_type_nonce: row.type_nonce,
      share_right_key: row.key,
      share_right_key_nonce: row.key_nonce,
      share_right_key_type: row.key_type,
      share_right_read: row.read === 1,
      share_right_write: row.write === 1,
      share_right_grant: row.grant === 1,
      share_right_accepted: row.accepted === null ? null : row.accepted === 1,
      share_right_create_date: iso(row.created_at),
      share_right_write_date: iso(row.write_date),
      share_right_expiration_date: null,
      share_right_create_user_id: row.creator_id ?? '',
      share_right_create_user_username: row.creator_username ?? '',
      share_right_create_user_public_key: row.creator_public_key ?? '',
    }));
  }

  /** `GET /share/right/`: the caller's rights per share, own and through accepted memberships. */
  async overview(
    userId: string,
  ): Promise<{ share_id: string; read: boolean; write: boolean; grant: boolean }[]> {
    const own = await this.db
      .selectFrom('user_share_rights')
      .select(['share_id', 'read', 'write', 'grant'])
      .where('user_id', '=', userId)
      .where('accepted', '=', 1)
      .orderBy('created_at')
      .execute();
    const throughGroups = await this.db
      .selectFrom('group_share_rights')
      .innerJoin('group_memberships', 'group_memberships.group_id', 'group_share_rights.group_id')
      .select([
        'group_share_rights.share_id',
        'group_share_rights.read',
        'group_share_rights.write',
        'group_share_rights.grant',
      ])
      .where('group_memberships.user_id', '=', userId)
      .where('group_memberships.accepted', '=', 1)
      .where('group_memberships.secret_key', 'is not', null)
      .orderBy('group_share_rights.created_at')
      .execute();
    const byShare = new Map<string, { share_id: string; read: boolean; write: boolean; grant: boolean }>();
    for (const row of [...own, ...throughGroups]) {
      const entry = byShare.get(row.share_id) ?? {
        share_id: row.share_id,
        read: false,
        write: false,
        grant: false,
      };
      entry.read ||= row.read === 1;
      entry.write ||= row.write === 1;
      entry.grant ||= row.grant === 1;
      byShare.set(row.share_id, entry);
    }
    return [...byShare.values()];
  }

  /** `GET /share/rights/<id>/`: every right on the share, for a caller with any right on it. */
  async rightsOf(userId: string, shareId: string): Promise<ShareRightsReply> {
    const own = await this.access.shareRights(userId, shareId);
    if (!own.read && !own.write && !own.grant) throw denied(`share ${shareId}`);
    const users = await this.db
      .selectFrom('user_share_rights')
      .innerJoin('users', 'users.id', 'user_share_rights.user_id')
      .selectAll('user_share_rights')
      .select('users.username')
      .where('user_share_rights.share_id', '=', shareId)
      .where((eb) =>
        eb.or([eb('user_share_rights.accepted', 'is', null), eb('user_share_rights.accepted', '=', 1)]),
      )
      .orderBy('user_share_rights.created_at')
      .execute();
    const groups = await this.db
      .selectFrom('group_share_rights')
      .innerJoin('vault_groups', 'vault_groups.id', 'group_share_rights.group_id')
      .selectAll('group_share_rights')
      .select('vault_groups.name')
      .where('group_share_rights.share_id', '=', shareId)
      .orderBy('group_share_rights.created_at')
      .execute();
    return {
      id: shareId,
      own_share_rights: own,
      user_share_rights: users.map((row) => ({
        id: row.id,
        create_date: iso(row.created_at),
        write_date: iso(row.write_date),
        accepted: row.accepted === null ? null : row.accepted === 1,
        ...flagsOf(row),
        user_id: row.user_id,
        share_id: row.share_id,
        username: row.username,
        expiration_date: null,
      })),
      group_share_rights: groups.map((row) => ({
        id: row.id,
        create_date: iso(row.created_at),
        write_date: iso(row.write_date),
        accepted: true as const,
        ...flagsOf(row),
        group_id: row.group_id,
        share_id: row.share_id,
        group_name: row.name,
        expiration_date: null,
      })),
    };
  }

  private holderOf(userId: string | null | undefined, groupId: string | null | undefined): RightHolder {
    if ((userId == null) === (groupId == null)) {
      throw new VaultError(
        'EITHER_USER_OR_GROUP_NEEDS_TO_BE_DEFINED',
        'name exactly one of user_id and group_id',
      );
    }
    return userId != null ? { userId } : { groupId: groupId! };
  }

  /**
   * `PUT /share/right/` (grant right on the share). A group right also needs the caller to be a
   * share admin of the group (an accepted member), as in Psono.
   */
  async grant(callerId: string, input: CreateShareRightRequest): Promise<string> {
    const holder = this.holderOf(input.user_id, input.group_id);
    const id = randomUUID();
    const now = this.now();
    const common = {
      id,
      share_id: input.share_id,
      creator_id: callerId,
      title: input.title,
      title_nonce: input.title_nonce,
      type: input.type ?? '',
      type_nonce: input.type_nonce ?? '',
      key: input.key,
      key_nonce: input.key_nonce,
      read: flag(input.read),
      write: flag(input.write),
      grant: flag(input.grant),
      created_at: now,
      write_date: now,
    };
    await this.db.transaction().execute(async (trx) => {
      await this.require(callerId, input.share_id, 'grant', trx);
      // A right the holder has already breaks the (share, holder) unique constraint.
      try {
        if (holder.userId !== undefined) {
          const user = await trx
            .selectFrom('users')
            .select('id')
            .where('id', '=', holder.userId)
            .executeTakeFirst();
          if (!user) throw denied(`user ${holder.userId}`);
          await trx
            .insertInto('user_share_rights')
            .values({ ...common, user_id: holder.userId, key_type: 'asymmetric', accepted: null })
            .execute();
        } else {
          await requireShareAdmin(trx, holder.groupId, callerId);
          await trx
            .insertInto('group_share_rights')
            .values({ ...common, group_id: holder.groupId })
            .execute();
        }
      } catch (error) {
        if (isUniqueViolation(error)) {
          const who = holder.userId !== undefined ? `user ${holder.userId}` : `group ${holder.groupId}`;
          throw new VaultError('SHARE_RIGHT_EXISTS', `share ${input.share_id}, ${who}`);
        }
        throw error;
      }
    });
    return id;
  }

  /** `POST /share/right/`: new flags for the right of a user or group (grant right on the share). */
  async updateRight(
    callerId: string,
    shareId: string,
    who: { userId?: string | null; groupId?: string | null },
    flags: RightFlags,
  ): Promise<string> {
    const holder = this.holderOf(who.userId, who.groupId);
    return this.db.transaction().execute(async (trx) => {
      await this.require(callerId, shareId, 'grant', trx);
      const set = {
        read: flag(flags.read),
        write: flag(flags.write),
        grant: flag(flags.grant),
        write_date: this.now(),
      };
      const row =
        holder.userId !== undefined
          ? await trx
              .updateTable('user_share_rights')
              .set(set)
              .where('share_id', '=', shareId)
              .where('user_id', '=', holder.userId)
              .returning('id')
              .executeTakeFirst()
          : await trx
              .updateTable('group_share_rights')
              .set(set)
              .where('share_id', '=', shareId)
              .where('group_id', '=', holder.groupId)
              .returning('id')
              .executeTakeFirst();
      if (!row) throw denied(`share ${shareId}: no such right`);
      return row.id;
    });
  }

  /** `DELETE /share/right/` (grant right on the share; a group right also needs share admin). */
  async revoke(
    callerId: string,
    ids: { userShareRightId?: string | null; groupShareRightId?: string | null },
  ): Promise<void> {
    if ((ids.userShareRightId == null) === (ids.groupShareRightId == null)) {
      throw new VaultError('EITHER_USER_OR_GROUP_NEEDS_TO_BE_DEFINED', 'name exactly one share right');
    }
    await this.db.transaction().execute(async (trx) => {
      if (ids.userShareRightId != null) {
        const right = await trx
          .selectFrom('user_share_rights')
          .select(['share_id', 'user_id'])
          .where('id', '=', ids.userShareRightId)
          .executeTakeFirst();
        if (!right) throw denied(`share right ${ids.userShareRightId}`);
        // Anyone may give up their own right; removing another's needs grant.
        if (right.user_id !== callerId) await this.require(callerId, right.share_id, 'grant', trx);
        await trx.deleteFrom('user_share_rights').where('id', '=', ids.userShareRightId).execute();
        return;
      }
      const right = await trx
        .selectFrom('group_share_rights')
        .select(['share_id', 'group_id'])
        .where('id', '=', ids.groupShareRightId!)
        .executeTakeFirst();
      if (!right) throw denied(`share right ${ids.groupShareRightId}`);
      await this.require(callerId, right.share_id, 'grant', trx);
      await requireShareAdmin(trx, right.group_id, callerId);
      await trx.deleteFrom('group_share_rights').where('id', '=', ids.groupShareRightId!).execute();
    });
  }

  /** `POST /share/right/accept/`: the caller's offered right, its key re-encrypted for them. */
  async accept(
    userId: string,
    rightId: string,
    key: { key?: string | null; keyNonce?: string | null },
  ): Promise<AcceptShareRightReply> {
    return this.db.transaction().execute(async (trx) => {
      const right = await trx
        .selectFrom('user_share_rights')
        .innerJoin('shares', 'shares.id', 'user_share_rights.share_id')
        .select([
          'user_share_rights.share_id',
          'user_share_rights.type',
          'user_share_rights.type_nonce',
          'user_share_rights.read',
          'shares.data',
          'shares.data_nonce',
        ])
        .where('user_share_rights.id', '=', rightId)
        .where('user_share_rights.user_id', '=', userId)
        .where('user_share_rights.accepted', 'is', null)
        .executeTakeFirst();
      if (!right) throw denied(`share right ${rightId}`);
      await trx
        .updateTable('user_share_rights')
        .set({
          accepted: 1,
          type: '',
          type_nonce: '',
          ...(key.key && key.keyNonce
            ? { key: key.key, key_nonce: key.keyNonce, key_type: 'symmetric' }
            : {}),
          write_date: this.now(),
        })
        .where('id', '=', rightId)
        .execute();
      return {
        share_id: right.share_id,
        share_type: right.type,
        share_type_nonce: right.type_nonce,
        ...(right.read === 1 ? { share_data: right.data, share_data_nonce: right.data_nonce } : {}),
      };
    });
  }

  async decline(userId: string, rightId: string): Promise<void> {
    const result = await this.db
      .updateTable('user_share_rights')
      .set({
        accepted: 0,
        title: '',
        title_nonce: '',
        type: '',
        type_nonce: '',
        key: '',
        key_nonce: '',
        key_type: '',
      })
      .where('id', '=', rightId)
      .where('user_id', '=', userId)
      .where('accepted', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw denied(`share right ${rightId}`);
  }

  /** `/user/status/`: rights offered to the user and not yet accepted or declined. */
  async pendingCount(userId: string): Promise<number> {
    const rows = await this.db
      .selectFrom('user_share_rights')
      .select('id')
      .where('user_id', '=', userId)
      .where('accepted', 'is', null)
      .where('creator_id', 'is not', null)
      .execute();
    return rows.length;
  }

  // --- share links ---------------------------------------------------------------------------

  /**
   * `PUT /share/link/`: under the caller's datastore a share they can read or grant; under a share
   * they can write, a share they can grant.
   */
  async link(userId: string, linkId: string, shareId: string, parent: VaultParent): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.requireParent(userId, parent, trx);
      const rights = await this.access.shareRights(userId, shareId, trx);
      const allowed = parent.datastoreId !== undefined ? rights.read || rights.grant : rights.grant;
      if (!allowed) throw denied(`share ${shareId}`);
      if (parent.shareId === shareId) throw denied(`share ${shareId} inside itself`);
      await this.requireFreeLinkId(trx, linkId);
      await trx
        .insertInto('share_links')
        .values({
          link_id: linkId,
          share_id: shareId,
          parent_share_id: parent.shareId ?? null,
          parent_datastore_id: parent.datastoreId ?? null,
        })
        .execute();
    });
  }

  /** Write on every current parent of the link (the caller's own datastore counts as write). */
  private async requireLinkParents(trx: Database, userId: string, linkId: string) {
    const link = await trx
      .selectFrom('share_links')
      .selectAll()
      .where('link_id', '=', linkId)
      .executeTakeFirst();
    if (!link) throw denied(`link ${linkId}`);
    const parent: VaultParent =
      link.parent_datastore_id !== null
        ? { datastoreId: link.parent_datastore_id }
        : { shareId: link.parent_share_id ?? '' };
    await this.requireParent(userId, parent, trx);
    return link;
  }

  /** `POST /share/link/`: grant on the share, write on the old and the new parent. */
  async moveLink(userId: string, linkId: string, newParent: VaultParent): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const link = await this.requireLinkParents(trx, userId, linkId);
      await this.require(userId, link.share_id, 'grant', trx);
      await this.requireParent(userId, newParent, trx);
      if (newParent.shareId === link.share_id) throw denied(`share ${link.share_id} inside itself`);
      await trx
        .updateTable('share_links')
        .set({
          parent_share_id: newParent.shareId ?? null,
          parent_datastore_id: newParent.datastoreId ?? null,
        })
        .where('link_id', '=', linkId)
        .execute();
    });
  }

  /** `DELETE /share/link/`: write on the parent. The share and its rights stay. */
  async unlink(userId: string, linkId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.requireLinkParents(trx, userId, linkId);
      await trx.deleteFrom('share_links').where('link_id', '=', linkId).execute();
    });
  }
}
