import { createUniqueId, type JSX, onCleanup, onMount } from 'solid-js';
import { Portal } from 'solid-js/web';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export interface DialogProps {
  title: string;
  /** the dialog's explanation, announced with its title */
  description: JSX.Element;
  children?: JSX.Element;
  /** Escape calls this; a click beside the dialog does nothing, so no answer is given by accident */
  onCancel?: () => void;
  tone?: 'neutral' | 'warning';
}

/**
 * A modal dialog: focus moves into it when it opens, Tab stays inside it, Escape cancels, and
 * focus returns to the element that had it when the dialog closes.
 */
export function Dialog(props: DialogProps) {
  const titleId = createUniqueId();
  const descriptionId = createUniqueId();
  let panel!: HTMLDivElement;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;

  const focusables = () => Array.from(panel.querySelectorAll<HTMLElement>(FOCUSABLE));

  onMount(() => {
    const target = panel.querySelector<HTMLElement>('[data-autofocus]') ?? focusables()[0] ?? panel;
    target.focus();
  });
  onCleanup(() => {
    if (opener?.isConnected) opener.focus();
  });

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && props.onCancel) {
      event.preventDefault();
      props.onCancel();
      return;
    }
    if (event.key !== 'Tab') return;
    const items = focusables();
    if (items.length === 0) {
      event.preventDefault();
      return;
    }
    const first = items[0]!;
    const last = items[items.length - 1]!;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <Portal>
      <div class="backdrop">
        <div
          ref={panel}
          class={`dialog ${props.tone === 'warning' ? 'dialog-warning' : ''}`}
          role="dialog"
          aria-modal="true"
          aria-labelledby={titleId}
          aria-describedby={descriptionId}
          tabIndex={-1}
          onKeyDown={onKeyDown}
        >
          <h2 id={titleId} class="dialog-title">
            {props.title}
          </h2>
          <div id={descriptionId} class="dialog-description">
            {props.description}
          </div>
          {props.children}
        </div>
      </div>
    </Portal>
  );
}
