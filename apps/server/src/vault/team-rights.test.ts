/**
 * Rights and bad input on every sharing route (groups, memberships, shares, share rights, share
 * links, secrets under a share, jobs, user search), through the full encrypted protocol, with users
 * logged in from a real OpenLDAP, on SQLite and on a real PostgreSQL.
 *
 * The cast, fixed for every test (`team()`):
 * - alice creates the group "Team" (keys made by her client), invites bob (member, no admin rights),
 *   shares a folder with an entry; the group gets read and write on it, not grant;
 * - bob accepts the membership: he may read and write the share through the group, never grant;
 * - dave gets a user right on the share with read only (accepted);
 * - carol has nothing to do with any of it.
 *
 * A refusal is 403 NO_PERMISSION_OR_NOT_EXIST, as on the rest of the vault (API.md), whether the id
 * exists or not; input that does not parse is 400 INVALID_REQUEST (413 beyond the body limit). Never a
 * 5xx, and a refused request leaves every table as it was.
 */

import { randomUUID } from 'node:crypto';
import { ldapEntrySchema } from '@ldap-login/config-schema';
import { DirectoryService } from '@ldap-login/ldap-core';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executorFor } from '../db/executor.ts';
import type { Database } from '../db/schema.ts';
import {
  anyJsonValue,
  bodyText,
  hexLike,
  objectWithKeys,
} from '../reliability/test-support/hostile-input.ts';
import { databaseBackends, useDatabaseBackend } from '../test-support/databases.ts';
import type { Session } from '../test-support/protocol-client.ts';
import { refusal } from '../test-support/refusal.ts';
import { cipher, nonce, publicKey } from '../test-support/stand-ins.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { useTestDirectory } from '../test-support/test-directory.ts';
import { addMapping } from './forced-memberships.ts';

const backends = databaseBackends();

/** The answer to every request for something the caller may not touch, existing or not. */
const DENIED = { status: 403, code: 'NO_PERMISSION_OR_NOT_EXIST' } as const;

/** Tables that change on every request or login (sessions, audit, throttling), not the vault's state. */
const VOLATILE_TABLES = new Set([
  'sessions',
  'audit_events',
  'login_throttle',
  'login_requests',
  'users',
  'kysely_migration',
  'kysely_migration_lock',
]);

const ldap = useTestDirectory('team vault rights tests');
let directory: TestDirectory;

beforeEach((context) => {
  directory = ldap.need(context);
});

type Attempt = readonly [method: string, path: string, body?: unknown];

/** Every attempt with its outcome, so that one failing expectation names all that went wrong. */
async function outcomes(session: Session, attempts: readonly Attempt[]) {
  const results = [];
  for (const [method, path, body] of attempts) {
    results.push({ method, path, body, ...(await refusal(session.call(method, path, body))) });
  }
  return results;
}

function expectAll(
  results: Awaited<ReturnType<typeof outcomes>>,
  expected: { status: number; code: string },
): void {
  expect(results).toEqual(results.map(({ method, path, body }) => ({ method, path, body, ...expected })));
}

/**
 * Every row of every table but the volatile ones, in a stable order: equal before and after a
 * refused request means nothing was written, whatever tables the sharing code uses.
 */
async function snapshot(db: Database): Promise<Record<string, unknown[]>> {
  const tables = (await db.introspection.getTables())
    .map((table) => table.name)
    .filter((name) => !VOLATILE_TABLES.has(name))
    .sort();
  const result: Record<string, unknown[]> = {};
  for (const name of tables) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    result[name] = rows
      .map((row) => JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? String(value) : value)))
      .sort();
  }
  return result;
}

const rights = (read: boolean, write: boolean, grant: boolean) => ({ read, write, grant });

describe.each(backends)('team vault rights on %s', (_name, makeBackend) => {
  const databases = useDatabaseBackend(makeBackend);
  let service: DirectoryService | undefined;
  let t: TestApp | undefined;

  beforeEach(async () => {
    const database = await databases.create();
    const entry = directory.ldapEntry();
    service = new DirectoryService([ldapEntrySchema.parse(entry)]);
    t = await createTestApp({ directory: service, database: database.config, settings: { LDAP: [entry] } });
  });
  afterEach(async () => {
    await t?.close();
    await service?.close();
    t = undefined;
    service = undefined;
  });

  const app = () => t!;

  async function logIn(key: 'alice' | 'bob' | 'carol' | 'dave'): Promise<Session> {
    const user = directory.users[key]!;
    return app().client().login(`${user.login}@${directory.domain}`, user.password);
  }

  async function createDatastore(session: Session): Promise<string> {
    const { datastore_id } = await session.call<{ datastore_id: string }>('PUT', '/datastore/', {
      type: 'password',
      description: 'default',
      data: '',
      data_nonce: '',
      is_default: true,
      secret_key: cipher(32),
      secret_key_nonce: nonce(),
    });
    return datastore_id;
  }

  /** `PUT /group/` as the client sends it: the creator's group keys, encrypted with their secret key. */
  function newGroup(name: string) {
    return {
      name,
      secret_key: cipher(32),
      secret_key_nonce: nonce(),
      private_key: cipher(32),
      private_key_nonce: nonce(),
      public_key: publicKey(),
    };
  }

  async function createGroup(session: Session, name: string): Promise<string> {
    const { group_id } = await session.call<{ group_id: string }>('PUT', '/group/', newGroup(name));
    return group_id;
  }

  /** `POST /user/search/` by username: the id and public key the client encrypts for. */
  async function findUser(session: Session, key: string): Promise<{ id: string; public_key: string }> {
    const found = await session.call<
      { id: string; public_key: string } | { id: string; public_key: string }[]
    >('POST', '/user/search/', { user_username: `${directory.users[key]!.login}@${directory.domain}` });
    return Array.isArray(found) ? found[0]! : found;
  }

  /** `PUT /membership/`: the group's keys encrypted for the invitee (asymmetric). */
  function newMembership(groupId: string, userId: string, admin = { group: false, share: false }) {
    return {
      group_id: groupId,
      user_id: userId,
      secret_key: cipher(32),
      secret_key_nonce: nonce(),
      secret_key_type: 'asymmetric',
      private_key: cipher(32),
      private_key_nonce: nonce(),
      private_key_type: 'asymmetric',
      group_admin: admin.group,
      share_admin: admin.share,
    };
  }

  /** `POST /share/`: a new share placed in a datastore or in another share. */
  function newShare(parent: { datastoreId: string } | { shareId: string }, linkId = randomUUID()) {
    return {
      data: cipher(300),
      data_nonce: nonce(),
      key: cipher(32),
      key_nonce: nonce(),
      key_type: 'symmetric',
      ...('datastoreId' in parent
        ? { parent_datastore_id: parent.datastoreId }
        : { parent_share_id: parent.shareId }),
      link_id: linkId,
    };
  }

  /** `PUT /share/right/`: a user or group right, the share's key encrypted for the grantee. */
  function newShareRight(
    shareId: string,
    grantee: { userId: string } | { groupId: string },
    granted: { read: boolean; write: boolean; grant: boolean },
  ) {
    return {
      title: cipher(20),
      title_nonce: nonce(),
      type: cipher(8),
      type_nonce: nonce(),
      share_id: shareId,
      ...('userId' in grantee ? { user_id: grantee.userId } : { group_id: grantee.groupId }),
      key: cipher(32),
      key_nonce: nonce(),
      ...granted,
    };
  }

  function newSecret(parent: { datastoreId: string } | { shareId: string }, linkId = randomUUID()) {
    return {
      data: cipher(),
      data_nonce: nonce(),
      link_id: linkId,
      ...('datastoreId' in parent
        ? { parent_datastore_id: parent.datastoreId }
        : { parent_share_id: parent.shareId }),
      callback_url: '',
      callback_user: '',
      callback_pass: '',
    };
  }

  /** The cast described at the top of the file, built through the API as the official client does. */
  async function team() {
    const alice = await logIn('alice');
    const bob = await logIn('bob');
    const carol = await logIn('carol');
    const dave = await logIn('dave');
    const datastores = {
      alice: await createDatastore(alice),
      bob: await createDatastore(bob),
      carol: await createDatastore(carol),
      dave: await createDatastore(dave),
    };
    const groupId = await createGroup(alice, 'Team');
    const bobUser = await findUser(alice, 'bob');
    const daveUser = await findUser(alice, 'dave');
    const carolUser = await findUser(alice, 'carol');
    const { membership_id: bobMembership } = await alice.call<{ membership_id: string }>(
      'PUT',
      '/membership/',
      newMembership(groupId, bobUser.id),
    );
    await bob.call('POST', '/membership/accept/', { membership_id: bobMembership });

    const shareLink = randomUUID();
    const { share_id: shareId } = await alice.call<{ share_id: string }>(
      'POST',
      '/share/',
      newShare({ datastoreId: datastores.alice }, shareLink),
    );
    const secret = newSecret({ shareId });
    const { secret_id: secretId } = await alice.call<{ secret_id: string }>('PUT', '/secret/', secret);
    // One earlier version, so that the history has an id too.
    await alice.call('POST', '/secret/', { secret_id: secretId, data: cipher(), data_nonce: nonce() });
    const { history } = await alice.call<{ history: { id: string }[] }>(
      'GET',
      `/secret/history/${secretId}/`,
    );

    const { share_right_id: groupRight } = await alice.call<{ share_right_id: string }>(
      'PUT',
      '/share/right/',
      newShareRight(shareId, { groupId }, rights(true, true, false)),
    );
    const { share_right_id: daveRight } = await alice.call<{ share_right_id: string }>(
      'PUT',
      '/share/right/',
      newShareRight(shareId, { userId: daveUser.id }, rights(true, false, false)),
    );
    await dave.call('POST', '/share/right/accept/', {
      share_right_id: daveRight,
      key: cipher(32),
      key_nonce: nonce(),
      key_type: 'symmetric',
    });
    const overview = await alice.call<{
      user_share_rights: { id: string; user_id: string }[];
      group_share_rights: { id: string }[];
    }>('GET', `/share/rights/${shareId}/`);
    const aliceRight = overview.user_share_rights.find((right) => right.user_id !== daveUser.id)!.id;
    const aliceMembership = (
      await alice.call<{ groups: { group_id: string; membership_id: string }[] }>('GET', '/group/')
    ).groups.find((group) => group.group_id === groupId)!.membership_id;
    return {
      alice,
      bob,
      carol,
      dave,
      datastores,
      users: { bob: bobUser, carol: carolUser, dave: daveUser },
      groupId,
      memberships: { alice: aliceMembership, bob: bobMembership },
      shareId,
      shareLink,
      secretId,
      secretLink: secret.link_id,
      historyId: history[0]!.id,
      rights: { alice: aliceRight, dave: daveRight, group: groupRight },
    };
  }

  describe('as the official client uses them', () => {
    it('builds the team: group, invitation, share, group and user rights; members read what the group may', async () => {
      const world = await team();
      const { alice, bob, dave, groupId, shareId, secretId } = world;

      const groups = await bob.call<{ groups: { group_id: string; name: string; accepted: boolean }[] }>(
        'GET',
        '/group/',
      );
      expect(groups.groups).toEqual([
        expect.objectContaining({ group_id: groupId, name: 'Team', accepted: true }),
      ]);
      const details = await alice.call<{ members: { id: string; group_admin: boolean }[] }>(
        'GET',
        `/group/${groupId}/`,
      );
      expect(details.members.map((member) => member.id).sort()).toEqual(
        [world.users.bob.id, alice.user.id].sort(),
      );

      // Bob (through the group) and Dave (his own right) read the share and the entry in it.
      for (const reader of [bob, dave]) {
        expect(await reader.call('GET', `/share/${shareId}/`)).toMatchObject({ id: shareId });
        expect(await reader.call('GET', `/secret/${secretId}/`)).toMatchObject({
          data_nonce: expect.any(String),
        });
      }
      const own = await bob.call<{ own_share_rights: Record<string, boolean> }>(
        'GET',
        `/share/rights/${shareId}/`,
      );
      expect(own.own_share_rights).toMatchObject(rights(true, true, false));
      const daves = await dave.call<{ own_share_rights: Record<string, boolean> }>(
        'GET',
        `/share/rights/${shareId}/`,
      );
      expect(daves.own_share_rights).toMatchObject(rights(true, false, false));

      // Bob writes through the group's right: the share's tree and a new entry in it.
      await bob.call('PUT', '/share/', { share_id: shareId, data: cipher(300), data_nonce: nonce() });
      await bob.call('PUT', '/secret/', newSecret({ shareId }));
      await bob.call('POST', '/secret/', { secret_id: secretId, data: cipher(), data_nonce: nonce() });
    });

    it('counts a pending invitation in /user/status/ until it is accepted', async () => {
      const alice = await logIn('alice');
      const carol = await logIn('carol');
      const groupId = await createGroup(alice, 'Pending');
      const carolUser = await findUser(alice, 'carol');
      const { membership_id } = await alice.call<{ membership_id: string }>(
        'PUT',
        '/membership/',
        newMembership(groupId, carolUser.id),
      );
      expect(await carol.call('GET', '/user/status/')).toMatchObject({ unaccepted_groups_count: 1 });
      await carol.call('POST', '/membership/accept/', { membership_id });
      expect(await carol.call('GET', '/user/status/')).toMatchObject({ unaccepted_groups_count: 0 });
    });
  });

  describe('a user outside the group', () => {
    it('gets 403 on every id of the group and its shares, on every route, and changes nothing', async () => {
      const world = await team();
      const { carol, groupId, shareId, secretId } = world;
      const before = await snapshot(app().db);
      const attempts: Attempt[] = [
        ['GET', `/group/${groupId}/`],
        ['GET', `/group/rights/${groupId}/`],
        ['POST', '/group/', { group_id: groupId, name: 'Taken over' }],
        ['DELETE', '/group/', { group_id: groupId }],
        // Inviting herself, promoting herself, throwing others out, answering others' invitations.
        ['PUT', '/membership/', newMembership(groupId, world.users.carol.id, { group: true, share: true })],
        [
          'POST',
          '/membership/',
          { membership_id: world.memberships.bob, group_admin: true, share_admin: true },
        ],
        ['DELETE', '/membership/', { membership_id: world.memberships.bob }],
        ['DELETE', '/membership/', { membership_id: world.memberships.alice }],
        ['POST', '/membership/accept/', { membership_id: world.memberships.bob }],
        ['POST', '/membership/decline/', { membership_id: world.memberships.bob }],
        ['GET', `/share/${shareId}/`],
        ['PUT', '/share/', { share_id: shareId, data: cipher(300), data_nonce: nonce() }],
        ['POST', '/share/', newShare({ shareId })],
        ['GET', `/share/rights/${shareId}/`],
        [
          'PUT',
          '/share/right/',
          newShareRight(shareId, { userId: world.users.carol.id }, rights(true, true, true)),
        ],
        ['PUT', '/share/right/', newShareRight(shareId, { groupId }, rights(true, true, true))],
        ['POST', '/share/right/', { share_id: shareId, group_id: groupId, ...rights(true, true, true) }],
        [
          'POST',
          '/share/right/',
          { share_id: shareId, user_id: world.users.dave.id, ...rights(true, true, true) },
        ],
        ['DELETE', '/share/right/', { user_share_right_id: world.rights.alice }],
        ['DELETE', '/share/right/', { user_share_right_id: world.rights.dave }],
        ['DELETE', '/share/right/', { group_share_right_id: world.rights.group }],
        [
          'POST',
          '/share/right/accept/',
          { share_right_id: world.rights.dave, key: cipher(32), key_nonce: nonce(), key_type: 'symmetric' },
        ],
        [
          'POST',
          '/share/right/accept/',
          { share_right_id: world.rights.group, key: cipher(32), key_nonce: nonce(), key_type: 'symmetric' },
        ],
        ['POST', '/share/right/decline/', { share_right_id: world.rights.dave }],
        [
          'PUT',
          '/share/link/',
          { link_id: randomUUID(), share_id: shareId, parent_datastore_id: world.datastores.carol },
        ],
        [
          'POST',
          '/share/link/',
          { link_id: world.shareLink, new_parent_datastore_id: world.datastores.carol },
        ],
        ['DELETE', '/share/link/', { link_id: world.shareLink }],
        ['GET', `/secret/${secretId}/`],
        ['POST', '/secret/', { secret_id: secretId, data: cipher(), data_nonce: nonce() }],
        ['PUT', '/secret/', newSecret({ shareId })],
        ['GET', `/secret/history/${secretId}/`],
        ['GET', `/history/${world.historyId}/`],
        [
          'POST',
          '/secret/link/',
          { link_id: world.secretLink, new_parent_datastore_id: world.datastores.carol },
        ],
        ['DELETE', '/secret/link/', { link_id: world.secretLink }],
        [
          'POST',
          '/job/membership-missing-group-secret/',
          {
            membership_id: world.memberships.bob,
            secret_key: cipher(32),
            secret_key_nonce: nonce(),
            private_key: cipher(32),
            private_key_nonce: nonce(),
          },
        ],
      ];
      expectAll(await outcomes(carol, attempts), DENIED);
      expect(await snapshot(app().db)).toEqual(before);

      // The lists she may read show nothing of it.
      expect((await carol.call<{ groups: unknown[] }>('GET', '/group/')).groups).toEqual([]);
      expect(JSON.stringify(await carol.call('GET', '/share/'))).not.toContain(shareId);
      expect(JSON.stringify(await carol.call('GET', '/share/right/'))).not.toContain(shareId);
      expect(JSON.stringify(await carol.call('GET', '/job/'))).not.toContain(groupId);
      expect(await carol.call('GET', '/user/status/')).toMatchObject({
        unaccepted_shares_count: 0,
        unaccepted_groups_count: 0,
      });
      // The others still reach all of it.
      expect(await world.bob.call('GET', `/secret/${secretId}/`)).toMatchObject({
        data_nonce: expect.any(String),
      });
      expect(await world.alice.call('GET', `/group/${groupId}/`)).toMatchObject({ name: 'Team' });
    });

    it('takes the share and its entries from a member removed from the group, at once', async () => {
      const world = await team();
      const { alice, bob, shareId, secretId } = world;
      await alice.call('DELETE', '/membership/', { membership_id: world.memberships.bob });
      for (const attempt of [
        ['GET', `/share/${shareId}/`],
        ['GET', `/secret/${secretId}/`],
        ['GET', `/share/rights/${shareId}/`],
        ['PUT', '/secret/', newSecret({ shareId })],
        ['GET', `/group/${world.groupId}/`],
      ] as const) {
        expectAll(await outcomes(bob, [attempt]), DENIED);
      }
      expect((await bob.call<{ groups: unknown[] }>('GET', '/group/')).groups).toEqual([]);
    });
  });

  describe('members with some rights but not all', () => {
    it('refuses every write to a user with read only (dave), and changes nothing', async () => {
      const world = await team();
      const { dave, shareId, secretId } = world;
      const before = await snapshot(app().db);
      expectAll(
        await outcomes(dave, [
          ['PUT', '/share/', { share_id: shareId, data: cipher(300), data_nonce: nonce() }],
          ['POST', '/share/', newShare({ shareId })],
          ['PUT', '/secret/', newSecret({ shareId })],
          ['POST', '/secret/', { secret_id: secretId, data: cipher(), data_nonce: nonce() }],
          [
            'POST',
            '/secret/link/',
            { link_id: world.secretLink, new_parent_datastore_id: world.datastores.dave },
          ],
          ['DELETE', '/secret/link/', { link_id: world.secretLink }],
          [
            'PUT',
            '/share/right/',
            newShareRight(shareId, { userId: world.users.carol.id }, rights(true, false, false)),
          ],
          [
            'POST',
            '/share/right/',
            { share_id: shareId, user_id: world.users.dave.id, ...rights(true, true, true) },
          ],
          ['DELETE', '/share/right/', { user_share_right_id: world.rights.alice }],
          ['DELETE', '/share/right/', { group_share_right_id: world.rights.group }],
        ]),
        DENIED,
      );
      expect(await snapshot(app().db)).toEqual(before);
      // Reading stays allowed.
      expect(await dave.call('GET', `/secret/${secretId}/`)).toMatchObject({
        data_nonce: expect.any(String),
      });
    });

    it('refuses every grant to a user with write but not grant (bob, through the group), and changes nothing', async () => {
      const world = await team();
      const { bob, shareId, groupId } = world;
      const otherGroup = await createGroup(bob, 'Bob only');
      const before = await snapshot(app().db);
      expectAll(
        await outcomes(bob, [
          [
            'PUT',
            '/share/right/',
            newShareRight(shareId, { userId: world.users.carol.id }, rights(true, false, false)),
          ],
          ['PUT', '/share/right/', newShareRight(shareId, { groupId: otherGroup }, rights(true, true, true))],
          // Raising the group's own right to grant, or his own.
          ['POST', '/share/right/', { share_id: shareId, group_id: groupId, ...rights(true, true, true) }],
          [
            'POST',
            '/share/right/',
            { share_id: shareId, user_id: world.users.bob.id, ...rights(true, true, true) },
          ],
          [
            'POST',
            '/share/right/',
            { share_id: shareId, user_id: world.users.dave.id, ...rights(true, true, false) },
          ],
          ['DELETE', '/share/right/', { user_share_right_id: world.rights.alice }],
          ['DELETE', '/share/right/', { user_share_right_id: world.rights.dave }],
          ['DELETE', '/share/right/', { group_share_right_id: world.rights.group }],
        ]),
        DENIED,
      );
      expect(await snapshot(app().db)).toEqual(before);
    });

    it('refuses group administration to a member without group admin (bob), and changes nothing', async () => {
      const world = await team();
      const { bob, groupId } = world;
      const before = await snapshot(app().db);
      expectAll(
        await outcomes(bob, [
          ['PUT', '/membership/', newMembership(groupId, world.users.carol.id)],
          [
            'POST',
            '/membership/',
            { membership_id: world.memberships.bob, group_admin: true, share_admin: true },
          ],
          [
            'POST',
            '/membership/',
            { membership_id: world.memberships.alice, group_admin: false, share_admin: false },
          ],
          ['DELETE', '/membership/', { membership_id: world.memberships.alice }],
          ['POST', '/group/', { group_id: groupId, name: 'Renamed by bob' }],
          ['DELETE', '/group/', { group_id: groupId }],
        ]),
        DENIED,
      );
      expect(await snapshot(app().db)).toEqual(before);
    });
  });

  describe('a forced member (mapped directory group)', () => {
    const handOver = (membershipId: string) => ({
      membership_id: membershipId,
      secret_key: cipher(32),
      secret_key_nonce: nonce(),
      private_key: cipher(32),
      private_key_nonce: nonce(),
    });

    it('reads nothing while the keys are pending, cannot leave, and only a key holder hands the keys over, once', async () => {
      const alice = await logIn('alice');
      const carol = await logIn('carol');
      const dave = await logIn('dave');
      const aliceDatastore = await createDatastore(alice);
      const groupId = await createGroup(alice, 'Admins vault');
      const { share_id: shareId } = await alice.call<{ share_id: string }>(
        'POST',
        '/share/',
        newShare({ datastoreId: aliceDatastore }),
      );
      const { secret_id: secretId } = await alice.call<{ secret_id: string }>(
        'PUT',
        '/secret/',
        newSecret({ shareId }),
      );
      await alice.call(
        'PUT',
        '/share/right/',
        newShareRight(shareId, { groupId }, rights(true, true, false)),
      );
      // The administrator maps the directory group "admins" (bob alone) to it; bob logs in.
      await addMapping(
        app().db,
        executorFor(app().db),
        { group: groupId, domain: directory.domain, dn: directory.groups.admins!.dn },
        Date.now(),
      );
      const bob = await logIn('bob');
      const membership = await app()
        .db.selectFrom('group_memberships')
        .selectAll()
        .where('group_id', '=', groupId)
        .where('user_id', '=', bob.user.id)
        .executeTakeFirstOrThrow();
      expect(membership).toMatchObject({ forced: 1, secret_key: null, private_key: null });

      // Pending: counted, and no share, entry or group detail readable.
      expect(await bob.call('GET', '/user/status/')).toMatchObject({ unaccepted_forced_groups_count: 1 });
      expectAll(
        await outcomes(bob, [
          ['GET', `/share/${shareId}/`],
          ['GET', `/share/rights/${shareId}/`],
          ['GET', `/secret/${secretId}/`],
          ['PUT', '/secret/', newSecret({ shareId })],
          ['GET', `/group/${groupId}/`],
          ['GET', `/group/rights/${groupId}/`],
          // Nor can he hand keys to himself.
          ['POST', '/job/membership-missing-group-secret/', handOver(membership.id)],
        ]),
        DENIED,
      );
      // A directory membership is the directory's to end.
      const before = await snapshot(app().db);
      expectAll(
        await outcomes(bob, [
          ['POST', '/membership/decline/', { membership_id: membership.id }],
          ['DELETE', '/membership/', { membership_id: membership.id }],
        ]),
        { status: 400, code: 'FORCED_MEMBERSHIP' },
      );
      // Only a member holding the keys hands them over: not carol, not dave, not anyone through /job/.
      expectAll(
        await outcomes(carol, [['POST', '/job/membership-missing-group-secret/', handOver(membership.id)]]),
        DENIED,
      );
      expectAll(
        await outcomes(dave, [['POST', '/job/membership-missing-group-secret/', handOver(membership.id)]]),
        DENIED,
      );
      expect(await snapshot(app().db)).toEqual(before);
      for (const outsider of [carol, dave, bob]) {
        expect(JSON.stringify(await outsider.call('GET', '/job/'))).not.toContain(membership.id);
      }

      // alice's client sees the job and hands the keys over, once.
      const jobs = await alice.call<{ memberships_missing_group_secrets: Record<string, unknown>[] }>(
        'GET',
        '/job/',
      );
      expect(jobs.memberships_missing_group_secrets).toEqual([
        expect.objectContaining({
          group_id: groupId,
          missing_user_membership_id: membership.id,
          missing_user_public_key: bob.user.public_key,
        }),
      ]);
      await alice.call('POST', '/job/membership-missing-group-secret/', handOver(membership.id));
      const withKeys = await snapshot(app().db);
      expect(
        await refusal(alice.call('POST', '/job/membership-missing-group-secret/', handOver(membership.id))),
      ).toEqual({ status: 400, code: 'GROUP_KEYS_ALREADY_PRESENT' });
      expect(await snapshot(app().db)).toEqual(withKeys);
      expect(
        (await alice.call<{ memberships_missing_group_secrets: unknown[] }>('GET', '/job/'))
          .memberships_missing_group_secrets,
      ).toEqual([]);

      // With the keys (accepted as the client does), bob reads the share and its entry; carol still nothing.
      await bob.call('POST', '/membership/accept/', { membership_id: membership.id });
      expect(await bob.call('GET', `/secret/${secretId}/`)).toMatchObject({ data_nonce: expect.any(String) });
      expect(await bob.call('GET', `/share/${shareId}/`)).toMatchObject({ id: shareId });
      expectAll(
        await outcomes(carol, [
          ['GET', `/share/${shareId}/`],
          ['GET', `/secret/${secretId}/`],
        ]),
        DENIED,
      );
    });
  });

  describe('bad input', () => {
    it('answers missing fields, wrong types, huge values and ids of another kind with a 4xx, and stores nothing', async () => {
      const world = await team();
      const { alice, groupId, shareId, secretId } = world;
      const before = await snapshot(app().db);
      const huge = 'a'.repeat(20_000);
      const { name: _name, ...groupWithoutName } = newGroup('x');
      const { key: _key, ...shareWithoutKey } = newShare({ datastoreId: world.datastores.alice });
      const invalid: Attempt[] = [
        ['PUT', '/group/', groupWithoutName],
        ['PUT', '/group/', { ...newGroup('x'), name: 42 }],
        ['PUT', '/group/', { ...newGroup('x'), name: huge }],
        ['PUT', '/group/', { ...newGroup('x'), public_key: 'zz'.repeat(32) }],
        ['PUT', '/group/', { ...newGroup('x'), secret_key: [cipher(32)] }],
        ['PUT', '/group/', { ...newGroup('x'), name: 'a\u0000b' }],
        ['POST', '/group/', { group_id: groupId }],
        ['POST', '/group/', { group_id: groupId, name: null }],
        ['POST', '/group/', { group_id: 'not-a-uuid', name: 'x' }],
        ['DELETE', '/group/', {}],
        ['DELETE', '/group/', { group_id: 7 }],
        ['PUT', '/membership/', { ...newMembership(groupId, world.users.carol.id), user_id: 'carol' }],
        ['PUT', '/membership/', { ...newMembership(groupId, world.users.carol.id), group_admin: 'yes' }],
        ['PUT', '/membership/', { ...newMembership(groupId, world.users.carol.id), secret_key: huge }],
        [
          'PUT',
          '/membership/',
          { ...newMembership(groupId, world.users.carol.id), secret_key_nonce: nonce().slice(2) },
        ],
        ['POST', '/membership/', { membership_id: world.memberships.bob, group_admin: 1 }],
        ['DELETE', '/membership/', { membership_id: [world.memberships.bob] }],
        ['POST', '/membership/accept/', {}],
        ['POST', '/share/', shareWithoutKey],
        ['POST', '/share/', { ...newShare({ datastoreId: world.datastores.alice }), data: 'xyz' }],
        ['POST', '/share/', { ...newShare({ datastoreId: world.datastores.alice }), link_id: 'not-a-uuid' }],
        ['PUT', '/share/', { share_id: shareId, data: cipher(300) }],
        ['PUT', '/share/', { share_id: shareId, data: 5, data_nonce: nonce() }],
        [
          'PUT',
          '/share/right/',
          { ...newShareRight(shareId, { groupId }, rights(true, false, false)), read: 'true' },
        ],
        [
          'PUT',
          '/share/right/',
          { ...newShareRight(shareId, { groupId }, rights(true, false, false)), key: huge },
        ],
        [
          'PUT',
          '/share/right/',
          { ...newShareRight(shareId, { groupId }, rights(true, false, false)), share_id: 12 },
        ],
        ['POST', '/share/right/', { share_id: shareId, group_id: groupId, read: true }],
        ['DELETE', '/share/right/', { user_share_right_id: 'x' }],
        ['POST', '/share/right/accept/', { key: cipher(32), key_nonce: nonce(), key_type: 'symmetric' }],
        ['PUT', '/share/link/', { link_id: randomUUID(), share_id: shareId }],
        [
          'PUT',
          '/share/link/',
          { link_id: 'x', share_id: shareId, parent_datastore_id: world.datastores.alice },
        ],
        ['POST', '/share/link/', { link_id: world.shareLink, new_parent_datastore_id: 3 }],
        ['DELETE', '/share/link/', { link_id: null }],
        ['POST', '/user/search/', { user_username: { $ne: null } }],
        ['POST', '/user/search/', { user_id: 'not-a-uuid' }],
        ['POST', '/job/membership-missing-group-secret/', { membership_id: world.memberships.bob }],
        [
          'POST',
          '/job/membership-missing-group-secret/',
          {
            membership_id: world.memberships.bob,
            secret_key: 'zz',
            secret_key_nonce: nonce(),
            private_key: cipher(32),
            private_key_nonce: nonce(),
          },
        ],
      ];
      const invalidOutcomes = await outcomes(alice, invalid);
      // Every one of these is the client's mistake: 400 (413 for a body beyond the limit), never 5xx.
      expect(invalidOutcomes.filter((outcome) => outcome.status !== 400 && outcome.status !== 413)).toEqual(
        [],
      );

      // Well-formed ids of another kind (a group id where a share id belongs, ...) or of nothing: refused
      // exactly like an id the caller may not see.
      const misplaced: Attempt[] = [
        ['GET', `/share/${groupId}/`],
        ['GET', `/share/${secretId}/`],
        ['GET', `/share/rights/${groupId}/`],
        ['GET', `/group/${shareId}/`],
        ['GET', `/group/${randomUUID()}/`],
        ['PUT', '/share/', { share_id: secretId, data: cipher(300), data_nonce: nonce() }],
        ['PUT', '/share/right/', newShareRight(groupId, { groupId }, rights(true, false, false))],
        ['DELETE', '/share/right/', { user_share_right_id: world.rights.group }],
        ['DELETE', '/share/right/', { group_share_right_id: world.rights.dave }],
        ['DELETE', '/share/right/', { group_share_right_id: world.memberships.bob }],
        [
          'POST',
          '/share/right/accept/',
          {
            share_right_id: world.memberships.bob,
            key: cipher(32),
            key_nonce: nonce(),
            key_type: 'symmetric',
          },
        ],
        ['POST', '/membership/accept/', { membership_id: world.rights.dave }],
        ['DELETE', '/membership/', { membership_id: world.rights.group }],
        ['PUT', '/membership/', newMembership(shareId, world.users.carol.id)],
        ['PUT', '/membership/', newMembership(randomUUID(), world.users.carol.id)],
        [
          'PUT',
          '/share/link/',
          { link_id: randomUUID(), share_id: secretId, parent_datastore_id: world.datastores.alice },
        ],
        ['PUT', '/share/link/', { link_id: randomUUID(), share_id: shareId, parent_datastore_id: shareId }],
        ['PUT', '/share/link/', { link_id: randomUUID(), share_id: shareId, parent_share_id: groupId }],
        [
          'POST',
          '/share/link/',
          { link_id: world.secretLink, new_parent_datastore_id: world.datastores.alice },
        ],
        ['PUT', '/secret/', newSecret({ shareId: groupId })],
        ['PUT', '/secret/', newSecret({ shareId: world.datastores.alice })],
        ['POST', '/secret/link/', { link_id: world.shareLink, new_parent_share_id: shareId }],
        [
          'POST',
          '/job/membership-missing-group-secret/',
          {
            membership_id: world.rights.group,
            secret_key: cipher(32),
            secret_key_nonce: nonce(),
            private_key: cipher(32),
            private_key_nonce: nonce(),
          },
        ],
      ];
      expectAll(await outcomes(alice, misplaced), DENIED);
      // A grantee that does not exist (or is a share): refused like an id she may not see, or as a bad
      // target (Psono: 400 "does not exist"), but refused.
      const missingTargets = await outcomes(alice, [
        ['PUT', '/share/right/', newShareRight(shareId, { groupId: shareId }, rights(true, false, false))],
        ['PUT', '/share/right/', newShareRight(shareId, { userId: groupId }, rights(true, false, false))],
        ['PUT', '/membership/', newMembership(groupId, shareId)],
      ]);
      expect(missingTargets.filter((outcome) => ![400, 403, 404].includes(outcome.status))).toEqual([]);
      expect(await snapshot(app().db)).toEqual(before);
    });

    it('refuses to overwrite the keys of a membership that has them (job endpoint), and changes nothing', async () => {
      const world = await team();
      const before = await snapshot(app().db);
      const result = await refusal(
        world.alice.call('POST', '/job/membership-missing-group-secret/', {
          membership_id: world.memberships.bob,
          secret_key: cipher(32),
          secret_key_nonce: nonce(),
          private_key: cipher(32),
          private_key_nonce: nonce(),
        }),
      );
      expect(result).toEqual({ status: 400, code: 'GROUP_KEYS_ALREADY_PRESENT' });
      expect(await snapshot(app().db)).toEqual(before);
    });

    it('refuses a second right for a user or group that has one on the share, and changes nothing', async () => {
      const world = await team();
      const { shareId, groupId } = world;
      const before = await snapshot(app().db);
      const again = await outcomes(world.alice, [
        [
          'PUT',
          '/share/right/',
          newShareRight(shareId, { userId: world.users.dave.id }, rights(true, true, true)),
        ],
        ['PUT', '/share/right/', newShareRight(shareId, { groupId }, rights(true, true, true))],
      ]);
      expectAll(again, { status: 400, code: 'SHARE_RIGHT_EXISTS' });
      expect(await snapshot(app().db)).toEqual(before);
    });
  });

  describe('fuzzing', () => {
    it('answers hostile bodies on every sharing route below 500 and never touches the team it is not part of', async () => {
      const world = await team();
      const { carol } = world;
      const teamIds = [
        world.groupId,
        world.shareId,
        world.secretId,
        world.shareLink,
        world.secretLink,
        world.memberships.alice,
        world.memberships.bob,
        world.rights.alice,
        world.rights.dave,
        world.rights.group,
      ];
      const before = await snapshot(app().db);
      const id = fc.oneof(
        fc.constantFrom(...teamIds, world.users.bob.id, world.datastores.carol),
        fc.uuid(),
        anyJsonValue,
      );
      const key = fc.oneof(hexLike(96), fc.constant(cipher(32)));
      const flag = fc.oneof(fc.boolean(), anyJsonValue);
      const routes = [
        {
          method: 'PUT',
          path: '/group/',
          shape: objectWithKeys({
            name: anyJsonValue,
            secret_key: key,
            secret_key_nonce: hexLike(48),
            private_key: key,
            private_key_nonce: hexLike(48),
            public_key: hexLike(64),
          }),
        },
        { method: 'POST', path: '/group/', shape: objectWithKeys({ group_id: id, name: anyJsonValue }) },
        { method: 'DELETE', path: '/group/', shape: objectWithKeys({ group_id: id }) },
        {
          method: 'PUT',
          path: '/membership/',
          shape: objectWithKeys({
            group_id: id,
            user_id: id,
            secret_key: key,
            secret_key_nonce: hexLike(48),
            secret_key_type: anyJsonValue,
            private_key: key,
            private_key_nonce: hexLike(48),
            private_key_type: anyJsonValue,
            group_admin: flag,
            share_admin: flag,
          }),
        },
        {
          method: 'POST',
          path: '/membership/',
          shape: objectWithKeys({ membership_id: id, group_admin: flag, share_admin: flag }),
        },
        { method: 'DELETE', path: '/membership/', shape: objectWithKeys({ membership_id: id }) },
        { method: 'POST', path: '/membership/accept/', shape: objectWithKeys({ membership_id: id }) },
        { method: 'POST', path: '/membership/decline/', shape: objectWithKeys({ membership_id: id }) },
        {
          method: 'POST',
          path: '/share/',
          shape: objectWithKeys({
            data: hexLike(200),
            data_nonce: hexLike(48),
            key,
            key_nonce: hexLike(48),
            key_type: anyJsonValue,
            parent_share_id: id,
            parent_datastore_id: id,
            link_id: id,
          }),
        },
        {
          method: 'PUT',
          path: '/share/',
          shape: objectWithKeys({ share_id: id, data: hexLike(200), data_nonce: hexLike(48) }),
        },
        {
          method: 'PUT',
          path: '/share/right/',
          shape: objectWithKeys({
            title: hexLike(40),
            title_nonce: hexLike(48),
            type: hexLike(16),
            type_nonce: hexLike(48),
            share_id: id,
            user_id: id,
            group_id: id,
            key,
            key_nonce: hexLike(48),
            read: flag,
            write: flag,
            grant: flag,
          }),
        },
        {
          method: 'POST',
          path: '/share/right/',
          shape: objectWithKeys({
            share_id: id,
            user_id: id,
            group_id: id,
            read: flag,
            write: flag,
            grant: flag,
          }),
        },
        {
          method: 'DELETE',
          path: '/share/right/',
          shape: objectWithKeys({ user_share_right_id: id, group_share_right_id: id }),
        },
        {
          method: 'POST',
          path: '/share/right/accept/',
          shape: objectWithKeys({ share_right_id: id, key, key_nonce: hexLike(48), key_type: anyJsonValue }),
        },
        { method: 'POST', path: '/share/right/decline/', shape: objectWithKeys({ share_right_id: id }) },
        {
          method: 'PUT',
          path: '/share/link/',
          shape: objectWithKeys({ link_id: id, share_id: id, parent_share_id: id, parent_datastore_id: id }),
        },
        {
          method: 'POST',
          path: '/share/link/',
          shape: objectWithKeys({ link_id: id, new_parent_share_id: id, new_parent_datastore_id: id }),
        },
        { method: 'DELETE', path: '/share/link/', shape: objectWithKeys({ link_id: id }) },
        {
          method: 'PUT',
          path: '/secret/',
          shape: objectWithKeys({
            data: hexLike(160),
            data_nonce: hexLike(48),
            link_id: id,
            parent_share_id: id,
            parent_datastore_id: id,
          }),
        },
        {
          method: 'POST',
          path: '/user/search/',
          shape: objectWithKeys({ user_id: id, user_username: anyJsonValue, user_email: anyJsonValue }),
        },
        {
          method: 'POST',
          path: '/job/membership-missing-group-secret/',
          shape: objectWithKeys({
            membership_id: id,
            secret_key: key,
            secret_key_nonce: hexLike(48),
            private_key: key,
            private_key_nonce: hexLike(48),
          }),
        },
      ];
      const cases = fc.oneof(
        ...routes.map((route) =>
          fc
            .tuple(bodyText(route.shape), fc.boolean())
            .map(([plain, encrypt]) => ({ ...route, plain, encrypt })),
        ),
      );
      const failures: string[] = [];
      await fc.assert(
        fc.asyncProperty(cases, async ({ method, path, plain, encrypt }) => {
          const body = encrypt
            ? JSON.stringify(sodiumCrypto.secretboxSeal(plain, carol.sessionSecret))
            : plain;
          const response = await app().request(path, {
            method,
            headers: { 'Content-Type': 'application/json', ...carol.headers() },
            body,
          });
          if (response.status >= 500)
            failures.push(`${method} ${path} ${plain.slice(0, 300)} -> ${response.status}`);
          expect(response.status).toBeLessThan(500);
        }),
        { numRuns: 250, seed: 20261206 },
      );
      expect(failures).toEqual([]);
      // GET routes with hostile ids in the path: never an answer with data, never a 5xx.
      const answered = [];
      for (const path of ['/group/', '/share/', '/share/rights/', '/group/rights/']) {
        for (const bad of ["1' or '1'='1", '..%2F..%2Fetc', world.groupId.toUpperCase(), 'null', '%00']) {
          const response = await app().request(`${path}${bad}/`, { method: 'GET', headers: carol.headers() });
          answered.push({ path: `${path}${bad}/`, status: response.status });
        }
      }
      expect(answered.filter(({ status }) => status < 400 || status >= 500)).toEqual([]);
      // Every row of the team is still there, unchanged; what carol added (her own groups and shares)
      // names none of the team's ids.
      const after = await snapshot(app().db);
      for (const [table, rows] of Object.entries(before)) {
        expect({ table, missing: rows.filter((row) => !after[table]?.includes(row)) }).toEqual({
          table,
          missing: [],
        });
      }
      const added = Object.entries(after).flatMap(([table, rows]) =>
        rows.filter((row) => !before[table]?.includes(row)).map((row) => ({ table, row: String(row) })),
      );
      expect(added.filter(({ row }) => teamIds.some((teamId) => row.includes(teamId)))).toEqual([]);
    }, 300_000);
  });
});
