import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REDACTED, redactSettings, SECRET_FIELD_NAMES } from './redact-settings.ts';
import { settingsSchema } from './settings-schema.ts';
import { x25519PublicKeyFromPrivate } from './x25519-public-key.ts';

/** Every property name anywhere in the settings schema (top level, LDAP entries, DATABASES.default). */
function settingsKeyNames(): Set<string> {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const properties = (node as { properties?: Record<string, unknown> }).properties;
    if (properties) for (const name of Object.keys(properties)) names.add(name);
    for (const inner of Object.values(node)) walk(inner);
  };
  walk(z.toJSONSchema(settingsSchema, { io: 'input', unrepresentable: 'any' }));
  return names;
}

const PRIVATE_KEY = randomBytes(32).toString('hex');
const PUBLIC_KEY = x25519PublicKeyFromPrivate(PRIVATE_KEY);

describe('redactSettings', () => {
  const settings = settingsSchema.parse({
    SECRET_KEY: 'server-secret-server-secret-server-secret',
    PRIVATE_KEY,
    PUBLIC_KEY,
    DATABASES: { default: { ENGINE: 'postgresql', NAME: 'vault', USER: 'vault', PASSWORD: 'db-password' } },
    LDAP: [
      {
        LDAP_URL: 'ldaps://ldap.example.com',
        LDAP_DOMAIN: 'example.com',
        LDAP_BIND_DN: 'cn=service,dc=example,dc=com',
        LDAP_BIND_PASS: 'bind-password',
        LDAP_SEARCH_USER_DN: 'ou=people,dc=example,dc=com',
        LDAP_SEARCH_GROUP_DN: 'ou=groups,dc=example,dc=com',
      },
    ],
  });
  const redacted = redactSettings(settings);
  const printed = JSON.stringify(redacted);

  it('lists every settings key whose name says PASS, KEY or SECRET, except PUBLIC_KEY and the server-secrets mode', () => {
    const names = settingsKeyNames();
    expect(names).toContain('LDAP_BIND_PASS');
    // COMPLIANCE_SERVER_SECRETS names a mode (auto, noone, all), not a secret.
    const notSecret = new Set(['PUBLIC_KEY', 'COMPLIANCE_SERVER_SECRETS']);
    const secretLooking = [...names].filter((name) => /pass|key|secret/i.test(name) && !notSecret.has(name));
    expect(secretLooking.filter((name) => !SECRET_FIELD_NAMES.includes(name))).toEqual([]);
  });

  it('hides every password, key and secret', () => {
    expect(redacted.SECRET_KEY).toBe(REDACTED);
    expect(redacted.PRIVATE_KEY).toBe(REDACTED);
    expect(redacted.LDAP[0]?.LDAP_BIND_PASS).toBe(REDACTED);
    expect(redacted.DATABASES?.default.PASSWORD).toBe(REDACTED);
    for (const secret of ['server-secret', PRIVATE_KEY, 'db-password', 'bind-password']) {
      expect(printed).not.toContain(secret);
    }
  });

  it('keeps the public key and every other value', () => {
    expect(redacted.PUBLIC_KEY).toBe(PUBLIC_KEY);
    expect(redacted.LDAP[0]?.LDAP_BIND_DN).toBe('cn=service,dc=example,dc=com');
    expect(redacted.DEFAULT_TOKEN_TIME_VALID).toBe(86_400);
    expect(redacted.DATABASES?.default.USER).toBe('vault');
  });

  it('is a deep copy: the settings themselves are untouched', () => {
    expect(settings.LDAP[0]?.LDAP_BIND_PASS).toBe('bind-password');
    expect(redacted.LDAP).not.toBe(settings.LDAP);
  });

  it('leaves unset secrets unset, so the copy still shows what is configured', () => {
    expect(redactSettings(settingsSchema.parse({})).SECRET_KEY).toBeUndefined();
  });

  it('hides the password of a database configuration too', () => {
    const database = {
      kind: 'postgres',
      host: 'db',
      port: 5432,
      database: 'v',
      user: 'u',
      password: 'pw-123',
    };
    expect(redactSettings(database)).toEqual({ ...database, password: REDACTED });
  });
});
