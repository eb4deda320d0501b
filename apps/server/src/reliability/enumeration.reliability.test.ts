/**
 * Enumeration: a login for an unknown user and one with a wrong password must be
 * indistinguishable from outside: the same status, code and body, and the same median time (over
 * 200 interleaved tries each, through real HTTP, with the server's default refusal floor). The
 * other refusals (empty password, unknown domain, disabled account, ambiguous name, locked out)
 * look the same too.
 */
import { join } from 'node:path';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.ts';
import { ProtocolClient } from '../test-support/protocol-client.ts';
import { testSettings } from '../test-support/test-app.ts';
import { type Attempt, attemptLogin, median } from './test-support/attempts.ts';
import { directoryApp } from './test-support/directory-app.ts';
import {
  expectNoSecretsInLogs,
  removeFolder,
  skipGate,
  startDirectoryServer,
  startDirectoryWithFolder,
  suiteRecorders,
} from './test-support/suite.ts';

const { figures, logs, secrets } = suiteRecorders('enumeration');
let directory: TestDirectory;
const skip = skipGate();
let server: RunningServer;
let folder: string;

const TRIES = 200;
const WARM_UP = 30;
const CONCURRENCY = 16;

beforeAll(async () => {
  const started = await startDirectoryWithFolder('enumeration', 'enumeration', secrets);
  if ('skip' in started) return skip.because(started.skip);
  ({ directory, folder } = started);
  // eve is disabled in the directory: the required attribute refuses her after a correct bind.
  const entry = directory.ldapEntry({ LDAP_REQUIRED_ATTRIBUTE: [['employeeType', 'active']] });
  const settings = testSettings({
    LDAP: [entry],
    // Hundreds of failures for one user are the point here, not throttling (tested elsewhere).
    LOGIN_THROTTLE_USERNAME_FAILURES: 1_000_000,
    LOGIN_THROTTLE_ADDRESS_FAILURES: 1_000_000,
  });
  secrets.add('server key', settings.PRIVATE_KEY, settings.SECRET_KEY);
  const logger = logs.logger('info');
  server = await startDirectoryServer({
    entry,
    settings,
    database: { kind: 'sqlite', file: join(folder, 'db.sqlite3') },
    logger,
  });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await directory?.stop();
  removeFolder(folder);
  figures.publish();
});

/** A client that keeps the raw answer of each login, to compare bodies and headers. */
function recordingClient() {
  const answers: { status: number; body: string; headers: string[] }[] = [];
  const client = new ProtocolClient(async (path, init) => {
    const response = await fetch(`${server.url}/server${path}`, init);
    if (path.startsWith('/authentication/login')) {
      const headers = [...response.headers.keys()].filter((name) => name !== 'date').sort();
      answers.push({ status: response.status, body: await response.clone().text(), headers });
    }
    return response;
  });
  return { client, answers };
}

describe('unknown user and wrong password look the same', () => {
  it('answers every kind of refusal with the same status, code, body and headers', async () => {
    const kinds: Record<string, [string, string]> = {
      'unknown user': [`nobody-here@${directory.domain}`, 'Some-Passw0rd'],
      'wrong password': [`bob@${directory.domain}`, 'Some-Passw0rd'],
      'empty password': [`bob@${directory.domain}`, ''],
      'unknown domain': ['bob@elsewhere.example', 'Some-Passw0rd'],
      'disabled account': [`eve@${directory.domain}`, directory.users.eve!.password],
      'ambiguous name': [`jdoe@${directory.domain}`, directory.users.jdoe!.password],
    };
    const seen: Record<string, { status: number; body: string; headers: string[] }> = {};
    for (const [kind, [username, password]] of Object.entries(kinds)) {
      const { client, answers } = recordingClient();
      await client.login(username, password).catch(() => undefined);
      seen[kind] = answers[0]!;
    }
    for (const answer of Object.values(seen)) expect(answer).toEqual(seen['wrong password']);
    expect(seen['wrong password']).toMatchObject({
      status: 400,
      body: JSON.stringify({ non_field_errors: ['USERNAME_OR_PASSWORD_WRONG'] }),
    });
    figures.add('cases', Object.keys(kinds).length);
    figures.set('refusal kinds compared', Object.keys(kinds).join(', '));
  });

  it(`takes the same median time (difference < 1 ms over ${TRIES} interleaved tries each)`, async () => {
    const unknown = ProtocolClient.forUrl(`${server.url}/server`);
    const wrong = ProtocolClient.forUrl(`${server.url}/server`);
    const queue: { kind: 'unknown' | 'wrong'; warmUp: boolean }[] = [];
    for (let index = 0; index < WARM_UP + TRIES; index++) {
      // Interleaved, so that a change of machine load over the run hits both kinds alike.
      const pair: ('unknown' | 'wrong')[] = index % 2 === 0 ? ['unknown', 'wrong'] : ['wrong', 'unknown'];
      for (const kind of pair) queue.push({ kind, warmUp: index < WARM_UP });
    }
    const results: Record<'unknown' | 'wrong', Attempt[]> = { unknown: [], wrong: [] };
    let next = 0;
    const worker = async () => {
      for (let item = queue[next++]; item !== undefined; item = queue[next++]) {
        const attempt =
          item.kind === 'unknown'
            ? await attemptLogin(unknown, `nobody-${next}@${directory.domain}`, 'Wrong-Passw0rd')
            : await attemptLogin(wrong, `bob@${directory.domain}`, 'Wrong-Passw0rd');
        if (!item.warmUp) results[item.kind].push(attempt);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const medianUnknown = median(results.unknown.map((attempt) => attempt.ms));
    const medianWrong = median(results.wrong.map((attempt) => attempt.ms));
    const difference = Math.abs(medianUnknown - medianWrong);
    figures.add('cases', 2 * (WARM_UP + TRIES));
    figures.set('median unknown user (ms)', medianUnknown.toFixed(3));
    figures.set('median wrong password (ms)', medianWrong.toFixed(3));
    figures.set('timingDifferenceMs', Number(difference.toFixed(3)));

    for (const attempts of [results.unknown, results.wrong]) {
      expect(attempts).toHaveLength(TRIES);
      expect(new Set(attempts.map((attempt) => `${attempt.status} ${attempt.code}`))).toEqual(
        new Set(['400 USERNAME_OR_PASSWORD_WRONG']),
      );
    }
    expect(difference).toBeLessThan(1);
  }, 120_000);

  it('locks out a known and an unknown username alike', async () => {
    const app = await directoryApp(directory.ldapEntry(), logs, {
      settings: { LOGIN_THROTTLE_USERNAME_FAILURES: 3, LOGIN_THROTTLE_ADDRESS_FAILURES: 1000 },
    });
    try {
      const lockedAnswer = async (username: string) => {
        for (let index = 0; index < 3; index++)
          await app.app
            .client()
            .login(username, 'guess')
            .catch(() => undefined);
        const response = await app.app.request('/authentication/prelogin/', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username }),
        });
        expect(response.status).toBe(200);
        return attemptLogin(app.app.client(), username, 'guess');
      };
      const known = await lockedAnswer(`carol@${directory.domain}`);
      const unknown = await lockedAnswer(`nobody-else@${directory.domain}`);
      expect({ status: known.status, code: known.code, retryAfterSeconds: known.retryAfterSeconds }).toEqual({
        status: unknown.status,
        code: unknown.code,
        retryAfterSeconds: unknown.retryAfterSeconds,
      });
      expect(known.status).toBe(429);
      figures.add('lockouts', 2);
      figures.add('cases', 8);
    } finally {
      await app.close();
    }
  });
});

describe('logs', () => {
  it('writes no password, key or token to any log line', () => {
    expectNoSecretsInLogs(logs, secrets, figures);
  });
});
