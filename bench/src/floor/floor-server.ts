/**
 * The floor: the least a server must do for a login and for a vault read or write, as a small
 * program of its own, so that the product's CPU is compared with a measurement, not an estimate.
 *
 * - `POST /login` (the login's first request): one search as the service account and one bind as
 *   the user, over pooled ldapts connections as the raw target holds them; the protocol's three
 *   X25519 operations on the server's side with libsodium (the box key of the client's fresh key
 *   with the server's key, a fresh session key pair, the box key of the user's key with the
 *   session key); a small JSON reply.
 * - `POST /activate` (the second request): one session row written to SQLite (WAL, synchronous
 *   NORMAL, as the server opens it).
 * - `GET /vault/<kind>/<id>`: the stored bytes read from SQLite, the reply's JSON secretboxed
 *   under a session key (hex, as the protocol sends it).
 * - `POST /vault/<kind>/<id>`: the bytes of the JSON body written to SQLite.
 *
 * Nothing else: no validation, no sessions looked up, no logging, no audit rows. Prints
 * `floor listening on URL` on standard error when ready; stops on SIGTERM.
 *
 * Usage: node --import tsx floor-server.ts CONFIG.json
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import SQLite from 'better-sqlite3';
import { AndFilter, Client, EqualityFilter } from 'ldapts';
import type { FloorConfig } from './floor-config.ts';

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as FloorConfig;
const { ldap } = config;

const database = new SQLite(config.databaseFile);
database.pragma('journal_mode = WAL');
database.pragma('synchronous = NORMAL');
database.exec(`CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL, secret TEXT NOT NULL, device_fingerprint TEXT NOT NULL, created_at INTEGER NOT NULL,
  valid_till INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS vault (id TEXT PRIMARY KEY, data TEXT NOT NULL, data_nonce TEXT NOT NULL,
  write_date INTEGER NOT NULL);`);
const insertSession = database.prepare(
  'INSERT INTO sessions (id, token_hash, user_id, secret, device_fingerprint, created_at, valid_till) VALUES (?, ?, ?, ?, ?, ?, ?)',
);
const readVault = database.prepare('SELECT data, data_nonce, write_date FROM vault WHERE id = ?');
const writeVault = database.prepare(
  'INSERT INTO vault (id, data, data_nonce, write_date) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, data_nonce = excluded.data_nonce, write_date = excluded.write_date',
);

const serverKeys = sodiumCrypto.generateX25519KeyPair();
const userKeys = sodiumCrypto.generateX25519KeyPair();
const replyKey = sodiumCrypto.randomBytes(32);

/** Connections with exclusive leases, opened on demand (at most one per request in flight). */
class Connections {
  private readonly idle: Client[] = [];
  constructor(private readonly open: () => Promise<Client>) {}
  async use<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = this.idle.pop() ?? (await this.open());
    try {
      return await work(client);
    } finally {
      this.idle.push(client);
    }
  }
  close(): Promise<unknown> {
    return Promise.allSettled(this.idle.map((client) => client.unbind()));
  }
}

const newClient = () =>
  new Client({ url: ldap.url, ...(ldap.caCert ? { tlsOptions: { ca: [ldap.caCert] } } : {}) });
const searchers = new Connections(async () => {
  const client = newClient();
  await client.bind(ldap.bindDn, ldap.bindPassword);
  return client;
});
const binders = new Connections(async () => newClient());

async function login(body: { login: string; password: string; public_key: string }): Promise<unknown> {
  const { searchEntries } = await searchers.use((client) =>
    client.search(ldap.searchBase, {
      scope: 'sub',
      filter: new AndFilter({
        filters: [
          new EqualityFilter({ attribute: 'objectClass', value: ldap.objectClass }),
          new EqualityFilter({ attribute: ldap.usernameAttribute, value: body.login }),
        ],
      }),
      attributes: ldap.attributes,
      sizeLimit: 2,
    }),
  );
  const entry = searchEntries[0];
  if (searchEntries.length !== 1 || !entry) throw new Error(`no single entry for ${body.login}`);
  await binders.use((client) => client.bind(entry.dn, body.password));
  // The protocol's three X25519 operations on the server's side.
  sodiumCrypto.boxKey(Buffer.from(body.public_key, 'hex'), serverKeys.privateKey);
  const session = sodiumCrypto.generateX25519KeyPair();
  sodiumCrypto.boxKey(userKeys.publicKey, session.privateKey);
  return { token: toHex(sodiumCrypto.randomBytes(32)), session_public_key: toHex(session.publicKey) };
}

function activate(body: { token: string }): unknown {
  const now = Date.now();
  insertSession.run(randomUUID(), body.token, 'user', toHex(replyKey), 'floor', now, now + 86_400_000);
  return { activated: true };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = request.url ?? '/';
  const text = await readBody(request);
  if (request.method === 'POST' && url === '/login')
    return reply(response, 200, await login(JSON.parse(text)));
  if (request.method === 'POST' && url === '/activate')
    return reply(response, 200, activate(JSON.parse(text)));
  const vault = /^\/vault\/([a-z]+\/[0-9a-f-]+)$/.exec(url);
  if (vault && request.method === 'GET') {
    const row = readVault.get(vault[1]) as
      | { data: string; data_nonce: string; write_date: number }
      | undefined;
    if (!row) return reply(response, 404, { error: 'not found' });
    const plain = JSON.stringify({ data: row.data, data_nonce: row.data_nonce, write_date: row.write_date });
    return reply(response, 200, sodiumCrypto.secretboxSeal(plain, replyKey));
  }
  if (vault && request.method === 'POST') {
    const body = JSON.parse(text) as { data: string; data_nonce: string };
    writeVault.run(vault[1], body.data, body.data_nonce, Date.now());
    return reply(response, 200, { success: 'ok' });
  }
  reply(response, 404, { error: 'not found' });
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) => {
    if (!response.headersSent) reply(response, 500, { error: String(error).slice(0, 200) });
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.error(`floor listening on http://127.0.0.1:${port}`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void Promise.allSettled([searchers.close(), binders.close()]).finally(() => {
    database.close();
    process.exit(0);
  });
});
