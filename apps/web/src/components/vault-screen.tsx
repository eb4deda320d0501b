import { createEffect, onCleanup, Show } from 'solid-js';
import type { Session } from '../api/session-client.ts';
import { useSession } from '../state/session-context.tsx';
import { clearClipboardNow } from '../vault/clipboard.ts';
import { startIdleTimer } from '../vault/idle-timer.ts';
import { UnlockPage } from './unlock-page.tsx';
import { VaultPage } from './vault-page.tsx';

/**
 * The signed-in screen: the vault while its keys are held, the unlock form otherwise. Locking
 * unmounts the vault, which drops its decrypted tree and datastore key with it.
 */
export function VaultScreen(props: { session: Session }) {
  const state = useSession();
  const lock = () => {
    clearClipboardNow();
    state.lockVault();
  };
  createEffect(() => {
    if (!state.vaultKeys()) return;
    const stop = startIdleTimer(state.config.vault_lock_minutes, lock);
    onCleanup(stop);
  });
  return (
    <Show when={state.vaultKeys()} fallback={<UnlockPage />} keyed>
      {(keys) => <VaultPage session={props.session} keys={keys} onLock={lock} />}
    </Show>
  );
}
