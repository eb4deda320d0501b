/**
 * Directory groups mapped to vault groups. Members of a mapped directory group (as the login
 * resolves them: nested groups as for LDAP_REQUIRED_GROUP) get a forced membership of the vault
 * group, without keys until a member's client hands them over (`/job/`); anyone else loses it. The
 * reconciliation runs in every login's transaction, at `manage syncldap` and when a mapping
 * changes, so a leaver loses every right through the group at once.
 */
import { randomUUID } from 'node:crypto';
import { groupKey } from '@ldap-login/ldap-core';
import type { DirectoryGroup, LoginDirectory } from '../accounts/directory-port.ts';
import { groupsFingerprint, replaceMemberships } from '../accounts/groups.ts';
import type { Executor } from '../db/executor.ts';
import { lockRow } from '../db/row-lock.ts';
import type { Database } from '../db/schema.ts';
import { defineStatement, type Placeholders } from '../db/statement.ts';

const mappingsOfDomain = defineStatement((db, p: Placeholders<{ domain: string }>) =>
  db.selectFrom('group_mappings').select(['group_id', 'dn_key']).where('ldap_domain', '=', p.domain),
);

const membershipsOfUser = defineStatement((db, p: Placeholders<{ userId: string }>) =>
  db.selectFrom('group_memberships').select(['id', 'group_id', 'forced']).where('user_id', '=', p.userId),
);

const insertForced = defineStatement(
  (db, p: Placeholders<{ id: string; groupId: string; userId: string; now: number }>) =>
    db
      .insertInto('group_memberships')
      .values({
        id: p.id,
        group_id: p.groupId,
        user_id: p.userId,
        creator_id: null,
        secret_key: null,
        secret_key_nonce: null,
        secret_key_type: null,
        private_key: null,
        private_key_nonce: null,
        private_key_type: null,
        group_admin: 0,
        share_admin: 0,
        accepted: null,
        forced: 1,
        created_at: p.now,
      })
      .onConflict((conflict) => conflict.columns(['group_id', 'user_id']).doNothing()),
);

const deleteMembership = defineStatement((db, p: Placeholders<{ id: string }>) =>
  db.deleteFrom('group_memberships').where('id', '=', p.id),
);

export interface ForcedChanges {
  /** Vault group ids the user joined / left. */
  added: string[];
  removed: string[];
}

/**
 * Makes the user's forced memberships match their directory groups in `domain` (the groups, or
 * their ldap-core `groupKey`s). One read when the domain has no mapping.
 */
export async function reconcileForcedMemberships(
  tx: Executor,
  userId: string,
  domain: string,
  groups: readonly DirectoryGroup[] | ReadonlySet<string>,
  now: number,
): Promise<ForcedChanges> {
  const mappings = (await tx.run(mappingsOfDomain, { domain })).rows;
  const changes: ForcedChanges = { added: [], removed: [] };
  // A user's forced memberships come only from mappings of their own domain, and removing a
  // mapping reconciles every account of the domain at once: nothing to do without one.
  if (mappings.length === 0) return changes;
  // Group keys are worked out only here, so that a login without mappings pays one read.
  const groupKeys = groups instanceof Set ? groups : groupKeysOf(groups as readonly DirectoryGroup[]);
  const wanted = new Set(mappings.filter((m) => groupKeys.has(m.dn_key)).map((m) => m.group_id));
  const memberships = (await tx.run(membershipsOfUser, { userId })).rows;
  const member = new Set(memberships.map((m) => m.group_id));
  for (const membership of memberships) {
    if (membership.forced === 1 && !wanted.has(membership.group_id)) {
      await tx.run(deleteMembership, { id: membership.id });
      changes.removed.push(membership.group_id);
    }
  }
  for (const groupId of wanted) {
    if (member.has(groupId)) continue;
    await tx.run(insertForced, { id: randomUUID(), groupId, userId, now });
    changes.added.push(groupId);
  }
  return changes;
}

const updateFingerprint = defineStatement((db, p: Placeholders<{ userId: string; fingerprint: string }>) =>
  db.updateTable('users').set({ groups_fingerprint: p.fingerprint }).where('id', '=', p.userId),
);

/** Takes the user row's write lock and reads its fingerprint as last committed. */
const lockUser = defineStatement((db, p: Placeholders<{ userId: string }>) =>
  lockRow(db, 'users', 'groups_fingerprint', p.userId).returning('groups_fingerprint'),
);

/**
 * Applies the groups a directory look-up without a login found (`manage syncldap`, the session
 * re-check): the stored directory groups when they changed (with the fingerprint the next login
 * compares), then the forced memberships. A user the directory refused comes with no groups: the
 * stored ones stay as the last login left them, every forced membership goes.
 *
 * It takes the user row's lock first, as a login does with its first write: a login of the same
 * user at that moment waits for it (or it for the login) instead of deadlocking with it over the
 * group rows, and the fingerprint it compares is the one the login stored, not the one read
 * before the directory answered. A user deleted meanwhile is left alone.
 */
export async function applyDirectoryGroups(
  tx: Executor,
  user: { id: string },
  domain: string,
  groups: DirectoryGroup[],
  now: number,
): Promise<ForcedChanges> {
  const [locked] = (await tx.run(lockUser, { userId: user.id })).rows;
  if (locked === undefined) return { added: [], removed: [] };
  if (groups.length > 0) {
    const fingerprint = groupsFingerprint(groups);
    if (fingerprint !== locked.groups_fingerprint) {
      await replaceMemberships(tx, user.id, domain, groups, now);
      await tx.run(updateFingerprint, { userId: user.id, fingerprint });
    }
  }
  return reconcileForcedMemberships(tx, user.id, domain, groups, now);
}

/** The keys of the directory groups a login or a re-check found. */
export function groupKeysOf(groups: readonly DirectoryGroup[]): Set<string> {
  return new Set(groups.map((group) => groupKey(group.dn)));
}

// --- administration (`manage groups`) -----------------------------------------------------------

export interface VaultGroupOverview {
  id: string;
  name: string;
  /** Memberships of the group, and how many of them still wait for the group's keys. */
  members: number;
  waitingForKeys: number;
  mappings: { id: string; domain: string; dn: string }[];
}

export class MappingError extends Error {
  override readonly name = 'MappingError';
  constructor(
    readonly code: 'GROUP_NOT_FOUND' | 'GROUP_AMBIGUOUS' | 'MAPPING_EXISTS' | 'MAPPING_NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

/** A vault group by id, or by exact name when that names exactly one. */
export async function findVaultGroup(db: Database, idOrName: string): Promise<{ id: string; name: string }> {
  const byId = await db
    .selectFrom('vault_groups')
    .select(['id', 'name'])
    .where('id', '=', idOrName.toLowerCase())
    .executeTakeFirst();
  if (byId) return byId;
  const byName = await db
    .selectFrom('vault_groups')
    .select(['id', 'name'])
    .where('name', '=', idOrName)
    .execute();
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new MappingError(
      'GROUP_AMBIGUOUS',
      `${byName.length} vault groups are named "${idOrName}": give the id (${byName.map((g) => g.id).join(', ')})`,
    );
  }
  throw new MappingError('GROUP_NOT_FOUND', `no vault group has the id or name "${idOrName}"`);
}

/** Every vault group with its member counts and directory mappings (`manage groups list`). */
export async function listVaultGroups(db: Database): Promise<VaultGroupOverview[]> {
  const groups = await db
    .selectFrom('vault_groups')
    .select(['id', 'name'])
    .orderBy('name')
    .orderBy('id')
    .execute();
  const result: VaultGroupOverview[] = [];
  for (const group of groups) {
    const members = await db
      .selectFrom('group_memberships')
      .select('secret_key')
      .where('group_id', '=', group.id)
      .where((eb) => eb.or([eb('accepted', 'is', null), eb('accepted', '=', 1)]))
      .execute();
    const mappings = await db
      .selectFrom('group_mappings')
      .select(['id', 'ldap_domain', 'dn'])
      .where('group_id', '=', group.id)
      .orderBy('dn')
      .execute();
    result.push({
      id: group.id,
      name: group.name,
      members: members.length,
      waitingForKeys: members.filter((m) => m.secret_key === null).length,
      mappings: mappings.map((m) => ({ id: m.id, domain: m.ldap_domain, dn: m.dn })),
    });
  }
  return result;
}

/**
 * Applies the mappings to every account of `domain` from the directory groups stored at their last
 * login (`manage groups map|unmap`); `manage syncldap` asks the directory itself.
 */
export async function reconcileStoredGroups(db: Database, executor: Executor, domain: string, now: number) {
  const users = await db.selectFrom('users').select('id').where('ldap_domain', '=', domain).execute();
  const total: ForcedChanges = { added: [], removed: [] };
  for (const { id } of users) {
    const stored = await db
      .selectFrom('memberships')
      .innerJoin('ldap_groups', 'ldap_groups.id', 'memberships.group_id')
      .select('ldap_groups.dn_key')
      .where('memberships.user_id', '=', id)
      .execute();
    const changes = await executor.transaction((tx) =>
      reconcileForcedMemberships(tx, id, domain, new Set(stored.map((row) => row.dn_key)), now),
    );
    total.added.push(...changes.added);
    total.removed.push(...changes.removed);
  }
  return { added: total.added.length, removed: total.removed.length };
}

/** Maps a directory group (by DN) of `domain` to a vault group and applies it at once. */
export async function addMapping(
  db: Database,
  executor: Executor,
  input: { group: string; domain: string; dn: string },
  now: number,
) {
  const group = await findVaultGroup(db, input.group);
  const key = groupKey(input.dn);
  const existing = await db
    .selectFrom('group_mappings')
    .select('id')
    .where('group_id', '=', group.id)
    .where('ldap_domain', '=', input.domain)
    .where('dn_key', '=', key)
    .executeTakeFirst();
  if (existing) throw new MappingError('MAPPING_EXISTS', `${input.dn} is already mapped to "${group.name}"`);
  const id = randomUUID();
  await db
    .insertInto('group_mappings')
    .values({ id, group_id: group.id, ldap_domain: input.domain, dn_key: key, dn: input.dn, created_at: now })
    .execute();
  return { id, group, applied: await reconcileStoredGroups(db, executor, input.domain, now) };
}

/** Removes a mapping (by its id, or by group and DN); the forced memberships it made go at once. */
export async function removeMapping(
  db: Database,
  executor: Executor,
  input: { mappingId: string } | { group: string; dn: string },
  now: number,
) {
  let query = db.selectFrom('group_mappings').select(['id', 'group_id', 'ldap_domain', 'dn']);
  if ('mappingId' in input) query = query.where('id', '=', input.mappingId.toLowerCase());
  else {
    const group = await findVaultGroup(db, input.group);
    query = query.where('group_id', '=', group.id).where('dn_key', '=', groupKey(input.dn));
  }
  const rows = await query.execute();
  if (rows.length === 0)
    throw new MappingError('MAPPING_NOT_FOUND', 'no such mapping (see manage groups list)');
  let added = 0;
  let removed = 0;
  for (const row of rows) {
    await db.deleteFrom('group_mappings').where('id', '=', row.id).execute();
    const others = await db
      .selectFrom('group_mappings')
      .select('id')
      .where('group_id', '=', row.group_id)
      .where('ldap_domain', '=', row.ldap_domain)
      .executeTakeFirst();
    if (!others) {
      // The group's last mapping in the domain: every forced membership it made there goes.
      const gone = await db
        .deleteFrom('group_memberships')
        .where('group_id', '=', row.group_id)
        .where('forced', '=', 1)
        .where('user_id', 'in', (eb) =>
          eb.selectFrom('users').select('id').where('ldap_domain', '=', row.ldap_domain),
        )
        .executeTakeFirst();
      removed += Number(gone.numDeletedRows);
      continue;
    }
    const applied = await reconcileStoredGroups(db, executor, row.ldap_domain, now);
    added += applied.added;
    removed += applied.removed;
  }
  return { removed: rows.map((row) => row.dn), applied: { added, removed } };
}

export interface ForcedSyncResult {
  domain: string;
  checked: number;
  added: number;
  removed: number;
  /** Users the directory could not answer for: left as they were. */
  undecided: number;
}

/**
 * `manage syncldap`: asks the directory for the current groups of every account of `domain` and
 * reconciles their forced memberships (a user the directory no longer lets in loses them all).
 * Does nothing when the domain has no mapping.
 */
export async function syncForcedMemberships(
  db: Database,
  executor: Executor,
  directory: Pick<LoginDirectory, 'recheckUser'>,
  domain: string,
  now: () => number,
): Promise<ForcedSyncResult> {
  const result: ForcedSyncResult = { domain, checked: 0, added: 0, removed: 0, undecided: 0 };
  const mapped = await db
    .selectFrom('group_mappings')
    .select('id')
    .where('ldap_domain', '=', domain)
    .executeTakeFirst();
  if (!mapped) return result;
  const users = await db
    .selectFrom('users')
    .select(['id', 'guid'])
    .where('ldap_domain', '=', domain)
    .orderBy('id')
    .execute();
  for (const user of users) {
    let groups: DirectoryGroup[];
    try {
      const standing = await directory.recheckUser(domain, user.guid);
      groups = standing.allowed ? standing.user.groups : [];
    } catch {
      result.undecided++;
      continue;
    }
    result.checked++;
    const changes = await executor.transaction((tx) => applyDirectoryGroups(tx, user, domain, groups, now()));
    result.added += changes.added.length;
    result.removed += changes.removed.length;
  }
  return result;
}
