import { createResource, Match, Switch } from 'solid-js';
import { ConfigErrorPage } from './components/config-error-page.tsx';
import { LoginPage } from './components/login-page.tsx';
import { VaultScreen } from './components/vault-screen.tsx';
import { type ConfigLoadResult, loadConfig } from './config/load-config.ts';
import { t } from './i18n/i18n.ts';
import { SessionProvider, useSession } from './state/session-context.tsx';

function Screens() {
  const state = useSession();
  return (
    <Switch fallback={<LoginPage />}>
      <Match when={state.session()}>{(session) => <VaultScreen session={session()} />}</Match>
    </Switch>
  );
}

export interface AppProps {
  loadConfig?: () => Promise<ConfigLoadResult>;
  fetch?: typeof fetch;
}

export function App(props: AppProps) {
  const [config] = createResource(() => (props.loadConfig ?? loadConfig)());
  return (
    <Switch
      fallback={
        <main class="page page-login">
          <p class="muted" role="status">
            {t('app.loading')}
          </p>
        </main>
      }
    >
      <Match when={config.error}>
        <ConfigErrorPage title={t('app.configLoadFailed')} errors={[String(config.error)]} />
      </Match>
      <Match when={config()}>
        {(result) => (
          <Switch>
            <Match when={!result().ok && (result() as Extract<ConfigLoadResult, { ok: false }>)}>
              {(failure) => <ConfigErrorPage title={failure().title} errors={failure().errors} />}
            </Match>
            <Match when={result().ok && (result() as Extract<ConfigLoadResult, { ok: true }>)}>
              {(success) => (
                <SessionProvider config={success().config} {...(props.fetch ? { fetch: props.fetch } : {})}>
                  <Screens />
                </SessionProvider>
              )}
            </Match>
          </Switch>
        )}
      </Match>
    </Switch>
  );
}
