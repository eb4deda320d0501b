import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ldapEntrySchema } from '@ldap-login/config-schema';
import { DirectoryService } from '@ldap-login/ldap-core';
import { freeLoopbackPort, startDirectoryOrSkip, type TestDirectory } from '@ldap-login/ldap-core/testing';
import { ApiError } from '@ldap-login/protocol';
import { afterAll, beforeAll, describe, expect, it, type TestContext, vi } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrations.ts';
import { ProtocolClient } from '../test-support/protocol-client.ts';
import { generateServerKeys } from './commands/generate-keys.ts';
import { EXIT } from './exit-codes.ts';
import { runManage, startManage } from './test-support/run-manage.ts';

/**
 * `manage syncldap` and `manage serve` as processes, against the real test directory.
 */

vi.setConfig({ testTimeout: 90_000 });

let directory: TestDirectory | undefined;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'manage-server-'));
  directory = await startDirectoryOrSkip(
    { dataset: 'openldap-memberof', largeGroupSize: 0 },
    'manage CLI directory tests',
  );
}, 180_000);

afterAll(async () => {
  await directory?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function need(context: TestContext): TestDirectory {
  if (!directory) context.skip('no test directory on this machine (see the warning above)');
  return directory!;
}

async function writeSettings(name: string, settings: Record<string, unknown>): Promise<string> {
  const folder = join(workDir, name);
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'settings.yaml');
  await writeFile(file, JSON.stringify({ AUTHENTICATION_METHODS: 'AUTHKEY, LDAP', ...settings }, null, 2));
  return file;
}

describe('manage syncldap', () => {
  it('stores every group of the directory and reports the count', async (context) => {
    const dir = need(context);
    const file = await writeSettings('sync', { LDAP: [dir.ldapEntry()] });
    const run = await runManage(['syncldap', '--settings', file]);
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK);
    const expected = Object.keys(dir.groups).length;
    expect(run.stdout.trim().split('\n')).toEqual([
      `Success: ${dir.domain}: ${expected} group(s) stored`,
      `Sessions: ${dir.domain}: 0 user(s) with live sessions re-checked, 0 lost their sessions`,
    ]);

    const db = openDatabase({ kind: 'sqlite', file: join(file, '..', 'data', 'db.sqlite3') });
    try {
      const audit = await db
        .selectFrom('audit_events')
        .select(['outcome', 'details'])
        .where('event', '=', 'syncldap')
        .execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]!.outcome).toBe('success');
      expect(JSON.parse(String(audit[0]!.details))).toEqual({ domain: dir.domain, groups: expected });
    } finally {
      await db.destroy();
    }
  });

  it('ends the sessions of users the directory no longer lets in, and keeps the others', async (context) => {
    const dir = need(context);
    const entry = dir.ldapEntry({ LDAP_REQUIRED_GROUP: [dir.groups.admins!.dn] });
    const file = await writeSettings('sync-recheck', { LDAP: [entry] });
    // alice (not in admins) and bob (in admins) each hold a live session.
    const service = new DirectoryService([ldapEntrySchema.parse(dir.ldapEntry())]);
    const db = openDatabase({ kind: 'sqlite', file: join(file, '..', 'data', 'db.sqlite3') });
    try {
      await migrateToLatest(db);
      for (const key of ['alice', 'bob']) {
        const user = dir.users[key]!;
        const found = await service.authenticate(`${user.login}@${dir.domain}`, user.password);
        const now = Date.now();
        await db
          .insertInto('users')
          .values({
            id: `user-${key}`,
            ldap_domain: dir.domain,
            guid: found.guid,
            username: found.username,
            email: null,
            user_dn: found.dn,
            public_key: '00',
            private_key: '00',
            private_key_nonce: '00',
            secret_key: '00',
            secret_key_nonce: '00',
            user_sauce: '00',
            groups_fingerprint: '',
            created_at: now,
            last_login: now,
          })
          .execute();
        await db
          .insertInto('sessions')
          .values({
            id: `session-${key}`,
            token_hash: `hash-${key}`,
            user_id: `user-${key}`,
            secret: '00',
            validator: null,
            active: 1,
            device_fingerprint: '',
            device_description: '',
            client_address: '192.0.2.1',
            created_at: now - 1000,
            valid_till: now + 3_600_000,
            ended_at: null,
          })
          .execute();
      }
      const run = await runManage(['syncldap', '--settings', file]);
      expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK);
      expect(run.stdout).toContain(
        `Sessions: ${dir.domain}: 2 user(s) with live sessions re-checked, 1 lost their sessions`,
      );
      expect(run.stdout).toContain(`ended 1 session(s) of alice@${dir.domain}: required-group`);
      const sessions = await db.selectFrom('sessions').select(['id', 'ended_at']).orderBy('id').execute();
      expect(sessions.map((session) => [session.id, session.ended_at !== null])).toEqual([
        ['session-alice', true],
        ['session-bob', false],
      ]);
    } finally {
      await db.destroy();
      await service.close();
    }
  });

  it('exits 1 and names the directory that failed', async (context) => {
    const dir = need(context);
    const file = await writeSettings('sync-broken', {
      LDAP: [dir.ldapEntry({ LDAP_BIND_PASS: 'Wrong-Service-Passw0rd' })],
    });
    const run = await runManage(['syncldap', '--json', '--settings', file]);
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.CHECK_FAILED);
    const results = run.json<{ domain: string; groups: number; error?: string }[]>();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ domain: dir.domain, groups: 0 });
    expect(results[0]!.error).toBeTruthy();
    expect(run.stdout + run.stderr).not.toContain('Wrong-Service-Passw0rd');
  });

  it('refuses a domain no entry serves', async (context) => {
    const dir = need(context);
    const file = await writeSettings('sync-domain', { LDAP: [dir.ldapEntry()] });
    const run = await runManage(['syncldap', '--domain', 'elsewhere.test', '--settings', file]);
    expect(run.code).toBe(EXIT.USAGE);
    expect(run.stderr).toContain('no LDAP entry serves elsewhere.test');
  });
});

/** Live sessions of `userId` written straight into the SQLite database beside `settingsFile`. */
async function addSessions(settingsFile: string, userId: string, ids: string[]): Promise<void> {
  const db = openDatabase({ kind: 'sqlite', file: join(settingsFile, '..', 'data', 'db.sqlite3') });
  try {
    const now = Date.now();
    for (const id of ids) {
      await db
        .insertInto('sessions')
        .values({
          id,
          token_hash: `hash-${id}`,
          user_id: userId,
          secret: '00',
          validator: null,
          active: 1,
          device_fingerprint: '',
          device_description: 'Firefox',
          client_address: '192.0.2.1',
          created_at: now,
          valid_till: now + 3_600_000,
          ended_at: null,
        })
        .execute();
    }
  } finally {
    await db.destroy();
  }
}

describe('manage users and manage sessions', () => {
  // Fifteen manage processes, each a few seconds on a loaded machine.
  it('list, show, block, unblock and revoke by id, user and all with --json; wrong use exits 2, an unknown user 1', {
    timeout: 240_000,
  }, async (context) => {
    const dir = need(context);
    const file = await writeSettings('admin', { LDAP: [dir.ldapEntry()] });
    const service = new DirectoryService([ldapEntrySchema.parse(dir.ldapEntry())]);
    const alice = await service.authenticate(`alice@${dir.domain}`, dir.users.alice!.password);
    await service.close();
    const db = openDatabase({ kind: 'sqlite', file: join(file, '..', 'data', 'db.sqlite3') });
    try {
      await migrateToLatest(db);
      const now = Date.now();
      await db
        .insertInto('users')
        .values({
          id: 'user-alice',
          ldap_domain: dir.domain,
          guid: alice.guid,
          username: alice.username,
          email: null,
          user_dn: alice.dn,
          public_key: '00',
          private_key: '00',
          private_key_nonce: '00',
          secret_key: '00',
          secret_key_nonce: '00',
          user_sauce: '00',
          groups_fingerprint: '',
          created_at: now,
          last_login: now,
        })
        .execute();
    } finally {
      await db.destroy();
    }
    await addSessions(file, 'user-alice', ['s1', 's2']);
    const list = await runManage(['users', 'list', '--json', '--settings', file]);
    expect(list.code, list.stderr).toBe(EXIT.OK);
    expect(list.json<unknown[]>()).toEqual([
      expect.objectContaining({
        id: 'user-alice',
        username: alice.username,
        liveSessions: 2,
        blockedAt: null,
      }),
    ]);
    const sessions = await runManage([
      'sessions',
      'list',
      '--user',
      alice.username,
      '--json',
      '--settings',
      file,
    ]);
    expect(
      sessions
        .json<{ id: string }[]>()
        .map((session) => session.id)
        .sort(),
    ).toEqual(['s1', 's2']);
    const revoke = await runManage(['sessions', 'revoke', '--id', 's1', '--json', '--settings', file]);
    expect(revoke.json()).toEqual({ revoked: 1 });
    const block = await runManage(['users', 'block', alice.username, '--json', '--settings', file]);
    expect(block.json()).toMatchObject({ blocked: true, sessionsEnded: 1 });
    const show = await runManage(['users', 'show', 'user-alice', '--settings', file]);
    expect(show.stdout).toMatch(/blockedAt: \d{4}-/);
    const unblock = await runManage(['users', 'unblock', alice.username, '--json', '--settings', file]);
    expect(unblock.code, unblock.stderr).toBe(EXIT.OK);
    const unblocked = await runManage(['users', 'show', alice.username, '--json', '--settings', file]);
    expect(unblocked.json()).toMatchObject({ username: alice.username, blockedAt: null, liveSessions: 0 });
    await addSessions(file, 'user-alice', ['s3', 's4']);
    const byUser = await runManage([
      'sessions',
      'revoke',
      '--user',
      alice.username,
      '--json',
      '--settings',
      file,
    ]);
    expect(byUser.json()).toEqual({ revoked: 2 });
    await addSessions(file, 'user-alice', ['s5']);
    const all = await runManage(['sessions', 'revoke', '--all', '--json', '--settings', file]);
    expect(all.json()).toEqual({ revoked: 1 });
    const none = await runManage(['sessions', 'list', '--json', '--settings', file]);
    expect(none.json()).toEqual([]);

    expect((await runManage(['sessions', 'revoke', '--settings', file])).code).toBe(EXIT.USAGE);
    expect((await runManage(['users', 'show', 'nobody@nowhere', '--settings', file])).code).toBe(
      EXIT.CHECK_FAILED,
    );
    for (const command of ['users', 'sessions']) {
      const help = await runManage([command, '--help']);
      expect(help.code).toBe(EXIT.OK);
      expect(help.stdout).toContain(`Examples:\n  manage ${command} `);
    }
  });
});
/** The JSON log line that says the server listens, with its URL. */
const LISTENING = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"server listening"/;

/** Every line of standard output is a JSON object (the server's log). */
function expectJsonLines(stdout: string): Record<string, unknown>[] {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  expect(lines.length).toBeGreaterThan(0);
  return lines.map((line) => {
    expect(() => JSON.parse(line), line).not.toThrow();
    return JSON.parse(line) as Record<string, unknown>;
  });
}

describe('manage serve', () => {
  it('serves the API on the given host and port, logs only JSON, and stops cleanly on SIGTERM', async (context) => {
    const dir = need(context);
    const keys = generateServerKeys();
    const file = await writeSettings('serve', { ...keys, LDAP: [dir.ldapEntry()] });
    // README: `manage serve --web-root DIR --config-json FILE` serves another web client.
    const webRoot = join(workDir, 'serve', 'other-webclient');
    await mkdir(webRoot);
    await writeFile(join(webRoot, 'index.html'), '<!DOCTYPE html><title>Another client</title>\n');
    const configJson = join(workDir, 'serve', 'other-config.json');
    await writeFile(configJson, '{"backend_servers":[{"title":"Another"}]}\n');
    const server = startManage([
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--web-root',
      webRoot,
      '--config-json',
      configJson,
      '--settings',
      file,
    ]);
    try {
      const [, url] = await server.waitForStdout(LISTENING);
      const page = await fetch(`${url}/`, { headers: { Accept: 'text/html' } });
      expect(await page.text()).toContain('<title>Another client</title>');
      expect(await (await fetch(`${url}/config.json`)).json()).toEqual({
        backend_servers: [{ title: 'Another' }],
      });
      const response = await fetch(`${url}/server/info/`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { info: string; verify_key: string };
      expect(JSON.parse(body.info)).toMatchObject({
        authentication_methods: expect.arrayContaining(['LDAP']),
        version: expect.stringMatching(/^5\.3\.2 \(Build [0-9a-f]{7}\)$/),
      });
      const fingerprint = await runManage(['fingerprint', '--json', '--settings', file]);
      expect(fingerprint.json()).toMatchObject({ verify_key: body.verify_key });
    } finally {
      const code = await server.stop('SIGTERM');
      expect(code, JSON.stringify(server.output())).toBe(EXIT.OK);
    }
    expect(server.output().stderr).toBe('');
    const lines = expectJsonLines(server.output().stdout);
    const listening = lines.find((line) => line.msg === 'server listening')!;
    expect(listening).toMatchObject({ version: '0.2.0', revision: expect.stringMatching(/^[0-9a-f]{7}$/) });
    expect(String(listening.fingerprint).replaceAll(' ', '')).toBe(listening.verify_key);
    expect(listening.config_json).toBe(`"verify_key": "${listening.verify_key}"`);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'stopping', signal: 'SIGTERM' }));
    // The loader's warnings reach the log once each: plain ldap:// and a file readable by others.
    const warnings = (server.output().stdout + server.output().stderr)
      .split('\n')
      .filter((line) => line.includes('"msg":"settings: '));
    expect(warnings).toEqual([
      expect.stringContaining('the file is readable by'),
      expect.stringContaining('passwords travel unencrypted'),
    ]);
  });

  it('a file check-settings and testldap accept starts too; the start-up probe logs a hint for the URL that fails and serves anyway', async (context) => {
    const dir = need(context);
    const closed = await freeLoopbackPort();
    const file = await writeSettings('serve-probe', {
      ...generateServerKeys(),
      LDAP: [
        dir.ldapEntry({
          LDAP_URL: [`ldap://127.0.0.1:${closed}`, dir.url],
          LDAP_REQUIRED_GROUP: [dir.groups.staff!.dn],
        }),
      ],
    });
    expect((await runManage(['check-settings', '--settings', file])).code).toBe(EXIT.OK);
    const alice = dir.users.alice!;
    const testldap = await runManage(
      ['testldap', `${alice.login}@${dir.domain}`, '-', '--no-audit', '--settings', file],
      { stdin: `${alice.password}\n` },
    );
    expect(testldap.code, testldap.stdout).toBe(EXIT.OK);
    const server = startManage(['serve', '--host', '127.0.0.1', '--port', '0', '--settings', file]);
    try {
      await server.waitForStdout(LISTENING);
      await server.waitForStdout(
        new RegExp(`"url":"${dir.url.replaceAll('/', '\\/')}"[^\n]*"msg":"directory probe at start"`),
      );
    } finally {
      expect(await server.stop('SIGTERM')).toBe(EXIT.OK);
    }
    const probes = expectJsonLines(server.output().stdout).filter(
      (line) => line.msg === 'directory probe at start',
    );
    expect(probes).toEqual([
      expect.objectContaining({
        url: `ldap://127.0.0.1:${closed}`,
        up: false,
        level: 40,
        error: 'unreachable',
        hint: 'nothing answers: check the host and port of LDAP_URL and the network; run `manage testldap <user> -` for the failing step',
      }),
      expect.objectContaining({ url: dir.url, up: true, level: 30 }),
    ]);
  });

  it('lets a login in flight finish on SIGTERM, then refuses new connections and exits 0', async (context) => {
    const dir = need(context);
    const file = await writeSettings('serve-drain', { ...generateServerKeys(), LDAP: [dir.ldapEntry()] });
    const server = startManage(['serve', '--host', '127.0.0.1', '--port', '0', '--settings', file]);
    const [, url] = await server.waitForStdout(LISTENING);
    // A refused login answers no sooner than the refusal floor (250 ms): SIGTERM arrives while it runs.
    const client = new ProtocolClient(async (path, init) => {
      const reply = fetch(`${url}/server${path}`, init);
      if (path.startsWith('/authentication/login')) setTimeout(() => server.signal('SIGTERM'), 80);
      return reply;
    });
    const alice = `${dir.users.alice!.login}@${dir.domain}`;
    const login = await client.login(alice, 'Wrong-Passw0rd!').catch((error: unknown) => error);
    expect(login).toBeInstanceOf(ApiError);
    expect((login as ApiError).code).toBe('USERNAME_OR_PASSWORD_WRONG');
    expect(await server.exited()).toBe(EXIT.OK);
    await expect(fetch(`${url}/server/info/`)).rejects.toThrow();
    const lines = expectJsonLines(server.output().stdout);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'requests in flight finished', drained: true, inFlight: 1 }),
    );
  });

  it('closes a request still in flight once SHUTDOWN_DRAIN_TIMEOUT has passed', async (context) => {
    const dir = need(context);
    const file = await writeSettings('serve-drain-timeout', {
      ...generateServerKeys(),
      LDAP: [dir.ldapEntry()],
      SHUTDOWN_DRAIN_TIMEOUT: 0.05,
    });
    const server = startManage(['serve', '--host', '127.0.0.1', '--port', '0', '--settings', file]);
    const [, url] = await server.waitForStdout(LISTENING);
    const client = new ProtocolClient(async (path, init) => {
      const reply = fetch(`${url}/server${path}`, init);
      if (path.startsWith('/authentication/login')) setTimeout(() => server.signal('SIGTERM'), 80);
      return reply;
    });
    const started = performance.now();
    const alice = `${dir.users.alice!.login}@${dir.domain}`;
    const login = await client.login(alice, 'Wrong-Passw0rd!').catch((error: unknown) => error);
    expect(login).not.toBeInstanceOf(ApiError);
    expect(login).toBeInstanceOf(Error);
    expect(await server.exited()).toBe(EXIT.OK);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(expectJsonLines(server.output().stdout)).toContainEqual(
      expect.objectContaining({ drained: false, inFlight: 1 }),
    );
  });

  it('logs and ignores SIGHUP', async (context) => {
    const dir = need(context);
    const file = await writeSettings('serve-hup', { ...generateServerKeys(), LDAP: [dir.ldapEntry()] });
    const server = startManage(['serve', '--host', '127.0.0.1', '--port', '0', '--settings', file]);
    try {
      const [, url] = await server.waitForStdout(LISTENING);
      server.signal('SIGHUP');
      await server.waitForStdout(/"signal":"SIGHUP"[^\n]*"msg":"SIGHUP ignored/);
      expect((await fetch(`${url}/server/ready/`)).status).toBe(200);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(EXIT.OK);
    }
  });

  it('exits 2 when the settings are invalid, without listening', async () => {
    const file = await writeSettings('serve-broken', { LDAP: 'not a list' });
    const run = await runManage(['serve', '--port', '0', '--settings', file]);
    expect(run.code).toBe(EXIT.USAGE);
    // JSON like every other line of serve: one fatal line per finding, then why it stopped.
    const lines = expectJsonLines(run.stderr);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 60, code: 'SETTINGS_INVALID', msg: expect.stringMatching(/LDAP/) }),
    );
    expect(lines.at(-1)).toMatchObject({ exitCode: EXIT.USAGE, msg: expect.stringMatching(/did not start/) });
    expect(run.stdout).not.toContain('server listening');
  });
});
