/**
 * `/server/metrics` against a real OpenLDAP: who may read it, and that logins, the directory, its
 * pools, sessions and the throttle show in it.
 */
import { ldapEntrySchema } from '@ldap-login/config-schema';
import { DirectoryService } from '@ldap-login/ldap-core';
import { startDirectoryOrSkip, type TestDirectory } from '@ldap-login/ldap-core/testing';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';

const SECRET = 'metrics-secret-'.padEnd(40, 'x');

let directory: TestDirectory | undefined;
const services: DirectoryService[] = [];
const apps: TestApp[] = [];

beforeAll(async () => {
  directory = await startDirectoryOrSkip(
    { dataset: 'openldap-memberof', largeGroupSize: 0 },
    'metrics integration tests',
  );
}, 180_000);

afterAll(async () => {
  for (const app of apps) await app.close();
  for (const service of services) await service.close();
  await directory?.stop();
});

function need(context: TestContext): TestDirectory {
  if (!directory) context.skip('no test directory on this machine (see the warning above)');
  return directory!;
}

async function appFor(dir: TestDirectory, settings: Record<string, unknown> = {}) {
  const entry = dir.ldapEntry();
  const service = new DirectoryService([ldapEntrySchema.parse(entry)]);
  services.push(service);
  const app = await createTestApp({
    directory: service,
    settings: { LDAP: [entry], METRICS_SECRET: SECRET, LOGIN_THROTTLE_USERNAME_FAILURES: 2, ...settings },
  });
  apps.push(app);
  return app;
}

/** The value of one sample line, for example `ldap_login_logins_total{outcome="success"}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]),
    );
    if (wanted.every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('GET /server/metrics', () => {
  it('answers loopback, a configured range and the bearer token; everyone else gets a 404', async (context) => {
    const app = await appFor(need(context), { METRICS_ALLOWED_ADDRESSES: ['127.0.0.1', '10.9.0.0/16'] });
    const from = (peer: string, headers: Record<string, string> = {}) =>
      app.request('/metrics', { headers }, peer);

    const loopback = await from('127.0.0.1');
    expect(loopback.status).toBe(200);
    expect(loopback.headers.get('Content-Type')).toContain('text/plain');
    expect(await loopback.text()).toContain('ldap_login_process_cpu_seconds_total');
    expect((await from('10.9.3.4')).status).toBe(200);
    expect((await from('::ffff:127.0.0.1')).status).toBe(200);

    const stranger = await from('192.0.2.10');
    expect(stranger.status).toBe(404);
    expect(await stranger.json()).toEqual({ non_field_errors: ['NOT_FOUND'] });
    expect((await from('192.0.2.10', { Authorization: 'Bearer wrong' })).status).toBe(404);
    expect((await from('192.0.2.10', { Authorization: `Bearer ${SECRET}x` })).status).toBe(404);
    expect((await from('192.0.2.10', { Authorization: `Bearer ${SECRET}` })).status).toBe(200);
  });

  it('believes X-Forwarded-For only from a trusted proxy', async (context) => {
    const app = await appFor(need(context), { TRUSTED_PROXIES: ['192.0.2.1'] });
    const forwarded = (peer: string) =>
      app.request('/metrics', { headers: { 'X-Forwarded-For': '127.0.0.1' } }, peer);
    expect((await forwarded('192.0.2.99')).status).toBe(404);
    expect((await forwarded('192.0.2.1')).status).toBe(200);
  });

  it('counts logins by outcome, times the directory, shows pools, sessions and throttle refusals', async (context) => {
    const dir = need(context);
    const app = await appFor(dir);
    const alice = dir.users.alice!;
    const bob = dir.users.bob!;
    const name = (login: string) => `${login}@${dir.domain}`;

    const session = await app.client().login(name(alice.login), alice.password);
    // The vault routes are counted at their edge: a datastore list is a read.
    await session.call('GET', '/datastore/');
    for (let attempt = 0; attempt < 3; attempt++) {
      await app
        .client()
        .login(name(bob.login), 'Wrong-Passw0rd!')
        .catch(() => undefined);
    }
    const text = await (await app.request('/metrics', {}, '127.0.0.1')).text();

    expect(sample(text, 'ldap_login_logins_total', { outcome: 'success' })).toBe(1);
    expect(sample(text, 'ldap_login_logins_total', { outcome: 'refused' })).toBe(2);
    expect(sample(text, 'ldap_login_logins_total', { outcome: 'throttled' })).toBe(1);
    expect(sample(text, 'ldap_login_throttle_refusals_total', { key: 'username' })).toBe(1);
    expect(sample(text, 'ldap_login_login_duration_seconds_count', { outcome: 'success' })).toBe(1);
    // The throttled attempt never reached the directory.
    expect(
      sample(text, 'ldap_login_directory_request_duration_seconds_count', {
        domain: dir.domain,
        operation: 'authenticate',
      }),
    ).toBe(3);
    expect(sample(text, 'ldap_login_active_sessions')).toBe(1);
    expect(
      sample(text, 'ldap_login_vault_operations_total', { operation: 'read', resource: 'datastore' }),
    ).toBe(1);
    expect(
      sample(text, 'ldap_login_directory_pool_connections', {
        domain: dir.domain,
        pool: 'service',
        state: 'open',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ldap_login_directory_pool_size', { domain: dir.domain, pool: 'bind' })).toBe(16);
    // One login at a time never waits for a pooled connection, nor for the SQLite lock.
    expect(
      sample(text, 'ldap_login_directory_pool_waits_total', { domain: dir.domain, pool: 'service' }),
    ).toBe(0);
    expect(
      sample(text, 'ldap_login_directory_pool_wait_seconds_total', { domain: dir.domain, pool: 'bind' }),
    ).toBe(0);
    expect(sample(text, 'ldap_login_sqlite_lock_waits_total', {})).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'ldap_login_directory_errors_total', { domain: dir.domain })).toBeUndefined();
  });

  it('counts directory errors per directory when the directory does not answer', async (context) => {
    const dir = need(context);
    // A closed port: every login fails as unavailable.
    const entry = dir.ldapEntry({ LDAP_URL: ['ldap://127.0.0.1:1'], LDAP_CONNECT_TIMEOUT: 1 });
    const service = new DirectoryService([ldapEntrySchema.parse(entry)]);
    services.push(service);
    const app = await createTestApp({ directory: service, settings: { LDAP: [entry] } });
    apps.push(app);
    await app
      .client()
      .login(`alice@${dir.domain}`, 'Alice-Passw0rd')
      .catch(() => undefined);
    const text = await (await app.request('/metrics', {}, '127.0.0.1')).text();
    expect(
      sample(text, 'ldap_login_directory_errors_total', {
        domain: dir.domain,
        code: 'DIRECTORY_UNAVAILABLE',
      }),
    ).toBe(1);
    expect(sample(text, 'ldap_login_logins_total', { outcome: 'directory_unavailable' })).toBe(1);
  });
});
