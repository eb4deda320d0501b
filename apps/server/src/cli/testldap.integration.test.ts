import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LdapEntryInput } from '@ldap-login/config-schema';
import type { DiagnoseStep } from '@ldap-login/ldap-core';
import {
  DATASET_NAMES,
  type DatasetName,
  freeLoopbackPort,
  startDirectoryOrSkip,
  type TestDirectory,
} from '@ldap-login/ldap-core/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, type TestContext, vi } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { generateServerKeys } from './commands/generate-keys.ts';
import { type ManageRun, runManage } from './test-support/run-manage.ts';

/**
 * `manage testldap` run as a process against the real test directory: each deliberately broken
 * setting must fail at the right step, name the setting and, where the directory shows it, the
 * likely value; the happy path must exit 0 on every dataset.
 */

interface TestldapJson {
  ok: boolean;
  username: string;
  settingsFile: string | null;
  userDn?: string;
  steps: DiagnoseStep[];
}

// Every test starts the CLI as a process (about a second each on a busy machine).
vi.setConfig({ testTimeout: 60_000 });

const directories = new Map<DatasetName, TestDirectory>();
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'manage-testldap-'));
  // Started one after the other: the machine is small and slapd starts in well under a second.
  for (const dataset of DATASET_NAMES) {
    const directory = await startDirectoryOrSkip(
      { dataset, largeGroupSize: 0 },
      'manage CLI directory tests',
    );
    if (!directory) return;
    directories.set(dataset, directory);
  }
}, 180_000);

afterAll(async () => {
  for (const directory of directories.values()) await directory.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function directoryFor(context: TestContext, dataset: DatasetName): TestDirectory {
  const directory = directories.get(dataset);
  if (!directory) context.skip('no test directory on this machine (see the warning above)');
  return directory!;
}

let settingsCount = 0;
/** testldap refuses what serve refuses: a file without the server's key pair. */
const { PRIVATE_KEY, PUBLIC_KEY } = generateServerKeys();
const SERVER_KEY_PAIR = { PRIVATE_KEY, PUBLIC_KEY };

/** Writes a settings file (JSON is YAML) in a folder of its own; the database lands beside it. */
async function writeSettings(entry: LdapEntryInput, extra: Record<string, unknown> = {}): Promise<string> {
  settingsCount += 1;
  const folder = join(workDir, `run-${settingsCount}`);
  const file = join(folder, 'settings.yaml');
  await mkdir(folder, { recursive: true });
  // JSON.stringify drops keys set to undefined, which is how an override removes a setting.
  await writeFile(
    file,
    JSON.stringify(
      { AUTHENTICATION_METHODS: 'AUTHKEY, LDAP', ...SERVER_KEY_PAIR, LDAP: [entry], ...extra },
      null,
      2,
    ),
  );
  return file;
}

interface TestldapOptions {
  overrides?: Partial<LdapEntryInput>;
  json?: boolean;
  audit?: boolean;
  /** Values that must never appear in any output (passwords). */
  secrets?: string[];
}

async function testldap(
  directory: TestDirectory,
  login: string,
  password: string,
  options: TestldapOptions = {},
): Promise<{ run: ManageRun; file: string }> {
  const file = await writeSettings(directory.ldapEntry(options.overrides));
  const args = ['testldap', `${login}@${directory.domain}`, password, '--settings', file];
  if (options.json !== false) args.push('--json');
  if (!options.audit) args.push('--no-audit');
  const run = await runManage(args);
  // Blank "passwords" (the empty-password case) would match any output's spaces.
  const secrets = [password, directory.bindPassword, ...(options.secrets ?? [])].filter(
    (secret) => secret.trim() !== '',
  );
  for (const secret of secrets) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
  return { run, file };
}

/** The one failing step: every step before it succeeded or was skipped, and nothing ran after it. */
function failedStep(run: ManageRun): DiagnoseStep {
  expect(run.code, run.stdout + run.stderr).toBe(1);
  const result = run.json<TestldapJson>();
  expect(result.ok).toBe(false);
  const last = result.steps.at(-1)!;
  expect(last.status, JSON.stringify(result.steps, null, 2)).toBe('error');
  expect(result.steps.filter((step) => step.status === 'error')).toHaveLength(1);
  expect(last.durationMs).toBeGreaterThanOrEqual(0);
  return last;
}

const alice = (directory: TestDirectory) => directory.users.alice!;

describe('manage testldap: the happy path on every dataset', () => {
  it.for(DATASET_NAMES)('%s: text, one line per step, exit 0', async (dataset, context) => {
    const directory = directoryFor(context, dataset);
    const { run } = await testldap(directory, 'alice', alice(directory).password, { json: false });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('The login would succeed.');
    const steps = lines.slice(0, -1);
    expect(steps[0]).toMatch(/^Success: Settings found and valid: /);
    for (const line of steps) expect(line).toMatch(/^(Success|Skipped): .+ \[\d+(\.\d)? (ms|s)\]$/);
    for (const title of ['Service bind', 'User search', 'User bind']) {
      expect(steps.some((line) => line.startsWith(`Success: ${title}`))).toBe(true);
    }
    expect(run.stdout).toContain(`found ${alice(directory).dn}`);
  });

  it.for(DATASET_NAMES)('%s: JSON over ldaps with the CA, exit 0', async (dataset, context) => {
    const directory = directoryFor(context, dataset);
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_URL: directory.ldapsUrl },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const result = run.json<TestldapJson>();
    expect(result.ok).toBe(true);
    expect(result.userDn).toBe(alice(directory).dn);
    expect(result.steps.map((step) => step.id)).toEqual([
      'settings',
      'authentication-methods',
      'domain-entry',
      'url',
      'host-resolve',
      'port-reachable',
      'tls',
      'service-bind',
      'lockout',
      'user-search-base',
      'user-search',
      'user-attributes',
      'groups',
      'user-bind',
      'required-group',
      'required-attribute',
    ]);
    expect(result.steps.find((step) => step.id === 'tls')?.status).toBe('success');
    expect(result.steps.every((step) => step.status !== 'error')).toBe(true);
  });

  it('reads the password from standard input with "-", and records the run in the audit log', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const file = await writeSettings(directory.ldapEntry());
    const password = directory.users.jsmith!.password;
    const run = await runManage(
      ['testldap', `jsmith@${directory.domain}`, '-', '--json', '--settings', file],
      {
        stdin: `${password}\n`,
      },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).not.toContain(password);
    expect(run.json<TestldapJson>().userDn).toBe(directory.users.jsmith!.dn);

    const db = openDatabase({ kind: 'sqlite', file: join(file, '..', 'data', 'db.sqlite3') });
    try {
      const rows = await db
        .selectFrom('audit_events')
        .select(['event', 'outcome', 'username', 'reason', 'details'])
        .where('event', '=', 'testldap')
        .execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'success',
        username: `jsmith@${directory.domain}`,
        reason: null,
      });
      expect(String(rows[0]!.details)).not.toContain(password);
      const count = await sql<{ n: number }>`select count(*) as n from audit_events`.execute(db);
      expect(Number(count.rows[0]!.n)).toBe(1);
    } finally {
      await db.destroy();
    }
  });
});

describe('manage testldap: broken transport settings', () => {
  it('ldaps:// on the plain port: the wrong URL scheme', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_URL: directory.url.replace('ldap://', 'ldaps://') },
    });
    const step = failedStep(run);
    expect(step.id).toBe('tls');
    expect(step.message).toContain('speaks plain LDAP, not TLS');
    expect(step.hint).toContain('wrong URL scheme');
    expect(step.setting).toBe('LDAP[0].LDAP_URL');
    expect(step.suggestion).toBe(directory.url);
  });

  it('ldap:// on the ldaps port: the wrong URL scheme', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_URL: directory.ldapsUrl.replace('ldaps://', 'ldap://') },
    });
    const step = failedStep(run);
    expect(step.id).toBe('service-bind');
    expect(step.hint).toContain('wrong URL scheme');
    expect(step.setting).toBe('LDAP[0].LDAP_URL');
    expect(step.suggestion).toBe(directory.ldapsUrl);
  });

  it('a URL that is not LDAP at all is refused with the settings', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_URL: directory.url.replace('ldap://', 'http://') },
    });
    expect(run.code).toBe(2);
    const result = run.json<TestldapJson>();
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]).toMatchObject({ id: 'settings', status: 'error', setting: 'LDAP[0].LDAP_URL' });
  });

  it('a closed port', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const port = await freeLoopbackPort();
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_URL: `ldap://127.0.0.1:${port}` },
    });
    const step = failedStep(run);
    expect(step.id).toBe('port-reachable');
    expect(step.message).toContain('connection refused');
    expect(step.setting).toBe('LDAP[0].LDAP_URL');
  });

  it('a closed first URL is skipped when the next one answers (failover)', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const port = await freeLoopbackPort();
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_URL: [`ldap://127.0.0.1:${port}`, directory.url] },
    });
    expect(run.code, run.stdout).toBe(0);
    const steps = run.json<TestldapJson>().steps;
    const skippedPort = steps.find((step) => step.id === 'port-reachable' && step.status === 'skipped');
    expect(skippedPort?.message).toContain('the next URL is tried');
    expect(steps.filter((step) => step.id === 'url').map((step) => step.title)).toEqual([
      `URL ldap://127.0.0.1:${port}`,
      `URL ${directory.url}`,
    ]);
  });

  it('a host name that does not resolve', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_URL: 'ldap://directory.invalid:389' },
    });
    const step = failedStep(run);
    expect(step.id).toBe('host-resolve');
    expect(step.message).toMatch(/directory\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN|TIMEOUT)\)/);
    expect(step.setting).toBe('LDAP[0].LDAP_URL');
  });

  it('ldaps without the CA', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_URL: directory.ldapsUrl, LDAP_CA_CERT_FILE: undefined },
    });
    const step = failedStep(run);
    expect(step.id).toBe('tls');
    expect(step.message).toMatch(/certificate issued by ".*" is not trusted \(SELF_SIGNED_CERT_IN_CHAIN\)/);
    expect(step.setting).toBe('LDAP[0].LDAP_CA_CERT_FILE');
    expect(step.hint).toContain('LDAP_CA_CERT_FILE');
  });

  it('ldaps with the CA of another directory', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const other = directoryFor(context, 'openldap-posix');
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_URL: directory.ldapsUrl, LDAP_CA_CERT_FILE: other.caCertFile },
    });
    const step = failedStep(run);
    expect(step.id).toBe('tls');
    expect(step.message).toContain('is not trusted');
    expect(step.hint).toMatch(
      /^LDAP\[0\]\.LDAP_CA_CERT_FILE holds ".+", not the CA that signed this certificate$/,
    );
    expect(step.setting).toBe('LDAP[0].LDAP_CA_CERT_FILE');
  });

  it('a CA file that does not exist: refused with the settings, as check-settings and serve refuse it (exit 2)', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_URL: directory.ldapsUrl, LDAP_CA_CERT_FILE: join(workDir, 'missing-ca.pem') },
    });
    expect(run.code, run.stdout + run.stderr).toBe(2);
    const result = run.json<TestldapJson>();
    expect(result.steps).toHaveLength(1);
    const step = result.steps[0]!;
    expect(step).toMatchObject({ id: 'settings', status: 'error', setting: 'LDAP[0].LDAP_CA_CERT_FILE' });
    expect(step.message).toContain('cannot read');
  });
});

describe('manage testldap: settings that do not fit the directory', () => {
  it('a wrong service password', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_BIND_PASS: 'Not-The-Service-Passw0rd' },
      secrets: ['Not-The-Service-Passw0rd'],
    });
    const step = failedStep(run);
    expect(step.id).toBe('service-bind');
    expect(step.message).toContain('invalid credentials');
    expect(step.setting).toBe('LDAP[0].LDAP_BIND_PASS');
  });

  it.for([
    ['openldap-memberof', 'ou=staff,dc=example,dc=org', 'ou=people,dc=example,dc=org'],
    ['ad-like', 'OU=Staff,DC=corp,DC=example,DC=net', 'ou=Users,dc=corp,dc=example,dc=net'],
  ] as const)('%s: a user search base that does not exist', async ([dataset, base, expected], context) => {
    const directory = directoryFor(context, dataset);
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_SEARCH_USER_DN: base },
    });
    const step = failedStep(run);
    expect(step.id).toBe('user-search-base');
    expect(step.message).toBe(`${base} does not exist`);
    expect(step.hint).toMatch(/^the nearest existing entry is /);
    expect(step.setting).toBe('LDAP[0].LDAP_SEARCH_USER_DN');
    expect(step.suggestion?.toLowerCase()).toBe(expected.toLowerCase());
  });

  it.for([
    ['openldap-memberof', 'user', 'inetOrgPerson'],
    ['openldap-posix', 'person-that-does-not-exist', 'inetOrgPerson'],
    ['ad-like', 'inetOrgPerson', 'user'],
  ] as const)('%s: a wrong user object class', async ([dataset, wrong, expected], context) => {
    const directory = directoryFor(context, dataset);
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_OBJECT_CLASS_USER: wrong },
    });
    const step = failedStep(run);
    expect(step.id).toBe('user-search');
    expect(step.message).toContain(`not objectClass ${wrong}`);
    expect(step.setting).toBe('LDAP[0].LDAP_OBJECT_CLASS_USER');
    expect(step.suggestion).toBe(expected);
  });

  it.for([
    ['openldap-memberof', 'sAMAccountName', 'uid'],
    ['ad-like', 'uid', 'sAMAccountName'],
  ] as const)('%s: a wrong username attribute', async ([dataset, wrong, expected], context) => {
    const directory = directoryFor(context, dataset);
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_ATTR_USERNAME: wrong },
    });
    const step = failedStep(run);
    expect(step.id).toBe('user-search');
    expect(step.message).toContain(`no entry has ${wrong}=alice`);
    expect(step.setting).toBe('LDAP[0].LDAP_ATTR_USERNAME');
    expect(step.suggestion).toBe(expected);
  });

  it.for([
    ['openldap-posix', 'objectGUID', 'entryUUID'],
    ['ad-like', 'nsUniqueId', 'objectGUID'],
  ] as const)('%s: a GUID attribute the users do not have', async ([dataset, wrong, expected], context) => {
    const directory = directoryFor(context, dataset);
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_ATTR_GUID: wrong },
    });
    const step = failedStep(run);
    expect(step.id).toBe('user-attributes');
    expect(step.message).toContain(`has no ${wrong}`);
    expect(step.setting).toBe('LDAP[0].LDAP_ATTR_GUID');
    expect(step.suggestion).toBe(expected);
  });

  it('memberOf expected on a directory without the overlay', async (context) => {
    const directory = directoryFor(context, 'openldap-posix');
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_MEMBER_OF_OVERLAY: true },
    });
    const step = failedStep(run);
    expect(step.id).toBe('groups');
    expect(step.message).toContain('no memberOf overlay');
    expect(step.setting).toBe('LDAP[0].LDAP_MEMBER_OF_OVERLAY');
    expect(step.suggestion).toBe('False');
    expect(step.hint).toContain(
      'LDAP_OBJECT_CLASS_GROUP: posixGroup, LDAP_ATTR_MEMBERS: memberUid, LDAP_MEMBER_ATTRIBUTE: uid',
    );
  });

  it('groups searched with the wrong member attribute', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: {
        LDAP_MEMBER_OF_OVERLAY: false,
        LDAP_ATTR_MEMBERS: 'memberUid',
        LDAP_MEMBER_ATTRIBUTE: 'uid',
      },
    });
    const step = failedStep(run);
    expect(step.id).toBe('groups');
    expect(step.setting).toBe('LDAP[0].LDAP_ATTR_MEMBERS');
    expect(step.suggestion).toBe('member');
  });
});

describe('manage testldap: the user', () => {
  it('is not in the required group: which one is lacking, and which groups they have', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const admins = directory.groups.admins!.dn;
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_REQUIRED_GROUP: [admins] },
    });
    const step = failedStep(run);
    expect(step.id).toBe('required-group');
    expect(step.message).toBe(`alice is in none of the required groups: ${admins}`);
    expect(step.hint).toBe('alice is in staff, developers');
    expect(step.setting).toBe('LDAP[0].LDAP_REQUIRED_GROUP');
  });

  it('passes the required group when a member (DNs compared case-insensitively)', async (context) => {
    const directory = directoryFor(context, 'openldap-posix');
    const { run } = await testldap(directory, 'alice', alice(directory).password, {
      overrides: { LDAP_REQUIRED_GROUP: [directory.groups.developers!.dn.toUpperCase()] },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.json<TestldapJson>().steps.find((step) => step.id === 'required-group')?.status).toBe(
      'success',
    );
  });

  it('lacks a required attribute', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const { run } = await testldap(directory, 'eve', directory.users.eve!.password, {
      overrides: { LDAP_REQUIRED_ATTRIBUTE: [['employeeType', 'active']] },
    });
    const step = failedStep(run);
    expect(step.id).toBe('required-attribute');
    expect(step.hint).toBe('employeeType: required active, has disabled');
    expect(step.setting).toBe('LDAP[0].LDAP_REQUIRED_ATTRIBUTE');
  });

  it('types a wrong password', async (context) => {
    const directory = directoryFor(context, 'ad-like');
    const { run } = await testldap(directory, 'alice', 'Wrong-Passw0rd');
    const step = failedStep(run);
    expect(step.id).toBe('user-bind');
    expect(step.message).toContain('refused the password');
    expect(step.setting).toBeUndefined();
  });

  it.for(DATASET_NAMES)('%s: an ambiguous username', async (dataset, context) => {
    const directory = directoryFor(context, dataset);
    const { run } = await testldap(directory, 'jdoe', directory.users.jdoe!.password);
    const step = failedStep(run);
    expect(step.id).toBe('user-search');
    expect(step.message).toMatch(/^2 entries match jdoe: /);
    expect(step.message).toContain(directory.users.jdoe!.dn);
    expect(step.message).toContain(directory.users['jdoe-contractor']!.dn);
    expect(step.hint).toContain('ambiguous');
  });

  it('does not exist at all: the settings fit, the username is wrong', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const { run } = await testldap(directory, 'nobody-here', 'Some-Passw0rd');
    const step = failedStep(run);
    expect(step.id).toBe('user-search');
    expect(step.message).toMatch(/^no user nobody-here under /);
    expect(step.hint).toContain('check the username');
    expect(step.setting).toBeUndefined();
  });

  it('sends no empty password', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const { run } = await testldap(directory, 'alice', '   ');
    const step = failedStep(run);
    expect(step.id).toBe('user-bind');
    expect(step.message).toContain('the password is empty');
  });

  it('names a domain no entry serves', async (context) => {
    const directory = directoryFor(context, 'openldap-memberof');
    const file = await writeSettings(directory.ldapEntry());
    const run = await runManage([
      'testldap',
      'alice@elsewhere.test',
      'x',
      '--json',
      '--no-audit',
      '--settings',
      file,
    ]);
    const step = failedStep(run);
    expect(step.id).toBe('domain-entry');
    expect(step.message).toContain('no LDAP entry serves the domain elsewhere.test');
  });
});
