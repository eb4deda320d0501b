import { createSignal, createUniqueId, Show } from 'solid-js';
import { t } from '../i18n/i18n.ts';
import { Dialog } from './dialog.tsx';

/** Asks for a name: a new folder's, or a new name for an entry or folder. */
export function NameDialog(props: {
  title: string;
  label: string;
  initial?: string;
  confirmLabel: string;
  onDone: (name: string | null) => void;
}) {
  const [name, setName] = createSignal(props.initial ?? '');
  const [busy, setBusy] = createSignal(false);
  const id = createUniqueId();
  return (
    <Dialog title={props.title} description={null} onCancel={() => props.onDone(null)}>
      <form
        class="dialog-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (name().trim() === '' || busy()) return;
          setBusy(true);
          props.onDone(name().trim());
        }}
      >
        <div class="field">
          <label class="field-label" for={id}>
            {props.label}
          </label>
          <input
            id={id}
            class="input"
            data-autofocus
            required
            autocomplete="off"
            value={name()}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </div>
        <div class="dialog-actions">
          <button type="button" class="button secondary" onClick={() => props.onDone(null)}>
            {t('vault.cancel')}
          </button>
          <button type="submit" class="button primary" aria-disabled={name().trim() === '' || busy()}>
            <Show when={!busy()} fallback={t('vault.saving')}>
              {props.confirmLabel}
            </Show>
          </button>
        </div>
      </form>
    </Dialog>
  );
}
