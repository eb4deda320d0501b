/**
 * Bad input: property-based fuzzing of every endpoint's body and headers (malformed JSON, wrong
 * types, huge values, NUL, non-ASCII, injection strings). Never a 5xx, never a crash, and slapd's
 * own log proves that no input reached the directory unescaped: every user search keeps the login
 * search's shape, and every bind is for a DN the directory itself returned.
 */

import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { API_ERRORS, type Encrypted, fromHex, toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../test-support/protocol-client.ts';
import {
  countBinds,
  imageOwnConnections,
  SlapdLog,
  searches,
  unexpectedUserFilters,
} from './test-support/directory.ts';
import { type DirectoryApp, directoryApp } from './test-support/directory-app.ts';
import {
  anyJsonValue,
  bodyText,
  headerValue,
  hexLike,
  hostileString,
  hugeString,
  INJECTIONS,
  objectWithKeys,
} from './test-support/hostile-input.ts';
import {
  expectNoSecretsInLogs,
  skipGate,
  startDirectoryWithSecrets,
  suiteRecorders,
} from './test-support/suite.ts';

const { figures, logs, secrets } = suiteRecorders('fuzzing');
let directory: TestDirectory;
let slapdLog: SlapdLog;
let subject: DirectoryApp;
const skip = skipGate();
/** An activated session (for the authenticated endpoints) and one left unactivated (activate-token). */
let session: Session;
let pending: Session;

/** One seed per run, different each time; fast-check prints it with a counterexample, to replay it. */
const runs = { seed: Date.now() % 2 ** 31 };
const statusCounts = new Map<number, number>();
let cases = 0;
/** Fuzzed logins that succeeded (alice's password under a spelling of her name). */
let logins = 0;

beforeAll(async () => {
  const started = await startDirectoryWithSecrets('fuzzing', secrets);
  if ('skip' in started) return skip.because(started.skip);
  directory = started.directory;
  slapdLog = new SlapdLog(directory);
  subject = await directoryApp(directory.ldapEntry(), logs, {
    settings: {
      // Fuzzing fails logins by the thousand: no lockout, so every case reaches the code under test.
      LOGIN_THROTTLE_USERNAME_FAILURES: 1_000_000,
      LOGIN_THROTTLE_ADDRESS_FAILURES: 1_000_000,
      // The in-process peer is a trusted proxy: X-Forwarded-For is parsed, so it is fuzzed too.
      TRUSTED_PROXIES: ['192.0.2.0/24'],
    },
  });
  secrets.add('server key', subject.app.settings.PRIVATE_KEY, subject.app.settings.SECRET_KEY);
  const alice = directory.users.alice!;
  session = await subject.app.client().login(`alice@${directory.domain}`, alice.password);
  pending = await subject.app
    .client()
    .login(`alice@${directory.domain}`, alice.password, { skipActivation: true });
  for (const each of [session, pending]) {
    secrets.add('session token', each.token, toHex(each.sessionSecret));
    secrets.add('user key', each.privateKey, each.secretKey);
  }
  await slapdLog.mark();
}, 180_000);

afterAll(async () => {
  const reasons = new Map<string, number>();
  for (const line of logs.lines) {
    const reason = /"reason":"([A-Z_]+)/.exec(line)?.[1];
    if (reason && line.includes('"login refused"')) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  figures.set(
    'login refusals by reason',
    [...reasons].map(([reason, count]) => `${reason}:${count}`).join(' '),
  );
  await subject?.close();
  await directory?.stop();
  figures.set('cases', cases);
  figures.set('fast-check seed', runs.seed);
  figures.set('fuzzed logins accepted (alice, own password)', logins);
  figures.set(
    'answers by status',
    [...statusCounts].map(([status, count]) => `${status}:${count}`).join(' '),
  );
  figures.publish();
});

/** What a real HTTP client can put in a header: UTF-8 bytes read as Latin-1, no NUL, CR or LF. */
function sendable(value: string): string {
  return Buffer.from(value, 'utf8')
    .toString('latin1')
    .replace(/[\0\r\n]/g, '');
}

/** Every byte of the UTF-8 form as `%XX` except unreserved characters (lone surrogates included). */
function percentEncoded(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

interface Sent {
  method: string;
  path: string;
  body?: string | undefined;
  headers?: Record<string, string | undefined>;
  /** The session whose secret encrypts the error body, when the call is authenticated. */
  key?: Uint8Array;
}

/**
 * Sends one request and checks the answer: below 500, JSON, and an error carries a known code
 * (decrypted with the session secret when the server encrypted it).
 */
async function send({ method, path, body, headers = {}, key }: Sent): Promise<number> {
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) sent[name] = sendable(value);
  const response = await subject.app.request(path, {
    method,
    headers: sent,
    ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { body }),
  });
  cases++;
  statusCounts.set(response.status, (statusCounts.get(response.status) ?? 0) + 1);
  const text = await response.text();
  expect(
    response.status,
    `${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`,
  ).toBeLessThan(500);
  if (method === 'HEAD' || response.status === 204) return response.status;
  let parsed = JSON.parse(text) as Record<string, unknown>;
  if (key && typeof parsed.text === 'string' && typeof parsed.nonce === 'string' && response.status >= 400) {
    parsed = JSON.parse(sodiumCrypto.secretboxOpen(parsed as unknown as Encrypted, key));
  }
  if (response.status >= 400) {
    const codes = parsed.non_field_errors as string[];
    expect(Object.keys(API_ERRORS)).toContain(codes[0]);
  }
  return response.status;
}

const jsonHeaders = (extra: Record<string, string | undefined> = {}) => ({
  'Content-Type': 'application/json',
  ...extra,
});

/** Headers of a valid authenticated call for `target`, with one of them replaced by fuzz. */
function authHeaders(target: Session, fuzz: { name: string; value: string | undefined } | undefined) {
  const headers: Record<string, string | undefined> = jsonHeaders(target.headers());
  if (fuzz) headers[fuzz.name] = fuzz.value;
  return headers;
}

describe('fuzzing every endpoint', () => {
  it('login: the outer body (malformed JSON, wrong types, huge values)', async () => {
    const shape = objectWithKeys({
      login_info: fc.oneof(hexLike(96), hugeString(10_000, 40_000), anyJsonValue),
      login_info_nonce: hexLike(48),
      public_key: hexLike(64),
      session_duration: anyJsonValue,
    });
    await fc.assert(
      fc.asyncProperty(bodyText(shape), headerValue(fc.constant('application/json')), async (body, type) => {
        const status = await send({
          method: 'POST',
          path: '/authentication/login/',
          body,
          headers: { 'Content-Type': type },
        });
        expect([400, 413, 415]).toContain(status);
      }),
      { ...runs, numRuns: 2500 },
    );
  }, 120_000);

  it('login: hostile usernames and passwords inside a correctly encrypted login_info', async () => {
    const client = sodiumCrypto.generateX25519KeyPair();
    const key = sodiumCrypto.boxKey(fromHex(subject.app.settings.PUBLIC_KEY!), client.privateKey);
    const domain = directory.domain;
    const username = fc.oneof(
      { weight: 4, arbitrary: hostileString.map((name) => `${name}@${domain}`) },
      { weight: 2, arbitrary: hostileString },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...INJECTIONS).map((name) => `${name}@${domain.toUpperCase()}`),
      },
      { weight: 1, arbitrary: anyJsonValue },
    );
    const extras = {
      authkey: anyJsonValue,
      device_fingerprint: anyJsonValue,
      device_description: anyJsonValue,
      device_time: anyJsonValue,
    };
    const loginInfo = fc.oneof(
      // Mostly well-formed, so that the hostile names really travel to the directory.
      {
        weight: 4,
        arbitrary: fc
          .tuple(
            username.filter((name) => typeof name === 'string'),
            fc.oneof(hostileString, fc.constant(directory.users.alice!.password)),
            fc.record(
              {
                device_fingerprint: fc.string({ maxLength: 40 }),
                device_description: fc.constantFrom(...INJECTIONS),
              },
              { requiredKeys: [] },
            ),
            // Within the server's accepted clock skew, so that the request travels on.
            fc.integer({ min: -60_000, max: 60_000 }),
          )
          .map(([name, password, rest, offset]) => ({
            ...rest,
            device_time: new Date(Date.now() + offset).toISOString(),
            username: name,
            password,
          })),
      },
      {
        weight: 1,
        arbitrary: objectWithKeys({
          username,
          password: fc.oneof(hostileString, anyJsonValue, fc.constantFrom('', ' ')),
          ...extras,
        }),
      },
    );
    await fc.assert(
      fc.asyncProperty(
        loginInfo,
        // Mostly absent: a wrong session_duration stops the request before the directory.
        fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: anyJsonValue }),
        async (info, duration) => {
          const sealed = sodiumCrypto.secretboxSeal(JSON.stringify(info), key);
          const status = await send({
            method: 'POST',
            path: '/authentication/login/',
            headers: jsonHeaders(),
            body: JSON.stringify({
              login_info: sealed.text,
              login_info_nonce: sealed.nonce,
              public_key: toHex(client.publicKey),
              ...(duration === null ? {} : { session_duration: duration }),
            }),
          });
          // Only alice's password logs in, and only under a name the directory itself matches to
          // alice (it ignores case and surrounding spaces); never through filter metacharacters.
          const record = info as { username?: unknown; password?: unknown };
          if (status === 200) {
            expect(record.password).toBe(directory.users.alice!.password);
            expect(
              /[*()\\]/.test(String(record.username)) || String(record.username).includes('\u0000'),
            ).toBe(false);
            logins++;
          } else expect([400, 413]).toContain(status);
        },
      ),
      { ...runs, numRuns: 3000 },
    );
  }, 180_000);

  it('prelogin: any body', async () => {
    await fc.assert(
      fc.asyncProperty(bodyText(objectWithKeys({ username: anyJsonValue })), async (body) => {
        const status = await send({
          method: 'POST',
          path: '/authentication/prelogin/',
          body,
          headers: jsonHeaders(),
        });
        expect([200, 400, 413]).toContain(status);
      }),
      { ...runs, numRuns: 1000 },
    );
  }, 60_000);

  it('authenticated endpoints: hostile Authorization, Authorization-Validator and X-Forwarded-For', async () => {
    const endpoints = [
      { method: 'GET', path: '/user/' },
      { method: 'GET', path: '/authentication/sessions/' },
      { method: 'POST', path: '/authentication/logout/' },
      { method: 'PUT', path: '/user/update/' },
      { method: 'POST', path: '/authentication/activate-token/' },
      { method: 'GET', path: '/healthcheck/' },
    ];
    const validator = (target: Session) =>
      fc.oneof(
        fc.constant(target.headers()['Authorization-Validator']!),
        fc
          .record({ request_time: anyJsonValue, request_device_fingerprint: anyJsonValue })
          .map((value) =>
            JSON.stringify(sodiumCrypto.secretboxSeal(JSON.stringify(value), target.sessionSecret)),
          ),
        anyJsonValue.map((value) => JSON.stringify(value) ?? ''),
      );
    const fuzzed = fc.oneof(
      headerValue(fc.constant(`Token ${'0'.repeat(64)}`)).map((value) => ({ name: 'Authorization', value })),
      headerValue(fc.constantFrom(...INJECTIONS).map((value) => `Token ${value}`)).map((value) => ({
        name: 'Authorization',
        value,
      })),
      headerValue(validator(session)).map((value) => ({ name: 'Authorization-Validator', value })),
      headerValue(fc.ipV4()).map((value) => ({ name: 'X-Forwarded-For', value })),
      headerValue(fc.constant('application/json')).map((value) => ({ name: 'Content-Type', value })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), fuzzed, async (endpoint, header) => {
        // A valid Authorization together with a valid validator would really log out: keep one invalid.
        const keepsSessionSafe = !(endpoint.path.includes('logout') && header.name !== 'Authorization');
        const status = await send({
          ...endpoint,
          body: '{}',
          headers: keepsSessionSafe
            ? authHeaders(session, header)
            : authHeaders(session, { name: 'Authorization', value: header.value }),
          key: session.sessionSecret,
        });
        expect(status).toBeLessThan(500);
      }),
      { ...runs, numRuns: 1500 },
    );
    // The session survived the fuzzing: nothing above could have ended or hijacked it.
    expect(await session.call('GET', '/user/')).toMatchObject({ username: `alice@${directory.domain}` });
  }, 120_000);

  it('authenticated endpoints: hostile encrypted bodies with valid headers', async () => {
    const cases = fc.oneof(
      fc
        .tuple(
          bodyText(
            objectWithKeys({
              private_key: hexLike(160),
              private_key_nonce: hexLike(48),
              secret_key: hexLike(160),
              secret_key_nonce: hexLike(48),
              user_sauce: hexLike(64),
              email: anyJsonValue,
              hashing_parameters: anyJsonValue,
            }),
          ),
          fc.boolean(),
        )
        .map(([plain, encrypt]) => ({
          method: 'PUT',
          path: '/user/update/',
          target: session,
          plain,
          encrypt,
        })),
      fc
        .tuple(
          bodyText(fc.record({ session_id: fc.oneof(fc.uuid(), hostileString, fc.integer(), fc.object()) })),
          fc.boolean(),
        )
        .map(([plain, encrypt]) => ({
          method: 'POST',
          path: '/authentication/logout/',
          target: 'own' as const,
          plain,
          encrypt,
        })),
      fc
        .tuple(
          bodyText(
            objectWithKeys({
              verification: hexLike(96),
              verification_nonce: hexLike(48),
              zoneinfo: anyJsonValue,
            }),
          ),
          fc.boolean(),
        )
        .map(([plain, encrypt]) => ({
          method: 'POST',
          path: '/authentication/activate-token/',
          target: pending,
          plain,
          encrypt,
        })),
    );
    // Logout bodies go to a session of their own: a body that happens to be valid really logs it
    // out (the caller owns it), and the next case gets a new one.
    const alice = directory.users.alice!;
    const ownClient = subject.app.client();
    let own = await ownClient.login(`alice@${directory.domain}`, alice.password);
    let ownLogouts = 0;
    await fc.assert(
      fc.asyncProperty(cases, async ({ method, path, target: chosen, plain, encrypt }) => {
        const target = chosen === 'own' ? own : chosen;
        const body = encrypt
          ? JSON.stringify(sodiumCrypto.secretboxSeal(plain, target.sessionSecret))
          : plain;
        const status = await send({
          method,
          path,
          body,
          headers: authHeaders(target, undefined),
          key: target.sessionSecret,
        });
        expect(status).toBeLessThan(500);
        if (chosen === 'own' && status === 200) {
          ownLogouts++;
          own = await ownClient.login(`alice@${directory.domain}`, alice.password);
          secrets.add('session token', own.token, toHex(own.sessionSecret));
        }
      }),
      { ...runs, numRuns: 1500 },
    );
    expect(await session.call('GET', '/user/')).toMatchObject({ username: `alice@${directory.domain}` });
    figures.set('valid own logouts among the fuzzed bodies', ownLogouts);
  }, 120_000);

  it('any path and method', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'info',
        'authentication',
        'login',
        'user',
        'update',
        'healthcheck',
        '..',
        '.',
        '%00',
        '%2e%2e',
        '',
      ),
      fc.webSegment(),
      hostileString.map((value) => percentEncoded(value.slice(0, 200))),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.option(fc.webQueryParameters()),
        async (method, segments, query) => {
          const path = `/${segments.join('/')}${query ? `?${query}` : ''}`;
          let valid = true;
          try {
            new URL(`http://localhost/server${path}`);
          } catch {
            valid = false;
          }
          fc.pre(valid);
          await send({ method, path, body: '{}', headers: jsonHeaders() });
        },
      ),
      { ...runs, numRuns: 1000 },
    );
  }, 60_000);
});

describe('what reached the directory', () => {
  it('never lets an empty or blank password reach the directory', async () => {
    const alice = directory.users.alice!;
    const before = countBinds(await slapdLog.since(), alice.dn);
    const client = subject.app.client();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('', ' ', '  ', '\t', '\n', ' \u00a0 '.trim(), '\r\n'),
        fc.constantFrom('alice', `alice@${directory.domain}`, `ALICE@${directory.domain}`),
        async (password, name) => {
          cases++;
          await expect(client.login(name, password)).rejects.toMatchObject({
            status: 400,
            code: 'USERNAME_OR_PASSWORD_WRONG',
          });
        },
      ),
      { ...runs, numRuns: 200 },
    );
    expect(countBinds(await slapdLog.since(), alice.dn)).toBe(before);
  }, 60_000);

  it('saw every hostile value escaped: searches keep their shape, binds go to known DNs only', async () => {
    const lines = await slapdLog.since();
    const entry = directory.ldapEntry();
    const userSearches = searches(lines).filter(
      (search) => search.base.toLowerCase() === String(entry.LDAP_SEARCH_USER_DN).toLowerCase(),
    );
    const shapeless = unexpectedUserFilters(
      userSearches.map((search) => search.filter),
      String(entry.LDAP_OBJECT_CLASS_USER),
      String(entry.LDAP_ATTR_USERNAME),
    );
    const knownDns = new Set(
      [directory.bindDn, ...Object.values(directory.users).map((user) => user.dn)].map((dn) =>
        dn.toLowerCase(),
      ),
    );
    const probeConnections = imageOwnConnections(lines, directory.mode);
    const binds = lines
      .filter((line) => !probeConnections.has(/ (conn=\d+) /.exec(line)?.[1] ?? ''))
      .map((line) => / BIND dn="(.*)" method=128$/.exec(line)?.[1])
      .filter((dn): dn is string => dn !== undefined);
    const unknownBinds = binds.filter((dn) => !knownDns.has(dn.toLowerCase()));
    figures.set('user searches checked in slapd log', userSearches.length);
    figures.set('binds checked in slapd log', binds.length);
    figures.set(
      'escaped injection values seen',
      userSearches.filter((search) => /\\(2a|28|29|5c|00)/i.test(search.filter)).length,
    );
    expect(userSearches.length).toBeGreaterThan(500);
    expect(JSON.stringify(shapeless.slice(0, 5)), `${shapeless.length} filters changed shape`).toBe('[]');
    expect(binds.length).toBeGreaterThan(50);
    expect(unknownBinds).toEqual([]);
  });

  it('writes no password, key or token to any log line', () => {
    expectNoSecretsInLogs(logs, secrets, figures);
  });
});
