/** Builds the app over a fresh database for tests, with a protocol client talking to it in-process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatabaseConfig, type SettingsInput, settingsSchema } from '@ldap-login/config-schema';
import { toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import pino from 'pino';
import type { LoginDirectory } from '../accounts/directory-port.ts';
import { type AppDeps, createApp } from '../app.ts';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrations.ts';
import type { Database } from '../db/schema.ts';
import { ProtocolClient } from './protocol-client.ts';

export function testSettings(overrides: Partial<SettingsInput> = {}) {
  const keys = sodiumCrypto.generateX25519KeyPair();
  return settingsSchema.parse({
    PRIVATE_KEY: toHex(keys.privateKey),
    PUBLIC_KEY: toHex(keys.publicKey),
    SECRET_KEY: 'x'.repeat(48),
    AUTHENTICATION_METHODS: ['LDAP'],
    LDAP: [
      {
        LDAP_URL: 'ldap://127.0.0.1:1',
        LDAP_DOMAIN: 'example.com',
        LDAP_BIND_DN: 'cn=admin,dc=example,dc=com',
        LDAP_BIND_PASS: 'unused',
        LDAP_SEARCH_USER_DN: 'ou=people,dc=example,dc=com',
        LDAP_SEARCH_GROUP_DN: 'ou=groups,dc=example,dc=com',
      },
    ],
    ...overrides,
  });
}

export interface TestAppOptions extends Partial<Omit<AppDeps, 'db' | 'directory' | 'settings'>> {
  directory: LoginDirectory;
  settings?: Partial<SettingsInput>;
  database?: DatabaseConfig;
  /** Peer address the in-process requests appear to come from. */
  peerAddress?: () => string;
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  db: Database;
  settings: ReturnType<typeof testSettings>;
  client: () => ProtocolClient;
  request: (path: string, init?: RequestInit, peer?: string) => Promise<Response>;
  close: () => Promise<void>;
}

export async function createTestApp(options: TestAppOptions): Promise<TestApp> {
  const dir = options.database ? undefined : mkdtempSync(join(tmpdir(), 'ldap-login-server-'));
  const db = openDatabase(options.database ?? { kind: 'sqlite', file: join(dir!, 'db.sqlite3') });
  await migrateToLatest(db);
  const settings = testSettings(options.settings);
  const { settings: _ignored, database: _database, peerAddress, ...rest } = options;
  const app = createApp({
    logger: pino({ level: 'silent' }),
    refusalFloorMs: 0,
    ...rest,
    settings,
    db,
    directory: options.directory,
  });
  const request = (path: string, init?: RequestInit, peer?: string) =>
    Promise.resolve(
      app.request(`/server${path}`, init, {
        incoming: { socket: { remoteAddress: peer ?? peerAddress?.() ?? '192.0.2.10' } },
      } as never),
    );
  return {
    app,
    db,
    settings,
    request,
    client: () => new ProtocolClient((path, init) => request(path, init)),
    close: async () => {
      await db.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
