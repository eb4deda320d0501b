// @vitest-environment node
import { randomUUID } from 'node:crypto';
import { fromHex, nobleCrypto, toHex } from '@ldap-login/protocol';
import { ProtocolClient, type Session } from '@ldap-login/server/testing';
import { Client } from 'ldapts';
import { describe, expect, it } from 'vitest';
import {
  configureExampleCorp,
  newVisitor,
  screenshot,
  submitLogin,
  useStack,
} from './test-support/harness.ts';

const ready = useStack('the shared-folder browser tests');
const crypto = nobleCrypto;

const seal = (value: unknown, keyHex: string) =>
  crypto.secretboxSeal(typeof value === 'string' ? value : JSON.stringify(value), fromHex(keyHex));
const open = (sealed: { text: string; nonce: string }, keyHex: string) =>
  crypto.secretboxOpen(sealed, fromHex(keyHex));

interface SharedEntry {
  shareId: string;
  secretId: string;
  secretKey: string;
  shareKey: string;
}

/**
 * What another user's client does to share a folder with one entry: a share under their own
 * datastore, the entry's secret inside it, and a right for `to` with the key and title boxed for
 * them (Psono's shapes).
 */
async function shareFolder(
  owner: Session,
  datastoreId: string,
  to: { id: string; public_key: string } | undefined,
  folder: string,
  entry: { title: string; username: string; password: string },
  write: boolean,
): Promise<SharedEntry> {
  const shareKey = toHex(crypto.randomBytes(32));
  const folderId = randomUUID();
  const initial = seal({ id: folderId, name: folder }, shareKey);
  const ownerKey = seal(shareKey, owner.secretKey);
  const { share_id: shareId } = await owner.call<{ share_id: string }>('POST', '/share/', {
    data: initial.text,
    data_nonce: initial.nonce,
    key: ownerKey.text,
    key_nonce: ownerKey.nonce,
    key_type: 'symmetric',
    parent_datastore_id: datastoreId,
    link_id: folderId,
  });
  const itemId = randomUUID();
  const secretKey = toHex(crypto.randomBytes(32));
  const fields = seal(
    {
      website_password_title: entry.title,
      website_password_username: entry.username,
      website_password_password: entry.password,
      website_password_url: 'https://router.example.com',
    },
    secretKey,
  );
  const { secret_id: secretId } = await owner.call<{ secret_id: string }>('PUT', '/secret/', {
    data: fields.text,
    data_nonce: fields.nonce,
    link_id: itemId,
    parent_share_id: shareId,
  });
  const content = seal(
    {
      id: folderId,
      name: folder,
      items: [
        {
          id: itemId,
          type: 'website_password',
          name: entry.title,
          description: entry.username,
          urlfilter: 'router.example.com',
          secret_id: secretId,
          secret_key: secretKey,
        },
      ],
    },
    shareKey,
  );
  await owner.call('PUT', '/share/', { share_id: shareId, data: content.text, data_nonce: content.nonce });
  if (to === undefined) return { shareId, secretId, secretKey, shareKey };
  const recipient = fromHex(to.public_key);
  await offerRight(
    owner,
    { user_id: to.id },
    { shareId, shareKey },
    folder,
    (text) => crypto.boxSeal(text, recipient, fromHex(owner.privateKey)),
    write,
  );
  return { shareId, secretId, secretKey, shareKey };
}

/**
 * The owner's right offer on a folder share to a user or a group: its title, type and key sealed
 * for the holder (boxed for a user's public key, under a group's secret key), read always, write as
 * given, no grant.
 */
async function offerRight(
  owner: Session,
  holder: { user_id: string } | { group_id: string },
  share: { shareId: string; shareKey: string },
  folder: string,
  sealFor: (text: string) => { text: string; nonce: string },
  write: boolean,
): Promise<void> {
  const title = sealFor(folder);
  const type = sealFor('folder');
  const key = sealFor(share.shareKey);
  await owner.call('PUT', '/share/right/', {
    share_id: share.shareId,
    ...holder,
    title: title.text,
    title_nonce: title.nonce,
    type: type.text,
    type_nonce: type.nonce,
    key: key.text,
    key_nonce: key.nonce,
    read: true,
    write,
    grant: false,
  });
}

/**
 * Bob's client creates a group, gives it a right on a share of his and invites alice: the group's
 * keys boxed for her with the group's private key, the share's key and labels sealed under the
 * group's secret key (Psono's shapes).
 */
async function shareThroughGroup(
  owner: Session,
  datastoreId: string,
  to: { id: string; public_key: string },
): Promise<void> {
  const groupSecret = toHex(crypto.randomBytes(32));
  const groupPair = crypto.generateX25519KeyPair();
  const groupPrivate = toHex(groupPair.privateKey);
  const ownSecret = seal(groupSecret, owner.secretKey);
  const ownPrivate = seal(groupPrivate, owner.secretKey);
  const { group_id: groupId } = await owner.call<{ group_id: string }>('PUT', '/group/', {
    name: 'Operations',
    secret_key: ownSecret.text,
    secret_key_nonce: ownSecret.nonce,
    private_key: ownPrivate.text,
    private_key_nonce: ownPrivate.nonce,
    public_key: toHex(groupPair.publicKey),
  });
  const shared = await shareFolder(
    owner,
    datastoreId,
    undefined,
    'Ops',
    { title: 'Pager', username: 'oncall', password: 'pager-secret-3' },
    true,
  );
  await offerRight(owner, { group_id: groupId }, shared, 'Ops', (text) => seal(text, groupSecret), true);
  const box = (text: string) => crypto.boxSeal(text, fromHex(to.public_key), groupPair.privateKey);
  const secretForAlice = box(groupSecret);
  const privateForAlice = box(groupPrivate);
  await owner.call('PUT', '/membership/', {
    group_id: groupId,
    user_id: to.id,
    secret_key: secretForAlice.text,
    secret_key_nonce: secretForAlice.nonce,
    secret_key_type: 'asymmetric',
    private_key: privateForAlice.text,
    private_key_nonce: privateForAlice.nonce,
    private_key_type: 'asymmetric',
    group_admin: false,
    share_admin: false,
  });
}

describe('shared folders in Chromium against the server and a real directory', { timeout: 240_000 }, () => {
  it('bob offers two folders and a group; alice accepts them, edits the writable share, only reads the other', async ({
    skip,
  }) => {
    const s = ready(skip);
    configureExampleCorp(s, { allow_custom_server: false });
    const users = s.directory.users;
    const alicePassword = users.alice!.password;
    const api = ProtocolClient.forUrl(s.apiUrl);
    // Both have signed in once (their keys exist); bob's client keeps a datastore.
    const aliceApi = await api.login(`alice@${s.directory.domain}`, alicePassword);
    const bob = await api.login(`bob@${s.directory.domain}`, users.bob!.password);
    const bobStoreKey = seal(toHex(crypto.randomBytes(32)), bob.secretKey);
    const { datastore_id: bobDatastore } = await bob.call<{ datastore_id: string }>('PUT', '/datastore/', {
      type: 'password',
      description: 'Default',
      secret_key: bobStoreKey.text,
      secret_key_nonce: bobStoreKey.nonce,
      is_default: true,
    });
    const alice = { id: aliceApi.user.id, public_key: aliceApi.user.public_key };
    const team = await shareFolder(
      bob,
      bobDatastore,
      alice,
      'Team',
      { title: 'Router', username: 'admin', password: 'router-secret-1' },
      true,
    );
    await shareFolder(
      bob,
      bobDatastore,
      alice,
      'Handbook',
      { title: 'Wiki', username: 'reader', password: 'wiki-secret-2' },
      false,
    );
    await shareThroughGroup(bob, bobDatastore, alice);

    const { page } = await newVisitor(s);
    await page.goto(s.origin);
    await submitLogin(page, 'alice', alicePassword);
    await page.getByRole('heading', { name: 'All entries' }).waitFor();

    // The offers and the invitation wait in their own lists, reached from the sidebar.
    await page.getByRole('button', { name: 'Waiting for you (3)' }).click();
    await page.getByRole('heading', { name: 'Waiting for you' }).waitFor();
    const offers = page.getByRole('list', { name: 'Shares offered to you' });
    expect(await offers.textContent()).toContain('read and write');
    expect(await offers.textContent()).toContain('read only');
    await screenshot(page, '40-share-offers');

    // Accept by keyboard: focus the button, Enter.
    await page.getByRole('button', { name: 'Accept Team' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Accept Team' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Accept Handbook' }).click();
    await page.getByRole('button', { name: 'Accept Handbook' }).waitFor({ state: 'detached' });
    // Joining the group brings the group's share.
    const groups = page.getByRole('list', { name: 'Group invitations' });
    expect(await groups.textContent()).toContain('invited by bob@');
    await page.getByRole('button', { name: 'Accept Operations' }).click();
    await page.getByRole('heading', { name: 'All entries' }).waitFor();
    await expect.poll(() => page.getByRole('button', { name: /Waiting for you/ }).count()).toBe(0);
    await page.getByRole('button', { name: /^Ops/ }).click();
    await page.getByRole('heading', { name: 'Ops' }).waitFor();
    await page.locator('.entry-row', { hasText: 'Pager' }).waitFor();

    // The writable share: its entry opens and is edited; the change reaches bob's share.
    await page.getByRole('button', { name: /^Team/ }).click();
    await page.getByRole('heading', { name: 'Team' }).waitFor();
    const router = page.locator('.entry-row', { hasText: 'Router' });
    await router.waitFor();
    await router.locator('[data-entry-open]').click();
    const edit = page.getByRole('dialog', { name: 'Edit entry' });
    expect(await edit.getByLabel('Password', { exact: true }).inputValue()).toBe('router-secret-1');
    await edit.getByLabel('Username', { exact: true }).fill('admin2');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    await expect.poll(() => router.textContent()).toContain('admin2');
    const stored = await bob.call<{ data: string; data_nonce: string }>('GET', `/secret/${team.secretId}/`);
    expect(JSON.parse(open({ text: stored.data, nonce: stored.data_nonce }, team.secretKey))).toMatchObject({
      website_password_username: 'admin2',
      website_password_password: 'router-secret-1',
    });
    // the new summary lives in the share, which bob reads with the share's key
    const share = await bob.call<{ data: string; data_nonce: string }>('GET', `/share/${team.shareId}/`);
    const content = JSON.parse(open({ text: share.data, nonce: share.data_nonce }, team.shareKey));
    expect(content.items).toEqual([expect.objectContaining({ name: 'Router', description: 'admin2' })]);
    expect(content).not.toHaveProperty('share_rights');

    // The read-only share: details only, no edit, rename, move or delete; the keys refuse too.
    await page.getByRole('button', { name: /^Handbook/ }).click();
    await page.getByRole('heading', { name: 'Handbook' }).waitFor();
    const wiki = page.locator('.entry-row', { hasText: 'Wiki' });
    await wiki.waitFor();
    await wiki.locator('summary').click();
    expect(await wiki.getByRole('button', { name: 'Details' }).count()).toBe(1);
    for (const action of ['Edit', 'Rename', 'Move to…', 'Delete'])
      expect(await wiki.getByRole('button', { name: action, exact: true }).count()).toBe(0);
    await wiki.locator('summary').click();
    expect(await page.getByRole('button', { name: 'New entry' }).count()).toBe(0);
    await wiki.locator('[data-entry-open]').focus();
    await page.keyboard.press('Delete');
    await page.getByText('This share may only be read; nothing was changed.').waitFor();
    await wiki.locator('[data-entry-open]').click();
    const details = page.getByRole('dialog', { name: 'Wiki' });
    await details.getByText('This entry is in a share you may only read.').waitFor();
    expect(await details.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await screenshot(page, '41-shared-read-only');
    await details.getByRole('button', { name: 'Close' }).click();

    // Alice's datastore holds the shares as references: no entry of theirs in it.
    const stores = await aliceApi.call<{ datastores: { id: string; is_default: boolean; type: string }[] }>(
      'GET',
      '/datastore/',
    );
    const own = stores.datastores.find((store) => store.type === 'password' && store.is_default);
    if (!own) throw new Error('alice has no default datastore');
    const datastore = await aliceApi.call<{
      data: string;
      data_nonce: string;
      secret_key: string;
      secret_key_nonce: string;
    }>('GET', `/datastore/${own.id}/`);
    const datastoreKey = open(
      { text: datastore.secret_key, nonce: datastore.secret_key_nonce },
      aliceApi.secretKey,
    );
    const tree = open({ text: datastore.data, nonce: datastore.data_nonce }, datastoreKey);
    expect(tree).toContain(team.shareId);
    expect(tree).not.toContain('Router');
    expect(tree).not.toContain('Wiki');
  });

  it("the group-key job: alice's client hands a group's keys to bob, whom the directory put in it", async ({
    skip,
  }) => {
    const s = ready(skip);
    configureExampleCorp(s, { allow_custom_server: false });
    const users = s.directory.users;
    const api = ProtocolClient.forUrl(s.apiUrl);
    // alice makes a group in her client (its keys under her secret key); bob has signed in once.
    const aliceApi = await api.login(`alice@${s.directory.domain}`, users.alice!.password);
    const groupSecret = toHex(crypto.randomBytes(32));
    const groupPair = crypto.generateX25519KeyPair();
    const ownSecret = seal(groupSecret, aliceApi.secretKey);
    const ownPrivate = seal(toHex(groupPair.privateKey), aliceApi.secretKey);
    const { group_id: groupId } = await aliceApi.call<{ group_id: string }>('PUT', '/group/', {
      name: 'Directory Ops',
      secret_key: ownSecret.text,
      secret_key_nonce: ownSecret.nonce,
      private_key: ownPrivate.text,
      private_key_nonce: ownPrivate.nonce,
      public_key: toHex(groupPair.publicKey),
    });
    let bob = await api.login(`bob@${s.directory.domain}`, users.bob!.password);
    type Groups = { groups: { group_id: string; membership_id: string }[] };
    const bobsMembership = async () =>
      (await bob.call<Groups>('GET', '/group/')).groups.find((group) => group.group_id === groupId);

    // A directory group holding both, which the administrator maps to the vault group.
    const groupDn = `cn=ops team,ou=groups,${s.directory.baseDn}`;
    const admin = new Client({ url: s.directory.url });
    try {
      await admin.bind(s.directory.adminDn, s.directory.adminPassword);
      await admin.add(groupDn, {
        objectClass: ['top', 'groupOfNames'],
        cn: 'ops team',
        member: [users.alice!.dn, users.bob!.dn],
      });
    } finally {
      await admin.unbind();
    }
    const map = await s.manage('groups', 'map', 'Directory Ops', groupDn);
    expect(map.code, map.stderr).toBe(0);
    // bob's next sign-in applies it (or `manage syncldap`): a membership without keys.
    bob = await api.login(`bob@${s.directory.domain}`, users.bob!.password);
    expect(
      (await bob.call<{ unaccepted_forced_groups_count: number }>('GET', '/user/status/'))
        .unaccepted_forced_groups_count,
    ).toBe(1);
    // GET /group/ lists only memberships with keys
    expect(await bobsMembership()).toBeUndefined();

    // alice opens her vault in the browser: her client runs the job.
    const { page } = await newVisitor(s);
    await page.goto(s.origin);
    await submitLogin(page, 'alice', users.alice!.password);
    await page.getByRole('heading', { name: 'All entries' }).waitFor();
    // The job done, bob's membership is offered to him with keys; accepting hands them over.
    await expect.poll(async () => (await bobsMembership())?.group_id, { timeout: 20_000 }).toBe(groupId);
    const membership = await bobsMembership();
    const accepted = await bob.call<{
      secret_key: string;
      secret_key_nonce: string;
      secret_key_type: string;
    }>('POST', '/membership/accept/', { membership_id: membership?.membership_id });
    expect(accepted.secret_key_type).toBe('asymmetric');
    // bob opens the keys with the group's public key and his own private key
    expect(
      crypto.boxOpen(
        { text: accepted.secret_key, nonce: accepted.secret_key_nonce },
        groupPair.publicKey,
        fromHex(bob.privateKey),
      ),
    ).toBe(groupSecret);
  });
});
