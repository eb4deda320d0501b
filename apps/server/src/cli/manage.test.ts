import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettingsText } from '@ldap-login/config-schema';
import { fromHex, toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../db/database.ts';
import type { CliIo } from './command.ts';
import { generateServerKeys, keysAsYaml } from './commands/generate-keys.ts';
import { EXIT } from './exit-codes.ts';
import { invocationDirectory, runCli } from './main.ts';
import { locateSettings } from './settings-file.ts';
import { runManage } from './test-support/run-manage.ts';

/**
 * The `manage` commands that need no directory: help and usage errors, settings lookup,
 * generate-keys, check-settings, migrate. A few run as processes (as administrators run them);
 * the rest call `runCli` in-process with captured output.
 */

vi.setConfig({ testTimeout: 60_000 });

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'manage-cli-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function captureIo(overrides: Partial<CliIo> = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    readStdin: async () => '',
    env: {},
    cwd: workDir,
    ...overrides,
  };
  return io;
}

/** check-settings, testldap and serve refuse a file without the server's key pair. */
const { PRIVATE_KEY, PUBLIC_KEY } = generateServerKeys();
const KEY_PAIR = { PRIVATE_KEY, PUBLIC_KEY };

const VALID_LDAP_ENTRY = {
  LDAP_URL: 'ldaps://dc1.example.com',
  LDAP_DOMAIN: 'example.com',
  LDAP_BIND_DN: 'cn=reader,dc=example,dc=com',
  LDAP_BIND_PASS: 'Service-Secret-123',
  LDAP_SEARCH_USER_DN: 'ou=people,dc=example,dc=com',
  LDAP_SEARCH_GROUP_DN: 'ou=groups,dc=example,dc=com',
};

async function settingsFile(name: string, text: string): Promise<string> {
  const folder = join(workDir, name);
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'settings.yaml');
  await writeFile(file, text);
  return file;
}

describe('manage as a process', () => {
  it('prints the commands, the settings lookup order and the exit codes', async () => {
    const run = await runManage(['--help']);
    expect(run.code).toBe(0);
    for (const name of [
      'serve',
      'testldap',
      'check-settings',
      'generate-keys',
      'fingerprint',
      'migrate',
      'syncldap',
    ]) {
      expect(run.stdout).toContain(`  ${name} `);
    }
    expect(run.stdout).toContain('$PSONO_SETTINGS');
    expect(run.stdout).toContain('~/.psono_server/settings.yaml');
    expect(run.stdout).toContain('2  wrong command line');
  });

  it('generate-keys prints a working X25519 pair and a secret key as YAML', async () => {
    const run = await runManage(['generate-keys']);
    expect(run.code).toBe(0);
    // The output pastes into settings.yaml: the loader accepts it as it is.
    const loaded = loadSettingsText(run.stdout);
    expect(loaded.ok, JSON.stringify(loaded)).toBe(true);
    if (!loaded.ok) return;
    const { PRIVATE_KEY, PUBLIC_KEY, SECRET_KEY } = loaded.settings;
    expect(PRIVATE_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(SECRET_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(toHex(sodiumCrypto.x25519PublicKey(fromHex(PRIVATE_KEY!)))).toBe(PUBLIC_KEY);
  });

  it('check-settings reports every problem with its line and exits 2; serve logs each as one JSON line with the same text', async () => {
    const file = await settingsFile(
      'broken',
      [
        'AUTHENTICATION_METHODS: LDAP',
        'LDAP:',
        '  - LDAP_URL: http://dc1.example.com',
        '    LDAP_DOMAIN: example.com',
        '    LDAP_BIND_DN: cn=reader,dc=example,dc=com',
        '    LDAP_BIND_PASS: Service-Secret-123',
        '    LDAP_SEARCH_USER_DN: ou=people,dc=example,dc=com',
        '    LDAP_SEARCH_GROUP_DN: ou=groups,dc=example,dc=com',
        '    LDAP_ATTR_USRNAME: uid',
        '',
      ].join('\n'),
    );
    const run = await runManage(['check-settings', '--settings', file]);
    expect(run.code).toBe(EXIT.USAGE);
    expect(run.stdout).toMatch(/error: LDAP\[0\]\.LDAP_URL \(line 3\): /);
    expect(run.stdout).toMatch(/error: LDAP\[0\]\.LDAP_ATTR_USRNAME \(line 9\): .*LDAP_ATTR_USERNAME/);
    expect(run.stdout).not.toContain('Service-Secret-123');

    // serve says the same for a log collector: one JSON line per finding, on standard error,
    // whose msg is check-settings' text after the file name, with the setting and line as fields.
    const findings = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('error: '))
      .map((line) => line.slice('error: '.length));
    expect(findings.length).toBeGreaterThanOrEqual(2);
    const serve = await runManage(['serve', '--port', '0', '--settings', file]);
    expect(serve.code).toBe(EXIT.USAGE);
    expect(serve.stdout).toBe('');
    const lines = serve.stderr
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const refusals = lines.filter((line) => line.code === 'SETTINGS_INVALID');
    expect(refusals.map((line) => line.msg)).toEqual(findings.map((text) => `${file}: ${text}`));
    expect(refusals).toContainEqual(
      expect.objectContaining({ level: 60, file, setting: 'LDAP[0].LDAP_URL', line: 3 }),
    );
    expect(refusals).toContainEqual(
      expect.objectContaining({ setting: 'LDAP[0].LDAP_ATTR_USRNAME', line: 9 }),
    );
    expect(lines.at(-1)).toMatchObject({
      level: 60,
      exitCode: EXIT.USAGE,
      msg: expect.stringMatching(/did not start/),
    });
    expect(lines).toHaveLength(refusals.length + 1);
    expect(serve.stderr).not.toContain('Service-Secret-123');
  });

  it('an unknown option is a usage error with the command help', async () => {
    const run = await runManage(['testldap', 'alice', 'pw', '--jsn']);
    expect(run.code).toBe(EXIT.USAGE);
    expect(run.stderr).toContain("Unknown option '--jsn'");
    expect(run.stderr).toContain('Usage: manage testldap <username> <password>');
    expect(run.stdout).toBe('');
  });
});

describe('runCli', () => {
  it('without a command prints the help to standard error and exits 2', async () => {
    const io = captureIo();
    expect(await runCli([], io)).toBe(EXIT.USAGE);
    expect(io.err).toContain('Usage: manage <command>');
  });

  it('names an unknown command', async () => {
    const io = captureIo();
    expect(await runCli(['tesldap'], io)).toBe(EXIT.USAGE);
    expect(io.err).toContain('unknown command "tesldap"');
  });

  it.for(['serve', 'testldap', 'check-settings', 'generate-keys', 'migrate', 'syncldap'])(
    'manage %s --help documents --settings and the exit codes',
    async (name) => {
      const io = captureIo();
      expect(await runCli([name, '--help'], io)).toBe(EXIT.OK);
      expect(io.out).toContain(`Usage: manage ${name}`);
      expect(io.out).toContain('Exit codes:');
      if (name !== 'generate-keys') expect(io.out).toContain('--settings FILE');
    },
  );

  it('counts positional arguments', async () => {
    const io = captureIo();
    expect(await runCli(['testldap', 'alice'], io)).toBe(EXIT.USAGE);
    expect(io.err).toContain('expects 2 arguments, got 1');
    expect(await runCli(['migrate', 'extra'], captureIo())).toBe(EXIT.USAGE);
  });

  it('testldap without any settings file fails at the first step and exits 2', async () => {
    const io = captureIo({ cwd: join(workDir, 'nowhere') });
    expect(await runCli(['testldap', 'alice@example.com', 'Secret-Passw0rd'], io)).toBe(EXIT.USAGE);
    expect(io.out).toMatch(/^Error: Settings not found: no settings file found/);
    expect(io.out).toContain('The login would fail.');
    expect(io.out + io.err).not.toContain('Secret-Passw0rd');
  });

  it('check-settings, testldap and serve refuse the same files with exit 2: no key pair, a CA file that cannot be read, a group name in LDAP_REQUIRED_GROUP', async () => {
    const keyless = await settingsFile('keyless', JSON.stringify({ LDAP: [VALID_LDAP_ENTRY] }));
    const missingCa = await settingsFile(
      'missing-ca',
      JSON.stringify({ ...KEY_PAIR, LDAP: [{ ...VALID_LDAP_ENTRY, LDAP_CA_CERT_FILE: 'no-such-ca.pem' }] }),
    );
    const groupName = await settingsFile(
      'group-name',
      JSON.stringify({ ...KEY_PAIR, LDAP: [{ ...VALID_LDAP_ENTRY, LDAP_REQUIRED_GROUP: ['Vault Users'] }] }),
    );
    for (const [file, setting, text] of [
      [keyless, 'PRIVATE_KEY', 'PRIVATE_KEY and PUBLIC_KEY are required'],
      [missingCa, 'LDAP[0].LDAP_CA_CERT_FILE', 'no-such-ca.pem: ENOENT'],
      [groupName, 'LDAP[0].LDAP_REQUIRED_GROUP', "must be a group's DN"],
    ] as const) {
      const check = captureIo();
      expect(await runCli(['check-settings', '--settings', file], check), file).toBe(EXIT.USAGE);
      expect(check.out).toContain(setting);
      expect(check.out).toContain(text);
      const testldap = captureIo();
      expect(
        await runCli(['testldap', 'alice@example.com', 'pw', '--no-audit', '--settings', file], testldap),
      ).toBe(EXIT.USAGE);
      expect(testldap.out).toMatch(/^Error: Settings invalid: /);
      expect(testldap.out).toContain(text);
      const serve = captureIo();
      expect(await runCli(['serve', '--port', '0', '--settings', file], serve)).toBe(EXIT.USAGE);
      expect(serve.err).toContain(text);
    }
  });

  it('testldap says a missing settings file cannot be read, and resolves a relative --settings against the invocation folder', async () => {
    const io = captureIo();
    expect(
      await runCli(['testldap', 'alice@example.com', 'pw', '--no-audit', '--settings', 'missing.yaml'], io),
    ).toBe(EXIT.USAGE);
    expect(io.out).toMatch(/^Error: Settings file cannot be read: .*missing\.yaml: no such file/);
    expect(io.out).toContain(join(workDir, 'missing.yaml'));
    expect(invocationDirectory({ npm_lifecycle_event: 'manage', INIT_CWD: '/home/admin' }, '/repo')).toBe(
      '/home/admin',
    );
    expect(invocationDirectory({ INIT_CWD: '/home/admin' }, '/repo')).toBe('/repo');
    expect(invocationDirectory({}, '/repo')).toBe('/repo');
  });

  it('testldap stops at AUTHENTICATION_METHODS without LDAP', async () => {
    const file = await settingsFile(
      'no-ldap-method',
      JSON.stringify({ AUTHENTICATION_METHODS: ['AUTHKEY'], ...KEY_PAIR, LDAP: [VALID_LDAP_ENTRY] }),
    );
    const io = captureIo();
    expect(
      await runCli(['testldap', 'alice@example.com', 'pw', '--json', '--no-audit', '--settings', file], io),
    ).toBe(EXIT.CHECK_FAILED);
    const result = JSON.parse(io.out) as {
      steps: { id: string; status: string; setting?: string; suggestion?: string }[];
    };
    expect(result.steps.map((step) => [step.id, step.status])).toEqual([
      ['settings', 'success'],
      ['authentication-methods', 'error'],
    ]);
    expect(result.steps[1]).toMatchObject({ setting: 'AUTHENTICATION_METHODS', suggestion: 'AUTHKEY, LDAP' });
  });

  it('check-settings prints a redacted summary of each entry', async () => {
    const file = await settingsFile(
      'valid',
      JSON.stringify({
        AUTHENTICATION_METHODS: 'AUTHKEY, LDAP',
        SECRET_KEY: 'x'.repeat(40),
        ...KEY_PAIR,
        LDAP: [VALID_LDAP_ENTRY],
      }),
    );
    const io = captureIo();
    expect(await runCli(['check-settings', '--settings', file], io)).toBe(EXIT.OK);
    expect(io.out).toContain('LDAP[0]: example.com');
    expect(io.out).toContain('  LDAP_BIND_PASS: [redacted]');
    expect(io.out).toContain('  LDAP_URL: ldaps://dc1.example.com');
    expect(io.out).toContain('SECRET_KEY: [redacted]');
    expect(io.out).toContain('COMPLIANCE_SERVER_SECRETS: auto');
    expect(io.out).toContain(
      "note: Active Directory lockout: keep LOGIN_THROTTLE_USERNAME_FAILURES (5) below the domain's lockoutThreshold",
    );
    expect(io.out).toContain('TRUSTED_PROXIES: (none: X-Forwarded-For and X-Forwarded-Proto ignored)');
    expect(io.out).toContain('No errors');
    expect(io.out).not.toContain('Service-Secret-123');
    expect(io.out).not.toContain('x'.repeat(40));

    const json = captureIo();
    expect(await runCli(['check-settings', '--json', '--settings', file], json)).toBe(EXIT.OK);
    const document = JSON.parse(json.out) as { ok: boolean; summary: { LDAP: Record<string, unknown>[] } };
    expect(document.ok).toBe(true);
    expect(document.summary.LDAP[0]).toMatchObject({
      LDAP_DOMAIN: 'example.com',
      LDAP_BIND_PASS: '[redacted]',
    });
  });

  it('check-settings says when server secrets are off for want of SECRET_KEY', async () => {
    const file = await settingsFile(
      'no-secret-key',
      JSON.stringify({ ...KEY_PAIR, LDAP: [VALID_LDAP_ENTRY] }),
    );
    const io = captureIo();
    expect(await runCli(['check-settings', '--settings', file], io)).toBe(EXIT.OK);
    expect(io.out).toContain('COMPLIANCE_SERVER_SECRETS: noone');
    expect(io.out).toContain('note: COMPLIANCE_SERVER_SECRETS is auto but SECRET_KEY is not set');
  });

  it('check-settings refuses the shipped example until generate-keys output replaces its placeholders, and warns about a readable file and a wide proxy range', async () => {
    const example = await readFile(
      new URL('../../../../packages/config-schema/examples/settings.openldap-memberof.yaml', import.meta.url),
      'utf8',
    );
    const file = await settingsFile('example', example);
    await chmod(file, 0o600);
    const shipped = captureIo();
    expect(await runCli(['check-settings', '--settings', file], shipped)).toBe(EXIT.USAGE);
    const errors = shipped.out.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors).toEqual([
      expect.stringMatching(/^error: SECRET_KEY \(line \d+\): .*run `manage generate-keys`/),
      expect.stringMatching(/^error: PRIVATE_KEY \(line \d+\): .*run `manage generate-keys`/),
      expect.stringMatching(/^error: PUBLIC_KEY \(line \d+\): .*run `manage generate-keys`/),
    ]);

    const withKeys = example
      .split('\n')
      .filter((line) => !/^(SECRET_KEY|PRIVATE_KEY|PUBLIC_KEY):/.test(line))
      .join('\n')
      .replace('TRUSTED_PROXIES: []', 'TRUSTED_PROXIES: ["10.1.2.3", "10.0.0.0/8"]');
    await writeFile(file, `${keysAsYaml(generateServerKeys())}${withKeys}`);
    await chmod(file, 0o644);
    const noCa = captureIo();
    expect(await runCli(['check-settings', '--settings', file], noCa)).toBe(EXIT.USAGE);
    expect(noCa.out).toMatch(/error: LDAP\[0\]\.LDAP_CA_CERT_FILE: cannot read .*ca\.pem: ENOENT/);
    // The example's CA file, beside the settings (relative paths are resolved against the file's folder).
    await writeFile(join(file, '..', 'ca.pem'), 'a CA certificate\n');
    const warned = captureIo();
    expect(await runCli(['check-settings', '--settings', file], warned)).toBe(EXIT.OK);
    expect(warned.out.split('\n').filter((line) => line.startsWith('warning: '))).toEqual([
      expect.stringMatching(/^warning: the file is readable by its group and every user \(mode 0644\)/),
      expect.stringMatching(/^warning: TRUSTED_PROXIES\[1\] \(line \d+\): trusts a whole \/8 network/),
    ]);
    expect(warned.out).toContain('No errors, 2 warning(s).');

    await writeFile(file, `${keysAsYaml(generateServerKeys())}${withKeys.replace(', "10.0.0.0/8"', '')}`);
    await chmod(file, 0o600);
    const clean = captureIo();
    expect(await runCli(['check-settings', '--settings', file], clean)).toBe(EXIT.OK);
    expect(clean.out).toContain('No errors, 0 warning(s).');
    expect(clean.out).toContain('TRUSTED_PROXIES: 10.1.2.3\n');
  });

  it('migrate creates the embedded database beside the settings and is idempotent', async () => {
    const file = await settingsFile('migrate', JSON.stringify({ LDAP: [VALID_LDAP_ENTRY] }));
    const first = captureIo();
    expect(await runCli(['migrate', '--settings', file], first)).toBe(EXIT.OK);
    expect(first.out).toMatch(/^Applied \d+ migration\(s\) to .*db\.sqlite3: /);
    const second = captureIo();
    expect(await runCli(['migrate', '--settings', file], second)).toBe(EXIT.OK);
    expect(second.out).toContain('is up to date');

    const db = openDatabase({ kind: 'sqlite', file: join(file, '..', 'data', 'db.sqlite3') });
    try {
      const rows = await db.selectFrom('audit_events').select('id').execute();
      expect(rows).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});

describe('locateSettings', () => {
  it('follows the documented order', async () => {
    const home = join(workDir, 'home');
    const cwd = join(workDir, 'cwd');
    await mkdir(join(home, '.psono_server'), { recursive: true });
    await mkdir(cwd, { recursive: true });

    expect(locateSettings('given.yaml', { PSONO_SETTINGS: '/x.yaml' }, cwd, home)).toEqual({
      path: join(cwd, 'given.yaml'),
      source: '--settings',
    });
    expect(
      locateSettings(undefined, { PSONO_SETTINGS: '/x.yaml', LDAP_LOGIN_SETTINGS: '/y.yaml' }, cwd, home),
    ).toEqual({
      path: '/x.yaml',
      source: '$PSONO_SETTINGS',
    });
    expect(locateSettings(undefined, { LDAP_LOGIN_SETTINGS: 'y.yaml' }, cwd, home)?.source).toBe(
      '$LDAP_LOGIN_SETTINGS',
    );

    // Nothing chosen and no file yet: the system-wide file may exist on this machine, nothing else does.
    expect(locateSettings(undefined, {}, cwd, home)?.source ?? 'none').toMatch(
      /^(none|\/etc\/ldap-login\/settings\.yaml)$/,
    );
    await writeFile(join(home, '.psono_server', 'settings.yaml'), 'LDAP: []\n');
    expect(locateSettings(undefined, {}, cwd, home)?.source).toBe('~/.psono_server/settings.yaml');
    await writeFile(join(cwd, 'settings.yaml'), 'LDAP: []\n');
    expect(locateSettings(undefined, {}, cwd, home)).toEqual({
      path: join(cwd, 'settings.yaml'),
      source: './settings.yaml',
    });
  });
});

describe('generateServerKeys', () => {
  it('gives a fresh pair each time, quoted in YAML', () => {
    const first = generateServerKeys();
    const second = generateServerKeys();
    expect(first.PRIVATE_KEY).not.toBe(second.PRIVATE_KEY);
    expect(toHex(sodiumCrypto.x25519PublicKey(fromHex(first.PRIVATE_KEY)))).toBe(first.PUBLIC_KEY);
    const yaml = keysAsYaml({ ...first, SECRET_KEY: '1e10' }, new Date(0));
    expect(yaml).toContain("SECRET_KEY: '1e10'");
    expect(yaml).toContain('1970-01-01T00:00:00.000Z');
  });

  it('shows the fingerprint and the config.json line in comments, and `manage fingerprint` shows the same', async () => {
    const keys = generateServerKeys();
    const yaml = keysAsYaml(keys);
    const fingerprint =
      /^# Fingerprint \(publish it for users to compare\): ((?:[0-9a-f]{4} ){15}[0-9a-f]{4})$/m.exec(
        yaml,
      )?.[1];
    expect(fingerprint).toBeDefined();
    const verifyKey = fingerprint!.replaceAll(' ', '');
    expect(yaml).toContain(`# config.json, in the backend_servers entry: "verify_key": "${verifyKey}"`);
    expect(loadSettingsText(yaml).ok).toBe(true);

    const file = join(workDir, 'fingerprint.yaml');
    await writeFile(file, `${yaml}AUTHENTICATION_METHODS: ['LDAP']\n`);
    const io = captureIo();
    expect(await runCli(['fingerprint', '--settings', file], io)).toBe(EXIT.OK);
    expect(io.out).toBe(
      `Fingerprint: ${fingerprint}\nconfig.json (in a backend_servers entry): "verify_key": "${verifyKey}"\n`,
    );
    const json = captureIo();
    expect(await runCli(['fingerprint', '--json', '--settings', file], json)).toBe(EXIT.OK);
    expect(JSON.parse(json.out)).toEqual({
      fingerprint,
      verify_key: verifyKey,
      config_json: `"verify_key": "${verifyKey}"`,
    });
  });

  it('`manage fingerprint` names the key to fix when the keys do not match or are missing', async () => {
    const file = join(workDir, 'fingerprint-broken.yaml');
    const keys = generateServerKeys();
    await writeFile(file, `PRIVATE_KEY: '${keys.PRIVATE_KEY}'\nPUBLIC_KEY: '${'ab'.repeat(32)}'\n`);
    const io = captureIo();
    expect(await runCli(['fingerprint', '--settings', file], io)).toBe(EXIT.USAGE);
    expect(io.err).toMatch(/PUBLIC_KEY.*PRIVATE_KEY/);
    await writeFile(file, 'AUTHENTICATION_METHODS: [LDAP]\n');
    const missing = captureIo();
    expect(await runCli(['fingerprint', '--settings', file], missing)).toBe(EXIT.USAGE);
    expect(missing.err).toContain('PRIVATE_KEY and PUBLIC_KEY are required');
  });
});

describe('manage backup', () => {
  it('copies the SQLite database while it is open and being written, and refuses to overwrite', async () => {
    const folder = join(workDir, 'backup');
    await mkdir(folder, { recursive: true });
    const settings = join(folder, 'settings.yaml');
    await writeFile(settings, 'AUTHENTICATION_METHODS: [LDAP]\n');
    expect(await runCli(['migrate', '--settings', settings], captureIo())).toBe(EXIT.OK);
    const live = openDatabase({ kind: 'sqlite', file: join(folder, 'data', 'db.sqlite3') });
    try {
      await live
        .insertInto('login_throttle')
        .values({ key: 'user:alice@example.com', failures: 3, window_start: 1 })
        .execute();
      const io = captureIo();
      expect(await runCli(['backup', join(folder, 'copy.sqlite3'), '--settings', settings], io)).toBe(
        EXIT.OK,
      );
      expect(io.out).toMatch(/^Backed up .*db\.sqlite3 to .*copy\.sqlite3 \(\d+ pages\)\.\n$/);
      const again = captureIo();
      expect(await runCli(['backup', join(folder, 'copy.sqlite3'), '--settings', settings], again)).toBe(
        EXIT.USAGE,
      );
      expect(again.err).toContain('exists');
    } finally {
      await live.destroy();
    }
    const copy = openDatabase({ kind: 'sqlite', file: join(folder, 'copy.sqlite3') });
    try {
      expect(await copy.selectFrom('login_throttle').selectAll().execute()).toEqual([
        { key: 'user:alice@example.com', failures: 3, window_start: 1 },
      ]);
    } finally {
      await copy.destroy();
    }
  });

  it('points PostgreSQL users to pg_dump', async () => {
    const settings = join(workDir, 'backup-pg.yaml');
    await writeFile(
      settings,
      "DATABASES: {default: {ENGINE: 'django.db.backends.postgresql', NAME: x, USER: x, HOST: 127.0.0.1}}\n",
    );
    const io = captureIo();
    expect(await runCli(['backup', 'x.sqlite3', '--settings', settings], io)).toBe(EXIT.USAGE);
    expect(io.err).toContain('pg_dump');
  });
});

describe('manage --version', () => {
  it('prints the product version and the git revision', async () => {
    const run = await runManage(['--version']);
    expect(run.code).toBe(EXIT.OK);
    expect(run.stdout).toMatch(/^ldap-login 0\.2\.0 \([0-9a-f]{7}\)\n$/);
    const baked = await runManage(['-V'], { env: { LDAP_LOGIN_REVISION: 'abc1234' } });
    expect(baked.stdout).toBe('ldap-login 0.2.0 (abc1234)\n');
  });
});
