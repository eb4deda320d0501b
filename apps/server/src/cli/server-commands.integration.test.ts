import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDirectoryOrSkip, type TestDirectory } from '@ldap-login/ldap-core/testing';
import { ApiError } from '@ldap-login/protocol';
import { afterAll, beforeAll, describe, expect, it, type TestContext, vi } from 'vitest';
import { openDatabase } from '../db/database.ts';
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
    expect(run.stdout.trim()).toBe(`Success: ${dir.domain}: ${expected} group(s) stored`);

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
    const server = startManage(['serve', '--host', '127.0.0.1', '--port', '0', '--settings', file]);
    try {
      const [, url] = await server.waitForStdout(LISTENING);
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
    expect(run.stderr).toMatch(/error: .*LDAP/);
    expect(run.stdout).not.toContain('server listening');
  });
});
