import type { JSX } from 'solid-js';
import { Dialog } from './dialog.tsx';

export interface ConfirmDialogProps {
  title: string;
  description: JSX.Element;
  tone?: 'neutral' | 'warning';
  /** label of the button that declines (Escape declines too) */
  declineLabel: string;
  /** label of the button that agrees; it has the focus when the dialog opens, unless `focusDecline` */
  confirmLabel: string;
  /**
   * Start with the focus on the declining answer: for a question whose "yes" gives something away
   * (a password), so that a reflexive Enter keeps it.
   */
  focusDecline?: boolean;
  onAnswer: (confirmed: boolean) => void;
}

/** A question with two answers: declining is the safe one, so Escape gives it. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  return (
    <Dialog
      title={props.title}
      tone={props.tone}
      onCancel={() => props.onAnswer(false)}
      description={props.description}
    >
      <div class="dialog-actions">
        <button
          type="button"
          class="button secondary"
          data-autofocus={props.focusDecline ? '' : undefined}
          onClick={() => props.onAnswer(false)}
        >
          {props.declineLabel}
        </button>
        <button
          type="button"
          class="button primary"
          data-autofocus={props.focusDecline ? undefined : ''}
          onClick={() => props.onAnswer(true)}
        >
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
