/**
 * Team vaults from directory groups, against a real OpenLDAP: a directory group mapped to a vault
 * group gives its members (nested groups resolved, LDAP_NESTED_GROUPS) a forced membership at
 * login; a member's client hands the group's keys to the newcomer through the job routes (with
 * real keys: the newcomer opens them); the newcomer then reads the group's share; leavers lose the
 * membership at `manage syncldap` (the sync's function) and at their next login, and with it every
 * share route at once; the background session re-check takes it away too, without a login. On
 * SQLite and on a real PostgreSQL.
 */

import { randomUUID } from 'node:crypto';
import { ldapEntrySchema } from '@ldap-login/config-schema';
import { DirectoryService } from '@ldap-login/ldap-core';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import {
  type Encrypted,
  fromHex,
  type JobsReply,
  type ListGroupsReply,
  missingGroupSecretRequest,
  toHex,
  type UserStatusReply,
} from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { Attribute, Change } from 'ldapts';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { executorFor } from '../db/executor.ts';
import { recheckSessions } from '../sessions/session-recheck.ts';
import { databaseBackends, useDatabaseBackend } from '../test-support/databases.ts';
import type { Session } from '../test-support/protocol-client.ts';
import { refusal } from '../test-support/refusal.ts';
import { hex, nonce } from '../test-support/stand-ins.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { useTestDirectory } from '../test-support/test-directory.ts';
import { addMapping, listVaultGroups, removeMapping, syncForcedMemberships } from './forced-memberships.ts';

const backends = databaseBackends();

const PASSWORDS = {
  alice: 'Alice-Passw0rd',
  bob: 'Bob-Passw0rd',
  carol: 'Carol-Passw0rd',
  dave: 'Dave-Passw0rd',
};

const ldap = useTestDirectory('team vault tests');

/** What the official client does in `groups.js` createGroup: keys made and encrypted in the client. */
function newGroupKeys(owner: Session) {
  const secretKey = hex(32);
  const pair = sodiumCrypto.generateX25519KeyPair();
  const privateKey = toHex(pair.privateKey);
  const ownKey = fromHex(owner.secretKey);
  const sealedSecret = sodiumCrypto.secretboxSeal(secretKey, ownKey);
  const sealedPrivate = sodiumCrypto.secretboxSeal(privateKey, ownKey);
  return {
    secretKey,
    privateKey,
    request: {
      secret_key: sealedSecret.text,
      secret_key_nonce: sealedSecret.nonce,
      private_key: sealedPrivate.text,
      private_key_nonce: sealedPrivate.nonce,
      public_key: toHex(pair.publicKey),
    },
  };
}

describe.each(backends)('team vaults from directory groups on %s', (_name, makeBackend) => {
  const databases = useDatabaseBackend(makeBackend);
  let t: TestApp | undefined;
  let service: DirectoryService | undefined;
  let vaultUsersDn = '';

  afterEach(async () => {
    await t?.close();
    await service?.close();
    if (vaultUsersDn) await ldap.admin.del(vaultUsersDn).catch(() => undefined);
    vaultUsersDn = '';
  });

  async function start(dir: TestDirectory) {
    // "vault users" holds bob directly and the developers group (alice, dave) as a nested member.
    vaultUsersDn = `cn=vault users ${randomUUID().slice(0, 8)},ou=groups,${dir.baseDn}`;
    await ldap.admin.add(vaultUsersDn, {
      objectClass: ['top', 'groupOfNames'],
      cn: vaultUsersDn.slice(3, vaultUsersDn.indexOf(',')),
      member: [dir.users.bob!.dn, dir.groups.developers!.dn],
    });
    const entry = dir.ldapEntry({ LDAP_NESTED_GROUPS: true });
    service = new DirectoryService([ldapEntrySchema.parse(entry)]);
    const database = await databases.create();
    t = await createTestApp({ directory: service, database: database.config, settings: { LDAP: [entry] } });
    return { app: t, domain: dir.domain };
  }

  /**
   * What alice's client does to share with a team: creates the group (the server never sees its
   * keys), a share with a secret in it, and gives the group read and write on the share.
   */
  async function teamWithShare(owner: Session) {
    const keys = newGroupKeys(owner);
    const group = await owner.call<{ group_id: string }>('PUT', '/group/', {
      name: 'Operations',
      ...keys.request,
    });
    const { datastore_id } = await owner.call<{ datastore_id: string }>('PUT', '/datastore/', {
      type: 'password',
      description: 'default',
      secret_key: hex(48),
      secret_key_nonce: nonce(),
    });
    const { share_id } = await owner.call<{ share_id: string }>('POST', '/share/', {
      data: hex(200),
      data_nonce: nonce(),
      key: hex(48),
      key_nonce: nonce(),
      key_type: 'symmetric',
      parent_datastore_id: datastore_id,
      link_id: randomUUID(),
    });
    const { secret_id } = await owner.call<{ secret_id: string }>('PUT', '/secret/', {
      data: hex(100),
      data_nonce: nonce(),
      link_id: randomUUID(),
      parent_share_id: share_id,
    });
    await owner.call('PUT', '/share/right/', {
      title: hex(40),
      title_nonce: nonce(),
      type: hex(30),
      type_nonce: nonce(),
      share_id,
      group_id: group.group_id,
      key: hex(48),
      key_nonce: nonce(),
      read: true,
      write: true,
      grant: false,
    });
    return { keys, group, share_id, secret_id };
  }

  /** Removes `user` from the mapped directory group. */
  async function leaveVaultUsers(dir: TestDirectory, user: string) {
    await ldap.admin.modify(vaultUsersDn, [
      new Change({
        operation: 'delete',
        modification: new Attribute({ type: 'member', values: [dir.users[user]!.dn] }),
      }),
    ]);
  }

  const login = (app: TestApp, dir: TestDirectory, who: keyof typeof PASSWORDS) =>
    app.client().login(`${who}@${dir.domain}`, PASSWORDS[who]);

  it('gives members a forced membership, hands them the keys, and takes it away from leavers', async (context) => {
    const dir = ldap.need(context);
    const { app, domain } = await start(dir);
    const executor = executorFor(app.db);

    // alice's client creates the group (the server never sees its keys), and a share for it.
    const alice = await login(app, dir, 'alice');
    const { keys, group, share_id, secret_id } = await teamWithShare(alice);

    // The administrator maps the directory group (alice is a member already: nothing changes for her).
    const mapped = await addMapping(
      app.db,
      executor,
      { group: 'Operations', domain, dn: vaultUsersDn },
      Date.now(),
    );
    expect(mapped.applied).toEqual({ added: 0, removed: 0 });

    // bob (direct member) and dave (through the nested developers group) get a membership at login.
    const bob = await login(app, dir, 'bob');
    const dave = await login(app, dir, 'dave');
    const carol = await login(app, dir, 'carol');
    for (const pending of [bob, dave]) {
      expect(await pending.call<UserStatusReply>('GET', '/user/status/')).toMatchObject({
        unaccepted_groups_count: 0,
        unaccepted_forced_groups_count: 1,
      });
      // Without keys the group is not listed and nothing of it is readable.
      expect(await pending.call<ListGroupsReply>('GET', '/group/')).toEqual({ groups: [] });
      expect(await refusal(pending.call('GET', `/share/${share_id}/`))).toEqual({
        status: 403,
        code: 'NO_PERMISSION_OR_NOT_EXIST',
      });
    }
    expect(await carol.call<UserStatusReply>('GET', '/user/status/')).toMatchObject({
      unaccepted_forced_groups_count: 0,
    });
    expect((await listVaultGroups(app.db))[0]).toMatchObject({
      name: 'Operations',
      members: 3,
      waitingForKeys: 2,
    });

    // alice's client runs the jobs: one per newcomer, with her copy of the keys and their public key.
    const jobs = await alice.call<JobsReply>('GET', '/job/');
    expect(jobs.staff_missing_group_secrets).toEqual([]);
    expect(jobs.memberships_missing_group_secrets.map((job) => job.missing_user_user_id).sort()).toEqual(
      [bob.user.id, dave.user.id].sort(),
    );
    const bobJob = jobs.memberships_missing_group_secrets.find(
      (job) => job.missing_user_user_id === bob.user.id,
    )!;
    expect(bobJob).toMatchObject({
      group_id: group.group_id,
      missing_user_public_key: bob.user.public_key,
      public_key: keys.request.public_key,
    });
    // Nobody else gets jobs: carol holds no keys, bob none yet.
    expect((await carol.call<JobsReply>('GET', '/job/')).memberships_missing_group_secrets).toEqual([]);
    expect((await bob.call<JobsReply>('GET', '/job/')).memberships_missing_group_secrets).toEqual([]);
    const handOver = missingGroupSecretRequest(sodiumCrypto, bobJob, alice);
    expect(await refusal(carol.call('POST', '/job/membership-missing-group-secret/', handOver))).toEqual({
      status: 403,
      code: 'NO_PERMISSION_OR_NOT_EXIST',
    });
    await alice.call('POST', '/job/membership-missing-group-secret/', handOver);
    // Keys are never overwritten, not even by the holder.
    expect(await refusal(alice.call('POST', '/job/membership-missing-group-secret/', handOver))).toEqual({
      status: 400,
      code: 'GROUP_KEYS_ALREADY_PRESENT',
    });

    // bob's client now sees the forced membership, accepts it and opens the keys.
    const listed = await bob.call<ListGroupsReply>('GET', '/group/');
    expect(listed.groups).toMatchObject([
      { group_id: group.group_id, forced_membership: true, accepted: null },
    ]);
    const accepted = await bob.call<{ secret_key: string; secret_key_nonce: string; shares: unknown[] }>(
      'POST',
      '/membership/accept/',
      { membership_id: listed.groups[0]!.membership_id },
    );
    const opened = sodiumCrypto.boxOpen(
      { text: accepted.secret_key, nonce: accepted.secret_key_nonce } satisfies Encrypted,
      fromHex(keys.request.public_key),
      fromHex(bob.privateKey),
    );
    expect(opened).toBe(keys.secretKey);
    expect(accepted.shares).toHaveLength(1);
    expect(await bob.call('GET', `/share/${share_id}/`)).toMatchObject({
      id: share_id,
      rights: { read: true, write: true, grant: false },
    });
    expect(await bob.call('GET', `/secret/${secret_id}/`)).toMatchObject({ data: expect.any(String) });
    // dave is still waiting for his keys; carol never had anything.
    for (const outsider of [dave, carol]) {
      for (const path of [`/share/${share_id}/`, `/share/rights/${share_id}/`, `/secret/${secret_id}/`]) {
        expect(await refusal(outsider.call('GET', path))).toEqual({
          status: 403,
          code: 'NO_PERMISSION_OR_NOT_EXIST',
        });
      }
    }
    // A forced membership follows the directory only.
    expect(
      await refusal(bob.call('DELETE', '/membership/', { membership_id: listed.groups[0]!.membership_id })),
    ).toEqual({ status: 400, code: 'FORCED_MEMBERSHIP' });

    // bob leaves the directory group: the sync removes the membership and his session loses the share at once.
    await leaveVaultUsers(dir, 'bob');
    const synced = await syncForcedMemberships(app.db, executor, service!, domain, Date.now);
    expect(synced).toMatchObject({ domain, removed: 1, added: 0, undecided: 0 });
    for (const path of [`/share/${share_id}/`, `/secret/${secret_id}/`, `/group/${group.group_id}/`]) {
      expect(await refusal(bob.call('GET', path))).toEqual({
        status: 403,
        code: 'NO_PERMISSION_OR_NOT_EXIST',
      });
    }
    expect(
      await refusal(bob.call('PUT', '/share/', { share_id, data: hex(200), data_nonce: nonce() })),
    ).toEqual({
      status: 403,
      code: 'NO_PERMISSION_OR_NOT_EXIST',
    });

    // The developers group leaves "vault users" (carol comes in, groupOfNames needs a member): dave
    // loses his pending membership at his next login.
    await ldap.admin.modify(vaultUsersDn, [
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'member', values: [dir.users.carol!.dn] }),
      }),
    ]);
    const daveAgain = await login(app, dir, 'dave');
    expect(await daveAgain.call<UserStatusReply>('GET', '/user/status/')).toMatchObject({
      unaccepted_forced_groups_count: 0,
    });
    expect((await listVaultGroups(app.db))[0]).toMatchObject({ members: 1, waitingForKeys: 0 });
    // alice, the creator, keeps her own membership; unmapping removes the mapping only.
    expect(
      (await removeMapping(app.db, executor, { group: 'Operations', dn: vaultUsersDn }, Date.now())).applied,
    ).toEqual({
      added: 0,
      removed: 0,
    });
    expect(await alice.call('GET', `/share/${share_id}/`)).toMatchObject({ id: share_id });
  }, 120_000);
  it('takes the membership away from a leaver at the next session re-check, without a login', async (context) => {
    const dir = ldap.need(context);
    const { app, domain } = await start(dir);
    const executor = executorFor(app.db);
    const alice = await login(app, dir, 'alice');
    const { group, share_id, secret_id } = await teamWithShare(alice);
    await addMapping(app.db, executor, { group: 'Operations', domain, dn: vaultUsersDn }, Date.now());

    // bob gets the forced membership at login, the keys from alice's client, and reads the share.
    const bob = await login(app, dir, 'bob');
    const jobs = await alice.call<JobsReply>('GET', '/job/');
    const bobJob = jobs.memberships_missing_group_secrets.find(
      (job) => job.missing_user_user_id === bob.user.id,
    )!;
    await alice.call(
      'POST',
      '/job/membership-missing-group-secret/',
      missingGroupSecretRequest(sodiumCrypto, bobJob, alice),
    );
    const [membership] = (await bob.call<ListGroupsReply>('GET', '/group/')).groups;
    await bob.call('POST', '/membership/accept/', { membership_id: membership!.membership_id });
    expect(await bob.call('GET', `/share/${share_id}/`)).toMatchObject({ id: share_id });

    await leaveVaultUsers(dir, 'bob');
    const silent = pino({ level: 'silent' });

    // A directory that cannot answer changes nothing: bob keeps the membership for now.
    const downEntry = dir.ldapEntry({ LDAP_NESTED_GROUPS: true, LDAP_URL: ['ldap://127.0.0.1:1'] });
    const down = new DirectoryService([ldapEntrySchema.parse(downEntry)]);
    try {
      const outage = await recheckSessions(app.db, down, silent);
      expect(outage).toMatchObject({ checked: 0, ended: [], forced: { added: 0, removed: 0 } });
      expect(outage.undecided).toBeGreaterThan(0);
    } finally {
      await down.close();
    }
    expect(await bob.call('GET', `/share/${share_id}/`)).toMatchObject({ id: share_id });

    // One round of the re-check: bob's membership goes, his session stays and loses the share.
    const round = await recheckSessions(app.db, service!, silent);
    expect(round).toMatchObject({ ended: [], undecided: 0, forced: { added: 0, removed: 1 } });
    expect(await bob.call<ListGroupsReply>('GET', '/group/')).toEqual({ groups: [] });
    for (const path of [`/share/${share_id}/`, `/secret/${secret_id}/`, `/group/${group.group_id}/`]) {
      expect(await refusal(bob.call('GET', path))).toEqual({
        status: 403,
        code: 'NO_PERMISSION_OR_NOT_EXIST',
      });
    }
    expect((await listVaultGroups(app.db))[0]).toMatchObject({ members: 1, waitingForKeys: 0 });
    // alice (creator, and still in the directory group through developers) keeps hers.
    expect(await alice.call('GET', `/share/${share_id}/`)).toMatchObject({ id: share_id });
    // A second round finds nothing more to do.
    expect((await recheckSessions(app.db, service!, silent)).forced).toEqual({ added: 0, removed: 0 });
  }, 120_000);
});
