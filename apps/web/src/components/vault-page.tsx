import { nobleCrypto } from '@ldap-login/protocol';
import {
  createMemo,
  createResource,
  createSignal,
  For,
  Match,
  onCleanup,
  onMount,
  Show,
  Switch,
} from 'solid-js';
import { ClientError } from '../api/client-error.ts';
import type { Session } from '../api/session-client.ts';
import { VaultClient } from '../api/vault-client.ts';
import { t } from '../i18n/i18n.ts';
import { useSession } from '../state/session-context.tsx';
import { clearClipboardNow, copyWithExpiry } from '../vault/clipboard.ts';
import type { SecretFields } from '../vault/datastore-codec.ts';
import { type EditableFields, type EditableType, isEditableType, readFields } from '../vault/entry-types.ts';
import { acceptInvitation, type GroupInvitation, pendingInvitations } from '../vault/group-invitations.ts';
import { GROUP_KEY_JOB_INTERVAL_MS, runGroupKeyJobs } from '../vault/group-key-jobs.ts';
import type { ShareRights } from '../vault/share-codec.ts';
import { acceptOffer, pendingOffers, type ShareOffer } from '../vault/share-offers.ts';
import { canChangeNode, canEditContent, ShareAccessError } from '../vault/share-tree.ts';
import {
  type DatastoreTree,
  findNode,
  type ListedEntry,
  searchEntries,
  type VaultFolder,
  type VaultItem,
  walk,
} from '../vault/tree.ts';
import type { OpenedKeys } from '../vault/vault-keys.ts';
import { VaultConflictError, VaultStore } from '../vault/vault-store.ts';
import { AccountPage } from './account-page.tsx';
import { EntryDialog } from './entry-dialog.tsx';
import { errorText } from './error-text.ts';
import { HelpDialog } from './help-dialog.tsx';
import { Icon } from './icons.tsx';
import { LanguageSwitch } from './language-switch.tsx';
import { MoveDialog } from './move-dialog.tsx';
import { NameDialog } from './name-dialog.tsx';

/** At most this many rows are drawn; the search narrows the rest. */
const MAX_ROWS = 300;
const DRAG_TYPE = 'application/x-vault-node';

type View = { kind: 'all' } | { kind: 'trash' } | { kind: 'offers' } | { kind: 'folder'; id: string };

type Modal =
  | { kind: 'entry'; item?: VaultItem }
  | { kind: 'newFolder' }
  | { kind: 'rename'; id: string; name: string }
  | { kind: 'move'; id: string; name: string }
  | { kind: 'help' };

interface DropTarget {
  onDragOver: (event: DragEvent) => void;
  onDrop: (event: DragEvent) => void;
}

interface DragSource {
  draggable: true;
  onDragStart: (event: DragEvent) => void;
}

/** What the trash lists: every node carrying Psono's `deleted` mark. */
interface TrashedNode {
  id: string;
  name: string;
  kind: 'folder' | 'item';
}

function trashedNodes(tree: DatastoreTree): TrashedNode[] {
  const found: TrashedNode[] = [];
  walk(tree, ({ kind, node }) => {
    if (node.deleted === true) found.push({ id: node.id, name: node.name ?? '', kind });
  });
  return found;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

function safeUrl(value: string): string | undefined {
  try {
    const url = new URL(value.includes('://') ? value : `https://${value}`);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The unlocked vault: folders, entries, search, and every action by mouse and by key. */
export function VaultPage(props: { session: Session; keys: OpenedKeys; onLock: () => void }) {
  const state = useSession();
  const client = new VaultClient(props.session, state.fetch);
  const store = new VaultStore(client, props.keys.secretKey);
  // Hands group keys to forced members now and every 10 minutes (needs the private key).
  let jobTimer: ReturnType<typeof setInterval> | undefined;
  const runJobs = () => {
    if (props.keys.privateKey === '') return;
    runGroupKeyJobs(nobleCrypto, client, props.keys).catch((error: unknown) => guard(error));
  };
  onCleanup(() => {
    if (jobTimer !== undefined) clearInterval(jobTimer);
    store.close();
    clearClipboardNow();
  });

  const guard = (error: unknown) => {
    if (error instanceof ClientError && error.code === 'SESSION_EXPIRED')
      state.sessionLost(t('notice.sessionEnded'));
  };
  const [opened, { refetch }] = createResource(async () => {
    try {
      await store.open();
      if (jobTimer === undefined) {
        runJobs();
        jobTimer = setInterval(runJobs, GROUP_KEY_JOB_INTERVAL_MS);
      }
      return true;
    } catch (error) {
      guard(error);
      throw error;
    }
  });

  // Shares offered to the user; their keys are boxed for the private key.
  const [offers, { refetch: refetchOffers }] = createResource(
    () => opened.state === 'ready' && props.keys.privateKey !== '',
    async (ready): Promise<ShareOffer[]> => {
      if (!ready) return [];
      try {
        return pendingOffers(nobleCrypto, await client.listShareRights(), props.keys);
      } catch (error) {
        // The vault works without the offers; they are asked for again on the next opening.
        guard(error);
        return [];
      }
    },
  );
  const [invitations, { refetch: refetchInvitations }] = createResource(
    () => opened.state === 'ready' && props.keys.privateKey !== '',
    async (ready): Promise<GroupInvitation[]> => {
      if (!ready) return [];
      try {
        return pendingInvitations(await client.listGroups());
      } catch (error) {
        guard(error);
        return [];
      }
    },
  );
  const pendingCount = () => (offers() ?? []).length + (invitations() ?? []).length;
  const leaveEmptyPending = () => {
    if (pendingCount() === 0) setView({ kind: 'all' });
  };
  const acceptGroup = (invitation: GroupInvitation) =>
    act(
      async () => {
        const shares = await acceptInvitation(nobleCrypto, client, invitation, props.keys);
        for (const { node, kind } of shares) await store.placeShare(node, kind);
        await refetchInvitations();
        leaveEmptyPending();
      },
      t('offers.joined', { name: invitation.name }),
    );
  const declineGroup = (invitation: GroupInvitation) =>
    act(
      async () => {
        await client.declineMembership(invitation.membershipId);
        await refetchInvitations();
        leaveEmptyPending();
      },
      t('offers.declined', { name: invitation.name }),
    );
  const acceptShare = (offer: ShareOffer) =>
    act(
      async () => {
        const { node, kind } = await acceptOffer(nobleCrypto, client, offer, props.keys);
        await store.placeShare(node, kind);
        await refetchOffers();
        leaveEmptyPending();
      },
      t('offers.accepted', { name: offer.title || t('offers.untitled') }),
    );
  const declineShare = (offer: ShareOffer) =>
    act(
      async () => {
        await client.declineShareRight(offer.shareRightId);
        await refetchOffers();
        leaveEmptyPending();
      },
      t('offers.declined', { name: offer.title || t('offers.untitled') }),
    );

  const [view, setView] = createSignal<View>({ kind: 'all' });
  const [query, setQuery] = createSignal('');
  const [modal, setModal] = createSignal<Modal>();
  const [status, setStatus] = createSignal<string>();
  const [failure, setFailure] = createSignal<string>();
  const [selected, setSelected] = createSignal<string>();
  const [showAccount, setShowAccount] = createSignal(false);
  let searchInput: HTMLInputElement | undefined;
  let listElement: HTMLUListElement | undefined;

  const shown = createMemo<ListedEntry[]>(() => {
    const entries = store.entries();
    if (query().trim() !== '') return searchEntries(entries, query());
    const current = view();
    if (current.kind === 'folder') {
      const folder = findNode(store.tree(), current.id)?.node as VaultFolder | undefined;
      const here = new Set((folder?.items ?? []).map((item) => item.id));
      return entries.filter((entry) => !entry.inTrash && here.has(entry.item.id));
    }
    return entries.filter((entry) => !entry.inTrash);
  });
  const trash = createMemo(() => trashedNodes(store.tree()));

  const folderName = (id: string | null) =>
    id === null ? t('vault.root') : ((findNode(store.tree(), id)?.node.name as string | undefined) ?? '');

  /** Runs a change, reporting its outcome in the live region. */
  const act = async (work: () => Promise<unknown>, done?: string) => {
    setFailure(undefined);
    try {
      await work();
      if (done) setStatus(done);
    } catch (error) {
      guard(error);
      if (error instanceof VaultConflictError) setFailure(t('vault.conflict'));
      else if (error instanceof ShareAccessError) setFailure(shareRefusal(error));
      else
        setFailure(
          t('vault.saveFailed', {
            reason: error instanceof ClientError ? errorText(error).message : String(error),
          }),
        );
    }
  };

  const copy = async (what: 'username' | 'password', value: string) => {
    const seconds = state.config.clipboard_clear_seconds;
    try {
      await copyWithExpiry(value, seconds, () => setStatus(t('vault.clipboardCleared')));
      setStatus(
        t('vault.copied', { what: what === 'username' ? t('entry.username') : t('entry.password'), seconds }),
      );
    } catch {
      setFailure(t('vault.copyFailed'));
    }
  };

  const secretOf = async (item: VaultItem): Promise<SecretFields> => {
    try {
      return await store.readSecret(item);
    } catch (error) {
      guard(error);
      throw error;
    }
  };

  const copyFromItem = (item: VaultItem, what: 'username' | 'password') =>
    act(async () => {
      if (!isEditableType(item.type)) return;
      const fields = readFields(item.type, await secretOf(item));
      const value = what === 'username' ? fields.username : fields.password;
      if (value !== '') await copy(what, value);
    });

  const openUrl = (item: VaultItem) =>
    act(async () => {
      if (item.type !== 'website_password') return;
      const url = safeUrl(readFields('website_password', await secretOf(item)).url);
      if (url) window.open(url, '_blank', 'noopener,noreferrer');
    });

  const saveEntry = async (
    item: VaultItem | undefined,
    type: EditableType,
    form: EditableFields,
    previous: SecretFields,
  ) => {
    const folder = view().kind === 'folder' ? (view() as { id: string }).id : null;
    try {
      if (item) await store.saveEntry(item, type, form, previous);
      else await store.createEntry(folder, type, form);
    } catch (error) {
      guard(error);
      if (error instanceof VaultConflictError) throw new Error(t('vault.conflict'));
      if (error instanceof ShareAccessError) throw new Error(shareRefusal(error));
      throw error;
    }
    setModal(undefined);
    setStatus(t('vault.saved'));
  };

  const move = (id: string, target: string | null) => {
    const name = (findNode(store.tree(), id)?.node.name as string | undefined) ?? '';
    return act(() => store.move(id, target), t('vault.moved', { name, folder: folderName(target) }));
  };

  const trashNode = (id: string) => {
    const name = (findNode(store.tree(), id)?.node.name as string | undefined) ?? '';
    return act(() => store.trash(id), t('vault.deleted', { name }));
  };

  const restoreNode = (id: string) => {
    const name = (findNode(store.tree(), id)?.node.name as string | undefined) ?? '';
    return act(() => store.restore(id), t('vault.restored', { name }));
  };

  /** The folder shown (null: everything, the root); new entries and folders go there. */
  const currentFolder = () => (view().kind === 'folder' ? (view() as { id: string }).id : null);
  /** Shares the user may only read refuse by key as they show no controls. */
  const refuseReadOnly = () => setFailure(t('vault.readOnlyRefused'));
  const ifChangeable = (id: string, action: () => void) =>
    canChangeNode(store.tree(), id) ? action() : refuseReadOnly();
  const ifAddable = (action: () => void) =>
    canEditContent(store.tree(), currentFolder()) ? action() : refuseReadOnly();

  const selectedItem = () => {
    const id = selected();
    return id ? shown().find((entry) => entry.item.id === id)?.item : undefined;
  };

  const focusRow = (index: number) => {
    const rows = listElement?.querySelectorAll<HTMLElement>('[data-entry-open]');
    if (!rows || rows.length === 0) return;
    const row = rows[Math.max(0, Math.min(rows.length - 1, index))];
    row?.focus();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (modal() || showAccount() || !opened()) return;
    const key = event.key;
    if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === 'k') {
      event.preventDefault();
      searchInput?.focus();
      return;
    }
    if (key === 'Escape' && document.activeElement === searchInput && query() !== '') {
      setQuery('');
      return;
    }
    if (isTyping(event.target) || event.ctrlKey || event.metaKey || event.altKey) {
      if (key === 'ArrowDown' && event.target === searchInput) {
        event.preventDefault();
        focusRow(0);
      }
      return;
    }
    const item = selectedItem();
    const index = shown().findIndex((entry) => entry.item.id === selected());
    const handlers: Record<string, () => void> = {
      '/': () => searchInput?.focus(),
      n: () => ifAddable(() => setModal({ kind: 'entry' })),
      N: () => ifAddable(() => setModal({ kind: 'newFolder' })),
      '?': () => setModal({ kind: 'help' }),
      l: () => props.onLock(),
      ArrowDown: () => focusRow(index + 1),
      j: () => focusRow(index + 1),
      ArrowUp: () => focusRow(index - 1),
      k: () => focusRow(index - 1),
      u: () => item && void copyFromItem(item, 'username'),
      p: () => item && void copyFromItem(item, 'password'),
      o: () => item && void openUrl(item),
      m: () =>
        item && ifChangeable(item.id, () => setModal({ kind: 'move', id: item.id, name: item.name ?? '' })),
      F2: () =>
        item && ifChangeable(item.id, () => setModal({ kind: 'rename', id: item.id, name: item.name ?? '' })),
      Delete: () => item && ifChangeable(item.id, () => void trashNode(item.id)),
    };
    const handler = handlers[key];
    if (handler) {
      event.preventDefault();
      handler();
    }
  };
  onMount(() => document.addEventListener('keydown', onKeyDown));
  onCleanup(() => document.removeEventListener('keydown', onKeyDown));

  const dropProps = (target: string | null): DropTarget => ({
    onDragOver: (event: DragEvent) => {
      if (event.dataTransfer?.types.includes(DRAG_TYPE)) {
        event.preventDefault();
        event.dataTransfer.dropEffect = 'move';
      }
    },
    onDrop: (event: DragEvent) => {
      const id = event.dataTransfer?.getData(DRAG_TYPE);
      if (!id) return;
      event.preventDefault();
      if (id !== target) void move(id, target);
    },
  });
  const dragProps = (id: string): DragSource => ({
    draggable: true,
    onDragStart: (event: DragEvent) => {
      event.dataTransfer?.setData(DRAG_TYPE, id);
      if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move';
    },
  });

  const FolderBranch = (branch: { folders: VaultFolder[] | undefined; depth: number }) => (
    <ul class={branch.depth === 0 ? 'folder-tree' : 'folder-branch'}>
      <For each={(branch.folders ?? []).filter((folder) => !folder.deleted)}>
        {(folder) => (
          <li>
            <div class="folder-row" {...dropProps(folder.id)}>
              <button
                type="button"
                class="folder-button"
                classList={{
                  active: view().kind === 'folder' && (view() as { id: string }).id === folder.id,
                }}
                aria-current={
                  view().kind === 'folder' && (view() as { id: string }).id === folder.id ? 'true' : undefined
                }
                onClick={() => {
                  setQuery('');
                  setView({ kind: 'folder', id: folder.id });
                }}
                {...(canChangeNode(store.tree(), folder.id) ? dragProps(folder.id) : {})}
              >
                <Icon name="folder" />
                {folder.name}
                <Show when={folder.share_id !== undefined}>
                  <ShareMark rights={folder.share_rights as ShareRights | undefined} />
                </Show>
              </button>
              <Show when={canChangeNode(store.tree(), folder.id)}>
                <details class="menu">
                  <summary class="menu-button" aria-label={t('vault.actions', { name: folder.name ?? '' })}>
                    ⋯
                  </summary>
                  <div class="menu-items">
                    <button
                      type="button"
                      onClick={menuAction(() =>
                        setModal({ kind: 'rename', id: folder.id, name: folder.name ?? '' }),
                      )}
                    >
                      {t('vault.rename')}
                    </button>
                    <button
                      type="button"
                      onClick={menuAction(() =>
                        setModal({ kind: 'move', id: folder.id, name: folder.name ?? '' }),
                      )}
                    >
                      {t('vault.moveTo')}
                    </button>
                    <button type="button" onClick={menuAction(() => void trashNode(folder.id))}>
                      {t('vault.delete')}
                    </button>
                  </div>
                </details>
              </Show>
            </div>
            <Show when={(folder.folders ?? []).length > 0}>
              <FolderBranch folders={folder.folders} depth={branch.depth + 1} />
            </Show>
          </li>
        )}
      </For>
    </ul>
  );

  const heading = () => {
    if (query().trim() !== '') return t('vault.searchResults', { count: shown().length });
    const current = view();
    if (current.kind === 'trash') return t('vault.trash');
    if (current.kind === 'offers') return t('offers.title');
    if (current.kind === 'folder') return folderName(current.id);
    return t('vault.allEntries');
  };

  return (
    <Show
      when={!showAccount()}
      fallback={
        <>
          <div class="vault-back">
            <button type="button" class="button secondary small" onClick={() => setShowAccount(false)}>
              {t('vault.back')}
            </button>
          </div>
          <AccountPage session={props.session} />
        </>
      }
    >
      <div class="page page-vault">
        <header class="topbar vault-topbar">
          <div class="topbar-brand">
            <span class="topbar-server" title={props.session.serverUrl} data-testid="server-title">
              {props.session.serverTitle ?? props.session.serverUrl}
            </span>
          </div>
          <search class="vault-search">
            <label for="vault-search" class="visually-hidden">
              {t('vault.search')}
            </label>
            <input
              id="vault-search"
              ref={searchInput}
              class="input"
              type="search"
              placeholder={t('vault.search')}
              autocomplete="off"
              value={query()}
              onInput={(event) => setQuery(event.currentTarget.value)}
            />
          </search>
          <nav class="topbar-actions" aria-label={t('vault.nav')}>
            <LanguageSwitch />
            <button
              type="button"
              class="button secondary small"
              onClick={() => setModal({ kind: 'help' })}
              aria-keyshortcuts="?"
            >
              <span aria-hidden="true">?</span>
              <span class="visually-hidden">{t('vault.help')}</span>
            </button>
            <button type="button" class="button secondary small" onClick={() => setShowAccount(true)}>
              {t('vault.account')}
            </button>
            <button type="button" class="button secondary small" onClick={props.onLock} aria-keyshortcuts="l">
              {t('vault.lock')}
            </button>
            <button type="button" class="button secondary small" onClick={() => void state.signOut()}>
              {t('vault.signOut')}
            </button>
          </nav>
        </header>
        <div class="visually-hidden" role="status" aria-live="polite">
          {status()}
        </div>
        <Switch>
          <Match when={opened.error}>
            <main class="vault-main">
              <div class="alert alert-severe" role="alert">
                <p>
                  {t('vault.openFailed', {
                    reason:
                      opened.error instanceof ClientError
                        ? errorText(opened.error).message
                        : String(opened.error),
                  })}
                </p>
                <button type="button" class="button primary" onClick={() => void refetch()}>
                  {t('vault.retry')}
                </button>
              </div>
            </main>
          </Match>
          <Match when={opened.loading}>
            <main class="vault-main">
              <p class="muted" role="status">
                {t('vault.opening')}
              </p>
            </main>
          </Match>
          <Match when={opened()}>
            <div class="vault-layout">
              <aside class="vault-sidebar" aria-label={t('vault.folders')}>
                <div class="sidebar-actions">
                  <Show when={canEditContent(store.tree(), currentFolder())}>
                    <button
                      type="button"
                      class="button primary small"
                      onClick={() => setModal({ kind: 'entry' })}
                      aria-keyshortcuts="n"
                    >
                      {t('vault.newEntry')}
                    </button>
                    <button
                      type="button"
                      class="button secondary small"
                      onClick={() => setModal({ kind: 'newFolder' })}
                      aria-keyshortcuts="Shift+N"
                    >
                      {t('vault.newFolder')}
                    </button>
                  </Show>
                </div>
                <div class="folder-row" {...dropProps(null)}>
                  <button
                    type="button"
                    class="folder-button"
                    classList={{ active: view().kind === 'all' && query() === '' }}
                    onClick={() => {
                      setQuery('');
                      setView({ kind: 'all' });
                    }}
                  >
                    {t('vault.allEntries')}
                  </button>
                </div>
                <FolderBranch folders={store.tree().folders} depth={0} />
                <div class="folder-row">
                  <button
                    type="button"
                    class="folder-button"
                    classList={{ active: view().kind === 'trash' }}
                    onClick={() => {
                      setQuery('');
                      setView({ kind: 'trash' });
                    }}
                  >
                    <Icon name="trash" />
                    {t('vault.trash')} ({trash().length})
                  </button>
                </div>
                <Show when={pendingCount() > 0}>
                  <div class="folder-row">
                    <button
                      type="button"
                      class="folder-button"
                      classList={{ active: view().kind === 'offers' }}
                      onClick={() => {
                        setQuery('');
                        setView({ kind: 'offers' });
                      }}
                    >
                      {t('offers.title')} ({pendingCount()})
                    </button>
                  </div>
                </Show>
                <p class="muted small">{t('vault.dragHint')}</p>
              </aside>
              <main class="vault-main" aria-labelledby="vault-heading">
                <h1 id="vault-heading" class="vault-heading">
                  {heading()}
                </h1>
                <Show when={failure()}>
                  <p class="alert" role="alert">
                    {failure()}
                  </p>
                </Show>
                <Show
                  when={view().kind !== 'offers' || query().trim() !== ''}
                  fallback={
                    <PendingLists
                      offers={offers() ?? []}
                      invitations={invitations() ?? []}
                      onAccept={acceptShare}
                      onDecline={declineShare}
                      onJoin={acceptGroup}
                      onRefuse={declineGroup}
                    />
                  }
                >
                  <Show
                    when={view().kind !== 'trash' || query().trim() !== ''}
                    fallback={
                      <Show when={trash().length > 0} fallback={<p class="muted">{t('vault.trashEmpty')}</p>}>
                        <ul class="entry-list">
                          <For each={trash()}>
                            {(node) => (
                              <li class="entry-row">
                                <span class="entry-name">
                                  <Show when={node.kind === 'folder'}>
                                    <Icon name="folder" />
                                  </Show>
                                  {node.name}
                                </span>
                                <button
                                  type="button"
                                  class="button secondary small"
                                  onClick={() => void restoreNode(node.id)}
                                >
                                  {t('vault.restore')}
                                  <span class="visually-hidden"> {node.name}</span>
                                </button>
                              </li>
                            )}
                          </For>
                        </ul>
                      </Show>
                    }
                  >
                    <Show
                      when={shown().length > 0}
                      fallback={<p class="muted">{query() ? t('vault.noResults') : t('vault.empty')}</p>}
                    >
                      <ul class="entry-list" ref={listElement} aria-label={t('vault.entries')}>
                        <For each={shown().slice(0, MAX_ROWS)}>
                          {(entry) => (
                            <EntryRow
                              entry={entry}
                              selected={selected() === entry.item.id}
                              onSelect={() => setSelected(entry.item.id)}
                              onOpen={() => setModal({ kind: 'entry', item: entry.item })}
                              onCopy={(what) => void copyFromItem(entry.item, what)}
                              onOpenUrl={() => void openUrl(entry.item)}
                              onRename={() =>
                                setModal({ kind: 'rename', id: entry.item.id, name: entry.item.name ?? '' })
                              }
                              onMove={() =>
                                setModal({ kind: 'move', id: entry.item.id, name: entry.item.name ?? '' })
                              }
                              onTrash={() => void trashNode(entry.item.id)}
                              editable={canEditContent(store.tree(), entry.item.id)}
                              changeable={canChangeNode(store.tree(), entry.item.id)}
                              drag={dragProps(entry.item.id)}
                            />
                          )}
                        </For>
                      </ul>
                      <Show when={shown().length > MAX_ROWS}>
                        <p class="muted small" role="note">
                          {t('vault.moreRows', { shown: MAX_ROWS, count: shown().length })}
                        </p>
                      </Show>
                    </Show>
                  </Show>
                </Show>
              </main>
            </div>
          </Match>
        </Switch>
        <Switch>
          <Match when={modal()?.kind === 'entry' && (modal() as Extract<Modal, { kind: 'entry' }>)}>
            {(entryModal) => (
              <EntryDialog
                {...(entryModal().item ? { item: entryModal().item } : {})}
                readOnlyShare={
                  entryModal().item !== undefined &&
                  !canEditContent(store.tree(), (entryModal().item as VaultItem).id)
                }
                readSecret={secretOf}
                onSave={(type, form, previous) => saveEntry(entryModal().item, type, form, previous)}
                onCopy={(what, value) => void copy(what, value)}
                onClose={() => setModal(undefined)}
              />
            )}
          </Match>
          <Match when={modal()?.kind === 'newFolder'}>
            <NameDialog
              title={t('vault.newFolder')}
              label={t('vault.folderName')}
              confirmLabel={t('vault.create')}
              onDone={(name) => {
                setModal(undefined);
                const parent = currentFolder();
                if (name) void act(() => store.createFolder(parent, name), t('vault.saved'));
              }}
            />
          </Match>
          <Match when={modal()?.kind === 'rename' && (modal() as Extract<Modal, { kind: 'rename' }>)}>
            {(rename) => (
              <NameDialog
                title={t('vault.rename')}
                label={t('vault.newName')}
                initial={rename().name}
                confirmLabel={t('vault.save')}
                onDone={(name) => {
                  const id = rename().id;
                  setModal(undefined);
                  if (name) void act(() => store.rename(id, name), t('vault.saved'));
                }}
              />
            )}
          </Match>
          <Match when={modal()?.kind === 'move' && (modal() as Extract<Modal, { kind: 'move' }>)}>
            {(moving) => (
              <MoveDialog
                name={moving().name}
                tree={store.tree()}
                movingId={moving().id}
                onDone={(target) => {
                  const id = moving().id;
                  setModal(undefined);
                  if (target) void move(id, target.id);
                }}
              />
            )}
          </Match>
          <Match when={modal()?.kind === 'help'}>
            <HelpDialog onClose={() => setModal(undefined)} />
          </Match>
        </Switch>
      </div>
    </Show>
  );
}

/** A chosen menu item closes its menu, then acts. */
function menuAction(action: () => void) {
  return (event: MouseEvent) => {
    const details = (event.currentTarget as HTMLElement).closest('details');
    if (details) details.open = false;
    action();
  };
}

function EntryRow(props: {
  entry: ListedEntry;
  selected: boolean;
  onSelect: () => void;
  onOpen: () => void;
  onCopy: (what: 'username' | 'password') => void;
  onOpenUrl: () => void;
  onRename: () => void;
  onMove: () => void;
  onTrash: () => void;
  /** its fields may change (false in a read-only share) */
  editable: boolean;
  /** it may be renamed, moved, deleted */
  changeable: boolean;
  drag: DragSource;
}) {
  const item = () => props.entry.item;
  const website = () => item().type === 'website_password';
  const name = () => item().name ?? '';
  return (
    <li
      class="entry-row"
      classList={{ selected: props.selected }}
      data-entry-id={item().id}
      {...(props.changeable ? props.drag : {})}
    >
      <button
        type="button"
        class="entry-open"
        data-entry-open
        onFocus={props.onSelect}
        onClick={props.onOpen}
        aria-keyshortcuts="Enter"
      >
        <span class="entry-name">{name()}</span>
        <span class="entry-meta muted small">
          {[item().description, props.entry.folderNames.join(' / ')].filter(Boolean).join(' · ')}
        </span>
      </button>
      <div class="entry-actions">
        <Show when={website()}>
          <button
            type="button"
            class="button secondary small"
            onClick={() => props.onCopy('username')}
            aria-keyshortcuts="u"
          >
            <Icon name="user" />
            <span class="visually-hidden">
              {t('vault.copyUsername')}: {name()}
            </span>
          </button>
          <button
            type="button"
            class="button secondary small"
            onClick={() => props.onCopy('password')}
            aria-keyshortcuts="p"
          >
            <Icon name="key" />
            <span class="visually-hidden">
              {t('vault.copyPassword')}: {name()}
            </span>
          </button>
          <Show when={item().urlfilter}>
            <button
              type="button"
              class="button secondary small"
              onClick={props.onOpenUrl}
              aria-keyshortcuts="o"
            >
              <Icon name="external" />
              <span class="visually-hidden">
                {t('vault.openUrl')}: {name()}
              </span>
            </button>
          </Show>
        </Show>
        <details class="menu">
          <summary class="menu-button" aria-label={t('vault.actions', { name: name() })}>
            ⋯
          </summary>
          <div class="menu-items">
            <button type="button" onClick={menuAction(props.onOpen)}>
              {isEditableType(item().type) && props.editable ? t('vault.edit') : t('vault.details')}
            </button>
            <Show when={props.changeable}>
              <button type="button" onClick={menuAction(props.onRename)}>
                {t('vault.rename')}
              </button>
              <button type="button" onClick={menuAction(props.onMove)}>
                {t('vault.moveTo')}
              </button>
              <button type="button" onClick={menuAction(props.onTrash)}>
                {t('vault.delete')}
              </button>
            </Show>
          </div>
        </details>
      </div>
    </li>
  );
}

function shareRefusal(error: ShareAccessError): string {
  return error.code === 'CROSSES_SHARE' ? t('vault.crossesShare') : t('vault.readOnlyRefused');
}

/** Marks a shared folder, and whether it is read-only or could not be opened. */
function ShareMark(props: { rights: ShareRights | undefined }) {
  const label = () =>
    props.rights?.read !== true
      ? t('vault.sharedUnreadable')
      : props.rights.write
        ? t('vault.shared')
        : t('vault.sharedReadOnly');
  return (
    <span class="share-mark" title={label()}>
      <span aria-hidden="true">{props.rights?.write === true ? '⇄' : '🔒'}</span>
      <span class="visually-hidden">({label()})</span>
    </span>
  );
}

/**
 * What waits for the user: shares offered to them and group invitations, each accepted into the
 * vault or declined.
 */
function PendingLists(props: {
  offers: ShareOffer[];
  invitations: GroupInvitation[];
  onAccept: (offer: ShareOffer) => Promise<void>;
  onDecline: (offer: ShareOffer) => Promise<void>;
  onJoin: (invitation: GroupInvitation) => Promise<void>;
  onRefuse: (invitation: GroupInvitation) => Promise<void>;
}) {
  const [busy, setBusy] = createSignal(false);
  const run = (work: () => Promise<void>) => async () => {
    setBusy(true);
    try {
      await work();
    } finally {
      setBusy(false);
    }
  };
  const Row = (row: {
    name: string;
    meta: string;
    onAccept: () => Promise<void>;
    onDecline: () => Promise<void>;
  }) => (
    <li class="entry-row">
      <span class="entry-open">
        <span class="entry-name">{row.name}</span>
        <span class="entry-meta muted small">{row.meta}</span>
      </span>
      <div class="entry-actions">
        <button type="button" class="button primary small" disabled={busy()} onClick={run(row.onAccept)}>
          {t('offers.accept')}
          <span class="visually-hidden"> {row.name}</span>
        </button>
        <button type="button" class="button secondary small" disabled={busy()} onClick={run(row.onDecline)}>
          {t('offers.decline')}
          <span class="visually-hidden"> {row.name}</span>
        </button>
      </div>
    </li>
  );
  return (
    <Show
      when={props.offers.length + props.invitations.length > 0}
      fallback={<p class="muted">{t('offers.none')}</p>}
    >
      <Show when={props.offers.length > 0}>
        <h2 class="pending-heading">{t('offers.shares')}</h2>
        <ul class="entry-list" aria-label={t('offers.shares')}>
          <For each={props.offers}>
            {(offer) => (
              <Row
                name={offer.title || t('offers.untitled')}
                meta={`${t('offers.from', { name: offer.from })} · ${
                  offer.write ? t('offers.readWrite') : t('offers.readOnly')
                }`}
                onAccept={() => props.onAccept(offer)}
                onDecline={() => props.onDecline(offer)}
              />
            )}
          </For>
        </ul>
      </Show>
      <Show when={props.invitations.length > 0}>
        <h2 class="pending-heading">{t('offers.groups')}</h2>
        <ul class="entry-list" aria-label={t('offers.groups')}>
          <For each={props.invitations}>
            {(invitation) => (
              <Row
                name={invitation.name}
                meta={invitation.from ? t('offers.invitedBy', { name: invitation.from }) : t('offers.group')}
                onAccept={() => props.onJoin(invitation)}
                onDecline={() => props.onRefuse(invitation)}
              />
            )}
          </For>
        </ul>
      </Show>
    </Show>
  );
}
