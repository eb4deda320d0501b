/**
 * Sessions and secrets: expired, revoked and never-activated tokens are refused; tokens are stored
 * only as hashes and passwords not at all (every value of every table is read); no log line of
 * this file carries a password, key or token.
 */

import { join } from 'node:path';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { ApiError, toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../sessions/session-store.ts';
import type { Session } from '../test-support/protocol-client.ts';
import { type DirectoryApp, directoryApp } from './test-support/directory-app.ts';
import { findSecrets } from './test-support/log-capture.ts';
import {
  expectNoSecretsInLogs,
  removeFolder,
  skipGate,
  startDirectoryWithFolder,
  suiteRecorders,
} from './test-support/suite.ts';

const { figures, logs, secrets } = suiteRecorders('sessions');
let directory: TestDirectory;
const skip = skipGate();
let subject: DirectoryApp;
let folder: string;
let clock = Date.now();
const tokens: string[] = [];

beforeAll(async () => {
  const started = await startDirectoryWithFolder('sessions and secrets', 'sessions', secrets);
  if ('skip' in started) return skip.because(started.skip);
  ({ directory, folder } = started);
  subject = await directoryApp(directory.ldapEntry(), logs, {
    now: () => clock,
    database: { kind: 'sqlite', file: join(folder, 'db.sqlite3') },
  });
  secrets.add('server key', subject.app.settings.PRIVATE_KEY, subject.app.settings.SECRET_KEY);
}, 180_000);

afterAll(async () => {
  await subject?.close();
  await directory?.stop();
  removeFolder(folder);
  figures.publish();
});

async function login(
  key: string,
  options: Parameters<ReturnType<DirectoryApp['app']['client']>['login']>[2] = {},
) {
  const user = directory.users[key]!;
  const session = await subject.app
    .client()
    .login(`${user.login}@${directory.domain}`, user.password, options);
  tokens.push(session.token);
  secrets.add('session token', session.token, toHex(session.sessionSecret));
  secrets.add('user key', session.privateKey, session.secretKey);
  return session;
}

async function refusal(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return `${(error as ApiError).status} ${(error as ApiError).code}`;
}

describe('tokens', () => {
  it('refuses an expired token on every authenticated endpoint', async () => {
    const session = await login('alice', { sessionDuration: 120 });
    await session.call('GET', '/user/');
    clock += 121_000;
    const answers = [
      await refusal(session.call('GET', '/user/')),
      await refusal(session.call('GET', '/authentication/sessions/')),
      await refusal(session.logout()),
    ];
    expect(answers).toEqual(['401 SESSION_EXPIRED', '401 SESSION_EXPIRED', '401 SESSION_EXPIRED']);
    figures.add('cases', answers.length);
    figures.set('expired token refused on endpoints', answers.length);
  });

  it('refuses a revoked token, and revoking one session leaves the others working', async () => {
    const laptop = await login('bob', { deviceFingerprint: 'laptop' });
    const phone = await login('bob', { deviceFingerprint: 'phone' });
    const tablet = await login('bob', { deviceFingerprint: 'tablet' });
    const listed = await laptop.call<{ sessions: { id: string; device_fingerprint: string }[] }>(
      'GET',
      '/authentication/sessions/',
    );
    const phoneId = listed.sessions.find((entry) => entry.device_fingerprint === 'phone')!.id;
    await laptop.logout(phoneId);
    await tablet.logout();
    expect(await refusal(phone.call('GET', '/user/'))).toBe('401 TOKEN_INVALID');
    expect(await refusal(tablet.call('GET', '/user/'))).toBe('401 TOKEN_INVALID');
    expect(await laptop.call('GET', '/user/')).toMatchObject({ username: `bob@${directory.domain}` });

    // Someone else's session cannot be revoked through one's own.
    const carol = await login('carol');
    const carolSessions = await carol.call<{ sessions: { id: string }[] }>(
      'GET',
      '/authentication/sessions/',
    );
    expect(await refusal(laptop.logout(carolSessions.sessions[0]!.id))).toBe('400 SESSION_NOT_FOUND');
    expect(await carol.call('GET', '/user/')).toMatchObject({ username: `carol@${directory.domain}` });
    figures.add('cases', 5);
  });

  it('refuses a token that was never activated, and a validator from another session', async () => {
    const pending: Session = await login('dave', { skipActivation: true });
    expect(await refusal(pending.call('GET', '/user/'))).toBe('401 TOKEN_NOT_ACTIVATED');
    const other = await login('dave');
    // The token of one session with the validator of another: the validator does not decrypt.
    const response = await subject.app.request('/user/', {
      headers: { ...other.headers(), Authorization: `Token ${pending.token}` },
    });
    expect(response.status).toBe(401);
    // An old request time (a replayed validator) is refused.
    const stale = sodiumCrypto.secretboxSeal(
      JSON.stringify({
        request_time: new Date(clock - 3600_000).toISOString(),
        request_device_fingerprint: other.deviceFingerprint,
      }),
      other.sessionSecret,
    );
    const replayed = await subject.app.request('/user/', {
      headers: { Authorization: `Token ${other.token}`, 'Authorization-Validator': JSON.stringify(stale) },
    });
    expect(replayed.status).toBe(401);
    figures.add('cases', 3);
  });
});

describe('what the database holds', () => {
  it('stores tokens only as their SHA-256, and no password at all', async () => {
    const db = new SQLite(join(folder, 'db.sqlite3'), { readonly: true });
    let values = 0;
    const haystack: string[] = [];
    try {
      const tables = db
        .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
        .all() as { name: string }[];
      for (const { name } of tables) {
        for (const row of db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]) {
          for (const value of Object.values(row)) {
            values++;
            haystack.push(Buffer.isBuffer(value) ? value.toString('hex') : String(value));
          }
        }
      }
      const hashes = (db.prepare('select token_hash from sessions').all() as { token_hash: string }[]).map(
        (row) => row.token_hash,
      );
      for (const token of tokens) expect(hashes).toContain(hashToken(token));
    } finally {
      db.close();
    }
    const stored = new Map<string, string>();
    for (const token of tokens) stored.set(token, 'session token');
    for (const user of Object.values(directory.users)) stored.set(user.password, 'user password');
    stored.set(directory.bindPassword, 'service account password');
    expect(tokens.length).toBeGreaterThan(5);
    expect(findSecrets(haystack, stored)).toEqual([]);
    figures.set('database values scanned', values);
    figures.set('tokens checked (stored as hash only)', tokens.length);
  });
});

describe('logs', () => {
  it('writes no password, key or token to any log line', () => {
    expectNoSecretsInLogs(logs, secrets, figures, { countSecrets: true });
  });
});
