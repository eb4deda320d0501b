import { For } from 'solid-js';
import { type MessageKey, t } from '../i18n/i18n.ts';
import { Dialog } from './dialog.tsx';

/** The vault's shortcuts; they work whenever the focus is not in a text field. */
export const SHORTCUTS: { keys: string[]; what: MessageKey }[] = [
  { keys: ['/', 'Ctrl+K'], what: 'help.search' },
  { keys: ['N'], what: 'help.newEntry' },
  { keys: ['Shift+N'], what: 'help.newFolder' },
  { keys: ['↑', '↓', 'J', 'K'], what: 'help.move' },
  { keys: ['Enter'], what: 'help.open' },
  { keys: ['U'], what: 'help.copyUsername' },
  { keys: ['P'], what: 'help.copyPassword' },
  { keys: ['O'], what: 'help.openUrl' },
  { keys: ['M'], what: 'help.moveTo' },
  { keys: ['F2'], what: 'help.rename' },
  { keys: ['Delete'], what: 'help.delete' },
  { keys: ['L'], what: 'help.lock' },
  { keys: ['?'], what: 'help.help' },
  { keys: ['Esc'], what: 'help.escape' },
];

export function HelpDialog(props: { onClose: () => void }) {
  return (
    <Dialog title={t('help.title')} description={null} onCancel={props.onClose}>
      <dl class="shortcuts">
        <For each={SHORTCUTS}>
          {(shortcut) => (
            <div class="shortcut">
              <dt>
                <For each={shortcut.keys}>{(key) => <kbd>{key}</kbd>}</For>
              </dt>
              <dd>{t(shortcut.what)}</dd>
            </div>
          )}
        </For>
      </dl>
      <div class="dialog-actions">
        <button type="button" class="button primary" data-autofocus onClick={props.onClose}>
          {t('vault.close')}
        </button>
      </div>
    </Dialog>
  );
}
