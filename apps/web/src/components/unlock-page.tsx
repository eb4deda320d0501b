import { createSignal, onMount, Show } from 'solid-js';
import { t } from '../i18n/i18n.ts';
import { useSession } from '../state/session-context.tsx';
import { VaultFormatError } from '../vault/datastore-codec.ts';
import { unlockWithPassword } from '../vault/vault-keys.ts';
import { LanguageSwitch } from './language-switch.tsx';

/** The locked vault: the password opens the sealed keys again, in the browser. */
export function UnlockPage() {
  const state = useSession();
  const sealed = state.sealedKeys();
  const [password, setPassword] = createSignal('');
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  let input: HTMLInputElement | undefined;
  onMount(() => input?.focus());

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!sealed || busy() || password() === '') return;
    setBusy(true);
    setError(undefined);
    try {
      const keys = await unlockWithPassword(sealed, password());
      setPassword('');
      state.unlockVault(keys);
    } catch (failure) {
      setError(failure instanceof VaultFormatError ? t('lock.wrong') : String(failure));
      setBusy(false);
      input?.focus();
    }
  };

  return (
    <main class="page page-login">
      <div class="card login-card">
        <div class="login-header">
          <h1>{t('lock.title')}</h1>
          <LanguageSwitch />
        </div>
        <Show
          when={sealed}
          fallback={
            <>
              <p>{t('lock.noKeys')}</p>
              <button type="button" class="button primary wide" onClick={() => void state.signOut()}>
                {t('lock.signInAgain')}
              </button>
            </>
          }
        >
          <p class="subtitle">{t('lock.body')}</p>
          <form class="dialog-form" onSubmit={submit}>
            <input
              type="text"
              name="username"
              autocomplete="username"
              value={state.session()?.username ?? ''}
              hidden
              readOnly
            />
            <div class="field">
              <label class="field-label" for="unlock-password">
                {t('lock.password')}
              </label>
              <input
                id="unlock-password"
                ref={input}
                class="input"
                type="password"
                autocomplete="current-password"
                value={password()}
                aria-invalid={error() !== undefined}
                aria-describedby={error() ? 'unlock-error' : undefined}
                onInput={(event) => setPassword(event.currentTarget.value)}
              />
            </div>
            <Show when={error()}>
              <p id="unlock-error" class="field-error" role="alert">
                {error()}
              </p>
            </Show>
            <button type="submit" class="button primary wide" aria-disabled={busy()}>
              {busy() ? t('lock.unlocking') : t('lock.unlock')}
            </button>
            <button type="button" class="button secondary wide" onClick={() => void state.signOut()}>
              {t('vault.signOut')}
            </button>
          </form>
        </Show>
      </div>
    </main>
  );
}
