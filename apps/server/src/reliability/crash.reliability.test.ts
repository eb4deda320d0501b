/**
 * Crash safety: the server process is killed with SIGKILL in the middle of a login load; after a
 * restart every session the clients saw acknowledged still works and no account is lost.
 */
import { rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { hashToken } from '../sessions/session-store.ts';
import { ProtocolClient } from '../test-support/protocol-client.ts';
import { startSuiteDirectory } from './test-support/directory.ts';
import { hostileString, hugeString } from './test-support/hostile-input.ts';
import { type ServerFiles, ServerProcess, writeServerSettings } from './test-support/server-process.ts';
import { sessionAt } from './test-support/session-at.ts';
import { expectNoSecretsInLogs, skipGate, suiteRecorders } from './test-support/suite.ts';

const { figures, logs, secrets } = suiteRecorders('crash');
let directory: TestDirectory | undefined;
let files: ServerFiles | undefined;
let server: ServerProcess | undefined;
const skip = skipGate();

const KILLS = 2;
const WORKERS = 6;
/** Each load runs this long before the kill (bounded: the loop also stops at MAX_LOGINS). */
const LOAD_MS = 2000;
const MAX_LOGINS = 2000;

beforeAll(async () => {
  const started = await startSuiteDirectory('crash safety', { largeGroupSize: 24 });
  if ('skip' in started) return skip.because(started.skip);
  directory = started.directory;
  files = writeServerSettings(directory.ldapEntry());
  secrets.add('server key', files.secrets.PRIVATE_KEY, files.secrets.SECRET_KEY);
  secrets.add('service account password', directory.bindPassword);
  server = await ServerProcess.start(files.settingsFile, logs);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await directory?.stop();
  if (files) rmSync(files.folder, { recursive: true, force: true });
  figures.publish();
});

interface Acknowledged {
  username: string;
  userId: string;
  session: Awaited<ReturnType<ProtocolClient['login']>>;
}

/** Logs users in from several workers until `stop()`; keeps every login that fully succeeded. */
function loginLoad(api: string, users: { login: string; password: string }[]) {
  const acknowledged: Acknowledged[] = [];
  let attempts = 0;
  let failures = 0;
  let running = true;
  const clients = users.map(() => ProtocolClient.forUrl(api));
  const worker = async (offset: number) => {
    for (let round = 0; running && attempts < MAX_LOGINS; round++) {
      const index = (offset + round * WORKERS) % users.length;
      const user = users[index]!;
      attempts++;
      try {
        const session = await clients[index]!.login(`${user.login}@${directory!.domain}`, user.password);
        secrets.add('session token', session.token, Buffer.from(session.sessionSecret).toString('hex'));
        secrets.add('user key', session.privateKey, session.secretKey);
        acknowledged.push({ username: session.user.username, userId: session.user.id, session });
      } catch {
        // The kill interrupts logins in flight: not acknowledged, so nothing is owed for them.
        failures++;
      }
    }
  };
  const done = Promise.all(Array.from({ length: WORKERS }, (_, offset) => worker(offset)));
  return {
    acknowledged,
    get attempts() {
      return attempts;
    },
    get failures() {
      return failures;
    },
    /** No new logins from now on; the ones in flight go on. */
    halt() {
      running = false;
    },
    done,
  };
}

describe('kill -9 during a login load', () => {
  it('keeps every acknowledged account and session across restarts', async () => {
    const users = Object.values(directory!.users)
      .filter((user) => user.key !== 'eve' && user.key !== 'jdoe' && user.key !== 'jdoe-contractor')
      .map((user) => ({ login: user.login, password: user.password }));
    for (const user of users) secrets.add('user password', user.password);
    const all: Acknowledged[] = [];
    let interrupted = 0;

    for (let kill = 1; kill <= KILLS; kill++) {
      const load = loginLoad(server!.api, users);
      const deadline = Date.now() + LOAD_MS;
      while (Date.now() < deadline && load.attempts < MAX_LOGINS) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Killed while logins are in flight.
      load.halt();
      await server!.kill();
      await load.done;
      expect(load.acknowledged.length).toBeGreaterThan(0);
      all.push(...load.acknowledged);
      interrupted += load.failures;
      server = await ServerProcess.start(files!.settingsFile, logs);
    }

    // Every acknowledged session works against the restarted server.
    let lostSessions = 0;
    for (const { session, userId } of all) {
      const profile = await sessionAt(server!.api, session)
        .call<{ id: string }>('GET', '/user/')
        .catch(() => undefined);
      if (profile?.id !== userId) lostSessions++;
    }

    // And the database itself holds every acknowledged account and session (only as hashes).
    const db = openDatabase({ kind: 'sqlite', file: join(files!.dataDir, 'db.sqlite3') });
    let lostAccounts = 0;
    try {
      const ids = new Set((await db.selectFrom('users').select('id').execute()).map((row) => row.id));
      const expectedIds = new Set(all.map((entry) => entry.userId));
      for (const id of expectedIds) if (!ids.has(id)) lostAccounts++;
      const hashes = new Set(
        (await db.selectFrom('sessions').select('token_hash').execute()).map((row) => row.token_hash),
      );
      for (const { session } of all) expect(hashes.has(hashToken(session.token))).toBe(true);
      figures.set('accounts acknowledged', expectedIds.size);
    } finally {
      await db.destroy();
    }

    figures.set('directory mode', directory!.mode);
    figures.add('faultsSurvived', KILLS);
    figures.set('kills (SIGKILL)', KILLS);
    figures.set('sessions acknowledged', all.length);
    figures.set('logins interrupted by the kills', interrupted);
    figures.add('cases', all.length + interrupted);
    figures.set('lostRecords', lostSessions + lostAccounts);
    expect({ lostSessions, lostAccounts }).toEqual({ lostSessions: 0, lostAccounts: 0 });
  }, 120_000);

  it('survives malformed HTTP on the wire and keeps serving', async () => {
    const { hostname, port } = new URL(server!.api);
    const paths = ['/server/authentication/login/', '/server/user/', '/server/info/', '/', '/server/%00'];
    const requestText = fc.oneof(
      // Random bytes, or an HTTP/2 preface, where HTTP/1.1 is expected.
      fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
      fc.constant(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')),
      // A request line and headers that are almost right, with a body that may not match them.
      fc
        .record({
          method: fc.constantFrom('GET', 'POST', 'PUT', 'BREW', 'G\u0000ET', ''),
          path: fc.oneof(
            fc.constantFrom(...paths),
            hostileString.map((text) => `/server/${text.slice(0, 300)}`),
          ),
          version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/9.9', 'HTTP/1', ''),
          headers: fc.array(
            fc.tuple(
              fc.constantFrom(
                'Content-Type',
                'Content-Length',
                'Transfer-Encoding',
                'Authorization',
                'X-Forwarded-For',
                'Host',
                'Expect',
              ),
              fc.oneof(
                hostileString,
                fc.constantFrom('-1', '99999999999', 'chunked', 'chunked, chunked', '100-continue'),
              ),
            ),
            { maxLength: 5 },
          ),
          body: fc.oneof(hostileString, hugeString(70_000, 90_000), fc.constant('5\r\nabc\r\nZZ\r\n')),
        })
        .map(({ method, path, version, headers, body }) =>
          Buffer.from(
            `${method} ${path} ${version}\r\nHost: ${hostname}\r\n${headers
              .map(([name, value]) => `${name}: ${value}`)
              .join('\r\n')}\r\n\r\n${body}`,
            'utf8',
          ),
        ),
      hugeString(20_000, 80_000).map((text) =>
        Buffer.from(`GET /server/info/ HTTP/1.1\r\nX-Long: ${text}\r\n\r\n`),
      ),
    );
    const statuses = new Map<string, number>();
    /** Sends one raw request; resolves with the status line's code, or what happened instead. */
    const sendRaw = (bytes: Buffer) =>
      new Promise<string>((resolve) => {
        const socket = net.connect({ host: hostname, port: Number(port) });
        let answer = '';
        const finish = (outcome: string) => {
          clearTimeout(timer);
          socket.destroy();
          resolve(outcome);
        };
        // A request that announces more body than it sends waits for it: that is the server's right.
        const timer = setTimeout(() => finish(answer === '' ? 'no answer (waiting for more)' : answer), 500);
        socket.on('error', () => finish(answer === '' ? 'reset' : answer));
        socket.on('data', (chunk) => {
          answer = /^HTTP\/1\.[01] (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 'unparsable';
          finish(answer);
        });
        socket.on('end', () => finish(answer === '' ? 'closed' : answer));
        socket.write(bytes);
      });
    const samples = fc.sample(requestText, { numRuns: 300 });
    for (let start = 0; start < samples.length; start += 10) {
      const outcomes = await Promise.all(samples.slice(start, start + 10).map(sendRaw));
      for (const outcome of outcomes) statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
    }
    expect(server!.running).toBe(true);
    const fiveHundreds = [...statuses.keys()].filter((status) => /^5\d\d$/.test(status));
    expect(fiveHundreds).toEqual([]);
    const alice = directory!.users.alice!;
    const session = await ProtocolClient.forUrl(server!.api).login(
      `alice@${directory!.domain}`,
      alice.password,
    );
    secrets.add('session token', session.token);
    figures.add('cases', samples.length);
    figures.set('raw HTTP requests sent', samples.length);
    figures.set('raw HTTP outcomes', [...statuses].map(([status, count]) => `${status}:${count}`).join(' '));
  }, 60_000);

  it('writes no password, key or token to any log line', () => {
    expectNoSecretsInLogs(logs, secrets, figures, { countSecrets: true });
  });
});
