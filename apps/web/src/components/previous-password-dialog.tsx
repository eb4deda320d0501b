import { createSignal, Show } from 'solid-js';
import { t } from '../i18n/i18n.ts';
import { Dialog } from './dialog.tsx';

export interface PreviousPasswordDialogProps {
  /** 1 for the first question, more after a previous password that did not fit */
  attempt: number;
  onAnswer: (previousPassword: string | null) => void;
}

/** The directory password changed since the account's keys were encrypted: ask for the old one once. */
export function PreviousPasswordDialog(props: PreviousPasswordDialogProps) {
  const [value, setValue] = createSignal('');
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    if (value() !== '') props.onAnswer(value());
  };
  return (
    <Dialog
      title={t('previousPassword.title')}
      onCancel={() => props.onAnswer(null)}
      description={<p>{t('previousPassword.body')}</p>}
    >
      <form class="dialog-form" onSubmit={submit} novalidate>
        <label class="field-label" for="previous-password">
          {t('previousPassword.label')}
        </label>
        <input
          id="previous-password"
          class="input"
          type="password"
          autocomplete="off"
          data-autofocus
          aria-invalid={props.attempt > 1 ? 'true' : undefined}
          aria-describedby={props.attempt > 1 ? 'previous-password-error' : undefined}
          value={value()}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
        <Show when={props.attempt > 1}>
          <p id="previous-password-error" class="field-error" role="alert">
            {t('previousPassword.wrong')}
          </p>
        </Show>
        <div class="dialog-actions">
          <button type="button" class="button secondary" onClick={() => props.onAnswer(null)}>
            {t('previousPassword.cancel')}
          </button>
          <button type="submit" class="button primary" disabled={value() === ''}>
            {t('previousPassword.unlock')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
