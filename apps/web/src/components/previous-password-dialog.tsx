import { createSignal, Show } from 'solid-js';
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
      title="Your password has changed"
      onCancel={() => props.onAnswer(null)}
      description={
        <p>
          Your directory password is new since you last signed in here. Enter your <strong>previous</strong>{' '}
          password once so your stored data can be unlocked and protected with the new one. It stays in this
          browser.
        </p>
      }
    >
      <form class="dialog-form" onSubmit={submit} novalidate>
        <label class="field-label" for="previous-password">
          Previous password
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
            That password did not unlock your account. Try again.
          </p>
        </Show>
        <div class="dialog-actions">
          <button type="button" class="button secondary" onClick={() => props.onAnswer(null)}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={value() === ''}>
            Unlock
          </button>
        </div>
      </form>
    </Dialog>
  );
}
