import { randomBytes } from 'node:crypto';
import { fromHex, nobleCrypto, toHex } from '@ldap-login/protocol';
import { describe, expect, it } from 'vitest';
import { LDAP_PRESETS } from './ldap-presets.ts';
import { PUBLISHED_KEY_PAIRS } from './published-test-keys.ts';
import {
  KEY_PLACEHOLDER,
  LDAP_ENTRY_DEFAULTS,
  ldapEntrySchema,
  SETTINGS_DEFAULTS,
  settingsSchema,
} from './settings-schema.ts';

const REQUIRED_ENTRY = {
  LDAP_URL: 'ldaps://ldap.example.com',
  LDAP_DOMAIN: 'Example.COM',
  LDAP_BIND_DN: 'cn=service,dc=example,dc=com',
  LDAP_BIND_PASS: 'service-password',
  LDAP_SEARCH_USER_DN: 'ou=people,dc=example,dc=com',
  LDAP_SEARCH_GROUP_DN: 'ou=groups,dc=example,dc=com',
};

// A fresh pair per run: a published one is refused (see "published test keys" below).
const PRIVATE_KEY = randomBytes(32).toString('hex');
const PUBLIC_KEY = toHex(nobleCrypto.x25519PublicKey(fromHex(PRIVATE_KEY)));

describe('LDAP entry defaults', () => {
  const entry = ldapEntrySchema.parse(REQUIRED_ENTRY);

  it.each(Object.entries(LDAP_ENTRY_DEFAULTS))('%s defaults to %j', (key, value) => {
    expect(entry[key as keyof typeof entry]).toEqual(value);
  });

  it('matches the documented Psono defaults (Active Directory)', () => {
    expect(entry).toMatchObject({
      LDAP_ATTR_GUID: 'objectGUID',
      LDAP_OBJECT_CLASS_USER: 'user',
      LDAP_OBJECT_CLASS_GROUP: 'group',
      LDAP_ATTR_USERNAME: 'sAMAccountName',
      LDAP_ATTR_EMAIL: 'mail',
      LDAP_ATTR_GROUPS: 'memberOf',
      LDAP_MEMBER_OF_OVERLAY: true,
      LDAP_MEMBER_ATTRIBUTE: 'uid',
      LDAP_ATTR_MEMBERS: 'memberUid',
      LDAP_REQUIRED_GROUP: [],
      LDAP_REQUIRED_ATTRIBUTE: [],
      LDAP_TLS_VERIFY: true,
      LDAP_START_TLS: false,
    });
    expect(entry.LDAP_CUSTOM_USER_FILTER).toBeUndefined();
    expect(entry.LDAP_CUSTOM_GROUP_FILTER).toBeUndefined();
    expect(entry.LDAP_CA_CERT_FILE).toBeUndefined();
  });

  it('always gives LDAP_URL as a list and the domain in lower case', () => {
    expect(entry.LDAP_URL).toEqual(['ldaps://ldap.example.com']);
    expect(entry.LDAP_DOMAIN).toBe('example.com');
    const failover = ldapEntrySchema.parse({ ...REQUIRED_ENTRY, LDAP_URL: ['ldap://a', 'ldaps://b:636'] });
    expect(failover.LDAP_URL).toEqual(['ldap://a', 'ldaps://b:636']);
  });

  it('accepts one required group as a string', () => {
    const parsed = ldapEntrySchema.parse({ ...REQUIRED_ENTRY, LDAP_REQUIRED_GROUP: 'cn=a,dc=b' });
    expect(parsed.LDAP_REQUIRED_GROUP).toEqual(['cn=a,dc=b']);
    // A group's name instead of its DN would refuse every login: refused, naming the key.
    for (const value of ['Vault Users', ['Vault Users'], ['cn=a,dc=b', 'admins']]) {
      const result = ldapEntrySchema.safeParse({ ...REQUIRED_ENTRY, LDAP_REQUIRED_GROUP: value });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path[0]).toBe('LDAP_REQUIRED_GROUP');
      expect(result.error?.issues[0]?.message).toContain("must be a group's DN");
    }
  });

  it.each([
    [true, true],
    ['True', true],
    ['yes', true],
    ['ON', true],
    [1, true],
    [false, false],
    ['False', false],
    ['no', false],
    [0, false],
  ])('reads the boolean %j as %j', (input, expected) => {
    expect(ldapEntrySchema.parse({ ...REQUIRED_ENTRY, LDAP_NESTED_GROUPS: input }).LDAP_NESTED_GROUPS).toBe(
      expected,
    );
  });

  it('refuses a word that is not a boolean', () => {
    const result = ldapEntrySchema.safeParse({ ...REQUIRED_ENTRY, LDAP_NESTED_GROUPS: 'maybe' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('must be True or False');
  });

  it('refuses StartTLS on an ldaps:// URL', () => {
    const result = ldapEntrySchema.safeParse({ ...REQUIRED_ENTRY, LDAP_START_TLS: true });
    expect(result.error?.issues[0]?.path).toEqual(['LDAP_START_TLS']);
  });

  it('refuses an empty bind password (an anonymous bind)', () => {
    const result = ldapEntrySchema.safeParse({ ...REQUIRED_ENTRY, LDAP_BIND_PASS: '' });
    expect(result.error?.issues[0]?.path).toEqual(['LDAP_BIND_PASS']);
  });
});

describe('global defaults', () => {
  const settings = settingsSchema.parse({});

  it.each(Object.entries(SETTINGS_DEFAULTS))('%s defaults to %j', (key, value) => {
    expect(settings[key as keyof typeof settings]).toEqual(value);
  });

  it('leaves the optional keys unset', () => {
    for (const key of [
      'SECRET_KEY',
      'PRIVATE_KEY',
      'PUBLIC_KEY',
      'HOST_URL',
      'WEB_CLIENT_URL',
      'DATA_DIR',
      'DATABASES',
    ]) {
      expect(settings[key as keyof typeof settings], key).toBeUndefined();
    }
  });

  it('reads AUTHENTICATION_METHODS as a list or as a comma string, upper-cased', () => {
    expect(settingsSchema.parse({ AUTHENTICATION_METHODS: 'authkey, LDAP' }).AUTHENTICATION_METHODS).toEqual([
      'AUTHKEY',
      'LDAP',
    ]);
    expect(settingsSchema.parse({ AUTHENTICATION_METHODS: ['LDAP'] }).AUTHENTICATION_METHODS).toEqual([
      'LDAP',
    ]);
  });
});

describe('server key pair', () => {
  it('accepts a matching X25519 pair', () => {
    expect(settingsSchema.safeParse({ PRIVATE_KEY, PUBLIC_KEY }).success).toBe(true);
    expect(settingsSchema.safeParse({ PRIVATE_KEY, PUBLIC_KEY: PUBLIC_KEY.toUpperCase() }).success).toBe(
      true,
    );
  });

  it('refuses a public key that does not belong to the private key', () => {
    const other = `${PUBLIC_KEY.slice(0, 63)}${PUBLIC_KEY.endsWith('a') ? 'b' : 'a'}`;
    const result = settingsSchema.safeParse({ PRIVATE_KEY, PUBLIC_KEY: other });
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['PUBLIC_KEY']]);
  });

  it('refuses half a pair', () => {
    const result = settingsSchema.safeParse({ PRIVATE_KEY });
    expect(result.error?.issues[0]?.path).toEqual(['PUBLIC_KEY']);
  });
});

describe('published test keys and placeholders', () => {
  it.each(PUBLISHED_KEY_PAIRS.map((pair) => [pair.source, pair] as const))(
    'refuses the pair of %s',
    (_source, pair) => {
      const privateKey = pair.privateKey;
      const publicKey = toHex(nobleCrypto.x25519PublicKey(fromHex(privateKey)));
      const result = settingsSchema.safeParse({
        PRIVATE_KEY: privateKey.toUpperCase(),
        PUBLIC_KEY: publicKey,
      });
      expect(result.success).toBe(false);
      const issue = result.error?.issues.find((found) => found.path[0] === 'PRIVATE_KEY');
      expect(issue?.message).toContain('published test key');
      expect(issue?.message).toContain('manage generate-keys');
      expect(issue?.message).not.toContain(privateKey);
    },
  );

  it('refuses a published public key even beside another private key', () => {
    const result = settingsSchema.safeParse({ PRIVATE_KEY, PUBLIC_KEY: PUBLISHED_KEY_PAIRS[0]!.publicKey });
    const messages = result.error?.issues
      .filter((issue) => issue.path[0] === 'PUBLIC_KEY')
      .map((i) => i.message);
    expect(messages).toEqual([
      expect.stringContaining('published test key'),
      expect.stringContaining('is not the public key'),
    ]);
  });

  it("refuses the example files' placeholder for each key, with one message that says what to run", () => {
    const result = settingsSchema.safeParse({
      SECRET_KEY: KEY_PLACEHOLDER,
      PRIVATE_KEY: KEY_PLACEHOLDER,
      PUBLIC_KEY: ` ${KEY_PLACEHOLDER}`,
    });
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['SECRET_KEY', expect.stringMatching(/placeholder.*run `manage generate-keys`/)],
      ['PRIVATE_KEY', expect.stringMatching(/placeholder.*run `manage generate-keys`/)],
      ['PUBLIC_KEY', expect.stringMatching(/placeholder.*run `manage generate-keys`/)],
    ]);
  });

  it('accepts a freshly generated pair', () => {
    expect(
      settingsSchema.safeParse({ SECRET_KEY: randomBytes(32).toString('hex'), PRIVATE_KEY, PUBLIC_KEY })
        .success,
    ).toBe(true);
  });
});

describe('HTTP hardening keys', () => {
  it('default to no trusted proxy, 10 s / 30 s timeouts, HSTS for 180 days without subdomains, IPv6 per /64', () => {
    expect(settingsSchema.parse({})).toMatchObject({
      TRUSTED_PROXIES: [],
      HTTP_HEADERS_TIMEOUT: 10,
      HTTP_REQUEST_TIMEOUT: 30,
      HSTS_MAX_AGE: 15_552_000,
      HSTS_INCLUDE_SUBDOMAINS: false,
      LOGIN_THROTTLE_IPV6_PREFIX: 64,
    });
  });

  it('reads TRUSTED_PROXIES as a list or a comma-separated string of addresses and CIDR ranges', () => {
    expect(settingsSchema.parse({ TRUSTED_PROXIES: '10.1.2.3, fd00::/64' }).TRUSTED_PROXIES).toEqual([
      '10.1.2.3',
      'fd00::/64',
    ]);
    expect(settingsSchema.parse({ TRUSTED_PROXIES: ['::1', '192.0.2.0/24'] }).TRUSTED_PROXIES).toEqual([
      '::1',
      '192.0.2.0/24',
    ]);
  });

  it.each([['proxy.example.com'], ['10.0.0.0/33'], ['10.0.0.0/8/1'], ['fd00::/129'], ['10.0.0.0/x']])(
    'refuses the TRUSTED_PROXIES entry %j, naming its position',
    (entry) => {
      const result = settingsSchema.safeParse({ TRUSTED_PROXIES: ['10.1.2.3', entry] });
      expect(result.error?.issues.map((issue) => issue.path)).toEqual([['TRUSTED_PROXIES', 1]]);
      expect(result.error?.issues[0]?.message).toContain('CIDR range');
    },
  );

  it('refuses a header timeout longer than the request timeout', () => {
    const result = settingsSchema.safeParse({ HTTP_HEADERS_TIMEOUT: 40, HTTP_REQUEST_TIMEOUT: 30 });
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['HTTP_HEADERS_TIMEOUT']]);
  });

  it.each([
    ['LOGIN_THROTTLE_IPV6_PREFIX', 0],
    ['LOGIN_THROTTLE_IPV6_PREFIX', 129],
    ['HSTS_MAX_AGE', -1],
    ['HTTP_REQUEST_TIMEOUT', 0],
  ])('refuses %s: %j', (key, value) => {
    const result = settingsSchema.safeParse({ [key]: value });
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([[key]]);
  });

  it('turns HSTS off with 0 and reads HSTS_INCLUDE_SUBDOMAINS as a Python-style boolean', () => {
    expect(settingsSchema.parse({ HSTS_MAX_AGE: 0, HSTS_INCLUDE_SUBDOMAINS: 'True' })).toMatchObject({
      HSTS_MAX_AGE: 0,
      HSTS_INCLUDE_SUBDOMAINS: true,
    });
  });
});

describe('presets', () => {
  it.each(Object.entries(LDAP_PRESETS))('%s parses into an entry carrying its values', (_name, preset) => {
    const entry = ldapEntrySchema.parse({ ...REQUIRED_ENTRY, ...preset });
    expect(entry).toMatchObject(preset);
  });

  it('OpenLDAP presets use entryUUID and uid; Active Directory objectGUID and sAMAccountName', () => {
    expect(LDAP_PRESETS.openldap).toMatchObject({ LDAP_ATTR_GUID: 'entryUUID', LDAP_ATTR_USERNAME: 'uid' });
    expect(LDAP_PRESETS.openldapPosix).toMatchObject({
      LDAP_MEMBER_OF_OVERLAY: false,
      LDAP_OBJECT_CLASS_GROUP: 'posixGroup',
      LDAP_ATTR_MEMBERS: 'memberUid',
    });
    expect(LDAP_PRESETS.activeDirectory).toMatchObject({
      LDAP_ATTR_GUID: 'objectGUID',
      LDAP_ATTR_USERNAME: 'sAMAccountName',
    });
  });
});

describe('vault keys', () => {
  it('defaults to server secrets in auto, no CORS origin and a 16 MiB vault body limit', () => {
    expect(settingsSchema.parse({})).toMatchObject({
      COMPLIANCE_SERVER_SECRETS: 'auto',
      CORS_ALLOWED_ORIGINS: [],
      VAULT_MAX_BODY_SIZE: 16 * 1024 * 1024,
    });
  });

  it('reads the server-secrets mode case-insensitively and refuses others', () => {
    expect(settingsSchema.parse({ COMPLIANCE_SERVER_SECRETS: 'NoOne' }).COMPLIANCE_SERVER_SECRETS).toBe(
      'noone',
    );
    expect(settingsSchema.safeParse({ COMPLIANCE_SERVER_SECRETS: 'some' }).success).toBe(false);
  });

  it('takes origins as a list or a comma string, never a wildcard or a path', () => {
    expect(
      settingsSchema.parse({ CORS_ALLOWED_ORIGINS: 'https://a.example.com, chrome-extension://abcdef' })
        .CORS_ALLOWED_ORIGINS,
    ).toEqual(['https://a.example.com', 'chrome-extension://abcdef']);
    for (const origin of ['*', 'https://*.example.com', 'https://a.example.com/path', 'a.example.com']) {
      expect(settingsSchema.safeParse({ CORS_ALLOWED_ORIGINS: [origin] }).success, origin).toBe(false);
    }
  });

  it('keeps the vault body limit above the login limit', () => {
    expect(settingsSchema.parse({ VAULT_MAX_BODY_SIZE: '1048576' }).VAULT_MAX_BODY_SIZE).toBe(1_048_576);
    expect(settingsSchema.safeParse({ VAULT_MAX_BODY_SIZE: 1000 }).success).toBe(false);
  });
});
