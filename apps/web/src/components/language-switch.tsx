import { For } from 'solid-js';
import { LANGUAGES, type Language, language, setLanguage, t } from '../i18n/i18n.ts';

/** A labelled choice of the page's language. */
export function LanguageSwitch() {
  return (
    <label class="language-switch">
      <span class="visually-hidden">{t('app.language')}</span>
      <select
        value={language()}
        aria-label={t('app.language')}
        onChange={(event) => setLanguage(event.currentTarget.value as Language)}
      >
        <For each={Object.entries(LANGUAGES)}>
          {([code, name]) => (
            <option value={code} lang={code}>
              {name}
            </option>
          )}
        </For>
      </select>
    </label>
  );
}
