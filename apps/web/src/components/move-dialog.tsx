import { createSignal, createUniqueId, For } from 'solid-js';
import { t } from '../i18n/i18n.ts';
import type { DatastoreTree, VaultFolder } from '../vault/tree.ts';
import { Dialog } from './dialog.tsx';

export interface FolderChoice {
  id: string | null;
  label: string;
}

/** Every folder a node may move into: not itself, not below itself, not in the trash. */
export function folderChoices(tree: DatastoreTree, movingId?: string): FolderChoice[] {
  const choices: FolderChoice[] = [{ id: null, label: t('vault.root') }];
  const visit = (folders: VaultFolder[] | undefined, prefix: string) => {
    for (const folder of folders ?? []) {
      if (folder.id === movingId || folder.deleted || folder.share_id) continue;
      const label = `${prefix}${folder.name ?? ''}`;
      choices.push({ id: folder.id, label });
      visit(folder.folders, `${label} / `);
    }
  };
  visit(tree.folders, '');
  return choices;
}

/** "Move to…": the keyboard's way to do what dragging does. */
export function MoveDialog(props: {
  name: string;
  tree: DatastoreTree;
  movingId: string;
  onDone: (target: { id: string | null } | null) => void;
}) {
  const choices = folderChoices(props.tree, props.movingId);
  const [choice, setChoice] = createSignal(0);
  const id = createUniqueId();
  return (
    <Dialog
      title={t('vault.moveTitle', { name: props.name })}
      description={null}
      onCancel={() => props.onDone(null)}
    >
      <form
        class="dialog-form"
        onSubmit={(event) => {
          event.preventDefault();
          props.onDone({ id: choices[choice()]?.id ?? null });
        }}
      >
        <div class="field">
          <label class="field-label" for={id}>
            {t('entry.folder')}
          </label>
          <select
            id={id}
            class="input"
            data-autofocus
            onChange={(event) => setChoice(Number(event.currentTarget.value))}
            // A select does not submit its form on Enter by itself; here Enter means "move".
            onKeyDown={(event) => {
              if (event.key !== 'Enter') return;
              event.preventDefault();
              setChoice(Number(event.currentTarget.value));
              event.currentTarget.form?.requestSubmit();
            }}
          >
            <For each={choices}>{(option, index) => <option value={index()}>{option.label}</option>}</For>
          </select>
        </div>
        <div class="dialog-actions">
          <button type="button" class="button secondary" onClick={() => props.onDone(null)}>
            {t('vault.cancel')}
          </button>
          <button type="submit" class="button primary">
            {t('vault.move')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
