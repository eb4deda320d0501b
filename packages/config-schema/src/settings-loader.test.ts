import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Finding, formatFinding } from './finding.ts';
import {
  filePermissionFinding,
  type LoadSettingsResult,
  loadSettingsFile,
  loadSettingsText,
} from './settings-loader.ts';

const ENTRY = `
  - LDAP_URL: 'ldaps://ldap.example.com'
    LDAP_DOMAIN: 'example.com'
    LDAP_BIND_DN: 'cn=service,dc=example,dc=com'
    LDAP_BIND_PASS: 'service-password'
    LDAP_SEARCH_USER_DN: 'ou=people,dc=example,dc=com'
    LDAP_SEARCH_GROUP_DN: 'ou=groups,dc=example,dc=com'`;

const VALID = `AUTHENTICATION_METHODS: [LDAP]\nLDAP:${ENTRY}\n`;

function errorsOf(result: LoadSettingsResult): Finding[] {
  if (result.ok) throw new Error('expected the settings to be refused');
  return result.errors;
}

function settingsOf(result: LoadSettingsResult) {
  if (!result.ok)
    throw new Error(`expected valid settings, got ${result.errors.map(formatFinding).join('; ')}`);
  return result;
}

describe('loadSettingsText: valid files', () => {
  it('parses a minimal file, with no warnings', () => {
    const result = settingsOf(loadSettingsText(VALID, { baseDir: '/srv/vault' }));
    expect(result.settings.LDAP[0]?.LDAP_DOMAIN).toBe('example.com');
    expect(result.warnings).toEqual([]);
  });

  it('reads Python-style True/False and yes/no as booleans (YAML 1.1, like PyYAML)', () => {
    const text = `${VALID}    LDAP_MEMBER_OF_OVERLAY: False\n    LDAP_NESTED_GROUPS: yes\n`;
    const entry = settingsOf(loadSettingsText(text)).settings.LDAP[0];
    expect(entry?.LDAP_MEMBER_OF_OVERLAY).toBe(false);
    expect(entry?.LDAP_NESTED_GROUPS).toBe(true);
  });

  it('accepts an empty file (every key has a default)', () => {
    const result = settingsOf(loadSettingsText(''));
    expect(result.settings.LDAP).toEqual([]);
  });

  it('puts the data folder and the SQLite file beside the settings file by default', () => {
    const result = settingsOf(loadSettingsText(VALID, { fileName: '/etc/vault/settings.yaml' }));
    expect(result.dataDir).toBe(resolve('/etc/vault/data'));
    expect(result.database).toEqual({ kind: 'sqlite', file: resolve('/etc/vault/data/db.sqlite3') });
  });

  it('resolves DATA_DIR and LDAP_CA_CERT_FILE against the settings folder', () => {
    const text = `DATA_DIR: state\n${VALID}    LDAP_CA_CERT_FILE: certs/ca.pem\n`;
    const result = settingsOf(loadSettingsText(text, { baseDir: '/etc/vault' }));
    expect(result.dataDir).toBe(resolve('/etc/vault/state'));
    expect(result.settings.LDAP[0]?.LDAP_CA_CERT_FILE).toBe(resolve('/etc/vault/certs/ca.pem'));
  });

  it('derives PostgreSQL from a Psono DATABASES block', () => {
    const text = `${VALID}DATABASES:
  default:
    ENGINE: 'django.db.backends.postgresql_psycopg2'
    NAME: 'psono'
    USER: 'psono'
    PASSWORD: 'db-password'
    HOST: 'db.example.com'
    PORT: '5433'
`;
    expect(settingsOf(loadSettingsText(text)).database).toEqual({
      kind: 'postgres',
      host: 'db.example.com',
      port: 5433,
      database: 'psono',
      user: 'psono',
      password: 'db-password',
    });
  });

  it('derives an SQLite file named in DATABASES, relative to the data folder', () => {
    const text = `${VALID}DATABASES: { default: { ENGINE: sqlite3, NAME: accounts.db } }\n`;
    expect(settingsOf(loadSettingsText(text, { baseDir: '/srv' })).database).toEqual({
      kind: 'sqlite',
      file: resolve('/srv/data/accounts.db'),
    });
  });

  it('applies PostgreSQL defaults for HOST and PORT', () => {
    const text = `DATABASES: { default: { ENGINE: postgresql, NAME: vault, USER: u, PASSWORD: p } }\n`;
    expect(settingsOf(loadSettingsText(text)).database).toMatchObject({ host: 'localhost', port: 5432 });
  });
});

describe('loadSettingsText: each kind of error, with its path and line', () => {
  it('reports a YAML syntax error with line and column', () => {
    const errors = errorsOf(loadSettingsText('LOG_LEVEL: info\nLDAP: [ { LDAP_URL: x }\nDEBUG: True\n'));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.message).toMatch(/^YAML syntax error/);
    expect(errors[0]?.line).toBeGreaterThanOrEqual(2);
    expect(errors[0]?.column).toBeGreaterThanOrEqual(1);
  });

  it('reports a duplicated key as a syntax error on its line', () => {
    const errors = errorsOf(loadSettingsText('LOG_LEVEL: info\nLOG_LEVEL: debug\n'));
    expect(errors).toEqual([expect.objectContaining({ line: 2, message: expect.stringMatching(/unique/) })]);
  });

  it('reports a wrong type, with a hint to quote the value', () => {
    const text = VALID.replace("LDAP_BIND_PASS: 'service-password'", 'LDAP_BIND_PASS: 123456');
    expect(errorsOf(loadSettingsText(text))).toEqual([
      {
        path: 'LDAP[0].LDAP_BIND_PASS',
        line: 6,
        column: 21,
        message: expect.stringMatching(/^must be text, but the value is a number; write it in quotes/),
      },
    ]);
  });

  it('reports an unknown key inside an entry with a suggestion, in the requested format', () => {
    const errors = errorsOf(loadSettingsText(`${VALID}    LDAP_ATTR_USRNAME: uid\n`));
    expect(errors.map(formatFinding)).toEqual([
      'LDAP[0].LDAP_ATTR_USRNAME (line 9): unknown key (did you mean LDAP_ATTR_USERNAME?)',
    ]);
    expect(errors[0]?.column).toBe(5);
  });

  it('reports an unknown key without a suggestion when nothing is close', () => {
    const errors = errorsOf(loadSettingsText(`${VALID}    COLOUR: blue\n`));
    expect(errors.map(formatFinding)).toEqual(['LDAP[0].COLOUR (line 9): unknown key']);
  });

  it('refuses an unknown top-level key, suggesting the closest known one', () => {
    const errors = errorsOf(loadSettingsText(`LOG_LEVL: info\nALOWED_HOSTS: ['*']\nWHATEVER: 1\n`));
    expect(errors.map(formatFinding)).toEqual([
      'LOG_LEVL (line 1): unknown key (did you mean LOG_LEVEL?)',
      'ALOWED_HOSTS (line 2): unknown key (did you mean ALLOWED_HOSTS?)',
      'WHATEVER (line 3): unknown key',
    ]);
  });

  it('accepts known Psono keys this server does not use, with a warning', () => {
    const text = `DEBUG: False\nALLOWED_HOSTS: ['*']\nEMAIL_HOST: smtp.example.com\nYUBIKEY_CLIENT_ID: '1'\n${VALID}`;
    const result = settingsOf(loadSettingsText(text));
    expect(result.warnings.map(formatFinding)).toEqual([
      'DEBUG (line 1): Psono setting that this server does not use; ignored',
      'ALLOWED_HOSTS (line 2): Psono setting that this server does not use; ignored',
      'EMAIL_HOST (line 3): Psono setting that this server does not use; ignored',
      'YUBIKEY_CLIENT_ID (line 4): Psono setting that this server does not use; ignored',
    ]);
  });

  it('reports each missing required key at the entry', () => {
    const errors = errorsOf(
      loadSettingsText("LDAP:\n  - LDAP_URL: 'ldaps://x.example.com'\n    LDAP_DOMAIN: x\n"),
    );
    expect(errors.map((error) => error.path)).toEqual([
      'LDAP[0].LDAP_BIND_DN',
      'LDAP[0].LDAP_BIND_PASS',
      'LDAP[0].LDAP_SEARCH_USER_DN',
      'LDAP[0].LDAP_SEARCH_GROUP_DN',
    ]);
    for (const error of errors) {
      expect(error.line).toBe(2);
      expect(error.message).toBe('required key is missing (text)');
    }
  });

  it('reports a duplicate domain, compared without case', () => {
    const second = ENTRY.replace("'example.com'", "'EXAMPLE.com'");
    const errors = errorsOf(loadSettingsText(`LDAP:${ENTRY}${second}\n`));
    expect(errors.map(formatFinding)).toEqual([
      'LDAP[1].LDAP_DOMAIN (line 9): duplicate domain "example.com" (already used by LDAP[0]); each entry serves one domain',
    ]);
  });

  it('reports a duplicate domain together with other errors', () => {
    const second = ENTRY.replace("'service-password'", '12345');
    const errors = errorsOf(loadSettingsText(`LDAP:${ENTRY}${second}\n`));
    expect(errors.map((error) => error.path)).toEqual(['LDAP[1].LDAP_DOMAIN', 'LDAP[1].LDAP_BIND_PASS']);
  });

  it('recognises the single-pair flow list of the Psono docs and says how to write it', () => {
    const text = "LDAP : [ 'LDAP_URL': 'ldaps://x.example.com', 'LDAP_DOMAIN': 'example.com' ]\n";
    const errors = errorsOf(loadSettingsText(text));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: 'LDAP', line: 1 });
    expect(errors[0]?.message).toMatch(/single-key maps \(LDAP_URL, LDAP_DOMAIN\)/);
    expect(errors[0]?.message).toContain("LDAP: [ { 'LDAP_URL': ..., 'LDAP_DOMAIN': ..., ... } ]");
    expect(errors[0]?.message).toContain('block list');
  });

  it('refuses an URL scheme other than ldap:// and ldaps://', () => {
    const text = VALID.replace(
      "'ldaps://ldap.example.com'",
      "['ldaps://a.example.com', 'http://b.example.com']",
    );
    expect(errorsOf(loadSettingsText(text)).map(formatFinding)).toEqual([
      'LDAP[0].LDAP_URL[1] (line 3): must be an ldap:// or ldaps:// URL, for example ldaps://dc1.example.com:636',
    ]);
  });

  it('reports every problem of a file at once, in file order', () => {
    const text = `LOG_LEVEL: loud\nSECRET_KEY: short\nLDAP:${ENTRY}\n    LDAP_POOL_SIZE: 0\n    LDAP_TIMEOUT: 5\n`;
    const errors = errorsOf(loadSettingsText(text));
    expect(errors.map((error) => [error.path, error.line])).toEqual([
      ['LOG_LEVEL', 1],
      ['SECRET_KEY', 2],
      ['LDAP[0].LDAP_POOL_SIZE', 10],
      ['LDAP[0].LDAP_TIMEOUT', 11],
    ]);
  });

  it('says how to turn a single LDAP map into a list', () => {
    const text = VALID.replace('  - LDAP_URL', '    LDAP_URL');
    expect(errorsOf(loadSettingsText(text)).map(formatFinding)).toEqual([
      'LDAP (line 3): must be a list of directory entries, but the value is one map; put "- " before its first key',
    ]);
  });

  it('reports cross-key problems even when other keys are wrong too', () => {
    const text = `LOG_LEVEL: loud\nPRIVATE_KEY: '${'1'.repeat(64)}'\nPUBLIC_KEY: '${'2'.repeat(64)}'\nLDAP:${ENTRY}\n    LDAP_START_TLS: True\n    LDAP_POOL_SIZE: -1\n`;
    expect(errorsOf(loadSettingsText(text)).map((error) => [error.path, error.line])).toEqual([
      ['LOG_LEVEL', 1],
      ['PUBLIC_KEY', 3],
      ['LDAP[0].LDAP_START_TLS', 11],
      ['LDAP[0].LDAP_POOL_SIZE', 12],
    ]);
  });

  it('refuses a file that is not a map', () => {
    expect(errorsOf(loadSettingsText('- a\n- b\n'))[0]?.message).toMatch(/must be a map/);
  });

  it('refuses an unsupported database engine and a PostgreSQL block without NAME', () => {
    expect(
      errorsOf(loadSettingsText('DATABASES: { default: { ENGINE: django.db.backends.mysql } }\n')),
    ).toEqual([expect.objectContaining({ path: 'DATABASES.default.ENGINE', line: 1 })]);
    expect(errorsOf(loadSettingsText('DATABASES:\n  default:\n    ENGINE: postgresql\n'))).toEqual([
      expect.objectContaining({ path: 'DATABASES.default.NAME', line: 3 }),
    ]);
  });
});

describe('loadSettingsText: environment overrides', () => {
  it('overrides a key with PSONO_<KEY>, parsing JSON values', () => {
    const env = {
      PSONO_LOG_LEVEL: 'debug',
      PSONO_LOGIN_THROTTLE_WINDOW: '60',
      PSONO_AUTHENTICATION_METHODS: '["LDAP","AUTHKEY"]',
      PSONO_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2',
      UNRELATED: 'x',
    };
    const { settings } = settingsOf(loadSettingsText(`LOG_LEVEL: warn\n${VALID}`, { env }));
    expect(settings.LOG_LEVEL).toBe('debug');
    expect(settings.LOGIN_THROTTLE_WINDOW).toBe(60);
    expect(settings.AUTHENTICATION_METHODS).toEqual(['LDAP', 'AUTHKEY']);
    expect(settings.TRUSTED_PROXIES).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('replaces the whole LDAP list from JSON', () => {
    const env = {
      PSONO_LDAP: JSON.stringify([
        {
          LDAP_URL: 'ldaps://env.example.com',
          LDAP_DOMAIN: 'env.example.com',
          LDAP_BIND_DN: 'cn=s',
          LDAP_BIND_PASS: 'p',
          LDAP_SEARCH_USER_DN: 'dc=env',
          LDAP_SEARCH_GROUP_DN: 'dc=env',
          LDAP_MEMBER_OF_OVERLAY: 'False',
        },
      ]),
    };
    const { settings } = settingsOf(loadSettingsText(VALID, { env }));
    expect(settings.LDAP.map((entry) => entry.LDAP_DOMAIN)).toEqual(['env.example.com']);
    expect(settings.LDAP[0]?.LDAP_MEMBER_OF_OVERLAY).toBe(false);
  });

  it("overrides a database key with Psono's PSONO_DATABASES_DEFAULT_<KEY>", () => {
    const text = 'DATABASES: { default: { ENGINE: postgresql, NAME: vault, USER: u, PASSWORD: old } }\n';
    const env = { PSONO_DATABASES_DEFAULT_PASSWORD: '0123', PSONO_DATABASES_DEFAULT_PORT: '6543' };
    expect(settingsOf(loadSettingsText(text, { env })).database).toMatchObject({
      password: '0123',
      port: 6543,
    });
  });

  it('names the variable instead of a line when an overridden value is wrong', () => {
    const errors = errorsOf(loadSettingsText('LOG_LEVEL: info\n', { env: { PSONO_LOG_LEVEL: 'loud' } }));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBeUndefined();
    expect(errors[0]?.message).toMatch(/\(set by PSONO_LOG_LEVEL\)$/);
  });
});

describe('loadSettingsText: warnings', () => {
  it('warns when LDAP entries exist but LDAP is not an authentication method', () => {
    const result = settingsOf(loadSettingsText(`LDAP:${ENTRY}\n`));
    expect(result.warnings.map((warning) => warning.path)).toEqual(['AUTHENTICATION_METHODS']);
  });

  it('warns about plain ldap:// without StartTLS and about TLS verification turned off', () => {
    const text = `${VALID.replace('ldaps://', 'ldap://')}    LDAP_TLS_VERIFY: False\n`;
    const result = settingsOf(loadSettingsText(text));
    expect(result.warnings.map((warning) => [warning.path, warning.line])).toEqual([
      ['LDAP[0].LDAP_URL', 3],
      ['LDAP[0].LDAP_TLS_VERIFY', 9],
    ]);
  });

  it('warns about each TRUSTED_PROXIES range wider than a /24 (IPv4) or a /64 (IPv6), at its line', () => {
    const text = `TRUSTED_PROXIES:\n  - 10.0.0.0/8\n  - 10.1.2.3\n  - 192.0.2.0/24\n  - fd00::/48\n  - fd00:1::/64\n  - 0.0.0.0/0\n${VALID}`;
    const result = settingsOf(loadSettingsText(text));
    expect(result.warnings.map((warning) => [warning.path, warning.line])).toEqual([
      ['TRUSTED_PROXIES[0]', 2],
      ['TRUSTED_PROXIES[3]', 5],
      ['TRUSTED_PROXIES[5]', 7],
    ]);
    expect(result.warnings[0]?.message).toMatch(/whole \/8 network.*escape the per-address throttle/);
  });

  it('says which variable set a wide TRUSTED_PROXIES range', () => {
    const result = settingsOf(loadSettingsText(VALID, { env: { PSONO_TRUSTED_PROXIES: '10.0.0.0/8' } }));
    expect(result.warnings.map(formatFinding)).toEqual([
      expect.stringMatching(
        /^TRUSTED_PROXIES\[0\]: trusts a whole \/8 network.*\(set by PSONO_TRUSTED_PROXIES\)$/,
      ),
    ]);
  });
});

describe('secrets never appear in the loader output', () => {
  const secrets = {
    bindPassword: 'Bind-Secret-7f3a9c',
    databasePassword: 'Db-Secret-51be02',
    secretKey: 'Server-Secret-Key-0b1c2d3e4f5a6b7c8d9e',
    privateKey: '3b0e7c1f5a9d24e86c3f0a7b5d1e9c42f8a6b0d3e7c5a1f9b2d4e6c8a0f3b5d7',
  };
  const everything = (result: LoadSettingsResult) =>
    JSON.stringify(result.ok ? result.warnings : [result.errors, result.warnings]) +
    (result.ok ? result.warnings : [...result.errors, ...result.warnings]).map(formatFinding).join('\n');

  const broken: [string, string, Record<string, string>?][] = [
    ['an unclosed quote after the password', `LDAP_BIND_PASS: "${secrets.bindPassword}\nx: [\n`],
    ['a syntax error on the line of the password', `LDAP_BIND_PASS: ${secrets.bindPassword}: x\n`],
    ['text after a quoted password', `SECRET_KEY: '${secrets.secretKey}' x\n`],
    [
      'a secret under an unknown key',
      `LDAP:${ENTRY.replace('service-password', secrets.bindPassword).replace('LDAP_BIND_PASS', 'LDAP_BIND_PASSWORD')}\n`,
    ],
    ['a secret key that is too short', 'SECRET_KEY: short-secret-123\n'],
    [
      'a private key without its public key',
      `PRIVATE_KEY: '${secrets.privateKey}'\nSECRET_KEY: '${secrets.secretKey}'\nLOG_LEVEL: loud\n`,
    ],
    [
      'a private key with the wrong public key',
      `PRIVATE_KEY: '${secrets.privateKey}'\nPUBLIC_KEY: '${'ab'.repeat(32)}'\n`,
    ],
    [
      'a database block with an error',
      `DATABASES: { default: { ENGINE: oracle, PASSWORD: '${secrets.databasePassword}', PORT: 'x' } }\n`,
    ],
    [
      'a secret given through the environment, of the wrong type',
      'LOG_LEVEL: info\n',
      { PSONO_SECRET_KEY: '12345678901234567890123456789012345', PSONO_LDAP: `[{"LDAP_BIND_PASS": 7}]` },
    ],
    [
      'a single-pair list holding a password',
      `LDAP: [ 'LDAP_URL': 'x', 'LDAP_BIND_PASS': '${secrets.bindPassword}' ]\n`,
    ],
    ['a password that YAML reads as a boolean', `LDAP:${ENTRY.replace("'service-password'", 'yes')}\n`],
  ];

  it.each(broken)('%s', (_name, text, env) => {
    const result = loadSettingsText(text, env === undefined ? {} : { env });
    expect(result.ok).toBe(false);
    const output = everything(result);
    for (const secret of [
      ...Object.values(secrets),
      'short-secret-123',
      '12345678901234567890123456789012345',
    ]) {
      expect(output).not.toContain(secret);
    }
  });

  it('a valid file with warnings does not echo its secrets either', () => {
    const text = `SECRET_KEY: '${secrets.secretKey}'\nDEBUG: True\nDB_SECRET: '${secrets.databasePassword}'\nLDAP:${ENTRY.replace('service-password', secrets.bindPassword).replace('ldaps://', 'ldap://')}\n`;
    const result = settingsOf(loadSettingsText(text));
    expect(result.warnings.length).toBeGreaterThan(0);
    const output = everything(result);
    for (const secret of Object.values(secrets)) expect(output).not.toContain(secret);
  });
});

describe('loadSettingsFile', () => {
  const folder = mkdtempSync(join(tmpdir(), 'settings-loader-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('reads a file and resolves paths against its folder', () => {
    const file = join(folder, 'settings.yaml');
    writeFileSync(file, VALID);
    const result = settingsOf(loadSettingsFile(file, { env: {} }));
    expect(result.dataDir).toBe(join(folder, 'data'));
  });

  it('applies the environment it is given', () => {
    const file = join(folder, 'env.yaml');
    writeFileSync(file, VALID);
    const result = settingsOf(loadSettingsFile(file, { env: { PSONO_LOG_LEVEL: 'error' } }));
    expect(result.settings.LOG_LEVEL).toBe('error');
  });

  it.each([
    [0o600, undefined],
    [0o400, undefined],
    [0o640, 'its group (mode 0640)'],
    [0o604, 'every user (mode 0604)'],
    [0o644, 'its group and every user (mode 0644)'],
  ])('warns when the file (mode %s) is readable by others: %s', (mode, expected) => {
    const file = join(folder, `mode-${mode.toString(8)}.yaml`);
    writeFileSync(file, VALID);
    chmodSync(file, mode);
    const warnings = settingsOf(loadSettingsFile(file, { env: {} })).warnings;
    if (expected === undefined) {
      expect(warnings).toEqual([]);
    } else {
      expect(warnings.map(formatFinding)).toEqual([
        expect.stringMatching(
          new RegExp(`^\\(file\\): the file is readable by ${expected.replace(/[()]/g, '\\$&')}.*chmod 600`),
        ),
      ]);
    }
  });

  it('warns about a readable file whose settings are refused too', () => {
    const file = join(folder, 'broken.yaml');
    writeFileSync(file, 'LOG_LEVEL: loud\n');
    chmodSync(file, 0o644);
    const result = loadSettingsFile(file, { env: {} });
    expect(result.ok).toBe(false);
    expect(result.warnings.map((warning) => warning.message)).toEqual([expect.stringContaining('mode 0644')]);
  });

  it('has no mode bits to check on Windows', () => {
    expect(filePermissionFinding(0o100644, 'win32')).toBeUndefined();
    expect(filePermissionFinding(0o100644, 'linux')?.message).toContain('mode 0644');
  });

  it('reports a missing file as an error, not an exception', () => {
    const errors = errorsOf(loadSettingsFile(join(folder, 'absent.yaml'), { env: {} }));
    expect(errors[0]?.message).toMatch(/no such file/);
  });
});
