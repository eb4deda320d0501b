/**
 * `manage groups` and the team-vault part of `manage syncldap`, as processes, with the commands
 * written exactly as the README's "Team vaults" section gives them, against the real test
 * directory (whose base is dc=example,dc=org, as in the README).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ldapEntrySchema } from '@ldap-login/config-schema';
import { DirectoryService } from '@ldap-login/ldap-core';
import type { UserStatusReply } from '@ldap-login/protocol';
import { toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createTestApp } from '../test-support/test-app.ts';
import { useTestDirectory } from '../test-support/test-directory.ts';
import type { VaultGroupOverview } from '../vault/forced-memberships.ts';
import { EXIT } from './exit-codes.ts';
import { runManage } from './test-support/run-manage.ts';

vi.setConfig({ testTimeout: 400_000 });

/** The README's example DN. */
const VAULT_USERS = 'cn=vault users,ou=groups,dc=example,dc=org';

const ldap = useTestDirectory('manage groups tests');
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'manage-groups-'));
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

it('lists, maps and unmaps as the README says, and syncldap removes leavers', async (context) => {
  const dir = ldap.need(context);
  expect(dir.baseDn).toBe('dc=example,dc=org');
  await ldap.admin.add(VAULT_USERS, {
    objectClass: ['top', 'groupOfNames'],
    cn: 'vault users',
    member: [dir.users.bob!.dn, dir.users.dave!.dn],
  });
  const dbFile = join(workDir, 'db.sqlite3');
  const entry = dir.ldapEntry();
  const service = new DirectoryService([ldapEntrySchema.parse(entry)]);
  const app = await createTestApp({
    directory: service,
    database: { kind: 'sqlite', file: dbFile },
    settings: { LDAP: [entry] },
  });
  try {
    const settingsFile = join(workDir, 'settings.yaml');
    await writeFile(
      settingsFile,
      JSON.stringify({
        PRIVATE_KEY: app.settings.PRIVATE_KEY,
        PUBLIC_KEY: app.settings.PUBLIC_KEY,
        SECRET_KEY: app.settings.SECRET_KEY,
        AUTHENTICATION_METHODS: ['LDAP'],
        LDAP: [entry],
        DATABASES: { default: { ENGINE: 'django.db.backends.sqlite3', NAME: dbFile } },
      }),
    );
    const manage = (...args: string[]) => runManage([...args, '--settings', settingsFile]);

    const help = await runManage(['groups', '--help']);
    expect(help.code).toBe(EXIT.OK);
    expect(help.stdout).toContain(`manage groups map "Operations" "${VAULT_USERS}"`);

    const empty = await manage('groups', 'list');
    expect(empty.code, empty.stderr).toBe(EXIT.OK);
    expect(empty.stdout).toContain('No vault groups yet');

    // A user makes the group in a client (keys there), and bob logs in once before the mapping.
    const alice = await app.client().login(`alice@${dir.domain}`, 'Alice-Passw0rd');
    const ownKey = Buffer.from(alice.secretKey, 'hex');
    const sealed = (text: string) => sodiumCrypto.secretboxSeal(text, ownKey);
    const secret = sealed(randomBytes(32).toString('hex'));
    const pair = sodiumCrypto.generateX25519KeyPair();
    const privateKey = sealed(toHex(pair.privateKey));
    await alice.call('PUT', '/group/', {
      name: 'Operations',
      secret_key: secret.text,
      secret_key_nonce: secret.nonce,
      private_key: privateKey.text,
      private_key_nonce: privateKey.nonce,
      public_key: toHex(pair.publicKey),
    });
    const bob = await app.client().login(`bob@${dir.domain}`, 'Bob-Passw0rd');

    const unknown = await manage('groups', 'map', 'Nonexistent', VAULT_USERS);
    expect(unknown.code).toBe(EXIT.CHECK_FAILED);
    expect(unknown.stderr).toContain('no vault group has the id or name "Nonexistent"');

    // Applied at once from the groups stored at bob's login; dave has never logged in.
    const map = await manage('groups', 'map', 'Operations', VAULT_USERS);
    expect(map.code, map.stderr).toBe(EXIT.OK);
    expect(map.stdout).toContain(
      `Mapped ${VAULT_USERS} (${dir.domain}) to "Operations": 1 membership(s) added`,
    );
    expect((await bob.call<UserStatusReply>('GET', '/user/status/')).unaccepted_forced_groups_count).toBe(1);
    expect((await manage('groups', 'map', 'Operations', VAULT_USERS)).code).toBe(EXIT.CHECK_FAILED);

    const list = await manage('groups', 'list', '--json');
    expect(list.code, list.stderr).toBe(EXIT.OK);
    const { groups } = list.json<{ groups: VaultGroupOverview[] }>();
    expect(groups).toMatchObject([
      {
        name: 'Operations',
        members: 2,
        waitingForKeys: 1,
        mappings: [{ domain: dir.domain, dn: VAULT_USERS }],
      },
    ]);

    // bob leaves the directory group: syncldap asks the directory and removes his membership.
    await ldap.admin.modify(VAULT_USERS, [
      new Change({
        operation: 'delete',
        modification: new Attribute({ type: 'member', values: [dir.users.bob!.dn] }),
      }),
    ]);
    const sync = await manage('syncldap');
    expect(sync.code, sync.stderr).toBe(EXIT.OK);
    expect(sync.stdout).toContain(
      `Team vaults: ${dir.domain}: 2 account(s) re-read, 0 membership(s) added, 1 removed`,
    );
    expect((await bob.call<UserStatusReply>('GET', '/user/status/')).unaccepted_forced_groups_count).toBe(0);

    const unmap = await manage('groups', 'unmap', 'Operations', VAULT_USERS);
    expect(unmap.code, unmap.stderr).toBe(EXIT.OK);
    expect(unmap.stdout).toContain(`Unmapped ${VAULT_USERS}`);
    const after = (await manage('groups', 'list', '--json')).json<{ groups: VaultGroupOverview[] }>();
    expect(after.groups).toMatchObject([{ name: 'Operations', members: 1, mappings: [] }]);
  } finally {
    await app.close();
    await service.close();
    await ldap.admin.del(VAULT_USERS).catch(() => undefined);
  }
});
