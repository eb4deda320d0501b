import { describe, expect, it } from 'vitest';
import { InvalidCredentialsError } from '../errors/errors.ts';
import { assertPasswordGiven, selectEntry } from './login-input.ts';

const entries = [{ LDAP_DOMAIN: 'example.org' }, { LDAP_DOMAIN: 'corp.example.net' }];

function reasonOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof InvalidCredentialsError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('selectEntry', () => {
  it('chooses the entry by domain, case-insensitively', () => {
    expect(selectEntry(entries, 'alice@CORP.example.net')).toEqual({ entry: entries[1], localPart: 'alice' });
  });

  it('accepts a bare username only when exactly one entry is configured', () => {
    expect(selectEntry([entries[0]!], 'alice')).toEqual({ entry: entries[0], localPart: 'alice' });
    expect(reasonOf(() => selectEntry(entries, 'alice'))).toBe('unknown-domain');
  });

  it('refuses unknown domains and names that can match nobody, before any I/O', () => {
    expect(reasonOf(() => selectEntry(entries, 'alice@example.com'))).toBe('unknown-domain');
    expect(reasonOf(() => selectEntry([], 'alice'))).toBe('unknown-domain');
    expect(reasonOf(() => selectEntry(entries, '@example.org'))).toBe('user-not-found');
    expect(reasonOf(() => selectEntry(entries, 'ali\0ce@example.org'))).toBe('user-not-found');
    expect(reasonOf(() => selectEntry(entries, 'ali\nce@example.org'))).toBe('user-not-found');
  });
});

describe('assertPasswordGiven', () => {
  it.each(['', ' ', '\t\n', '\u00a0'])('refuses %j', (password) => {
    expect(reasonOf(() => assertPasswordGiven(password))).toBe('empty-password');
  });

  it('accepts any other password, spaces included', () => {
    expect(reasonOf(() => assertPasswordGiven(' pass word '))).toBeUndefined();
  });
});
