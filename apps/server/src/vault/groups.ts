/**
 * Vault groups and memberships (Psono's `Group`, `User_Group_Membership`). The server stores each
 * member's copy of the group's keys as the clients encrypted it and never holds a key it could
 * open. A forced membership (from a mapped directory group, forced-memberships.ts) starts without
 * keys; a member who holds them hands them over through the job routes.
 */
import { randomUUID } from 'node:crypto';
import type {
  AcceptMembershipReply,
  CreateGroupRequest,
  CreateMembershipRequest,
  ListGroupsReply,
  MembershipMissingGroupSecretJob,
  ReadGroupReply,
} from '@ldap-login/protocol';
import type { Selectable } from 'kysely';
import type { Database, GroupMembershipsTable } from '../db/schema.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { acceptedOf, flagsOf, iso } from './reply-values.ts';
import { denied, VaultError } from './vault-errors.ts';

type MembershipRow = Selectable<GroupMembershipsTable>;

/** Jobs handed out per `GET /job/`: the client works through them one by one. */
const MAX_JOBS = 100;

function keysOf(row: MembershipRow) {
  return {
    secret_key: row.secret_key ?? '',
    secret_key_nonce: row.secret_key_nonce ?? '',
    secret_key_type: (row.secret_key_type ?? 'symmetric') as 'symmetric' | 'asymmetric',
    private_key: row.private_key ?? '',
    private_key_nonce: row.private_key_nonce ?? '',
    private_key_type: (row.private_key_type ?? 'symmetric') as 'symmetric' | 'asymmetric',
  };
}

export interface KeyHandOver {
  secretKey: string;
  secretKeyNonce: string;
  privateKey: string;
  privateKeyNonce: string;
}

export class VaultGroups {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  /** The caller's membership of the group, if they hold its keys (and did not decline). */
  private async heldMembership(on: Database, userId: string, groupId: string) {
    return on
      .selectFrom('group_memberships')
      .selectAll()
      .where('group_id', '=', groupId)
      .where('user_id', '=', userId)
      .where('secret_key', 'is not', null)
      .where((eb) => eb.or([eb('accepted', 'is', null), eb('accepted', '=', 1)]))
      .executeTakeFirst();
  }

  private async requireAdmin(on: Database, userId: string, groupId: string): Promise<MembershipRow> {
    const membership = await this.heldMembership(on, userId, groupId);
    if (membership?.accepted !== 1 || membership.group_admin !== 1) {
      throw denied(`group ${groupId}: not an admin`);
    }
    return membership;
  }

  async create(userId: string, input: CreateGroupRequest): Promise<ReadGroupReply & { group_id: string }> {
    const now = this.now();
    const groupId = randomUUID();
    // The creator's copy of the keys, under their own secret key: stored and answered alike.
    const keys = {
      secret_key: input.secret_key,
      secret_key_nonce: input.secret_key_nonce,
      secret_key_type: 'symmetric',
      private_key: input.private_key,
      private_key_nonce: input.private_key_nonce,
      private_key_type: 'symmetric',
    } as const;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('vault_groups')
        .values({ id: groupId, name: input.name, public_key: input.public_key, created_at: now })
        .execute();
      await trx
        .insertInto('group_memberships')
        .values({
          id: randomUUID(),
          group_id: groupId,
          user_id: userId,
          creator_id: userId,
          ...keys,
          group_admin: 1,
          share_admin: 1,
          accepted: 1,
          forced: 0,
          created_at: now,
        })
        .execute();
    });
    return {
      group_id: groupId,
      name: input.name,
      public_key: input.public_key,
      ...keys,
      group_admin: true,
      share_admin: true,
      accepted: true,
      forced_membership: false,
    };
  }

  /** `GET /group/`: memberships the caller holds keys for, accepted or offered (not declined). */
  async list(userId: string): Promise<ListGroupsReply['groups']> {
    const rows = await this.db
      .selectFrom('group_memberships')
      .innerJoin('vault_groups', 'vault_groups.id', 'group_memberships.group_id')
      .leftJoin('users as creator', 'creator.id', 'group_memberships.creator_id')
      .selectAll('group_memberships')
      .select(['vault_groups.name', 'vault_groups.public_key', 'creator.username as creator_username'])
      .where('group_memberships.user_id', '=', userId)
      .where('group_memberships.secret_key', 'is not', null)
      .where((eb) =>
        eb.or([eb('group_memberships.accepted', 'is', null), eb('group_memberships.accepted', '=', 1)]),
      )
      .orderBy('vault_groups.name')
      .orderBy('vault_groups.id')
      .execute();
    const result: ListGroupsReply['groups'] = [];
    for (const row of rows) {
      const entry: ListGroupsReply['groups'][number] = {
        membership_create_date: iso(row.created_at),
        group_id: row.group_id,
        membership_id: row.id,
        name: row.name,
        public_key: row.public_key,
        group_admin: row.group_admin === 1,
        share_admin: row.share_admin === 1,
        accepted: acceptedOf(row.accepted),
        forced_membership: row.forced === 1,
      };
      if (row.accepted === 1) Object.assign(entry, keysOf(row));
      else {
        const grants = await this.db
          .selectFrom('group_share_rights')
          .select('grant')
          .where('group_id', '=', row.group_id)
          .execute();
        Object.assign(entry, {
          user_id: row.creator_id ?? '',
          user_username: row.creator_username ?? '',
          share_right_grant: grants.every((right) => right.grant === 1),
        });
      }
      result.push(entry);
    }
    return result;
  }

  /** `GET /group/<id>/`: members and the group's share rights once the caller accepted. */
  async read(userId: string, groupId: string): Promise<ReadGroupReply> {
    const membership = await this.heldMembership(this.db, userId, groupId);
    if (!membership) throw denied(`group ${groupId}`);
    const group = await this.db
      .selectFrom('vault_groups')
      .selectAll()
      .where('id', '=', groupId)
      .executeTakeFirstOrThrow();
    const reply: ReadGroupReply = {
      group_id: groupId,
      name: group.name,
      public_key: group.public_key,
      group_admin: membership.group_admin === 1,
      share_admin: membership.share_admin === 1,
      accepted: acceptedOf(membership.accepted),
      forced_membership: membership.forced === 1,
    };
    if (membership.accepted !== 1) {
      const creator = membership.creator_id
        ? await this.db
            .selectFrom('users')
            .select('username')
            .where('id', '=', membership.creator_id)
            .executeTakeFirst()
        : undefined;
      return { ...reply, user_id: membership.creator_id ?? '', user_username: creator?.username ?? '' };
    }
    const members = await this.db
      .selectFrom('group_memberships')
      .innerJoin('users', 'users.id', 'group_memberships.user_id')
      .select([
        'group_memberships.id',
        'group_memberships.user_id',
        'group_memberships.created_at',
        'group_memberships.group_admin',
        'group_memberships.share_admin',
        'group_memberships.accepted',
        'users.username',
        'users.public_key',
      ])
      .where('group_memberships.group_id', '=', groupId)
      .orderBy('users.username')
      .execute();
    const rights = await this.db
      .selectFrom('group_share_rights')
      .selectAll()
      .where('group_id', '=', groupId)
      .orderBy('created_at')
      .execute();
    return {
      ...reply,
      ...keysOf(membership),
      members: members.map((member) => ({
        id: member.user_id,
        membership_id: member.id,
        membership_create_date: iso(member.created_at),
        name: member.username,
        public_key: member.public_key,
        group_admin: member.group_admin === 1,
        share_admin: member.share_admin === 1,
        accepted: acceptedOf(member.accepted),
      })),
      group_share_rights: rights.map((right) => ({
        id: right.id,
        create_date: iso(right.created_at),
        share_id: right.share_id,
        title: right.title,
        title_nonce: right.title_nonce,
        type: right.type,
        type_nonce: right.type_nonce,
        key: right.key,
        key_nonce: right.key_nonce,
        ...flagsOf(right),
        expiration_date: null,
      })),
    };
  }

  /**
   * `GET /group/rights/[<id>/]`: group share rights of the caller's accepted memberships; a group
   * the caller is no accepted member of is refused like any other id.
   */
  async rights(userId: string, groupId?: string) {
    if (groupId !== undefined) {
      const member = await this.heldMembership(this.db, userId, groupId);
      if (member?.accepted !== 1) throw denied(`group ${groupId}`);
    }
    let query = this.db
      .selectFrom('group_share_rights')
      .innerJoin('group_memberships', 'group_memberships.group_id', 'group_share_rights.group_id')
      .select([
        'group_share_rights.id',
        'group_share_rights.group_id',
        'group_share_rights.share_id',
        'group_share_rights.read',
        'group_share_rights.write',
        'group_share_rights.grant',
      ])
      .where('group_memberships.user_id', '=', userId)
      .where('group_memberships.accepted', '=', 1);
    if (groupId !== undefined) query = query.where('group_share_rights.group_id', '=', groupId);
    const rows = await query.orderBy('group_share_rights.created_at').execute();
    return rows.map((row) => ({
      id: row.id,
      group_id: row.group_id,
      share_id: row.share_id,
      ...flagsOf(row),
      expiration_date: null,
    }));
  }

  async rename(userId: string, groupId: string, name: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.requireAdmin(trx, userId, groupId);
      await trx.updateTable('vault_groups').set({ name }).where('id', '=', groupId).execute();
    });
  }

  /** Deletes the group with its memberships, share rights and directory mappings. */
  async delete(userId: string, groupId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.requireAdmin(trx, userId, groupId);
      await trx.deleteFrom('vault_groups').where('id', '=', groupId).execute();
    });
  }

  /** `PUT /membership/`: a group admin invites a user, with the keys boxed for them. */
  async invite(userId: string, input: CreateMembershipRequest): Promise<string> {
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      await this.requireAdmin(trx, userId, input.group_id);
      const invitee = await trx
        .selectFrom('users')
        .select('id')
        .where('id', '=', input.user_id)
        .executeTakeFirst();
      if (!invitee) throw denied(`user ${input.user_id}`);
      const existing = await trx
        .selectFrom('group_memberships')
        .select('id')
        .where('group_id', '=', input.group_id)
        .where('user_id', '=', input.user_id)
        .executeTakeFirst();
      if (existing) throw new VaultError('USER_ALREADY_PART_OF_GROUP', `user ${input.user_id}`);
      try {
        await trx
          .insertInto('group_memberships')
          .values({
            id,
            group_id: input.group_id,
            user_id: input.user_id,
            creator_id: userId,
            secret_key: input.secret_key,
            secret_key_nonce: input.secret_key_nonce,
            secret_key_type: input.secret_key_type,
            private_key: input.private_key,
            private_key_nonce: input.private_key_nonce,
            private_key_type: input.private_key_type,
            group_admin: input.group_admin ? 1 : 0,
            share_admin: input.share_admin ? 1 : 0,
            accepted: null,
            forced: 0,
            created_at: this.now(),
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error))
          throw new VaultError('USER_ALREADY_PART_OF_GROUP', `user ${input.user_id}`);
        throw error;
      }
    });
    return id;
  }

  private async membershipById(on: Database, membershipId: string): Promise<MembershipRow> {
    const row = await on
      .selectFrom('group_memberships')
      .selectAll()
      .where('id', '=', membershipId)
      .executeTakeFirst();
    if (!row) throw denied(`membership ${membershipId}`);
    return row;
  }

  async updateMembership(
    userId: string,
    membershipId: string,
    flags: { groupAdmin: boolean; shareAdmin: boolean },
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const membership = await this.membershipById(trx, membershipId);
      await this.requireAdmin(trx, userId, membership.group_id);
      await trx
        .updateTable('group_memberships')
        .set({ group_admin: flags.groupAdmin ? 1 : 0, share_admin: flags.shareAdmin ? 1 : 0 })
        .where('id', '=', membershipId)
        .execute();
    });
  }

  /** A group admin removes a member, or a member leaves; forced memberships follow the directory only. */
  async deleteMembership(userId: string, membershipId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const membership = await this.membershipById(trx, membershipId);
      if (membership.user_id !== userId) await this.requireAdmin(trx, userId, membership.group_id);
      if (membership.forced === 1) {
        throw new VaultError('FORCED_MEMBERSHIP', `membership ${membershipId} follows a directory group`);
      }
      await trx.deleteFrom('group_memberships').where('id', '=', membershipId).execute();
    });
  }

  /** Accepts an offered membership that has keys; returns the keys and the group's shares. */
  async accept(userId: string, membershipId: string): Promise<AcceptMembershipReply> {
    return this.db.transaction().execute(async (trx) => {
      const membership = await this.membershipById(trx, membershipId);
      if (membership.user_id !== userId || membership.accepted !== null || membership.secret_key === null) {
        throw denied(`membership ${membershipId}`);
      }
      await trx
        .updateTable('group_memberships')
        .set({ accepted: 1 })
        .where('id', '=', membershipId)
        .execute();
      const rights = await trx
        .selectFrom('group_share_rights')
        .innerJoin('shares', 'shares.id', 'group_share_rights.share_id')
        .select([
          'group_share_rights.share_id',
          'group_share_rights.title',
          'group_share_rights.title_nonce',
          'group_share_rights.type',
          'group_share_rights.type_nonce',
          'group_share_rights.key',
          'group_share_rights.key_nonce',
          'group_share_rights.read',
          'shares.data',
          'shares.data_nonce',
        ])
        .where('group_share_rights.group_id', '=', membership.group_id)
        .orderBy('group_share_rights.created_at')
        .execute();
      return {
        shares: rights.map((right) => ({
          share_id: right.share_id,
          share_title: right.title,
          share_title_nonce: right.title_nonce,
          share_type: right.type,
          share_type_nonce: right.type_nonce,
          share_key: right.key,
          share_key_nonce: right.key_nonce,
          ...(right.read === 1 ? { share_data: right.data, share_data_nonce: right.data_nonce } : {}),
        })),
        ...keysOf(membership),
      };
    });
  }

  async decline(userId: string, membershipId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const membership = await this.membershipById(trx, membershipId);
      if (membership.user_id !== userId || membership.accepted !== null)
        throw denied(`membership ${membershipId}`);
      if (membership.forced === 1) {
        throw new VaultError('FORCED_MEMBERSHIP', `membership ${membershipId} follows a directory group`);
      }
      await trx
        .updateTable('group_memberships')
        .set({ accepted: 0 })
        .where('id', '=', membershipId)
        .execute();
    });
  }

  /** `/user/status/` counts: offered groups, and forced ones (with or without keys yet). */
  async pendingCounts(userId: string): Promise<{ groups: number; forcedGroups: number }> {
    const rows = await this.db
      .selectFrom('group_memberships')
      .select(['forced', 'secret_key'])
      .where('user_id', '=', userId)
      .where('accepted', 'is', null)
      .execute();
    return {
      groups: rows.filter((row) => row.forced === 0 && row.secret_key !== null).length,
      forcedGroups: rows.filter((row) => row.forced === 1).length,
    };
  }

  /**
   * `GET /job/`: forced memberships without keys in groups whose keys the caller holds (accepted),
   * each with the caller's copy of the keys and the newcomer's public key.
   */
  async missingGroupSecretJobs(userId: string): Promise<MembershipMissingGroupSecretJob[]> {
    const rows = await this.db
      .selectFrom('group_memberships as holder')
      .innerJoin('group_memberships as missing', 'missing.group_id', 'holder.group_id')
      .innerJoin('users as newcomer', 'newcomer.id', 'missing.user_id')
      .innerJoin('vault_groups', 'vault_groups.id', 'holder.group_id')
      .selectAll('holder')
      .select([
        'missing.id as missing_id',
        'missing.user_id as missing_user_id',
        'newcomer.public_key as missing_public_key',
        'vault_groups.public_key as group_public_key',
      ])
      .where('holder.user_id', '=', userId)
      .where('holder.accepted', '=', 1)
      .where('holder.secret_key', 'is not', null)
      .where('missing.secret_key', 'is', null)
      .orderBy('missing.created_at')
      .orderBy('missing.id')
      .limit(MAX_JOBS)
      .execute();
    return rows.map((row) => ({
      group_id: row.group_id,
      missing_user_membership_id: row.missing_id,
      missing_user_user_id: row.missing_user_id,
      missing_user_public_key: row.missing_public_key,
      public_key: row.group_public_key,
      ...keysOf(row),
    }));
  }

  /**
   * Stores the keys a holder's client boxed (with the group's private key) for a membership that
   * has none; keys already there are never replaced.
   */
  async handOverKeys(userId: string, membershipId: string, keys: KeyHandOver): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const membership = await this.membershipById(trx, membershipId);
      const holder = await this.heldMembership(trx, userId, membership.group_id);
      if (holder?.accepted !== 1) throw denied(`membership ${membershipId}: caller holds no keys`);
      if (membership.secret_key !== null) {
        throw new VaultError('GROUP_KEYS_ALREADY_PRESENT', `membership ${membershipId}`);
      }
      const result = await trx
        .updateTable('group_memberships')
        .set({
          secret_key: keys.secretKey,
          secret_key_nonce: keys.secretKeyNonce,
          secret_key_type: 'asymmetric',
          private_key: keys.privateKey,
          private_key_nonce: keys.privateKeyNonce,
          private_key_type: 'asymmetric',
          creator_id: userId,
        })
        .where('id', '=', membershipId)
        .where('secret_key', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) {
        throw new VaultError('GROUP_KEYS_ALREADY_PRESENT', `membership ${membershipId}`);
      }
    });
  }
}
