import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex, nobleCrypto, toHex } from '@ldap-login/protocol';
import { describe, expect, it } from 'vitest';
import { formatFinding } from './finding.ts';
import { LDAP_PRESETS, type LdapPreset } from './ldap-presets.ts';
import { loadSettingsText } from './settings-loader.ts';
import { ldapEntrySchema, settingsSchema } from './settings-schema.ts';
import { parseWebConfig } from './web-config.ts';

const examples = fileURLToPath(new URL('../examples/', import.meta.url));
const exampleFile = (name: string) => `${examples}${name}`;

/** What `manage generate-keys` prints, as the `PSONO_<KEY>` variables an administrator could set. */
function freshKeys(): Record<string, string> {
  const privateKey = randomBytes(32).toString('hex');
  return {
    PSONO_SECRET_KEY: randomBytes(32).toString('hex'),
    PSONO_PRIVATE_KEY: privateKey,
    PSONO_PUBLIC_KEY: toHex(nobleCrypto.x25519PublicKey(fromHex(privateKey))),
  };
}

/**
 * Loads an example as the server would, with `env` as its environment. The text is read here
 * (not by `loadSettingsFile`): the repository's file mode is not what an installation would have.
 */
const loadExample = (name: string, env: Record<string, string>) =>
  loadSettingsText(readFileSync(exampleFile(name), 'utf8'), { env, fileName: exampleFile(name) });

const SETTINGS_EXAMPLES: [string, LdapPreset][] = [
  ['settings.openldap-memberof.yaml', LDAP_PRESETS.openldap],
  ['settings.openldap-posix.yaml', LDAP_PRESETS.openldapPosix],
  ['settings.active-directory.yaml', LDAP_PRESETS.activeDirectory],
];

describe('example settings files', () => {
  it('are all covered by this test', () => {
    const yamlFiles = readdirSync(examples).filter((name) => name.endsWith('.yaml'));
    expect(yamlFiles.sort()).toEqual(SETTINGS_EXAMPLES.map(([name]) => name).sort());
  });

  describe.each(SETTINGS_EXAMPLES)('%s', (name, preset) => {
    const result = loadExample(name, freshKeys());

    it('is refused as shipped: its key placeholders say to run manage generate-keys', () => {
      const shipped = loadExample(name, {});
      expect(shipped.ok).toBe(false);
      if (shipped.ok) return;
      expect(shipped.errors.map((error) => error.path)).toEqual(['SECRET_KEY', 'PRIVATE_KEY', 'PUBLIC_KEY']);
      for (const error of shipped.errors) expect(error.message).toContain('run `manage generate-keys`');
    });

    it('parses without errors or warnings once it has generated keys', () => {
      expect(result.ok ? [] : result.errors.map(formatFinding)).toEqual([]);
      expect(result.warnings.map(formatFinding)).toEqual([]);
    });

    it('trusts no proxy', () => {
      if (!result.ok) throw new Error('invalid example');
      expect(result.settings.TRUSTED_PROXIES).toEqual([]);
    });

    it('uses the preset of its kind of directory', () => {
      if (!result.ok) throw new Error('invalid example');
      expect(result.settings.LDAP[0]).toMatchObject(preset);
    });

    it('documents every key, set or in a comment', () => {
      const text = readFileSync(exampleFile(name), 'utf8');
      const keys = [
        ...Object.keys(settingsSchema.shape),
        ...Object.keys(ldapEntrySchema.shape),
        'ENGINE',
        'NAME',
        'USER',
        'PASSWORD',
        'HOST',
        'PORT',
      ];
      const missing = keys.filter((key) => !new RegExp(`^\\s*#?\\s*${key}:`, 'm').test(text));
      expect(missing).toEqual([]);
    });
  });

  it('cover both databases: SQLite and PostgreSQL', () => {
    const kinds = SETTINGS_EXAMPLES.map(([name]) => {
      const result = loadExample(name, freshKeys());
      return result.ok ? result.database.kind : 'invalid';
    });
    expect(new Set(kinds)).toEqual(new Set(['sqlite', 'postgres']));
  });
});

describe('example config.json', () => {
  it('restricts the web client to LDAP with autoapprove_plain_password', () => {
    const input: unknown = JSON.parse(readFileSync(exampleFile('config.ldap-only.json'), 'utf8'));
    const result = parseWebConfig(input, 'https://vault.example.com');
    expect(result.ok ? [] : result.errors).toEqual([]);
    if (!result.ok) return;
    expect(result.config.authentication_methods).toEqual(['LDAP']);
    expect(result.config.backend_servers.every((server) => server.autoapprove_plain_password)).toBe(true);
    expect(result.config.allow_registration).toBe(false);
  });
});
