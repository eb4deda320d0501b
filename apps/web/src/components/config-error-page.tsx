import { For } from 'solid-js';

/** Shown instead of the login when config.json is missing or malformed: says exactly what is wrong. */
export function ConfigErrorPage(props: { title: string; errors: string[] }) {
  return (
    <main class="page page-login">
      <section class="card error-card" aria-labelledby="config-error-title">
        <h1 id="config-error-title">This sign-in page is not set up correctly</h1>
        <p>
          {props.title}. Sign-in is unavailable until an administrator fixes the file <code>config.json</code>
          .
        </p>
        <ul class="problems" data-testid="config-errors">
          <For each={props.errors}>
            {(error) => (
              <li>
                <code>{error}</code>
              </li>
            )}
          </For>
        </ul>
        <p class="muted small">If you are not the administrator, please forward this page to them.</p>
      </section>
    </main>
  );
}
