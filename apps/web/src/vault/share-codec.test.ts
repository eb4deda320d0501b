import { nobleCrypto } from '@ldap-login/protocol';
import { describe, expect, it } from 'vitest';
import { newSecretKey, VaultFormatError } from './datastore-codec.ts';
import {
  isShareNode,
  mergeShare,
  openShare,
  type ShareNode,
  shareContent,
  shareReference,
} from './share-codec.ts';
import type { VaultFolder } from './tree.ts';

const crypto = nobleCrypto;

/** A folder share's content as the official client writes it, with a field this client does not know. */
function folderContent() {
  return {
    name: 'Team',
    folders: [{ id: 'f-sub', name: 'Servers', items: [] }],
    items: [{ id: 'i-1', type: 'note', name: 'Door code', secret_id: 's-1', secret_key: 'k'.repeat(64) }],
    future_field: { kept: true },
    share_rights: { read: true, write: true, grant: true },
  };
}

describe('share codec', () => {
  it('opens a share sealed with its key and merges it into the share node with the reported rights', () => {
    const key = newSecretKey(crypto);
    const sealed = crypto.secretboxSeal(JSON.stringify(folderContent()), Buffer.from(key, 'hex'));
    const node: VaultFolder = { id: 'node-1', name: 'Team', share_id: 'share-1', share_secret_key: key };
    expect(isShareNode(node)).toBe(true);
    if (!isShareNode(node)) return;
    const content = openShare(crypto, sealed, key);
    const merged = mergeShare(node, content, { read: true, write: false, grant: false });
    expect(merged.id).toBe('node-1');
    expect(merged.share_id).toBe('share-1');
    expect(merged.share_secret_key).toBe(key);
    expect(merged.share_rights).toEqual({ read: true, write: false, grant: false });
    expect((merged.items as { name: string }[])[0]?.name).toBe('Door code');
    expect((merged.folders as { name: string }[])[0]?.name).toBe('Servers');
    expect(merged.future_field).toEqual({ kept: true });
  });

  it('refuses a share under the wrong key or with content that is not a tree', () => {
    const key = newSecretKey(crypto);
    const sealed = crypto.secretboxSeal(JSON.stringify(folderContent()), Buffer.from(key, 'hex'));
    expect(() => openShare(crypto, sealed, newSecretKey(crypto))).toThrow(VaultFormatError);
    const list = crypto.secretboxSeal('[1,2]', Buffer.from(key, 'hex'));
    expect(() => openShare(crypto, list, key)).toThrow(/not an object/);
    const badItems = crypto.secretboxSeal('{"items":{}}', Buffer.from(key, 'hex'));
    expect(() => openShare(crypto, badItems, key)).toThrow(/items is not a list/);
  });

  it('keeps only the reference in the datastore and the content without open fields in the share', () => {
    const key = newSecretKey(crypto);
    const open = mergeShare(
      { id: 'node-1', name: 'Team', share_id: 'share-1', share_secret_key: key } as ShareNode,
      folderContent(),
      { read: true, write: true, grant: false },
    );
    expect(shareReference(open)).toEqual({
      id: 'node-1',
      name: 'Team',
      share_id: 'share-1',
      share_secret_key: key,
    });
    const content = shareContent(open);
    expect(content.share_id).toBeUndefined();
    expect(content.share_secret_key).toBeUndefined();
    expect(content.share_rights).toBeUndefined();
    expect(content.items).toEqual(folderContent().items);
    // the stored content reopens to the same tree
    const resealed = crypto.secretboxSeal(JSON.stringify(content), Buffer.from(key, 'hex'));
    expect(openShare(crypto, resealed, key)).toEqual(content);
  });

  it('does not take a node without both share id and key for a share', () => {
    expect(isShareNode({ id: 'a', share_id: 'share-1' })).toBe(false);
    expect(isShareNode({ id: 'a' })).toBe(false);
  });
});
