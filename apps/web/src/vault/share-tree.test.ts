import { fromHex, nobleCrypto } from '@ldap-login/protocol';
import { describe, expect, it } from 'vitest';
import { newSecretKey } from './datastore-codec.ts';
import type { ShareRights } from './share-codec.ts';
import {
  canChangeNode,
  canEditContent,
  changedShares,
  checkMove,
  checkWritable,
  datastoreForm,
  openShares,
  ShareAccessError,
  type StoredShare,
  shareForm,
} from './share-tree.ts';
import { addItem, type DatastoreTree, moveToTrash, renameNode } from './tree.ts';

const crypto = nobleCrypto;
const rw: ShareRights = { read: true, write: true, grant: true };
const ro: ShareRights = { read: true, write: false, grant: false };

const teamKey = newSecretKey(crypto);
const innerKey = newSecretKey(crypto);
const readOnlyKey = newSecretKey(crypto);

/** The server's shares: a writable folder share holding a nested share, and a read-only one. */
const server = new Map<string, StoredShare>([
  [
    'share-team',
    {
      data: crypto.secretboxSeal(
        JSON.stringify({
          id: 'team',
          name: 'Team',
          items: [{ id: 'i-team', name: 'Router', secret_id: 's-1', secret_key: 'a'.repeat(64) }],
          folders: [{ id: 'inner', name: 'Inner', share_id: 'share-inner', share_secret_key: innerKey }],
        }),
        fromHex(teamKey),
      ),
      rights: rw,
    },
  ],
  [
    'share-inner',
    {
      data: crypto.secretboxSeal(
        JSON.stringify({ id: 'inner', name: 'Inner', items: [{ id: 'i-inner', name: 'Deep' }] }),
        fromHex(innerKey),
      ),
      rights: rw,
    },
  ],
  [
    'share-ro',
    {
      data: crypto.secretboxSeal(
        JSON.stringify({ id: 'ro', name: 'Handbook', items: [{ id: 'i-ro', name: 'Wiki login' }] }),
        fromHex(readOnlyKey),
      ),
      rights: ro,
    },
  ],
]);
const read = async (shareId: string) => {
  const share = server.get(shareId);
  if (!share) throw new Error('403');
  return share;
};

const datastore: DatastoreTree = {
  folders: [
    { id: 'team', name: 'Team', share_id: 'share-team', share_secret_key: teamKey },
    { id: 'ro', name: 'Handbook', share_id: 'share-ro', share_secret_key: readOnlyKey },
    { id: 'gone', name: 'Revoked', share_id: 'share-gone', share_secret_key: newSecretKey(crypto) },
    { id: 'own', name: 'Own', items: [{ id: 'i-own', name: 'Mine' }] },
  ],
};

describe('shares in the tree', () => {
  it('opens nested shares with their keys and rights; an unreadable one stays a reference', async () => {
    const { tree, failed } = await openShares(crypto, datastore, read);
    const [team, readOnly, gone] = tree.folders ?? [];
    expect(team?.items?.[0]?.name).toBe('Router');
    expect(team?.share_rights).toEqual(rw);
    expect(team?.folders?.[0]?.items?.[0]?.name).toBe('Deep');
    expect(readOnly?.share_rights).toEqual(ro);
    expect(gone?.share_rights).toEqual({ read: false, write: false, grant: false });
    expect(failed).toEqual(['share-gone']);
  });

  it('the datastore keeps share nodes as references: no share content, no rights', async () => {
    const { tree } = await openShares(crypto, datastore, read);
    const stored = datastoreForm(tree);
    expect(stored).toEqual(datastore);
    expect(JSON.stringify(stored)).not.toContain('Router');
  });

  it('a change inside a share writes only that share, nested shares kept as references', async () => {
    const { tree } = await openShares(crypto, datastore, read);
    const next = addItem(tree, 'team', { id: 'i-new', name: 'Printer' });
    const changed = changedShares(tree, next);
    expect(changed.map((share) => share.share_id)).toEqual(['share-team']);
    const [team] = changed;
    if (!team) throw new Error('no share');
    const content = shareForm(team);
    expect(content).not.toHaveProperty('share_rights');
    expect(content).not.toHaveProperty('share_secret_key');
    expect((content.folders as object[])[0]).toEqual({
      id: 'inner',
      name: 'Inner',
      share_id: 'share-inner',
      share_secret_key: innerKey,
    });
    expect((content.items as { name: string }[]).map((item) => item.name)).toEqual(['Router', 'Printer']);
    // the datastore's own form did not change
    expect(datastoreForm(next)).toEqual(datastoreForm(tree));
    // a change in the nested share writes the nested share only
    const deep = changedShares(tree, renameNode(tree, 'i-inner', 'Deeper'));
    expect(deep.map((share) => share.share_id)).toEqual(['share-inner']);
  });

  it('trashing a share node changes its place (the datastore), not its content', async () => {
    const { tree } = await openShares(crypto, datastore, read);
    const next = moveToTrash(tree, 'team');
    expect(changedShares(tree, next)).toEqual([]);
    expect(datastoreForm(next).folders?.[0]?.deleted).toBe(true);
  });

  it('read-only shares refuse every change; moves across a share border are refused', async () => {
    const { tree } = await openShares(crypto, datastore, read);
    expect(canEditContent(tree, 'i-ro')).toBe(false);
    expect(canChangeNode(tree, 'i-ro')).toBe(false);
    expect(canChangeNode(tree, 'ro')).toBe(false);
    expect(canEditContent(tree, 'ro')).toBe(false);
    expect(canEditContent(tree, 'i-team')).toBe(true);
    expect(canChangeNode(tree, 'i-own')).toBe(true);
    expect(() => checkWritable(changedShares(tree, renameNode(tree, 'i-ro', 'x')))).toThrow(ShareAccessError);
    expect(() => checkMove(tree, 'i-own', 'team')).toThrow(
      expect.objectContaining({ code: 'CROSSES_SHARE' }),
    );
    expect(() => checkMove(tree, 'i-team', 'ro')).toThrow(expect.objectContaining({ code: 'READ_ONLY' }));
    expect(() => checkMove(tree, 'i-team', 'team')).not.toThrow();
  });
});
