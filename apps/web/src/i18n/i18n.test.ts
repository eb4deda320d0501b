import { describe, expect, it } from 'vitest';
import { de } from './de.ts';
import { en } from './en.ts';
import { detectLanguage, language, setLanguage, t } from './i18n.ts';

describe('i18n', () => {
  it('has the same keys and placeholders in every language', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const placeholders = (value: string) => (value.match(/\{\w+\}/g) ?? []).sort();
      expect(placeholders(de[key as keyof typeof en]), key).toEqual(placeholders(text));
      expect(de[key as keyof typeof en].trim(), key).not.toBe('');
    }
  });

  it('follows the browser, then the user', () => {
    localStorage.removeItem('ldap-login:language');
    expect(detectLanguage(['de-AT', 'en'])).toBe('de');
    expect(detectLanguage(['fr-FR', 'en-GB'])).toBe('en');
    expect(detectLanguage(['fr'])).toBe('en');
    setLanguage('de');
    expect(detectLanguage(['en'])).toBe('de');
    expect(language()).toBe('de');
    expect(t('vault.copied', { what: 'Passwort', seconds: 30 })).toBe(
      'Passwort kopiert. Die Zwischenablage wird in 30 Sekunden geleert.',
    );
    setLanguage('en');
    expect(t('vault.trash')).toBe('Trash');
  });
});
