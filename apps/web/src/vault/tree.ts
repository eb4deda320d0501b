/**
 * The password datastore's tree in Psono's format: `{folders: [...], items: [...]}` at the root,
 * folders nesting the same way. Every operation returns a new tree and leaves fields it does not
 * know untouched, so that whatever the official client (or a newer version of it) stored survives
 * a save from this client. Deleting marks `deleted: true` on the node (Psono's trash); restoring
 * removes the mark; the node itself stays where it was.
 */

/** An entry in the tree: its secret's id and key, and what the list shows without decrypting. */
export interface VaultItem {
  id: string;
  type?: string;
  name?: string;
  description?: string;
  secret_id?: string;
  secret_key?: string;
  urlfilter?: string;
  deleted?: boolean;
  /** a shared entry: its contents live in a share, not in this datastore */
  share_id?: string;
  [field: string]: unknown;
}

export interface VaultFolder {
  id: string;
  name?: string;
  folders?: VaultFolder[];
  items?: VaultItem[];
  deleted?: boolean;
  share_id?: string;
  [field: string]: unknown;
}

export interface DatastoreTree {
  folders?: VaultFolder[];
  items?: VaultItem[];
  [field: string]: unknown;
}

type Container = DatastoreTree | VaultFolder;

export type NodeKind = 'folder' | 'item';

export interface FoundNode {
  kind: NodeKind;
  node: VaultFolder | VaultItem;
  /** the folder holding it, undefined at the root */
  parent: VaultFolder | undefined;
  /** ids of the folders from the root down to the parent */
  path: string[];
}

/** Thrown for an operation the tree cannot take (unknown id, a folder into itself). */
export class TreeError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'INTO_ITSELF',
    message: string,
  ) {
    super(message);
    this.name = 'TreeError';
  }
}

/** Calls `visit` for every folder and item, depth first, parents before children. */
export function walk(
  tree: DatastoreTree,
  visit: (found: FoundNode) => void,
  container: Container = tree,
  parent: VaultFolder | undefined = undefined,
  path: string[] = [],
): void {
  for (const folder of container.folders ?? []) {
    visit({ kind: 'folder', node: folder, parent, path });
    walk(tree, visit, folder, folder, [...path, folder.id]);
  }
  for (const item of container.items ?? []) visit({ kind: 'item', node: item, parent, path });
}

export function findNode(tree: DatastoreTree, id: string): FoundNode | undefined {
  let found: FoundNode | undefined;
  walk(tree, (candidate) => {
    if (found === undefined && candidate.node.id === id) found = candidate;
  });
  return found;
}

function requireNode(tree: DatastoreTree, id: string): FoundNode {
  const found = findNode(tree, id);
  if (!found) throw new TreeError('NOT_FOUND', `no folder or entry ${id}`);
  return found;
}

function containerOf(tree: DatastoreTree, folderId: string | null): Container {
  if (folderId === null) return tree;
  const found = requireNode(tree, folderId);
  if (found.kind !== 'folder') throw new TreeError('NOT_FOUND', `${folderId} is not a folder`);
  return found.node as VaultFolder;
}

/** A deep copy: the trees are plain JSON. */
function copy(tree: DatastoreTree): DatastoreTree {
  return structuredClone(tree);
}

/** Whether the node or one of its folders is in the trash. */
export function isInTrash(found: FoundNode, tree: DatastoreTree): boolean {
  if (found.node.deleted === true) return true;
  return found.path.some((id) => findNode(tree, id)?.node.deleted === true);
}

export function addFolder(tree: DatastoreTree, parentId: string | null, folder: VaultFolder): DatastoreTree {
  const next = copy(tree);
  const container = containerOf(next, parentId);
  container.folders = [...(container.folders ?? []), folder];
  return next;
}

export function addItem(tree: DatastoreTree, parentId: string | null, item: VaultItem): DatastoreTree {
  const next = copy(tree);
  const container = containerOf(next, parentId);
  container.items = [...(container.items ?? []), item];
  return next;
}

/** Sets the given fields of a folder or entry (`undefined` removes one); every other field stays. */
export function updateNode(
  tree: DatastoreTree,
  id: string,
  fields: Partial<Record<string, unknown>>,
): DatastoreTree {
  const next = copy(tree);
  const { node } = requireNode(next, id);
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'id' || key === 'folders' || key === 'items') continue;
    if (value === undefined) delete node[key];
    else node[key] = value;
  }
  return next;
}

export function renameNode(tree: DatastoreTree, id: string, name: string): DatastoreTree {
  return updateNode(tree, id, { name });
}

/** Moves a folder or entry into another folder (`null`: the root), keeping every field. */
export function moveNode(tree: DatastoreTree, id: string, targetFolderId: string | null): DatastoreTree {
  const next = copy(tree);
  const found = requireNode(next, id);
  if (found.kind === 'folder' && targetFolderId !== null) {
    const target = requireNode(next, targetFolderId);
    if (targetFolderId === id || target.path.includes(id))
      throw new TreeError('INTO_ITSELF', 'a folder cannot move into itself');
  }
  const target = containerOf(next, targetFolderId);
  const source: Container = found.parent ?? next;
  if (source === target) return next;
  if (found.kind === 'folder') {
    source.folders = (source.folders ?? []).filter((folder) => folder.id !== id);
    target.folders = [...(target.folders ?? []), found.node as VaultFolder];
  } else {
    source.items = (source.items ?? []).filter((item) => item.id !== id);
    target.items = [...(target.items ?? []), found.node as VaultItem];
  }
  return next;
}

/** Psono's trash: the node is marked, not removed. */
export function moveToTrash(tree: DatastoreTree, id: string): DatastoreTree {
  return updateNode(tree, id, { deleted: true });
}

export function restoreFromTrash(tree: DatastoreTree, id: string): DatastoreTree {
  return updateNode(tree, id, { deleted: undefined });
}

/** Removes a node for good (emptying the trash); returns the entries that went with it. */
export function removeNode(
  tree: DatastoreTree,
  id: string,
): { tree: DatastoreTree; removedItems: VaultItem[] } {
  const next = copy(tree);
  const found = requireNode(next, id);
  const source: Container = found.parent ?? next;
  const removedItems: VaultItem[] = [];
  if (found.kind === 'folder') {
    source.folders = (source.folders ?? []).filter((folder) => folder.id !== id);
    walk({ folders: [found.node as VaultFolder] }, (inner) => {
      if (inner.kind === 'item') removedItems.push(inner.node as VaultItem);
    });
  } else {
    source.items = (source.items ?? []).filter((item) => item.id !== id);
    removedItems.push(found.node as VaultItem);
  }
  return { tree: next, removedItems };
}

export interface ListedEntry {
  item: VaultItem;
  /** folder names from the root down */
  folderNames: string[];
  inTrash: boolean;
}

/** Every entry with its folder path, for the list and the search. */
export function listEntries(tree: DatastoreTree): ListedEntry[] {
  const entries: ListedEntry[] = [];
  const visitFolder = (container: Container, names: string[], trashed: boolean) => {
    for (const folder of container.folders ?? [])
      visitFolder(folder, [...names, folder.name ?? ''], trashed || folder.deleted === true);
    for (const item of container.items ?? [])
      entries.push({ item, folderNames: names, inTrash: trashed || item.deleted === true });
  };
  visitFolder(tree, [], false);
  return entries;
}

/**
 * Entries whose name, description (the username), URL filter or folder contains every word of the
 * query, case-insensitive. Trashed entries are never found.
 */
export function searchEntries(entries: readonly ListedEntry[], query: string): ListedEntry[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return entries.filter((entry) => !entry.inTrash);
  return entries.filter((entry) => {
    if (entry.inTrash) return false;
    const haystack = [entry.item.name, entry.item.description, entry.item.urlfilter, ...entry.folderNames]
      .filter((part): part is string => typeof part === 'string')
      .join('\n')
      .toLocaleLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}
