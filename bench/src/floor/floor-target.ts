/**
 * The floor program in its own process (as the product and the peer), and the load generator's
 * side of it: the login's two requests and the vault's reads and writes of the same bytes as the
 * product's.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LdapEntry } from '@ldap-login/config-schema';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { type BenchUser, userFor } from '../bench-users.ts';
import { type RunningChild, startChild } from '../child-process.ts';
import type { HttpClient } from '../http-client.ts';
import { MALLOC_ENV } from '../malloc-env.ts';
import { directoryUrl } from '../targets/raw-target.ts';
import type { Transport } from '../targets/target.ts';
import type { FloorConfig } from './floor-config.ts';

/** The floor program answered something other than 200. */
export class FloorRequestError extends Error {
  override readonly name = 'FloorRequestError';
}

const FLOOR_SERVER = fileURLToPath(new URL('./floor-server.ts', import.meta.url));
const BENCH_PACKAGE_DIR = dirname(dirname(dirname(FLOOR_SERVER)));

export async function startFloorServer(
  directory: TestDirectory,
  entry: LdapEntry,
  transport: Transport,
  workDir: string,
): Promise<RunningChild> {
  const config: FloorConfig = {
    ldap: {
      url: directoryUrl(directory, transport),
      ...(transport === 'ldaps' ? { caCert: directory.caCert } : {}),
      bindDn: directory.bindDn,
      bindPassword: directory.bindPassword,
      searchBase: entry.LDAP_SEARCH_USER_DN,
      objectClass: entry.LDAP_OBJECT_CLASS_USER,
      usernameAttribute: entry.LDAP_ATTR_USERNAME,
      attributes: [
        entry.LDAP_ATTR_GUID,
        entry.LDAP_ATTR_USERNAME,
        entry.LDAP_ATTR_EMAIL,
        entry.LDAP_ATTR_GROUPS,
      ],
    },
    databaseFile: join(workDir, 'floor.sqlite3'),
  };
  const configFile = join(workDir, 'floor.json');
  writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
  return startChild({
    label: 'the floor program',
    nodeArgs: ['--import', 'tsx', FLOOR_SERVER, configFile],
    cwd: BENCH_PACKAGE_DIR,
    env: { ...process.env, ...MALLOC_ENV },
    logFile: join(workDir, 'floor.log'),
    ready: /floor listening on (http:\/\/\S+)/,
  });
}

async function post(http: HttpClient, path: string, body: unknown): Promise<string> {
  const reply = await http.request(
    'POST',
    path,
    { 'Content-Type': 'application/json' },
    JSON.stringify(body),
  );
  if (reply.status !== 200)
    throw new FloorRequestError(`POST ${path}: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
  return reply.body;
}

/** A login of the floor: its two requests, with a fresh client key as the web client sends. */
export function floorLogin(http: HttpClient, users: readonly BenchUser[]) {
  return async (_worker: number, sequence: number): Promise<void> => {
    const user = userFor(users, sequence);
    const clientKeys = sodiumCrypto.generateX25519KeyPair();
    const answer = JSON.parse(
      await post(http, '/login', {
        login: user.login,
        password: user.password,
        public_key: toHex(clientKeys.publicKey),
      }),
    ) as { token: string };
    await post(http, '/activate', { token: answer.token });
  };
}

/** Bytes the vault figures move: what the product stores for the datastore and the secret. */
export interface VaultBytes {
  datastore: { id: string; data: string; data_nonce: string };
  secret: { id: string; data: string; data_nonce: string };
}

/** Stores the same bytes in the floor's database once, before its cells. */
export async function seedFloorVault(http: HttpClient, bytes: VaultBytes): Promise<void> {
  for (const [kind, item] of [
    ['datastore', bytes.datastore],
    ['secret', bytes.secret],
  ] as const) {
    await post(http, `/vault/${kind}/${item.id}`, { data: item.data, data_nonce: item.data_nonce });
  }
}

/** The floor of a vault read: the datastore and the secret, read and secretboxed. */
export function floorVaultRead(http: HttpClient, bytes: VaultBytes) {
  return async (): Promise<void> => {
    for (const [kind, item] of [
      ['datastore', bytes.datastore],
      ['secret', bytes.secret],
    ] as const) {
      const reply = await http.request('GET', `/vault/${kind}/${item.id}`, {});
      if (reply.status !== 200) throw new FloorRequestError(`GET ${kind}: HTTP ${reply.status}`);
    }
  };
}

/** The floor of a vault write: the same bytes written back. */
export function floorVaultWrite(http: HttpClient, bytes: VaultBytes) {
  return async (): Promise<void> => {
    await post(http, `/vault/datastore/${bytes.datastore.id}`, {
      data: bytes.datastore.data,
      data_nonce: bytes.datastore.data_nonce,
    });
    await post(http, `/vault/secret/${bytes.secret.id}`, {
      data: bytes.secret.data,
      data_nonce: bytes.secret.data_nonce,
    });
  };
}
