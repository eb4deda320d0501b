/**
 * Shares inside the datastore's tree: opening every share node (nested ones too) into the tree
 * the user sees, and splitting a changed tree back into what the datastore stores (references
 * only) and the content of each share that changed. Which share a node belongs to decides who may
 * change it: the datastore is the user's own; a share is writable only with the write right the
 * server reported.
 */
import type { Encrypted } from '@ldap-login/protocol';
import type { VaultCrypto } from './datastore-codec.ts';
import {
  isShareNode,
  mergeShare,
  openShare,
  type ShareNode,
  type ShareRights,
  shareContent,
  shareReference,
} from './share-codec.ts';
import { type DatastoreTree, findNode, type VaultFolder, type VaultItem } from './tree.ts';

/** A share as the server returned it: its sealed content and the caller's rights. */
export interface StoredShare {
  data: Encrypted;
  rights: ShareRights;
}

export type ShareReader = (shareId: string) => Promise<StoredShare>;

/** An opened share node: its content merged in, `share_rights` set. */
export type OpenedShareNode = ShareNode & { share_rights: ShareRights };

const NO_RIGHTS: ShareRights = { read: false, write: false, grant: false };

/** Thrown when a change would touch a share the user may only read, or cross a share's border. */
export class ShareAccessError extends Error {
  constructor(
    readonly code: 'READ_ONLY' | 'CROSSES_SHARE',
    message: string,
  ) {
    super(message);
    this.name = 'ShareAccessError';
  }
}

type Node = VaultFolder | VaultItem;
type Container = DatastoreTree | VaultFolder;

/**
 * Opens every share node of the tree, depth first (a share's content may hold further shares).
 * A share that cannot be read (the right was taken back, the content does not open) stays a
 * reference with no rights, so the rest of the vault still opens; `failed` lists them.
 */
export async function openShares(
  crypto: VaultCrypto,
  tree: DatastoreTree,
  read: ShareReader,
): Promise<{ tree: DatastoreTree; failed: string[] }> {
  const failed: string[] = [];
  const openNode = async <N extends Node>(node: N): Promise<N> => {
    let opened: Node = node;
    if (isShareNode(node)) {
      try {
        const stored = await read(node.share_id);
        opened = mergeShare(node, openShare(crypto, stored.data, node.share_secret_key), stored.rights);
      } catch {
        failed.push(node.share_id);
        return { ...shareReference(node), share_rights: { ...NO_RIGHTS } } as unknown as N;
      }
    }
    return (await openContainer(opened as Container)) as N;
  };
  const openContainer = async <C extends Container>(container: C): Promise<C> => {
    const next: Container = { ...container };
    if (Array.isArray(container.folders)) next.folders = await Promise.all(container.folders.map(openNode));
    if (Array.isArray(container.items)) next.items = await Promise.all(container.items.map(openNode));
    return next as C;
  };
  return { tree: await openContainer(structuredClone(tree)), failed };
}

/** A container as stored: every share node below it reduced to its reference. */
function stored<C extends Container>(container: C): C {
  const next: Container = { ...container };
  const reduce = (node: Node): Node =>
    isShareNode(node) ? shareReference(node) : (stored(node as Container) as Node);
  if (Array.isArray(container.folders)) next.folders = container.folders.map(reduce) as VaultFolder[];
  if (Array.isArray(container.items)) next.items = container.items.map(reduce) as VaultItem[];
  return next as C;
}

/** What the datastore stores for this tree: share nodes as references, never their content. */
export function datastoreForm(tree: DatastoreTree): DatastoreTree {
  return stored(tree);
}

/**
 * What a share stores (`PUT /share/`): its content without the fields this client adds, nested
 * shares as references. Its `deleted` mark belongs to the container holding it, not to the share.
 */
export function shareForm(node: ShareNode): Record<string, unknown> {
  const { deleted: _placement, ...content } = stored(shareContent(node) as Container);
  return content;
}

/** Every opened share node of the tree, by share id. */
export function openedShares(tree: DatastoreTree): Map<string, OpenedShareNode> {
  const found = new Map<string, OpenedShareNode>();
  const visit = (container: Container) => {
    for (const node of [...(container.folders ?? []), ...(container.items ?? [])]) {
      if (isShareNode(node) && node.share_rights !== undefined && (node.share_rights as ShareRights).read)
        found.set(node.share_id, node as OpenedShareNode);
      visit(node as Container);
    }
  };
  visit(tree);
  return found;
}

/** The shares whose stored content differs between two trees, as they stand in `after`. */
export function changedShares(before: DatastoreTree, after: DatastoreTree): OpenedShareNode[] {
  const old = openedShares(before);
  const changed: OpenedShareNode[] = [];
  for (const [shareId, node] of openedShares(after)) {
    const previous = old.get(shareId);
    if (!previous || JSON.stringify(shareForm(previous)) !== JSON.stringify(shareForm(node)))
      changed.push(node);
  }
  return changed;
}

/**
 * The innermost share holding the node (with `self`, the node itself when it is a share); undefined
 * when only the datastore holds it.
 */
export function enclosingShare(tree: DatastoreTree, id: string, self = true): OpenedShareNode | undefined {
  const found = findNode(tree, id);
  if (!found) return undefined;
  if (self && isShareNode(found.node)) return found.node as OpenedShareNode;
  for (const folderId of [...found.path].reverse()) {
    const folder = findNode(tree, folderId)?.node;
    if (folder && isShareNode(folder)) return folder as OpenedShareNode;
  }
  return undefined;
}

function writable(share: OpenedShareNode | undefined): boolean {
  return share === undefined || share.share_rights?.write === true;
}

/** Whether the entry's or folder's content (an entry's fields, a folder's children) may change. */
export function canEditContent(tree: DatastoreTree, id: string | null): boolean {
  return id === null || writable(enclosingShare(tree, id));
}

/** Whether the node may be renamed, moved or deleted: its content and its place must be writable. */
export function canChangeNode(tree: DatastoreTree, id: string): boolean {
  return writable(enclosingShare(tree, id)) && writable(enclosingShare(tree, id, false));
}

/** The share that holds children added to the folder (`null`: the root, the datastore's). */
export function shareHoldingChildren(tree: DatastoreTree, folderId: string | null): string | undefined {
  return folderId === null ? undefined : enclosingShare(tree, folderId)?.share_id;
}

/**
 * Refuses a move that would carry a node from one share (or the datastore) into another: its
 * secrets' links would have to move with it, which this client does not do.
 */
export function checkMove(tree: DatastoreTree, id: string, target: string | null): void {
  if (!canChangeNode(tree, id) || !canEditContent(tree, target))
    throw new ShareAccessError('READ_ONLY', 'this share may only be read');
  if (enclosingShare(tree, id, false)?.share_id !== shareHoldingChildren(tree, target))
    throw new ShareAccessError('CROSSES_SHARE', 'a move between a share and its outside');
}

/** Every share a change touched must be writable. */
export function checkWritable(changed: readonly OpenedShareNode[]): void {
  for (const share of changed)
    if (!share.share_rights.write) throw new ShareAccessError('READ_ONLY', 'this share may only be read');
}
