import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from './app.ts';
import { openDatabase } from './db/database.ts';
import { SettingsError, startServer } from './server.ts';
import { FakeDirectory } from './test-support/fake-directory.ts';
import { ProtocolClient } from './test-support/protocol-client.ts';
import { testSettings } from './test-support/test-app.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ldap-login-serve-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('startServer', () => {
  it('migrates, listens on a free port, serves API and web client, and closes', async () => {
    const web = join(dir, 'web');
    mkdirSync(web);
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>vault</title>');
    writeFileSync(join(dir, 'config.json'), '{"backend_servers":[]}');
    const directory = new FakeDirectory();
    directory.add({ login: 'alice', domain: 'example.com', password: 'pw', guid: 'g-1' });
    const server = await startServer({
      settings: testSettings({ DATA_DIR: join(dir, 'data') }),
      host: '127.0.0.1',
      port: 0,
      webRoot: web,
      configJson: join(dir, 'config.json'),
      directory,
      logger: pino({ level: 'silent' }),
      build: 'abc1234',
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = ProtocolClient.forUrl(`${server.url}/server`);
      expect((await client.info()).version).toBe('5.3.2 (Build abc1234)');
      const session = await client.login('alice@example.com', 'pw');
      expect(await session.call('GET', '/user/')).toMatchObject({ username: 'alice@example.com' });
      expect(await (await fetch(`${server.url}/config.json`)).json()).toEqual({ backend_servers: [] });

      // Only a browser navigation (it asks for HTML) gets the page at an unknown path.
      const navigate = (path: string, accept?: string, method = 'GET') =>
        fetch(`${server.url}${path}`, { method, ...(accept ? { headers: { Accept: accept } } : {}) });
      const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
      const page = await navigate('/some/route', browser);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>vault</title>');
      expect((await navigate('/', '*/*')).status).toBe(200);
      for (const [path, accept] of [
        ['/metrics', 'text/plain'],
        ['/metrics', undefined],
        ['/some/route', '*/*'],
        ['/some/route', 'application/json'],
        ['/wp-login.php', browser],
      ] as const) {
        const reply = await navigate(path, accept);
        expect(reply.status, `${path} ${accept}`).toBe(404);
        expect(await reply.text()).not.toContain('<title>vault</title>');
      }
      expect((await navigate('/some/route', browser, 'POST')).status).toBe(404);

      // Liveness, readiness, and metrics for the loopback address the test connects from.
      expect(await (await fetch(`${server.url}/server/live/`)).json()).toEqual({ live: true });
      expect(await (await fetch(`${server.url}/server/ready/`)).json()).toEqual({ ready: true });
      const metrics = await fetch(`${server.url}/server/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^ldap_login_logins_total\{outcome="success"\} 1$/m);
    } finally {
      await server.close();
    }
    // The embedded database sits in DATA_DIR, readable by the server's user only, and holds the account.
    expect(statSync(join(dir, 'data', 'db.sqlite3')).mode & 0o777).toBe(0o600);
    const db = openDatabase({ kind: 'sqlite', file: join(dir, 'data', 'db.sqlite3') });
    try {
      expect(await db.selectFrom('users').select('username').execute()).toEqual([
        { username: 'alice@example.com' },
      ]);
    } finally {
      await db.destroy();
    }
  });

  it('over real HTTP: security headers on API, error and web replies; bodies above the limit refused, chunked too', async () => {
    const web = join(dir, 'web');
    mkdirSync(web);
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>vault</title>');
    const server = await startServer({
      settings: testSettings({ DATA_DIR: join(dir, 'data') }),
      host: '127.0.0.1',
      port: 0,
      webRoot: web,
      directory: new FakeDirectory(),
      logger: pino({ level: 'silent' }),
    });
    // Raw node:http, so that the body goes out exactly as written (with a length or chunked).
    const post = (path: string, chunks: string[], headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const outgoing = request(`${server.url}${path}`, { method: 'POST', headers }, (reply) => {
          let body = '';
          reply.setEncoding('utf8').on('data', (chunk: string) => {
            body += chunk;
          });
          reply.on('end', () => resolve({ status: reply.statusCode ?? 0, headers: reply.headers, body }));
        });
        // The server may answer and close before the whole body is sent.
        outgoing.on('error', reject);
        for (const chunk of chunks) outgoing.write(chunk);
        outgoing.end();
      });
    try {
      const small = JSON.stringify({ username: 'alice@example.com' });
      const prelogin = await post('/server/authentication/prelogin/', [small], {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(small)),
      });
      expect(prelogin.status).toBe(200);
      expect(prelogin.headers['cache-control']).toBe('no-store');
      expect(prelogin.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(prelogin.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      const chunkedSmall = await post(
        '/server/authentication/prelogin/',
        [small.slice(0, 5), small.slice(5)],
        {
          'Content-Type': 'application/json',
          'Transfer-Encoding': 'chunked',
        },
      );
      expect(chunkedSmall.status).toBe(200);

      const big = `{"username":"${'a'.repeat(MAX_BODY_BYTES)}"}`;
      const declared = await post('/server/authentication/prelogin/', [big], {
        'Content-Type': 'application/json',
        'Content-Length': String(big.length),
      });
      expect([declared.status, JSON.parse(declared.body)]).toEqual([
        413,
        { non_field_errors: ['REQUEST_TOO_LARGE'] },
      ]);
      expect(declared.headers['x-content-type-options']).toBe('nosniff');
      const chunked = await post(
        '/server/authentication/prelogin/',
        [big.slice(0, 40_000), big.slice(40_000)],
        {
          'Content-Type': 'application/json',
          'Transfer-Encoding': 'chunked',
        },
      );
      expect([chunked.status, JSON.parse(chunked.body)]).toEqual([
        413,
        { non_field_errors: ['REQUEST_TOO_LARGE'] },
      ]);
      expect(chunked.headers['cache-control']).toBe('no-store');

      // The API's headers on a real server: a success and an error.
      for (const path of ['/server/info/', '/server/no/such/route/']) {
        const reply = await fetch(`${server.url}${path}`);
        expect(reply.headers.get('X-Content-Type-Options'), path).toBe('nosniff');
        expect(reply.headers.get('Content-Security-Policy'), path).toContain("frame-ancestors 'none'");
        // Plain http: a browser would ignore it, so it is not sent (see app.test.ts).
        expect(reply.headers.get('Strict-Transport-Security'), path).toBeNull();
        expect(reply.headers.get('Cache-Control'), path).toBe('no-store');
        expect(reply.headers.get('Content-Type'), path).toBe('application/json');
        // Written on Node's reply (security-headers.ts): each once, the same set as in the context.
        expect([...reply.headers.keys()].sort(), path).toEqual([
          'cache-control',
          'connection',
          'content-length',
          'content-security-policy',
          'content-type',
          'cross-origin-opener-policy',
          'cross-origin-resource-policy',
          'date',
          'keep-alive',
          'origin-agent-cluster',
          'referrer-policy',
          'x-content-type-options',
          'x-dns-prefetch-control',
          'x-download-options',
          'x-frame-options',
          'x-permitted-cross-domain-policies',
          'x-xss-protection',
        ]);
      }

      const page = await fetch(`${server.url}/`);
      expect(page.headers.get('Strict-Transport-Security')).toBeNull();
      expect(page.headers.get('Referrer-Policy')).toBe('no-referrer');
    } finally {
      await server.close();
    }
  });

  it('reports every settings problem at once, with key paths', async () => {
    const file = join(dir, 'settings.yaml');
    writeFileSync(file, 'PRIVATE_KEY: nothex\nLDAP:\n  - LDAP_URL: http://x\n    LDAP_DOMAIN: example.com\n');
    const error = await startServer({ settingsFile: file, port: 0, env: {} }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SettingsError);
    const message = (error as Error).message;
    expect(message).toContain('PRIVATE_KEY');
    expect(message).toContain('LDAP[0].LDAP_URL');
    expect(message).toContain('LDAP[0].LDAP_BIND_DN');
  });

  it('refuses to start without the server key pair', async () => {
    const settings = {
      ...testSettings({ DATA_DIR: join(dir, 'data') }),
      PRIVATE_KEY: undefined,
      PUBLIC_KEY: undefined,
    };
    await expect(
      startServer({ settings, port: 0, directory: new FakeDirectory(), logger: pino({ level: 'silent' }) }),
    ).rejects.toThrow(/PRIVATE_KEY and PUBLIC_KEY are required/);
  });
});
