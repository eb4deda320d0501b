/**
 * Psono's shares as they appear in a datastore tree: a folder or item carrying `share_id` and
 * `share_secret_key` stands for a share whose content (the folder's `folders`/`items` and fields,
 * or the item's fields) is a secretbox of JSON under the share's key, stored with the share and
 * not in the datastore. Opening a share merges its content into the node; saving the datastore
 * keeps only the share's reference in the node, as Psono's client does.
 */
import type { Encrypted } from '@ldap-login/protocol';
import { openShareContentText, type VaultCrypto, VaultFormatError } from './datastore-codec.ts';
import type { VaultFolder, VaultItem } from './tree.ts';

export interface ShareRights {
  read: boolean;
  write: boolean;
  grant: boolean;
}

/** The fields a share's node keeps in the datastore that holds it (Psono's `hideSubShareContent`). */
const referenceFields = ['id', 'name', 'description', 'share_id', 'share_secret_key', 'deleted'] as const;

/** Fields the client adds while the share is open; never part of a share's stored content. */
const openFields = ['share_id', 'share_secret_key', 'share_rights'] as const;

export type ShareNode = (VaultFolder | VaultItem) & { share_id: string; share_secret_key: string };

export function isShareNode(node: VaultFolder | VaultItem): node is ShareNode {
  return typeof node.share_id === 'string' && typeof node.share_secret_key === 'string';
}

/** Decrypts a share's content with its key; the content must be a JSON object. */
export function openShare(crypto: VaultCrypto, data: Encrypted, shareKey: string): Record<string, unknown> {
  const text = openShareContentText(crypto, data, shareKey);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VaultFormatError('the share is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new VaultFormatError('the share is not an object');
  for (const list of ['folders', 'items'] as const) {
    const field = (value as Record<string, unknown>)[list];
    if (field !== undefined && !Array.isArray(field))
      throw new VaultFormatError(`the share's ${list} is not a list`);
  }
  return value as Record<string, unknown>;
}

/**
 * The node with the share's content merged in and the rights the server reported. The node's own
 * `id`, `share_id` and `share_secret_key` stay; a `share_rights` inside the content is ignored.
 */
export function mergeShare<N extends ShareNode>(
  node: N,
  content: Record<string, unknown>,
  rights: ShareRights,
): N & { share_rights: ShareRights } {
  const merged: Record<string, unknown> = { ...node };
  for (const [key, value] of Object.entries(content)) {
    if (key === 'share_rights' || key === 'id' || key === 'share_id' || key === 'share_secret_key') continue;
    merged[key] = value;
  }
  merged.share_rights = { ...rights };
  return merged as N & { share_rights: ShareRights };
}

/** What the datastore stores for a share node: its reference only. */
export function shareReference(node: ShareNode): ShareNode {
  const reference: Record<string, unknown> = {};
  for (const key of referenceFields) if (node[key] !== undefined) reference[key] = node[key];
  return reference as ShareNode;
}

/** What a share stores when it is saved (`PUT /share/`): its content without the open fields. */
export function shareContent(node: ShareNode): Record<string, unknown> {
  const content: Record<string, unknown> = { ...node };
  for (const key of openFields) delete content[key];
  return content;
}
