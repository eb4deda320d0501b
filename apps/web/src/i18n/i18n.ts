/**
 * Translations: one typed dictionary per language (`en.ts` is the reference, `de.ts` must have
 * every key). The language follows the browser until the user picks one; the pick is remembered.
 */
import { createSignal } from 'solid-js';
import { de } from './de.ts';
import { en, type MessageKey } from './en.ts';

export const LANGUAGES = { en: 'English', de: 'Deutsch' } as const;
export type Language = keyof typeof LANGUAGES;
export type { MessageKey };

const DICTIONARIES: Record<Language, Record<MessageKey, string>> = { en, de };
const STORAGE_KEY = 'ldap-login:language';

function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && Object.hasOwn(LANGUAGES, value);
}

/** The first of the browser's languages we have, else English. */
export function detectLanguage(
  preferred: readonly string[] = globalThis.navigator?.languages ?? [],
): Language {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    // storage disabled: follow the browser
  }
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

const [language, setLanguageSignal] = createSignal<Language>(detectLanguage());

export { language };

export function setLanguage(next: Language): void {
  setLanguageSignal(next);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // not remembered
  }
  if (globalThis.document) document.documentElement.lang = next;
}

/** The text of `key` in the current language, `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const template = DICTIONARIES[language()][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}
