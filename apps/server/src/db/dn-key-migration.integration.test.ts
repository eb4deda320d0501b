/**
 * Migration 0002_dn_key_canonical on SQLite and on a real PostgreSQL: rows stored under the old
 * `dn_key` rule that name one directory group become one row, and no membership is lost or doubled.
 */
import { describe, expect, it } from 'vitest';
import { AccountService } from '../accounts/account-service.ts';
import { SessionStore } from '../sessions/session-store.ts';
import { databaseBackends } from '../test-support/databases.ts';
import { useTestDatabase } from '../test-support/test-database.ts';
import { executorFor } from './executor.ts';
import { migrateToLatest, migrateUpTo } from './migrations.ts';
import type { Database } from './schema.ts';

const backends = databaseBackends();

const GROUPS = 'ou=groups,dc=example,dc=com';

/** Groups as the old rule stored them: `dn_key` was the DN lowercased with spaces trimmed. */
const OLD_ROWS = [
  // One group, three spellings: the newest sync (g-smith-2) survives.
  { id: 'g-smith-1', domain: 'example.com', dn: `cn=Smith\\, John,${GROUPS}`, syncedAt: 100 },
  {
    id: 'g-smith-2',
    domain: 'example.com',
    dn: `CN=Smith\\2C John,OU=Groups,DC=example,DC=com`,
    syncedAt: 300,
  },
  { id: 'g-smith-3', domain: 'example.com', dn: `2.5.4.3=smith\\2c john,${GROUPS}`, syncedAt: 50 },
  // `\\` and `\5C`: one group.
  { id: 'g-slash-1', domain: 'example.com', dn: `cn=Back\\\\slash,${GROUPS}`, syncedAt: 200 },
  { id: 'g-slash-2', domain: 'example.com', dn: `cn=back\\5Cslash,${GROUPS}`, syncedAt: 100 },
  // Escaped outer spaces are insignificant too.
  { id: 'g-space-1', domain: 'example.com', dn: `cn=\\ Spaced\\ ,${GROUPS}`, syncedAt: 100 },
  { id: 'g-space-2', domain: 'example.com', dn: `cn=Spaced,${GROUPS}`, syncedAt: 100 },
  // The same DN in another directory stays its own group.
  { id: 'g-smith-other', domain: 'other.org', dn: `cn=Smith\\, John,${GROUPS}`, syncedAt: 100 },
  // Already canonical: untouched.
  { id: 'g-staff', domain: 'example.com', dn: `cn=staff,${GROUPS}`, syncedAt: 100 },
];

function oldDnKey(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) =>
      rdn
        .split(/(?<!\\)\+/)
        .map((pair) => {
          const equals = pair.indexOf('=');
          return `${pair.slice(0, equals).trim().toLowerCase()}=${pair
            .slice(equals + 1)
            .trim()
            .toLowerCase()}`;
        })
        .join('+'),
    )
    .join(',');
}

const MEMBERSHIPS: [user: string, group: string][] = [
  ['u-alice', 'g-smith-1'],
  ['u-alice', 'g-smith-2'], // the same group twice under the old keys
  ['u-bob', 'g-smith-3'],
  ['u-alice', 'g-slash-2'],
  ['u-bob', 'g-space-1'],
  ['u-bob', 'g-space-2'],
  ['u-alice', 'g-smith-other'],
  ['u-bob', 'g-staff'],
];

async function seedOldSchema(db: Database): Promise<void> {
  await migrateUpTo(db, '0001_initial');
  for (const [id, login, domain] of [
    ['u-alice', 'alice', 'example.com'],
    ['u-bob', 'bob', 'example.com'],
  ] as const) {
    await db
      .insertInto('users')
      .values({
        id,
        ldap_domain: domain,
        guid: `guid-${login}`,
        username: `${login}@${domain}`,
        email: null,
        user_dn: `uid=${login},ou=people,dc=example,dc=com`,
        public_key: 'aa',
        private_key: 'bb',
        private_key_nonce: 'cc',
        secret_key: 'dd',
        secret_key_nonce: 'ee',
        user_sauce: 'ff',
        groups_fingerprint: 'old',
        created_at: 1,
        last_login: 1,
      })
      .execute();
  }
  for (const row of OLD_ROWS) {
    await db
      .insertInto('ldap_groups')
      .values({
        id: row.id,
        ldap_domain: row.domain,
        dn_key: oldDnKey(row.dn),
        dn: row.dn,
        name: 'n',
        synced_at: row.syncedAt,
      })
      .execute();
  }
  await db
    .insertInto('memberships')
    .values(MEMBERSHIPS.map(([user_id, group_id]) => ({ user_id, group_id })))
    .execute();
}

describe.each(backends)('migration 0002_dn_key_canonical on %s', (_name, makeBackend) => {
  const database = useTestDatabase(makeBackend);

  it('the old keys kept spellings of one group apart', async () => {
    const { db } = database;
    await seedOldSchema(db);
    const keys = await db
      .selectFrom('ldap_groups')
      .select('dn_key')
      .where('ldap_domain', '=', 'example.com')
      .execute();
    expect(new Set(keys.map((row) => row.dn_key)).size).toBe(8);
  });

  it('merges the rows of one group, moves their memberships to the survivor and recomputes every key', async () => {
    const { db } = database;
    await seedOldSchema(db);
    expect(await migrateToLatest(db)).toContain('0002_dn_key_canonical');

    const groups = await db
      .selectFrom('ldap_groups')
      .select(['id', 'ldap_domain', 'dn_key', 'dn'])
      .orderBy('id')
      .execute();
    expect(groups).toEqual([
      {
        id: 'g-slash-1',
        ldap_domain: 'example.com',
        dn_key: `cn=back\\\\slash,${GROUPS}`,
        dn: OLD_ROWS[3]!.dn,
      },
      {
        id: 'g-smith-2',
        ldap_domain: 'example.com',
        dn_key: `cn=smith\\, john,${GROUPS}`,
        dn: OLD_ROWS[1]!.dn,
      },
      {
        id: 'g-smith-other',
        ldap_domain: 'other.org',
        dn_key: `cn=smith\\, john,${GROUPS}`,
        dn: OLD_ROWS[7]!.dn,
      },
      // Equal sync times: the smaller id survives.
      { id: 'g-space-1', ldap_domain: 'example.com', dn_key: `cn=spaced,${GROUPS}`, dn: OLD_ROWS[5]!.dn },
      { id: 'g-staff', ldap_domain: 'example.com', dn_key: `cn=staff,${GROUPS}`, dn: OLD_ROWS[8]!.dn },
    ]);

    const memberships = await db
      .selectFrom('memberships')
      .select(['user_id', 'group_id'])
      .orderBy('user_id')
      .orderBy('group_id')
      .execute();
    expect(memberships).toEqual([
      { user_id: 'u-alice', group_id: 'g-slash-1' },
      { user_id: 'u-alice', group_id: 'g-smith-2' },
      { user_id: 'u-alice', group_id: 'g-smith-other' },
      { user_id: 'u-bob', group_id: 'g-smith-2' },
      { user_id: 'u-bob', group_id: 'g-space-1' },
      { user_id: 'u-bob', group_id: 'g-staff' },
    ]);
    expect(await migrateToLatest(db)).toEqual([]);
  });

  it('after the migration, a login under yet another spelling finds the merged row', async () => {
    const { db } = database;
    await seedOldSchema(db);
    await migrateToLatest(db);
    const sessions = new SessionStore(executorFor(db), () => 1_800_000_000_000);
    const accounts = new AccountService(executorFor(db), sessions, () => 1_800_000_000_000);
    await accounts.recordLogin(
      {
        domain: 'example.com',
        dn: 'uid=carol,ou=people,dc=example,dc=com',
        guid: 'guid-carol',
        username: 'carol@example.com',
        email: null,
        groups: [{ dn: `cn = SMITH\\2c JOHN , ${GROUPS}`, name: 'Smith, John' }],
      },
      'pw',
      {
        session: (userId) =>
          sessions.buildSession({
            userId,
            durationSeconds: 60,
            deviceFingerprint: 'fp',
            deviceDescription: 'test',
            clientAddress: '192.0.2.1',
          }).row,
      },
    );
    const smith = await db
      .selectFrom('ldap_groups')
      .select('id')
      .where('ldap_domain', '=', 'example.com')
      .where('dn_key', '=', `cn=smith\\, john,${GROUPS}`)
      .execute();
    expect(smith).toEqual([{ id: 'g-smith-2' }]);
    expect(await db.selectFrom('ldap_groups').select('id').execute()).toHaveLength(5);
  });
});
