import { nobleCrypto } from '@ldap-login/protocol';
import { describe, expect, it } from 'vitest';
import {
  newSecretKey,
  openSecret,
  openTree,
  sealSecret,
  sealTree,
  VaultFormatError,
} from './datastore-codec.ts';
import { itemSummary, readFields, writeFields } from './entry-types.ts';
import {
  addFolder,
  addItem,
  type DatastoreTree,
  findNode,
  isInTrash,
  listEntries,
  moveNode,
  moveToTrash,
  removeNode,
  renameNode,
  restoreFromTrash,
  searchEntries,
  TreeError,
} from './tree.ts';

/** A tree as the official client stores it, with fields this client does not know. */
function officialTree(): DatastoreTree {
  return {
    share_index: { s1: { paths: [['f-work', 'shared']], secret_key: 'ab' } },
    folders: [
      {
        id: 'f-work',
        name: 'Work',
        items: [
          {
            id: 'i-mail',
            type: 'website_password',
            name: 'Mail',
            description: 'alice',
            urlfilter: 'mail.example.com',
            secret_id: '0b7c3d2e-0000-4000-8000-000000000001',
            secret_key: 'aa'.repeat(32),
            autosubmit: false,
            password_hash: '5baa6',
            future_field: { nested: [1, 2] },
          },
        ],
        folders: [{ id: 'shared', name: 'Team', share_id: 's1', share_secret_key: 'cd' }],
      },
      { id: 'f-home', name: 'Home' },
    ],
    items: [
      {
        id: 'i-card',
        type: 'credit_card',
        name: 'Visa',
        description: 'xxxx1234',
        secret_id: 's',
        secret_key: 'k',
      },
    ],
  };
}

describe('tree operations', () => {
  it('adds, renames and finds folders and entries without touching the input', () => {
    const before = officialTree();
    let tree = addFolder(before, 'f-home', { id: 'f-bank', name: 'Bank' });
    tree = addItem(tree, 'f-bank', { id: 'i-bank', type: 'note', name: 'PIN letter' });
    tree = renameNode(tree, 'f-bank', 'Banking');
    expect(before).toEqual(officialTree());
    expect(findNode(tree, 'f-bank')).toMatchObject({
      kind: 'folder',
      path: ['f-home'],
      node: { name: 'Banking' },
    });
    expect(findNode(tree, 'i-bank')).toMatchObject({ kind: 'item', path: ['f-home', 'f-bank'] });
    expect(() => addItem(tree, 'i-mail', { id: 'x' })).toThrow(TreeError);
  });

  it('moves entries and folders with every field, and never a folder into itself', () => {
    let tree = moveNode(officialTree(), 'i-mail', 'f-home');
    expect(findNode(tree, 'i-mail')?.path).toEqual(['f-home']);
    expect(findNode(tree, 'i-mail')?.node).toEqual(officialTree().folders?.[0]?.items?.[0]);
    expect(findNode(tree, 'f-work')?.node.items).toEqual([]);
    tree = moveNode(tree, 'f-home', 'f-work');
    expect(findNode(tree, 'i-mail')?.path).toEqual(['f-work', 'f-home']);
    tree = moveNode(tree, 'i-card', null);
    expect(tree.items?.map((item) => item.id)).toEqual(['i-card']);
    tree = moveNode(tree, 'i-mail', null);
    expect(tree.items?.map((item) => item.id)).toEqual(['i-card', 'i-mail']);
    expect(() => moveNode(tree, 'f-work', 'f-home')).toThrow(/into itself/);
    expect(() => moveNode(tree, 'f-work', 'f-work')).toThrow(TreeError);
  });

  it("trashes like Psono's client (deleted: true) and restores by removing the mark", () => {
    const trashed = moveToTrash(officialTree(), 'f-work');
    expect(findNode(trashed, 'f-work')?.node.deleted).toBe(true);
    const mail = findNode(trashed, 'i-mail');
    expect(mail && isInTrash(mail, trashed)).toBe(true);
    expect(searchEntries(listEntries(trashed), 'mail')).toEqual([]);
    const restored = restoreFromTrash(trashed, 'f-work');
    expect(restored).toEqual(officialTree());
    expect(Object.hasOwn(findNode(restored, 'f-work')?.node ?? {}, 'deleted')).toBe(false);
  });

  it('removes for good and reports the entries that went', () => {
    const { tree, removedItems } = removeNode(officialTree(), 'f-work');
    expect(removedItems.map((item) => item.id)).toEqual(['i-mail']);
    expect(findNode(tree, 'shared')).toBeUndefined();
  });

  it('searches names, usernames, hosts and folders, every word, case-insensitive', () => {
    const entries = listEntries(officialTree());
    expect(entries.map((entry) => entry.item.id)).toEqual(['i-mail', 'i-card']);
    expect(searchEntries(entries, 'ALICE').map((e) => e.item.id)).toEqual(['i-mail']);
    expect(searchEntries(entries, 'work mail').map((e) => e.item.id)).toEqual(['i-mail']);
    expect(searchEntries(entries, 'example.com').map((e) => e.item.id)).toEqual(['i-mail']);
    expect(searchEntries(entries, 'visa').map((e) => e.item.id)).toEqual(['i-card']);
    expect(searchEntries(entries, 'nothing')).toEqual([]);
    expect(searchEntries(entries, '  ')).toHaveLength(2);
  });
});

describe('format round trip', () => {
  it('seals and opens a tree unchanged, unknown fields and types included', () => {
    const key = newSecretKey(nobleCrypto);
    const sealed = sealTree(nobleCrypto, { ...officialTree(), datastore_id: 'not stored' }, key);
    expect(openTree(nobleCrypto, sealed, key)).toEqual(officialTree());
    expect(openTree(nobleCrypto, { text: '', nonce: '' }, key)).toEqual({});
    expect(() => openTree(nobleCrypto, sealed, newSecretKey(nobleCrypto))).toThrow(VaultFormatError);
  });

  it('edits a website password without losing the fields it does not edit', () => {
    const stored = {
      website_password_title: 'Mail',
      website_password_url: 'https://mail.example.com/login',
      website_password_username: 'alice',
      website_password_password: 'password',
      website_password_totp_code: 'JBSWY3DPEHPK3PXP',
      custom_fields: [{ name: 'PIN', type: 'password', value: '1234' }],
      website_password_auto_submit: true,
    };
    const key = newSecretKey(nobleCrypto);
    const opened = openSecret(nobleCrypto, sealSecret(nobleCrypto, stored, key), key);
    expect(opened).toEqual(stored);
    const form = readFields('website_password', opened);
    const edited = writeFields(
      'website_password',
      { ...form, username: 'bob', url: 'https://web.example.org' },
      opened,
    );
    expect(edited).toEqual({
      ...stored,
      website_password_username: 'bob',
      website_password_url: 'https://web.example.org',
      website_password_url_filter: 'web.example.org',
      website_password_allow_http: false,
    });
    // Psono's breach check: the first five hex digits of SHA-1("password").
    expect(itemSummary('website_password', form)).toMatchObject({
      name: 'Mail',
      description: 'alice',
      urlfilter: 'mail.example.com',
      password_hash: '5baa6',
    });
    expect(
      writeFields(
        'note',
        { ...form, title: 'N', notes: '' },
        { note_title: 'old', note_notes: 'x', tags: ['a'] },
      ),
    ).toEqual({
      note_title: 'N',
      tags: ['a'],
    });
  });
});
