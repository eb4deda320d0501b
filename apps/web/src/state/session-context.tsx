import type { WebConfig } from '@ldap-login/config-schema/client';
import {
  type Accessor,
  createContext,
  createEffect,
  createSignal,
  type JSX,
  onCleanup,
  useContext,
} from 'solid-js';
import { logout, type Session } from '../api/session-client.ts';
import { t } from '../i18n/i18n.ts';
import {
  forgetSealedKeys,
  type OpenedKeys,
  readSealedKeys,
  type SealedKeys,
  storeSealedKeys,
  takeKeys,
} from '../vault/vault-keys.ts';

const STORAGE_KEY = 'ldap-login:session';
/** setTimeout's limit (about 24.8 days); longer sessions are checked again after a reload. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SignInOptions {
  /** keep the session across browser restarts (else it lasts until the tab closes) */
  trustDevice: boolean;
  /** the login re-encrypted the keys under a new directory password */
  keysReencrypted: boolean;
}

export interface SessionState {
  config: WebConfig;
  fetch: typeof fetch;
  session: Accessor<Session | undefined>;
  /** a message for the next screen: why the user was signed out, what the login changed */
  notice: Accessor<string | undefined>;
  dismissNotice(): void;
  signedIn(session: Session, options: SignInOptions): void;
  /** Ends the session on the server (best effort) and forgets it here. */
  signOut(notice?: string): Promise<void>;
  /** Forgets a session the server no longer accepts, without calling it. */
  sessionLost(notice: string): void;
  /** The user's opened keys while the vault is unlocked; only ever in memory. */
  vaultKeys: Accessor<OpenedKeys | undefined>;
  /** The sealed copy of the keys that the unlock screen opens with the password. */
  sealedKeys(): SealedKeys | undefined;
  lockVault(): void;
  unlockVault(keys: OpenedKeys): void;
}

const SessionContext = createContext<SessionState>();

function stores(): Storage[] {
  const found: Storage[] = [];
  try {
    found.push(globalThis.sessionStorage, globalThis.localStorage);
  } catch {
    // Storage disabled by policy: sessions last as long as the page.
  }
  return found.filter(Boolean);
}

function restore(): Session | undefined {
  for (const store of stores()) {
    const raw = store.getItem(STORAGE_KEY);
    if (!raw) continue;
    try {
      const session = JSON.parse(raw) as Session;
      if (Date.parse(session.validTill) > Date.now() && session.token && session.sessionSecret)
        return session;
    } catch {
      // A corrupt entry is dropped below.
    }
    store.removeItem(STORAGE_KEY);
  }
  return undefined;
}

function forget(): void {
  for (const store of stores()) store.removeItem(STORAGE_KEY);
}

export function SessionProvider(props: { config: WebConfig; fetch?: typeof fetch; children: JSX.Element }) {
  const fetchImpl = props.fetch ?? ((input, init) => fetch(input, init));
  const [session, setSession] = createSignal<Session | undefined>(restore());
  const [notice, setNotice] = createSignal<string>();
  // Keys a login in this page handed over for the restored session (none after a reload).
  const initial = session();
  const [vaultKeys, setVaultKeys] = createSignal<OpenedKeys | undefined>(
    initial ? takeKeys(initial)?.keys : undefined,
  );
  const dropKeys = () => {
    setVaultKeys(undefined);
    forgetSealedKeys();
  };

  const state: SessionState = {
    config: props.config,
    fetch: fetchImpl,
    session,
    notice,
    dismissNotice: () => setNotice(undefined),
    vaultKeys,
    sealedKeys: readSealedKeys,
    lockVault: () => setVaultKeys(undefined),
    unlockVault: (keys) => setVaultKeys(keys),
    signedIn(next, options) {
      forget();
      const handed = takeKeys(next);
      if (handed) {
        storeSealedKeys(handed.sealed, options.trustDevice);
        setVaultKeys(handed.keys);
      } else {
        dropKeys();
      }
      const store = options.trustDevice ? globalThis.localStorage : globalThis.sessionStorage;
      try {
        store?.setItem(STORAGE_KEY, JSON.stringify(next));
      } catch {
        // Without storage the session simply ends with the page.
      }
      setNotice(options.keysReencrypted ? t('notice.keysReencrypted') : undefined);
      setSession(next);
    },
    async signOut(message) {
      const current = session();
      forget();
      dropKeys();
      setSession(undefined);
      setNotice(message ?? t('notice.signedOut'));
      if (current) {
        try {
          await logout(current, undefined, fetchImpl);
        } catch (error) {
          // The session is forgotten here either way; the server expires it on its own.
          console.warn('logout did not reach the server:', error instanceof Error ? error.message : error);
        }
      }
    },
    sessionLost(message) {
      forget();
      dropKeys();
      setSession(undefined);
      setNotice(message);
    },
  };

  // End the session in the page when the server's validity runs out, not at the next click.
  createEffect(() => {
    const current = session();
    if (!current) return;
    const remaining = Date.parse(current.validTill) - Date.now();
    if (Number.isNaN(remaining) || remaining > MAX_TIMER_MS) return;
    const timer = setTimeout(() => state.sessionLost(t('notice.sessionExpired')), Math.max(0, remaining));
    onCleanup(() => clearTimeout(timer));
  });

  return <SessionContext.Provider value={state}>{props.children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession() needs a <SessionProvider> above it');
  return state;
}
