import { hash, randomUUID } from 'node:crypto';
import { groupKey } from '@ldap-login/ldap-core';
import type { Executor } from '../db/executor.ts';
import { defineStatement, type Placeholders } from '../db/statement.ts';
import type { DirectoryGroup, LoginDirectory } from './directory-port.ts';

/** Fingerprint of a membership list, independent of order and DN spelling. */
export function groupsFingerprint(groups: DirectoryGroup[]): string {
  const keys = [...new Set(groups.map((group) => groupKey(group.dn)))].sort();
  return hash('sha256', keys.join('\n'), 'hex');
}

const upsertGroup = defineStatement(
  (
    db,
    p: Placeholders<{ id: string; domain: string; dnKey: string; dn: string; name: string; now: number }>,
  ) =>
    db
      .insertInto('ldap_groups')
      .values({ id: p.id, ldap_domain: p.domain, dn_key: p.dnKey, dn: p.dn, name: p.name, synced_at: p.now })
      .onConflict((conflict) =>
        conflict.columns(['ldap_domain', 'dn_key']).doUpdateSet({ dn: p.dn, name: p.name, synced_at: p.now }),
      )
      .returning('id'),
);

const deleteMemberships = defineStatement((db, p: Placeholders<{ userId: string }>) =>
  db.deleteFrom('memberships').where('user_id', '=', p.userId),
);

const insertMembership = defineStatement((db, p: Placeholders<{ userId: string; groupId: string }>) =>
  db.insertInto('memberships').values({ user_id: p.userId, group_id: p.groupId }),
);

const groupsOfUser = defineStatement((db, p: Placeholders<{ userId: string }>) =>
  db
    .selectFrom('memberships')
    .innerJoin('ldap_groups', 'ldap_groups.id', 'memberships.group_id')
    .select(['ldap_groups.dn', 'ldap_groups.name'])
    .where('memberships.user_id', '=', p.userId)
    .orderBy('ldap_groups.name'),
);

/** Inserts or refreshes groups of one directory; returns their ids by DN key. */
export async function upsertGroups(
  tx: Executor,
  domain: string,
  groups: DirectoryGroup[],
  now: number,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const unique = new Map(groups.map((group) => [groupKey(group.dn), group]));
  // In key order, whatever order the directory listed them in: two logins of users who share
  // groups then lock the shared group rows in the same order and cannot deadlock over them.
  for (const [key, group] of [...unique].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const { rows } = await tx.run(upsertGroup, {
      id: randomUUID(),
      domain,
      dnKey: key,
      dn: group.dn,
      name: group.name,
      now,
    });
    ids.set(key, rows[0]!.id);
  }
  return ids;
}

/**
 * Makes the user's stored memberships equal to `groups` (in `tx`, the login's transaction). Runs
 * only when the user's groups changed (see `groupsFingerprint`), so it simply rewrites them.
 */
export async function replaceMemberships(
  tx: Executor,
  userId: string,
  domain: string,
  groups: DirectoryGroup[],
  now: number,
): Promise<void> {
  const ids = await upsertGroups(tx, domain, groups, now);
  await tx.run(deleteMemberships, { userId });
  for (const groupId of ids.values()) await tx.run(insertMembership, { userId, groupId });
}

/** The user's groups, by name. */
export async function groupsOf(executor: Executor, userId: string): Promise<{ dn: string; name: string }[]> {
  return (await executor.run(groupsOfUser, { userId })).rows;
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
 * const results = await syncDirectoryGroups(executorFor(db), directory, ['example.com']);
 */
export async function syncDirectoryGroups(
  executor: Executor,
  directory: Pick<LoginDirectory, 'listGroups' | 'health'>,
  domains?: string[],
): Promise<GroupSyncResult[]> {
  const wanted = domains ?? [...new Set((await directory.health()).map((server) => server.domain))];
  const results: GroupSyncResult[] = [];
  for (const domain of wanted) {
    try {
      const groups = await directory.listGroups(domain);
      await executor.transaction((tx) => upsertGroups(tx, domain, groups, Date.now()));
      results.push({ domain, groups: new Set(groups.map((group) => groupKey(group.dn))).size });
    } catch (error) {
      results.push({ domain, groups: 0, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}
