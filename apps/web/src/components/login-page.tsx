import type { BackendServer } from '@ldap-login/config-schema/client';
import {
  createMemo,
  createResource,
  createSignal,
  For,
  Match,
  onCleanup,
  onMount,
  Show,
  Switch,
} from 'solid-js';
import { ClientError } from '../api/client-error.ts';
import { type LoginStep, login, loginDomain } from '../api/login.ts';
import { fetchServerInfo } from '../api/server-info.ts';
import { offersPasswordForm } from '../config/load-config.ts';
import { t } from '../i18n/i18n.ts';
import { useSession } from '../state/session-context.tsx';
import { errorText } from './error-text.ts';
import { IdentityDialog } from './identity-dialog.tsx';
import { PlainPasswordDialog } from './plain-password-dialog.tsx';
import { PreviousPasswordDialog } from './previous-password-dialog.tsx';

const REMEMBER_KEY = 'ldap-login:remembered-login';
const CUSTOM = 'custom';
/** Psono's choices: a day, or thirty days on a trusted device. */
const SESSION_SECONDS = 24 * 60 * 60;
const TRUSTED_SESSION_SECONDS = 30 * SESSION_SECONDS;

type Prompt =
  | { kind: 'new-server'; serverUrl: string; fingerprint: string; answer: (trusted: boolean) => void }
  | { kind: 'plain-password'; serverUrl: string; answer: (approved: boolean) => void }
  | { kind: 'previous-password'; attempt: number; answer: (password: string | null) => void };

const stepText = (step: LoginStep) => t(`login.step.${step}`);

/** A translated sentence with one element in it: the text around `{name}`, split once. */
function around(text: string): [string, string] {
  const at = text.indexOf('\u0000');
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

interface Remembered {
  username: string;
  server: string;
}

function readRemembered(): Remembered | undefined {
  try {
    const raw = localStorage.getItem(REMEMBER_KEY);
    return raw ? (JSON.parse(raw) as Remembered) : undefined;
  } catch {
    return undefined;
  }
}

/** 299 -> "4:59": the countdown on a throttled form's button. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function customServer(url: string): BackendServer {
  const trimmed = url.trim().replace(/\/+$/, '');
  let host = '';
  try {
    host = new URL(trimmed).hostname.replace(/^www\./i, '');
  } catch {
    host = '';
  }
  return {
    title: trimmed,
    url: trimmed,
    domain: host,
    domain_from_url: true,
    autoapprove_plain_password: false,
  };
}

export function LoginPage() {
  const state = useSession();
  const config = state.config;
  const remembered = readRemembered();
  const servers = config.backend_servers;
  const rememberedIndex = remembered ? servers.findIndex((s) => s.url === remembered.server) : -1;

  const [serverChoice, setServerChoice] = createSignal(
    rememberedIndex >= 0
      ? String(rememberedIndex)
      : remembered && config.allow_custom_server && remembered.server
        ? CUSTOM
        : '0',
  );
  const [customUrl, setCustomUrl] = createSignal(rememberedIndex < 0 && remembered ? remembered.server : '');
  const [username, setUsername] = createSignal(remembered?.username ?? '');
  const [password, setPassword] = createSignal('');
  const [rememberMe, setRememberMe] = createSignal(remembered ? true : config.remember_me_default);
  const [trustDevice, setTrustDevice] = createSignal(config.trust_device_default);
  const [pending, setPending] = createSignal(false);
  const [step, setStep] = createSignal<LoginStep>();
  const [error, setError] = createSignal<unknown>();
  const [fieldError, setFieldError] = createSignal<string>();
  const [prompt, setPrompt] = createSignal<Prompt>();
  const [waitUntil, setWaitUntil] = createSignal<number>();
  const [now, setNow] = createSignal(Date.now());

  let usernameInput: HTMLInputElement | undefined;
  let passwordInput: HTMLInputElement | undefined;
  onMount(() => (username() ? passwordInput : usernameInput)?.focus());

  const ticker = setInterval(() => {
    if (waitUntil() !== undefined) setNow(Date.now());
  }, 1000);
  onCleanup(() => clearInterval(ticker));

  const secondsLeft = () => {
    const until = waitUntil();
    return until === undefined ? undefined : Math.max(0, Math.ceil((until - now()) / 1000));
  };
  const throttled = () => (secondsLeft() ?? 0) > 0;

  const server = createMemo<BackendServer | undefined>(() =>
    serverChoice() === CUSTOM ? customServer(customUrl()) : servers[Number(serverChoice())],
  );
  // Without a domain in config.json the server's own directory domain is appended (see
  // loginDomain); the hint asks the server ahead of the login so that it shows the right one.
  // The login itself verifies the signed info again and takes the domain from there.
  const [announcedDomains] = createResource(
    () => {
      const target = server();
      return target?.domain_from_url && /^https?:\/\//i.test(target.url) ? target.url : undefined;
    },
    (url) =>
      fetchServerInfo(url, state.fetch).then(
        (info) => info.ldapDomains,
        () => [],
      ),
  );
  const domain = () => {
    const target = server();
    if (!target) return '';
    if (!target.domain_from_url) return target.domain;
    const announced = announcedDomains.latest;
    return announced === undefined
      ? ''
      : loginDomain({ domain: target.domain, domainFromUrl: true }, announced);
  };
  const showDomain = () => !username().includes('@') && Boolean(domain());
  const showServerChoice = servers.length > 1 || config.allow_custom_server;
  const ldapAllowed = config.authentication_methods.includes('LDAP');

  const ask = <T,>(build: (answer: (value: T) => void) => Prompt) =>
    new Promise<T>((resolve) => {
      setPrompt(
        build((value: T) => {
          setPrompt(undefined);
          resolve(value);
        }),
      );
    });

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (pending() || throttled()) return;
    setError(undefined);
    setFieldError(undefined);
    const target = server();
    if (!target?.url || (serverChoice() === CUSTOM && !/^https?:\/\//i.test(target.url))) {
      setFieldError(t('login.enterServer'));
      return;
    }
    if (username().trim() === '' || password() === '') {
      setFieldError(t('login.enterCredentials'));
      return;
    }
    if (!ldapAllowed) {
      // This client only performs directory logins; without LDAP the password must not leave.
      setError(new ClientError('LDAP_NOT_OFFERED', { detail: 'config.json does not allow LDAP' }));
      return;
    }
    setPending(true);
    try {
      const result = await login(
        {
          server: {
            url: target.url,
            domain: target.domain,
            domainFromUrl: target.domain_from_url,
            verifyKey: target.verify_key ?? null,
            autoapprovePlainPassword: target.autoapprove_plain_password,
          },
          username: username(),
          password: password(),
          sessionDuration: trustDevice() ? TRUSTED_SESSION_SECONDS : SESSION_SECONDS,
        },
        {
          approveNewServer: ({ serverUrl, fingerprint }) =>
            ask<boolean>((answer) => ({ kind: 'new-server', serverUrl, fingerprint, answer })),
          approvePlainPassword: ({ serverUrl }) =>
            ask<boolean>((answer) => ({ kind: 'plain-password', serverUrl, answer })),
          askPreviousPassword: ({ attempt }) =>
            ask<string | null>((answer) => ({ kind: 'previous-password', attempt, answer })),
          onStep: setStep,
        },
        state.fetch,
      );
      try {
        if (rememberMe()) {
          localStorage.setItem(
            REMEMBER_KEY,
            JSON.stringify({ username: username().trim(), server: target.url }),
          );
        } else {
          localStorage.removeItem(REMEMBER_KEY);
        }
      } catch {
        // Remembering is a convenience; without storage it is skipped.
      }
      setPassword('');
      state.signedIn(
        { ...result.session, serverTitle: target.title },
        { trustDevice: trustDevice(), keysReencrypted: result.keysReencrypted },
      );
    } catch (caught) {
      if (caught instanceof ClientError) {
        console.warn('sign-in failed:', caught.code, caught.detail ?? '');
        if (caught.code === 'THROTTLED' && caught.retryAfterSeconds !== undefined) {
          setNow(Date.now());
          setWaitUntil(Date.now() + caught.retryAfterSeconds * 1000);
        }
      } else {
        console.error('sign-in failed unexpectedly:', caught);
      }
      setError(caught);
    } finally {
      setPending(false);
      setStep(undefined);
    }
  };

  const shownError = () => {
    const current = error();
    if (current === undefined) return undefined;
    if (
      current instanceof ClientError &&
      current.code === 'THROTTLED' &&
      waitUntil() !== undefined &&
      !throttled()
    ) {
      return { title: t('login.waitOverTitle'), message: t('login.waitOverMessage') };
    }
    return errorText(current, secondsLeft());
  };

  return (
    <main class="page page-login">
      <section class="card login-card" aria-labelledby="login-title">
        <header class="login-header">
          <div class="brand" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="28" height="28" role="presentation">
              <path
                fill="currentColor"
                d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5Zm-3 8V7a3 3 0 1 1 6 0v3H9Zm3 4a2 2 0 0 1 1 3.73V19h-2v-1.27A2 2 0 0 1 12 14Z"
              />
            </svg>
          </div>
          <h1 id="login-title">{t('login.title')}</h1>
          <p class="subtitle">
            <Show when={!showServerChoice && server()?.title} fallback={t('login.subtitle')}>
              {(title) => {
                const parts = () => around(t('login.subtitleFor', { server: '\u0000' }));
                return (
                  <>
                    {parts()[0]}
                    <strong data-testid="server-title">{title()}</strong>
                    {parts()[1]}
                  </>
                );
              }}
            </Show>
          </p>
        </header>

        <Show when={state.notice()}>
          {(text) => (
            <p class="notice" role="status">
              {text()}
            </p>
          )}
        </Show>
        <Show when={config.login_info_text}>{(text) => <p class="info-text">{text()}</p>}</Show>

        <Show
          when={offersPasswordForm(config)}
          fallback={
            <p class="notice notice-warning" role="alert">
              {t('login.noPasswordForm')}
            </p>
          }
        >
          <form class="form" onSubmit={submit} novalidate aria-describedby="login-status">
            <Show when={showServerChoice}>
              <div class="field">
                <label class="field-label" for="server">
                  {t('login.server')}
                </label>
                <select
                  id="server"
                  class="input"
                  value={serverChoice()}
                  onChange={(e) => setServerChoice(e.currentTarget.value)}
                >
                  <For each={servers}>{(s, i) => <option value={String(i())}>{s.title}</option>}</For>
                  <Show when={config.allow_custom_server}>
                    <option value={CUSTOM}>{t('login.anotherServer')}</option>
                  </Show>
                </select>
              </div>
              <Show when={serverChoice() === CUSTOM}>
                <div class="field">
                  <label class="field-label" for="server-url">
                    {t('login.serverAddress')}
                  </label>
                  <input
                    id="server-url"
                    class="input"
                    type="url"
                    inputmode="url"
                    autocomplete="url"
                    placeholder="https://vault.example.com/server"
                    value={customUrl()}
                    onInput={(e) => setCustomUrl(e.currentTarget.value)}
                  />
                </div>
              </Show>
            </Show>

            <div class="field">
              <label class="field-label" for="username">
                {t('login.username')}
              </label>
              <div class="input-group">
                <input
                  ref={usernameInput}
                  id="username"
                  class="input"
                  type="text"
                  name="username"
                  autocomplete="username"
                  autocapitalize="none"
                  spellcheck={false}
                  aria-describedby="username-hint"
                  value={username()}
                  onInput={(e) => setUsername(e.currentTarget.value)}
                />
                <Show when={showDomain()}>
                  <span class="input-suffix" data-testid="domain-hint" aria-hidden="true">
                    @{domain()}
                  </span>
                </Show>
              </div>
              <p id="username-hint" class="field-hint">
                <Show when={domain()} fallback={t('login.usernameHint')}>
                  {(shown) => {
                    const parts = () => around(t('login.usernameHintDomain', { domain: '\u0000' }));
                    return (
                      <>
                        {parts()[0]}
                        <span class="nowrap">@{shown()}</span>
                        {parts()[1]}
                      </>
                    );
                  }}
                </Show>
              </p>
            </div>

            <div class="field">
              <label class="field-label" for="password">
                {t('login.password')}
              </label>
              <input
                ref={passwordInput}
                id="password"
                class="input"
                type="password"
                name="password"
                autocomplete="current-password"
                value={password()}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            </div>

            <div class="checks">
              <label class="check">
                <input
                  type="checkbox"
                  checked={rememberMe()}
                  onChange={(e) => setRememberMe(e.currentTarget.checked)}
                />
                <span>{t('login.rememberMe')}</span>
              </label>
              <label class="check">
                <input
                  type="checkbox"
                  checked={trustDevice()}
                  onChange={(e) => setTrustDevice(e.currentTarget.checked)}
                  aria-describedby="trust-hint"
                />
                <span>{t('login.trustDevice')}</span>
              </label>
              <p id="trust-hint" class="field-hint">
                {t('login.trustDeviceHint')}
              </p>
            </div>

            <Show when={fieldError()}>
              {(text) => (
                <p class="field-error" role="alert">
                  {text()}
                </p>
              )}
            </Show>
            <Show when={shownError()}>
              {(text) => (
                <div
                  class={`alert ${text().severe ? 'alert-severe' : ''}`}
                  role="alert"
                  data-testid="login-error"
                >
                  <strong class="alert-title">{text().title}</strong>
                  <p>{text().message}</p>
                </div>
              )}
            </Show>

            {/* Not `disabled` while pending: a disabled button drops keyboard focus, which the
                dialogs opened during a login must be able to return to. */}
            <button
              type="submit"
              class="button primary wide"
              aria-disabled={pending() || throttled() ? 'true' : undefined}
            >
              <Switch fallback={t('login.submit')}>
                <Match when={pending()}>
                  <span class="spinner" aria-hidden="true" /> {t('login.pending')}
                </Match>
                <Match when={throttled()}>
                  {t('login.retryIn', { wait: formatCountdown(secondsLeft() ?? 0) })}
                </Match>
              </Switch>
            </button>
            <p id="login-status" class="visually-hidden" aria-live="polite">
              {step() ? stepText(step()!) : ''}
            </p>
            <Show when={pending() && step()}>
              <p class="progress" aria-hidden="true">
                {stepText(step()!)}
              </p>
            </Show>
          </form>
          <Show when={config.allow_lost_password}>
            <p class="footnote">{t('login.forgotPassword')}</p>
          </Show>
        </Show>
      </section>

      <Show when={prompt()}>
        {(current) => (
          <Switch>
            <Match
              when={current().kind === 'new-server' && (current() as Extract<Prompt, { kind: 'new-server' }>)}
            >
              {(p) => (
                <IdentityDialog
                  serverUrl={p().serverUrl}
                  fingerprint={p().fingerprint}
                  onAnswer={p().answer}
                />
              )}
            </Match>
            <Match
              when={
                current().kind === 'plain-password' &&
                (current() as Extract<Prompt, { kind: 'plain-password' }>)
              }
            >
              {(p) => <PlainPasswordDialog serverUrl={p().serverUrl} onAnswer={p().answer} />}
            </Match>
            <Match
              when={
                current().kind === 'previous-password' &&
                (current() as Extract<Prompt, { kind: 'previous-password' }>)
              }
            >
              {(p) => <PreviousPasswordDialog attempt={p().attempt} onAnswer={p().answer} />}
            </Match>
          </Switch>
        )}
      </Show>
    </main>
  );
}
