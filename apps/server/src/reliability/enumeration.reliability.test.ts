/**
 * Enumeration: a login for an unknown user and one with a wrong password must be
 * indistinguishable from outside: the same status, code and body, never sooner than the server's
 * default refusal floor, and the same time (the median of 200 interleaved pairs' differences, through
 * real HTTP, within a bound taken from the run's own spread and never under 1 ms). The
 * other refusals (empty password, unknown domain, disabled account, ambiguous name, locked out)
 * look the same too.
 */
import { join } from 'node:path';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REFUSAL_FLOOR_MS } from '../app.ts';
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
/** A run too noisy to tell a difference of this size apart from none fails instead of passing. */
const MAX_BOUND_MS = 20;

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

  it(`answers both no sooner than the refusal floor, and in the same time (${TRIES} interleaved pairs)`, async () => {
    const unknown = ProtocolClient.forUrl(`${server.url}/server`);
    const wrong = ProtocolClient.forUrl(`${server.url}/server`);
    type Kind = 'unknown' | 'wrong';
    const queue: { kind: Kind; pair: number }[] = [];
    for (let pair = -WARM_UP; pair < TRIES; pair++) {
      // A pair's two logins are sent one after the other, in alternating order, so that they meet the
      // same machine load: the difference within a pair cancels how busy the machine was then.
      const kinds: Kind[] = pair % 2 === 0 ? ['unknown', 'wrong'] : ['wrong', 'unknown'];
      for (const kind of kinds) queue.push({ kind, pair });
    }
    const pairs = Array.from({ length: TRIES }, () => ({}) as Partial<Record<Kind, Attempt>>);
    let next = 0;
    const worker = async () => {
      for (let item = queue[next++]; item !== undefined; item = queue[next++]) {
        const attempt =
          item.kind === 'unknown'
            ? await attemptLogin(unknown, `nobody-${next}@${directory.domain}`, 'Wrong-Passw0rd')
            : await attemptLogin(wrong, `bob@${directory.domain}`, 'Wrong-Passw0rd');
        if (item.pair >= 0) pairs[item.pair]![item.kind] = attempt;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const attempts = (kind: Kind) => pairs.map((pair) => pair[kind]!);
    for (const kind of ['unknown', 'wrong'] as const) {
      expect(attempts(kind).filter(Boolean)).toHaveLength(TRIES);
      expect(new Set(attempts(kind).map((attempt) => `${attempt.status} ${attempt.code}`))).toEqual(
        new Set(['400 USERNAME_OR_PASSWORD_WRONG']),
      );
    }
    // The floor holds whatever the load (a busy machine only adds time): a server that answered an
    // unknown user before it, having skipped the bind, fails here on any machine.
    const fastest = (kind: Kind) => Math.min(...attempts(kind).map((attempt) => attempt.ms));
    expect(fastest('unknown')).toBeGreaterThanOrEqual(DEFAULT_REFUSAL_FLOOR_MS);
    expect(fastest('wrong')).toBeGreaterThanOrEqual(DEFAULT_REFUSAL_FLOOR_MS);

    // Above the floor: the median of the pairs' differences is zero within the run's own precision.
    // Its standard error comes from the differences' spread (median absolute deviation, a robust
    // standard deviation, and the median's standard error of 1.25 sigma / sqrt(n)); the bound is four
    // of them, and never under 1 ms: a quiet machine holds the difference under 1 ms, a loaded one
    // under what it can tell apart.
    const differences = pairs.map((pair) => pair.unknown!.ms - pair.wrong!.ms);
    const difference = median(differences);
    const sigma = 1.4826 * median(differences.map((value) => Math.abs(value - difference)));
    const standardError = (1.2533 * sigma) / Math.sqrt(differences.length);
    const bound = Math.max(1, 4 * standardError);
    figures.add('cases', 2 * (WARM_UP + TRIES));
    figures.set(
      'median unknown user (ms)',
      median(attempts('unknown').map((attempt) => attempt.ms)).toFixed(3),
    );
    figures.set(
      'median wrong password (ms)',
      median(attempts('wrong').map((attempt) => attempt.ms)).toFixed(3),
    );
    figures.set('median paired difference bound (ms)', bound.toFixed(3));
    figures.set('timingDifferenceMs', Number(difference.toFixed(3)));
    expect(Math.abs(difference)).toBeLessThan(bound);
    // However loaded, the run must still be able to tell a difference far below the floor.
    expect(bound).toBeLessThan(MAX_BOUND_MS);
  }, 180_000);

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
