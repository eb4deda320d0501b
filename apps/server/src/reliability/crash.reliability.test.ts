/**
 * Crash safety: the server process is killed with SIGKILL in the middle of a login load; after a
 * restart every session the clients saw acknowledged still works and no account is lost.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { hashToken } from '../sessions/session-store.ts';
import { ProtocolClient, Session } from '../test-support/protocol-client.ts';
import { startSuiteDirectory } from './support/directory.ts';
import { FigureBook } from './support/figures.ts';
import { findSecrets, LogCapture, SecretRegistry } from './support/log-capture.ts';
import { type ServerFiles, ServerProcess, writeServerSettings } from './support/server-process.ts';

const figures = new FigureBook('crash');
const logs = new LogCapture();
const secrets = new SecretRegistry();
let directory: TestDirectory | undefined;
let files: ServerFiles | undefined;
let server: ServerProcess | undefined;
let skip: string | undefined;

const KILLS = 2;
const WORKERS = 6;
/** Each load runs this long before the kill (bounded: the loop also stops at MAX_LOGINS). */
const LOAD_MS = 2500;
const MAX_LOGINS = 400;

beforeAll(async () => {
  const started = await startSuiteDirectory('crash safety', { largeGroupSize: 24 });
  if ('skip' in started) {
    skip = started.skip;
    return;
  }
  directory = started.directory;
  files = writeServerSettings(directory.ldapEntry());
  secrets.add('server key', files.secrets.PRIVATE_KEY, files.secrets.SECRET_KEY);
  secrets.add('service account password', directory.bindPassword);
  server = await ServerProcess.start(files.settingsFile, logs);
}, 180_000);

beforeEach((context) => {
  if (skip !== undefined) context.skip();
});

afterAll(async () => {
  await server?.stop();
  await directory?.stop();
  if (files) rmSync(files.folder, { recursive: true, force: true });
  figures.publish();
});

interface Acknowledged {
  username: string;
  userId: string;
  session: Session;
}

/** A session object that talks to the (restarted) server at `api`. */
function sessionAt(api: string, session: Session): Session {
  return new Session(
    ProtocolClient.forUrl(api),
    session.token,
    session.sessionSecret,
    session.deviceFingerprint,
    session.user,
    session.validTill,
  );
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

  it('writes no password, key or token to any log line', () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    figures.set('log lines scanned', logs.lines.length);
    figures.set('secrets searched for', secrets.secrets.size);
    expect(findSecrets(logs.lines, secrets.secrets)).toEqual([]);
  });
});
