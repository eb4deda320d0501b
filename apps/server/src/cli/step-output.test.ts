import { describe, expect, it } from 'vitest';
import { formatStep } from './step-output.ts';

describe('formatStep', () => {
  it('puts message, hint, setting, likely value and duration on one line', () => {
    expect(
      formatStep({
        id: 'user-search-base',
        title: 'User search base ou=staff,dc=example,dc=org',
        status: 'error',
        message: 'ou=staff,dc=example,dc=org does not exist',
        hint: 'the nearest existing entry is dc=example,dc=org',
        setting: 'LDAP[0].LDAP_SEARCH_USER_DN',
        suggestion: 'ou=people,dc=example,dc=org',
        durationMs: 3.4,
      }),
    ).toBe(
      'Error: User search base ou=staff,dc=example,dc=org: ou=staff,dc=example,dc=org does not exist; the nearest existing entry is dc=example,dc=org (setting LDAP[0].LDAP_SEARCH_USER_DN; likely value ou=people,dc=example,dc=org) [3 ms]',
    );
  });

  it('keeps success and skipped steps short, and shows seconds for slow steps', () => {
    expect(formatStep({ id: 'tls', title: 'TLS', status: 'skipped', message: 'no TLS', durationMs: 0 })).toBe(
      'Skipped: TLS: no TLS [0 ms]',
    );
    expect(
      formatStep({
        id: 'port-reachable',
        title: 'Port',
        status: 'success',
        message: 'open',
        durationMs: 1520,
      }),
    ).toBe('Success: Port: open [1.5 s]');
  });
});
