import { For } from 'solid-js';
import { t } from '../i18n/i18n.ts';

/** Shown instead of the login when config.json is missing or malformed: says exactly what is wrong. */
export function ConfigErrorPage(props: { title: string; errors: string[] }) {
  return (
    <main class="page page-login">
      <section class="card error-card" aria-labelledby="config-error-title">
        <h1 id="config-error-title">{t('configError.heading')}</h1>
        <p>{t('configError.body', { problem: props.title })}</p>
        <ul class="problems" data-testid="config-errors">
          <For each={props.errors}>
            {(error) => (
              <li>
                <code>{error}</code>
              </li>
            )}
          </For>
        </ul>
        <p class="muted small">{t('configError.forward')}</p>
      </section>
    </main>
  );
}
