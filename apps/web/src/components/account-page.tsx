import { createResource, createSignal, For, onMount, Show } from 'solid-js';
import { ClientError } from '../api/client-error.ts';
import { fetchProfile, fetchSessions, logout, type Session } from '../api/session-client.ts';
import { language, t } from '../i18n/i18n.ts';
import { useSession } from '../state/session-context.tsx';
import { errorText } from './error-text.ts';

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return Number.isNaN(ms)
    ? '—'
    : new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

/** "in 23 hours", "in 5 minutes": how long a session still lasts. */
export function formatRemaining(iso: string | null | undefined, now = Date.now()): string {
  const ms = iso ? Date.parse(iso) - now : Number.NaN;
  if (Number.isNaN(ms)) return '';
  if (ms <= 0) return t('account.expired');
  const minutes = Math.round(ms / 60_000);
  const rtf = new Intl.RelativeTimeFormat(language(), { numeric: 'auto' });
  if (minutes < 60) return rtf.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 48) return rtf.format(hours, 'hour');
  return rtf.format(Math.round(hours / 24), 'day');
}

export function AccountPage(props: { session: Session }) {
  const state = useSession();
  const [actionError, setActionError] = createSignal<string>();
  let heading: HTMLHeadingElement | undefined;
  // After signing in, screen readers and keyboards start at the top of the new page.
  onMount(() => heading?.focus());
  const [signingOut, setSigningOut] = createSignal(false);

  const guard = async <T,>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ClientError && error.code === 'SESSION_EXPIRED') {
        state.sessionLost(t('notice.sessionEnded'));
      }
      throw error;
    }
  };

  const [profile] = createResource(
    () => props.session,
    (s) => guard(() => fetchProfile(s, state.fetch)),
  );
  const [sessions, { refetch }] = createResource(
    () => props.session,
    (s) => guard(() => fetchSessions(s, state.fetch)),
  );

  const endOther = async (id: string) => {
    setActionError(undefined);
    try {
      await guard(() => logout(props.session, id, state.fetch));
      await refetch();
    } catch (error) {
      setActionError(errorText(error).message);
    }
  };

  const signOut = async () => {
    setSigningOut(true);
    await state.signOut();
  };

  return (
    <div class="page page-account">
      <header class="topbar">
        <div class="topbar-brand">
          <span class="brand brand-small" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="18" height="18" role="presentation">
              <path
                fill="currentColor"
                d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5Zm-3 8V7a3 3 0 1 1 6 0v3H9Z"
              />
            </svg>
          </span>
          <span class="topbar-server" title={props.session.serverUrl} data-testid="server-title">
            {props.session.serverTitle ?? props.session.serverUrl}
          </span>
        </div>
        <button
          type="button"
          class="button secondary"
          onClick={signOut}
          aria-disabled={signingOut() ? 'true' : undefined}
        >
          {t('account.signOut')}
        </button>
      </header>

      <main class="account" aria-labelledby="account-title">
        <h1 id="account-title" ref={heading} tabIndex={-1}>
          {t('account.heading')}
        </h1>
        <Show when={state.notice()}>
          {(text) => (
            <p class="notice notice-success" role="status">
              {text()}
            </p>
          )}
        </Show>
        <Show when={profile.error}>
          <div class="alert" role="alert">
            <strong class="alert-title">{errorText(profile.error).title}</strong>
            <p>{errorText(profile.error).message}</p>
          </div>
        </Show>

        <div class="grid">
          <section class="card" aria-labelledby="profile-title">
            <h2 id="profile-title">{t('account.profile')}</h2>
            <Show when={profile()} fallback={<p class="muted">{t('app.loading')}</p>}>
              {(p) => (
                <dl class="facts">
                  <dt>{t('account.username')}</dt>
                  <dd data-testid="account-username">{p().username}</dd>
                  <dt>{t('account.email')}</dt>
                  <dd data-testid="account-email">{p().email || t('account.emailMissing')}</dd>
                  <dt>{t('account.method')}</dt>
                  {/* The protocol's schema admits only directory accounts. */}
                  <dd>{t('account.methodLdap')}</dd>
                  <Show when={p().domain}>
                    <dt>{t('account.domain')}</dt>
                    <dd>{p().domain}</dd>
                  </Show>
                </dl>
              )}
            </Show>
          </section>

          <section class="card" aria-labelledby="session-title">
            <h2 id="session-title">{t('account.thisSession')}</h2>
            <dl class="facts">
              <dt>{t('account.expires')}</dt>
              <dd data-testid="session-expiry">
                {formatDate(profile()?.session_valid_till ?? props.session.validTill)}{' '}
                <span class="muted">
                  ({formatRemaining(profile()?.session_valid_till ?? props.session.validTill)})
                </span>
              </dd>
              <Show when={profile()?.last_login}>
                <dt>{t('account.signedIn')}</dt>
                <dd>{formatDate(profile()?.last_login)}</dd>
              </Show>
            </dl>
          </section>

          <section class="card card-wide" aria-labelledby="groups-title">
            <h2 id="groups-title">{t('account.groups')}</h2>
            <Show when={profile()} fallback={<p class="muted">{t('app.loading')}</p>}>
              {(p) => (
                <Show when={p().groups.length > 0} fallback={<p class="muted">{t('account.noGroups')}</p>}>
                  <ul class="chips" data-testid="groups">
                    <For each={p().groups}>
                      {(g) => (
                        <li class="chip" title={g.dn}>
                          {g.name}
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
              )}
            </Show>
          </section>

          <section class="card card-wide" aria-labelledby="sessions-title">
            <h2 id="sessions-title">{t('account.sessions')}</h2>
            <Show when={actionError()}>
              {(text) => (
                <p class="field-error" role="alert">
                  {text()}
                </p>
              )}
            </Show>
            <Show
              when={sessions()}
              fallback={
                <p class="muted">{sessions.error ? t('account.sessionsFailed') : t('app.loading')}</p>
              }
            >
              {(list) => (
                <ul class="sessions" data-testid="sessions">
                  <For each={list()}>
                    {(s) => (
                      <li class="session-row">
                        <div>
                          <p class="session-device">
                            {s.device_description || t('account.unknownDevice')}
                            <Show when={s.current_session}>
                              <span class="badge">{t('account.thisDevice')}</span>
                            </Show>
                          </p>
                          <p class="muted small">
                            {t('account.sessionDates', {
                              started: formatDate(s.create_date),
                              expires: formatDate(s.valid_till),
                            })}
                          </p>
                        </div>
                        <Show when={!s.current_session}>
                          <button
                            type="button"
                            class="button secondary small"
                            onClick={() => endOther(s.id)}
                            aria-label={t('account.endSession', {
                              device: s.device_description || t('account.unknownDevice'),
                              started: formatDate(s.create_date),
                            })}
                          >
                            {t('account.signOut')}
                          </button>
                        </Show>
                      </li>
                    )}
                  </For>
                </ul>
              )}
            </Show>
          </section>
        </div>
      </main>
    </div>
  );
}
