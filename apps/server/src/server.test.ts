import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
      expect((await client.info()).version).toBe('4.0.14 (Build abc1234)');
      const session = await client.login('alice@example.com', 'pw');
      expect(await session.call('GET', '/user/')).toMatchObject({ username: 'alice@example.com' });
      expect(await (await fetch(`${server.url}/some/route`)).text()).toContain('<title>vault</title>');
      expect(await (await fetch(`${server.url}/config.json`)).json()).toEqual({ backend_servers: [] });
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
