/**
 * Two server replicas on one PostgreSQL: a session opened on one works on the other and a logout
 * on one ends it on both; failed logins counted on either lock the username on both, before the
 * directory is asked; a first login racing on both replicas makes one account; and a database that
 * turns read-only answers a clear error without bringing either replica down.
 */
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.ts';
import {
  type DatabaseBackend,
  postgresBackend,
  postgresBackendAvailable,
} from '../test-support/databases.ts';
import { ProtocolClient } from '../test-support/protocol-client.ts';
import { testSettings } from '../test-support/test-app.ts';
import { type Attempt, attemptLogin } from './test-support/attempts.ts';
import { countBinds, SlapdLog } from './test-support/directory.ts';
import { sessionAt } from './test-support/session-at.ts';
import {
  expectNoSecretsInLogs,
  skipGate,
  startDirectoryServer,
  startDirectoryWithSecrets,
  suiteRecorders,
} from './test-support/suite.ts';

const { figures, logs, secrets } = suiteRecorders('replicas');
let directory: TestDirectory;
let slapdLog: SlapdLog;
const skip = skipGate();
let backend: DatabaseBackend | undefined;
let database: Awaited<ReturnType<DatabaseBackend['create']>> | undefined;
const replicas: { name: string; server: RunningServer; api: string }[] = [];

const USERNAME_LIMIT = 5;

beforeAll(async () => {
  if (!postgresBackendAvailable()) {
    return skip.because('PostgreSQL is not installed');
  }
  const started = await startDirectoryWithSecrets('replicas on PostgreSQL', secrets);
  if ('skip' in started) return skip.because(started.skip);
  directory = started.directory;
  slapdLog = new SlapdLog(directory);
  backend = await postgresBackend();
  database = await backend.create();
  const entry = directory.ldapEntry();
  // Both replicas share the keys, as replicas behind one load balancer do.
  const settings = testSettings({
    LDAP: [entry],
    LOGIN_THROTTLE_USERNAME_FAILURES: USERNAME_LIMIT,
    LOGIN_THROTTLE_ADDRESS_FAILURES: 1000,
  });
  secrets.add('server key', settings.PRIVATE_KEY, settings.SECRET_KEY);
  for (const name of ['A', 'B']) {
    const logger = logs.logger('debug').child({ replica: name });
    const server = await startDirectoryServer({ entry, settings, database: database.config, logger });
    replicas.push({ name, server, api: `${server.url}/server` });
  }
}, 180_000);

afterAll(async () => {
  for (const { server } of replicas) await server.close();
  await database?.drop();
  await backend?.stop();
  await directory?.stop();
  figures.publish();
});

const [a, b] = [0, 1];
const clientOf = (index: number) => ProtocolClient.forUrl(replicas[index]!.api);
const name = (key: string) => `${directory.users[key]!.login}@${directory.domain}`;

describe('two replicas on one PostgreSQL', () => {
  it('share sessions: opened on one, used on the other, ended on the other', async () => {
    const alice = directory.users.alice!;
    const onA = await clientOf(a).login(name('alice'), alice.password);
    secrets.add('session token', onA.token, Buffer.from(onA.sessionSecret).toString('hex'));
    secrets.add('user key', onA.privateKey, onA.secretKey);
    const onB = sessionAt(replicas[b]!.api, onA);
    expect(await onB.call('GET', '/user/')).toMatchObject({ username: name('alice') });
    await onB.logout();
    await expect(onA.call('GET', '/user/')).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    figures.add('cases', 3);
  });

  it('share throttling: failures on either lock the username on both, before the directory', async () => {
    const failures: Attempt[] = [];
    for (let index = 0; index < USERNAME_LIMIT; index++) {
      failures.push(await attemptLogin(clientOf(index % 2), name('bob'), `guess-${index}`));
    }
    await slapdLog.mark();
    const blocked = [
      await attemptLogin(clientOf(a), name('bob'), directory.users.bob!.password),
      await attemptLogin(clientOf(b), name('bob'), directory.users.bob!.password),
    ];
    const bindsAfter = countBinds(await slapdLog.since(), directory.users.bob!.dn);
    expect(failures.every((attempt) => attempt.code === 'USERNAME_OR_PASSWORD_WRONG')).toBe(true);
    expect(blocked.map((attempt) => attempt.status)).toEqual([429, 429]);
    expect(bindsAfter).toBe(0);
    // Others are unaffected on both.
    expect((await attemptLogin(clientOf(b), name('carol'), directory.users.carol!.password)).status).toBe(
      200,
    );
    figures.add('lockouts', 1);
    figures.add('cases', failures.length + blocked.length + 1);
    figures.set('shared lockout: binds after it (must be 0)', bindsAfter);
  });

  it('share the reservation: 40 wrong passwords sent together to both replicas reach the directory at most K times', async () => {
    await slapdLog.mark();
    const attempts = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        attemptLogin(clientOf(index % 2), name('jsmith'), `replica-burst-${index}`),
      ),
    );
    const reached = countBinds(await slapdLog.since(), directory.users.jsmith!.dn);
    figures.set(
      'burst of 40 over two replicas: sent / binds reached / limit',
      `40 / ${reached} / ${USERNAME_LIMIT}`,
    );
    console.log(`burst over two replicas: sent 40, binds reached ${reached}, limit ${USERNAME_LIMIT}`);
    expect(reached).toBeLessThanOrEqual(USERNAME_LIMIT);
    expect(attempts.filter((attempt) => attempt.status === 429)).toHaveLength(40 - reached);
    figures.add('lockouts', 1);
    figures.add('cases', attempts.length);
  }, 60_000);

  it('makes one account when the first login races on both replicas', async () => {
    const zoe = directory.users.zoe!;
    const sessions = await Promise.all(
      [a, b, a, b].map((index) => clientOf(index).login(name('zoe'), zoe.password)),
    );
    for (const session of sessions) secrets.add('session token', session.token);
    expect(new Set(sessions.map((session) => session.user.id)).size).toBe(1);
    expect(new Set(sessions.map((session) => session.privateKey)).size).toBe(1);
    figures.add('cases', sessions.length);
  }, 60_000);

  it('answers a clear error while PostgreSQL is read-only, and recovers without a restart', async () => {
    const config = database!.config;
    if (config.kind !== 'postgres') throw new TypeError('the replicas run on PostgreSQL');
    const { host, port, user, password, database: databaseName } = config;
    const admin = new pg.Client({ host, port, user, password, database: databaseName });
    await admin.connect();
    const reconnectAll = () =>
      admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [databaseName],
      );
    let refused: Attempt[] = [];
    let info: number[] = [];
    try {
      await admin.query(`alter database "${databaseName}" set default_transaction_read_only = on`);
      await reconnectAll();
      // Dave has no account yet: logging in must write.
      refused = [
        await attemptLogin(clientOf(a), name('dave'), directory.users.dave!.password),
        await attemptLogin(clientOf(b), name('dave'), directory.users.dave!.password),
      ];
      info = await Promise.all(replicas.map(async ({ api }) => (await fetch(`${api}/info/`)).status));
    } finally {
      await admin.query(`alter database "${databaseName}" set default_transaction_read_only = off`);
      await reconnectAll();
      await admin.end();
    }
    // Connections the database ended are noticed on use; a login or two may still meet one.
    let attemptsToRecover = 1;
    let after = await attemptLogin(clientOf(a), name('dave'), directory.users.dave!.password);
    for (; attemptsToRecover < 4 && after.status !== 200; attemptsToRecover++) {
      after = await attemptLogin(clientOf(a), name('dave'), directory.users.dave!.password);
    }
    figures.set('read-only database: logins until recovered', attemptsToRecover);
    expect(refused.every((attempt) => attempt.status >= 500 && attempt.code !== undefined)).toBe(true);
    expect(info).toEqual([200, 200]);
    expect(after.status).toBe(200);
    expect(logs.text).toMatch(/read-only transaction/);
    figures.add('faultsSurvived', 1);
    figures.set(
      'read-only database: answers',
      refused.map((attempt) => `${attempt.status} ${attempt.code}`).join(', '),
    );
    figures.add('cases', refused.length + 1);
  }, 60_000);
});

describe('logs', () => {
  it('writes no password, key or token to any log line', () => {
    expectNoSecretsInLogs(logs, secrets, figures);
  });
});
