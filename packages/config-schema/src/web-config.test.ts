import { describe, expect, it } from 'vitest';
import { parseWebConfig, WEB_CONFIG_DEFAULTS, type WebConfig } from './web-config.ts';

const ORIGIN = 'https://www.vault.example.com';

function configOf(input: unknown, origin = ORIGIN): WebConfig {
  const result = parseWebConfig(input, origin);
  if (!result.ok) throw new Error(`expected a valid config, got ${result.errors.join('; ')}`);
  return result.config;
}

function errorsOf(input: unknown, origin = ORIGIN): string[] {
  const result = parseWebConfig(input, origin);
  if (result.ok) throw new Error('expected the config to be refused');
  return result.errors;
}

describe('parseWebConfig defaults', () => {
  const config = configOf({});

  it("has Psono's defaults", () => {
    expect(config).toEqual({
      backend_servers: [
        {
          title: 'vault.example.com',
          url: 'https://www.vault.example.com/server',
          domain: 'vault.example.com',
          domain_from_url: true,
          autoapprove_plain_password: false,
        },
      ],
      authentication_methods: ['AUTHKEY', 'LDAP', 'SAML', 'OIDC'],
      allow_custom_server: true,
      allow_registration: true,
      allow_lost_password: true,
      remember_me_default: false,
      trust_device_default: false,
      clipboard_clear_seconds: 30,
      vault_lock_minutes: 15,
      base_url: 'https://www.vault.example.com/',
    });
  });

  it.each([
    'allow_custom_server',
    'allow_registration',
    'allow_lost_password',
    'remember_me_default',
    'trust_device_default',
    'clipboard_clear_seconds',
    'vault_lock_minutes',
  ] as const)('%s defaults to the documented value', (key) => {
    expect(config[key]).toBe(WEB_CONFIG_DEFAULTS[key]);
  });

  it('derives url and domain of a server that gives neither', () => {
    const [server] = configOf(
      { backend_servers: [{ title: 'Corp' }] },
      'http://localhost:5173',
    ).backend_servers;
    expect(server).toEqual({
      title: 'Corp',
      url: 'http://localhost:5173/server',
      domain: 'localhost',
      domain_from_url: true,
      autoapprove_plain_password: false,
    });
  });

  it('takes the domain from an explicit url, without a leading www.', () => {
    const [server] = configOf({ backend_servers: [{ url: 'https://www.example.org/api/' }] }).backend_servers;
    expect(server).toMatchObject({ url: 'https://www.example.org/api', domain: 'example.org' });
  });

  it('resolves a relative url against the page origin', () => {
    const [server] = configOf({ backend_servers: [{ url: '/psono/server' }] }).backend_servers;
    expect(server?.url).toBe('https://www.vault.example.com/psono/server');
  });

  it('keeps explicit values and lower-cases the verify key', () => {
    const key = 'AB'.repeat(32);
    const config = configOf({
      backend_servers: [
        {
          title: 'A',
          url: 'https://a.example.com/server',
          domain: 'corp',
          verify_key: key,
          autoapprove_plain_password: true,
        },
      ],
      authentication_methods: ['LDAP'],
      allow_custom_server: false,
      remember_me_default: true,
      login_info_text: 'Hello',
      base_url: 'https://a.example.com/vault/',
    });
    expect(config.backend_servers[0]).toEqual({
      title: 'A',
      url: 'https://a.example.com/server',
      domain: 'corp',
      domain_from_url: false,
      verify_key: key.toLowerCase(),
      autoapprove_plain_password: true,
    });
    expect(config).toMatchObject({
      authentication_methods: ['LDAP'],
      allow_custom_server: false,
      remember_me_default: true,
      login_info_text: 'Hello',
      base_url: 'https://a.example.com/vault/',
    });
  });

  it("ignores Psono keys this client does not use, and the editor's $schema", () => {
    const config = configOf({
      $schema: './config.schema.json',
      more_links: [{ href: 'x' }],
      saml_provider: [],
    });
    expect(Object.keys(config)).not.toContain('more_links');
  });
});

describe('parseWebConfig errors', () => {
  it('refuses something that is not an object', () => {
    expect(errorsOf([])).toEqual(['config.json must be a JSON object ({ ... })']);
    expect(errorsOf('x')).toHaveLength(1);
  });

  it('names each bad key by its path, all at once', () => {
    const errors = errorsOf({
      backend_servers: [{ verify_key: 'not-hex', autoapprove_plain_password: 'yes' }],
      authentication_methods: ['LDAP', 'KERBEROS'],
      allow_registration: 'no',
    });
    expect(errors).toHaveLength(4);
    expect(errors.some((error) => error.startsWith('backend_servers[0].verify_key: '))).toBe(true);
    expect(errors.some((error) => error.startsWith('backend_servers[0].autoapprove_plain_password: '))).toBe(
      true,
    );
    expect(errors.some((error) => error.startsWith('authentication_methods[1]: '))).toBe(true);
    expect(errors.some((error) => error.startsWith('allow_registration: '))).toBe(true);
  });

  it('refuses unknown keys with a suggestion', () => {
    expect(
      errorsOf({ backend_servers: [{ autoaprove_plain_password: true }], allow_registraton: false }),
    ).toEqual([
      'backend_servers[0].autoaprove_plain_password: unknown key (did you mean autoapprove_plain_password?)',
      'allow_registraton: unknown key (did you mean allow_registration?)',
    ]);
  });

  it('refuses a server url that is not http(s)', () => {
    expect(errorsOf({ backend_servers: [{ url: 'ftp://files.example.com' }] })).toEqual([
      'backend_servers[0].url: must be an http:// or https:// URL',
    ]);
  });

  it('refuses an empty server list', () => {
    expect(errorsOf({ backend_servers: [] })[0]).toMatch(/^backend_servers: /);
  });
});
