import { createHash, randomUUID } from 'node:crypto';
import { groupKey } from '@ldap-login/ldap-core';
import type { Transaction } from 'kysely';
import type { Database, DatabaseSchema } from '../db/schema.ts';
import type { DirectoryGroup, LoginDirectory } from './directory-port.ts';

type Executor = Database | Transaction<DatabaseSchema>;

/** Fingerprint of a membership list, independent of order and DN spelling. */
export function groupsFingerprint(groups: DirectoryGroup[]): string {
  const keys = [...new Set(groups.map((group) => groupKey(group.dn)))].sort();
  return createHash('sha256').update(keys.join('\n'), 'utf8').digest('hex');
}

/** Inserts or refreshes groups of one directory; returns their ids by DN key. */
export async function upsertGroups(
  db: Executor,
  domain: string,
  groups: DirectoryGroup[],
  now: number,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const unique = new Map(groups.map((group) => [groupKey(group.dn), group]));
  for (const [key, group] of unique) {
    const row = await db
      .insertInto('ldap_groups')
      .values({
        id: randomUUID(),
        ldap_domain: domain,
        dn_key: key,
        dn: group.dn,
        name: group.name,
        synced_at: now,
      })
      .onConflict((conflict) =>
        conflict
          .columns(['ldap_domain', 'dn_key'])
          .doUpdateSet({ dn: group.dn, name: group.name, synced_at: now }),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.set(key, row.id);
  }
  return ids;
}

/** Makes the user's stored memberships equal to `groups`. */
export async function replaceMemberships(
  db: Executor,
  userId: string,
  domain: string,
  groups: DirectoryGroup[],
  now: number,
): Promise<void> {
  const ids = [...(await upsertGroups(db, domain, groups, now)).values()];
  let removal = db.deleteFrom('memberships').where('user_id', '=', userId);
  if (ids.length > 0) removal = removal.where('group_id', 'not in', ids);
  await removal.execute();
  if (ids.length > 0) {
    await db
      .insertInto('memberships')
      .values(ids.map((groupId) => ({ user_id: userId, group_id: groupId })))
      .onConflict((conflict) => conflict.columns(['user_id', 'group_id']).doNothing())
      .execute();
  }
}

export interface GroupSyncResult {
  domain: string;
  groups: number;
  error?: string;
}

/**
 * Reads every group of every directory (the directory layer pages through them) and stores them,
 * so administrators see groups before their members first log in (`manage syncldap`).
 * `domains` defaults to the domains the directory reports in its health check.
 *
 * @example
 * const results = await syncDirectoryGroups(db, directory, ['example.com']);
 */
export async function syncDirectoryGroups(
  db: Database,
  directory: Pick<LoginDirectory, 'listGroups' | 'health'>,
  domains?: string[],
): Promise<GroupSyncResult[]> {
  const wanted = domains ?? [...new Set((await directory.health()).map((server) => server.domain))];
  const results: GroupSyncResult[] = [];
  for (const domain of wanted) {
    try {
      const groups = await directory.listGroups(domain);
      await db.transaction().execute((trx) => upsertGroups(trx, domain, groups, Date.now()));
      results.push({ domain, groups: new Set(groups.map((group) => groupKey(group.dn))).size });
    } catch (error) {
      results.push({ domain, groups: 0, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}
