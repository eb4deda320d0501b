/**
 * One opened password datastore: its key, its decrypted tree and the writes that keep the server's
 * copy in step. Every change seals the whole tree again and writes it with the write date it was
 * read at, so a change made meanwhile in another client is never overwritten: the store reloads
 * and the user repeats the change.
 */
import { ApiError, nobleCrypto } from '@ldap-login/protocol';
import { type Accessor, createMemo, createSignal } from 'solid-js';
import { ClientError } from '../api/client-error.ts';
import type { VaultClient } from '../api/vault-client.ts';
import {
  newId,
  newSecretKey,
  openKey,
  openSecret,
  openTree,
  type SecretFields,
  sealKey,
  sealSecret,
  sealTree,
} from './datastore-codec.ts';
import {
  type EditableFields,
  type EditableType,
  isEditableType,
  itemSummary,
  writeFields,
} from './entry-types.ts';
import { type ShareNode, shareReference } from './share-codec.ts';
import {
  canChangeNode,
  canEditContent,
  changedShares,
  checkMove,
  checkWritable,
  datastoreForm,
  openShares,
  ShareAccessError,
  shareForm,
  shareHoldingChildren,
} from './share-tree.ts';
import {
  addFolder,
  addItem,
  type DatastoreTree,
  findNode,
  type ListedEntry,
  listEntries,
  moveNode,
  moveToTrash,
  renameNode,
  restoreFromTrash,
  updateNode,
  type VaultItem,
  walk,
} from './tree.ts';

/** The tree changed on the server since it was read; it has been reloaded. */
export class VaultConflictError extends Error {
  constructor() {
    super('the datastore changed elsewhere');
    this.name = 'VaultConflictError';
  }
}

/** Psono's default password datastore, as its client creates it on first use. */
const DEFAULT_TYPE = 'password';
const DEFAULT_DESCRIPTION = 'Default';

export class VaultStore {
  readonly tree: Accessor<DatastoreTree>;
  readonly entries: Accessor<ListedEntry[]>;
  private readonly setTree: (tree: DatastoreTree) => void;
  private datastoreId = '';
  private datastoreKey = '';
  private writeDate: string | undefined;
  /** writes run one after another, each on the tree the previous one left */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: VaultClient,
    private userSecretKey: string,
  ) {
    const [tree, setTree] = createSignal<DatastoreTree>({});
    this.tree = tree;
    this.setTree = setTree;
    this.entries = createMemo(() => listEntries(tree()));
  }

  /** Opens the default password datastore, creating it when the user has none (first use). */
  async open(): Promise<void> {
    const datastores = await this.client.listDatastores();
    let id = datastores.find((store) => store.type === DEFAULT_TYPE && store.is_default)?.id;
    if (id === undefined) {
      const sealed = sealKey(nobleCrypto, newSecretKey(nobleCrypto), this.userSecretKey);
      id = await this.client.createDatastore({
        type: DEFAULT_TYPE,
        description: DEFAULT_DESCRIPTION,
        data: '',
        data_nonce: '',
        is_default: true,
        secret_key: sealed.text,
        secret_key_nonce: sealed.nonce,
      });
    }
    this.datastoreId = id;
    await this.reload();
  }

  private async reload(): Promise<void> {
    const stored = await this.client.readDatastore(this.datastoreId);
    this.datastoreKey = openKey(
      nobleCrypto,
      { text: stored.secret_key, nonce: stored.secret_key_nonce },
      this.userSecretKey,
    );
    this.writeDate = stored.write_date;
    const tree = openTree(nobleCrypto, { text: stored.data, nonce: stored.data_nonce }, this.datastoreKey);
    // Shares open with their own keys; the server reports the rights on each.
    const opened = await openShares(nobleCrypto, tree, async (shareId) => {
      const share = await this.client.readShare(shareId);
      return { data: { text: share.data, nonce: share.data_nonce }, rights: share.rights };
    });
    this.setTree(opened.tree);
  }

  /**
   * Applies `change` to the current tree and writes the result: each share it touched with the
   * share's own key (refused before anything is written when one is read-only), then the
   * datastore, which holds share nodes as references only.
   */
  private commit(change: (tree: DatastoreTree) => DatastoreTree): Promise<void> {
    const run = this.queue.then(async () => {
      const before = this.tree();
      const next = change(before);
      const shares = changedShares(before, next);
      checkWritable(shares);
      for (const share of shares) {
        const sealed = sealSecret(nobleCrypto, shareForm(share), share.share_secret_key);
        await this.client.updateShare({
          share_id: share.share_id,
          data: sealed.text,
          data_nonce: sealed.nonce,
        });
      }
      const stored = datastoreForm(next);
      if (JSON.stringify(stored) === JSON.stringify(datastoreForm(before))) {
        this.setTree(next);
        return;
      }
      const sealed = sealTree(nobleCrypto, stored, this.datastoreKey);
      try {
        this.writeDate = await this.client.updateDatastore({
          datastore_id: this.datastoreId,
          data: sealed.text,
          data_nonce: sealed.nonce,
          ...(this.writeDate ? { old_write_date: this.writeDate } : {}),
        });
      } catch (error) {
        if (
          error instanceof ClientError &&
          error.cause instanceof ApiError &&
          error.cause.code === 'WRITE_DATE_MISMATCH'
        ) {
          await this.reload();
          throw new VaultConflictError();
        }
        throw error;
      }
      this.setTree(next);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async readSecret(item: VaultItem): Promise<SecretFields> {
    if (!item.secret_id || !item.secret_key) return {};
    const stored = await this.client.readSecret(item.secret_id);
    return openSecret(nobleCrypto, { text: stored.data, nonce: stored.data_nonce }, item.secret_key);
  }

  /** A new entry: its secret first (linked by the item's id, as Psono does), then the tree. */
  async createEntry(folderId: string | null, type: EditableType, form: EditableFields): Promise<VaultItem> {
    // Inside a share the secret's parent is the share (Psono's `parent_share_id`).
    const shareId = shareHoldingChildren(this.tree(), folderId);
    if (shareId !== undefined && !canEditContent(this.tree(), folderId))
      throw new ShareAccessError('READ_ONLY', 'this share may only be read');
    const id = newId();
    const secretKey = newSecretKey(nobleCrypto);
    const sealed = sealSecret(nobleCrypto, writeFields(type, form), secretKey);
    const secretId = await this.client.createSecret({
      data: sealed.text,
      data_nonce: sealed.nonce,
      link_id: id,
      ...(shareId === undefined ? { parent_datastore_id: this.datastoreId } : { parent_share_id: shareId }),
      callback_url: '',
      callback_user: '',
      callback_pass: '',
    });
    const item: VaultItem = {
      id,
      type,
      ...withoutUndefined(itemSummary(type, form)),
      secret_id: secretId,
      secret_key: secretKey,
    };
    await this.commit((tree) => addItem(tree, folderId, item));
    return item;
  }

  /** Writes the edited fields over the stored secret (fields the form lacks stay) and the item's summary. */
  async saveEntry(
    item: VaultItem,
    type: EditableType,
    form: EditableFields,
    previous: SecretFields,
  ): Promise<void> {
    if (!item.secret_id || !item.secret_key) throw new Error('this entry has no secret of its own');
    if (!canEditContent(this.tree(), item.id))
      throw new ShareAccessError('READ_ONLY', 'this share may only be read');
    const sealed = sealSecret(nobleCrypto, writeFields(type, form, previous), item.secret_key);
    await this.client.updateSecret({
      secret_id: item.secret_id,
      data: sealed.text,
      data_nonce: sealed.nonce,
    });
    await this.commit((tree) => updateNode(tree, item.id, itemSummary(type, form)));
  }

  createFolder(parentId: string | null, name: string): Promise<void> {
    if (!canEditContent(this.tree(), parentId))
      return Promise.reject(new ShareAccessError('READ_ONLY', 'this share may only be read'));
    return this.commit((tree) => addFolder(tree, parentId, { id: newId(), name }));
  }

  /**
   * Renames a folder, or an entry together with its secret's title field (`website_password_title`,
   * `note_title`, `<type>_title`), so that both clients show the new name in the list and the entry.
   */
  async rename(id: string, name: string): Promise<void> {
    if (!canChangeNode(this.tree(), id))
      throw new ShareAccessError('READ_ONLY', 'this share may only be read');
    const item = findNode(this.tree(), id);
    if (item?.kind === 'item') {
      const entry = item.node as VaultItem;
      const titleField = `${entry.type ?? ''}_title`;
      const fields = await this.readSecret(entry);
      if (entry.secret_id && entry.secret_key && (isEditableType(entry.type) || titleField in fields)) {
        const sealed = sealSecret(nobleCrypto, { ...fields, [titleField]: name }, entry.secret_key);
        await this.client.updateSecret({
          secret_id: entry.secret_id,
          data: sealed.text,
          data_nonce: sealed.nonce,
        });
      }
    }
    await this.commit((tree) => renameNode(tree, id, name));
  }

  /** Within one datastore a move only changes the tree; the secrets' links keep their parent. */
  move(id: string, folderId: string | null): Promise<void> {
    return this.commit((tree) => {
      checkMove(tree, id, folderId);
      return moveNode(tree, id, folderId);
    });
  }

  trash(id: string): Promise<void> {
    return this.commit((tree) => {
      if (!canChangeNode(tree, id)) throw new ShareAccessError('READ_ONLY', 'this share may only be read');
      return moveToTrash(tree, id);
    });
  }

  restore(id: string): Promise<void> {
    return this.commit((tree) => {
      if (!canChangeNode(tree, id)) throw new ShareAccessError('READ_ONLY', 'this share may only be read');
      return restoreFromTrash(tree, id);
    });
  }

  /**
   * Places an accepted share at the top level: linked under the datastore, its reference written
   * into the tree, then opened with the rights the server reports.
   */
  async placeShare(node: ShareNode, kind: 'folder' | 'item'): Promise<void> {
    // A share already in the vault is not placed twice (Psono's client checks the same).
    let present = false;
    walk(this.tree(), ({ node: other }) => {
      if (other.share_id === node.share_id) present = true;
    });
    if (present) return;
    await this.client.createShareLink({
      link_id: node.id,
      share_id: node.share_id,
      parent_datastore_id: this.datastoreId,
    });
    const reference = shareReference(node);
    await this.commit((tree) =>
      kind === 'folder' ? addFolder(tree, null, reference) : addItem(tree, null, reference),
    );
    await this.queue.then(() => this.reload());
  }

  /** Forgets the keys and the decrypted tree (lock, sign-out). */
  close(): void {
    this.userSecretKey = '';
    this.datastoreKey = '';
    this.setTree({});
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
