import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, type Encrypted, fromHex, toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { ServerLifecycle } from './lifecycle.ts';
import { FakeDirectory } from './test-support/fake-directory.ts';
import { KeysLockedError } from './test-support/protocol-client.ts';
import { createTestApp, type TestApp } from './test-support/test-app.ts';

const ALICE = {
  login: 'alice',
  domain: 'example.com',
  password: 'alice-pw',
  guid: 'guid-alice',
  email: 'alice@example.com',
  groups: [{ dn: 'cn=developers,ou=groups,dc=example,dc=com', name: 'developers' }],
};

let directory: FakeDirectory;
let clock: number;
let t: TestApp;

beforeEach(async () => {
  directory = new FakeDirectory();
  directory.add({ ...ALICE, groups: [...ALICE.groups] });
  directory.add({ login: 'bob', domain: 'example.com', password: 'bob-pw', guid: 'guid-bob' });
  directory.add({
    login: 'carol',
    domain: 'example.com',
    password: 'carol-pw',
    guid: 'g-c',
    refusal: 'NOT_PERMITTED',
  });
  directory.add({
    login: 'dave',
    domain: 'example.com',
    password: 'dave-pw',
    guid: 'g-d',
    refusal: 'ACCOUNT_RESTRICTED',
  });
  clock = Date.now();
  t = await createTestApp({ directory, now: () => clock });
});

afterEach(async () => {
  await t.close();
});

async function expectError(promise: Promise<unknown>, status: number, code: string) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status, code });
  return error as ApiError;
}

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}, peer?: string) {
  return t.request(
    path,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    },
    peer,
  );
}

/** A login request with an arbitrary boxed payload, as a client would build it. */
/** A login request body as a client sends it (`device_time` from the test's clock unless given). */
async function loginBody(payload: unknown) {
  const info = await t.client().info();
  const keys = sodiumCrypto.generateX25519KeyPair();
  const withTime =
    typeof payload === 'object' && payload !== null
      ? { device_time: new Date(clock).toISOString(), ...payload }
      : payload;
  const box = sodiumCrypto.boxSeal(
    typeof withTime === 'string' ? withTime : JSON.stringify(withTime),
    fromHex(info.public_key),
    keys.privateKey,
  );
  return { login_info: box.text, login_info_nonce: box.nonce, public_key: toHex(keys.publicKey) };
}

async function rawLogin(payload: unknown, peer?: string) {
  return postJson('/authentication/login/', await loginBody(payload), {}, peer);
}

describe('GET /info/', () => {
  it('is signed with the verify key and carries the public key and version', async () => {
    const info = await t.client().info();
    expect(info.version).toMatch(/^5\.3\.2 \(Build [0-9a-f]{7}\)$/);
    expect(info.public_key).toBe(t.settings.PUBLIC_KEY);
    expect(info).toMatchObject({
      api: 1,
      type: 'EE',
      authentication_methods: ['LDAP'],
      ldap_domains: ['example.com'],
    });
  });
});

describe('GET /healthcheck/', () => {
  it('reports the database and each directory without naming hosts', async () => {
    const response = await t.request('/healthcheck/');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { directories: unknown[] };
    expect(body).toMatchObject({ healthy: true, db_read: { healthy: true } });
    expect(body.directories).toEqual([
      {
        domain: 'example.com',
        healthy: true,
        probed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        servers: [{ index: 0, up: true, latency_ms: 1.3 }],
      },
    ]);
    expect(JSON.stringify(body)).not.toContain('internal-');
  });

  it('stays 200 when a directory is down, and is 503 when the database is', async () => {
    directory.unavailable = true;
    const down = (await (await t.request('/healthcheck/')).json()) as { directories: unknown[] };
    expect(down.directories[0]).toMatchObject({ healthy: false });
    await t.db.destroy();
    const response = await t.request('/healthcheck/');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ healthy: false, db_read: { healthy: false } });
    t = await createTestApp({ directory });
  });
});

describe('GET /live/ and /ready/', () => {
  it('are 200 while running; readiness turns 503 once the server is stopping, liveness stays 200', async () => {
    const lifecycle = new ServerLifecycle();
    const app = await createTestApp({ directory, lifecycle });
    try {
      expect((await app.request('/live/')).status).toBe(200);
      expect(await (await app.request('/ready/')).json()).toEqual({ ready: true });
      lifecycle.startDraining();
      const ready = await app.request('/ready/');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ ready: false, reason: 'stopping' });
      expect((await app.request('/live/')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('readiness is 503 when the database does not answer', async () => {
    await t.db.destroy();
    expect(await (await t.request('/ready/')).json()).toEqual({ ready: false, reason: 'database' });
  });
});

describe('POST /authentication/prelogin/', () => {
  it('answers the same scrypt parameters for known and unknown users', async () => {
    const known = await (
      await postJson('/authentication/prelogin/', { username: 'alice@example.com' })
    ).json();
    const unknown = await (
      await postJson('/authentication/prelogin/', { username: 'nobody@example.com' })
    ).json();
    expect(known).toEqual({ hashing_algorithm: 'scrypt', hashing_parameters: { u: 14, r: 8, p: 1, l: 64 } });
    expect(unknown).toEqual(known);
  });

  it('refuses a malformed body', async () => {
    const response = await postJson('/authentication/prelogin/', { user: 1 });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ non_field_errors: ['INVALID_REQUEST'] });
  });
});

describe('POST /authentication/login/', () => {
  it('creates the account on the first login with keys that open with the password', async () => {
    const session = await t.client().login('alice@example.com', 'alice-pw');
    expect(session.user).toMatchObject({
      username: 'alice@example.com',
      email: 'alice@example.com',
      authentication: 'LDAP',
    });
    expect(session.privateKey).toMatch(/^[0-9a-f]{64}$/);
    expect(session.secretKey).toMatch(/^[0-9a-f]{64}$/);
    expect(session.token).toMatch(/^[0-9a-f]{64}$/);
    const stored = await t.db.selectFrom('sessions').selectAll().execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).not.toBe(session.token);
    expect(JSON.stringify(stored)).not.toContain(session.token);
  });

  it('keeps the account on later logins and follows renames and group changes', async () => {
    const first = await t.client().login('alice@example.com', 'alice-pw');
    const second = await t.client().login('ALICE@example.com', 'alice-pw');
    expect(second.user.id).toBe(first.user.id);
    expect(second.privateKey).toBe(first.privateKey);

    directory.users.delete('alice@example.com');
    directory.add({
      ...ALICE,
      login: 'alice.smith',
      email: 'alice.smith@example.com',
      groups: [{ dn: 'CN=Admins,OU=Groups,DC=example,DC=com', name: 'admins' }],
    });
    const renamed = await t.client().login('alice.smith@example.com', 'alice-pw');
    expect(renamed.user.id).toBe(first.user.id);
    expect(renamed.user.username).toBe('alice.smith@example.com');
    const profile = await renamed.call<{ username: string; email: string; groups: unknown[] }>(
      'GET',
      '/user/',
    );
    expect(profile.username).toBe('alice.smith@example.com');
    expect(profile.email).toBe('alice.smith@example.com');
    expect(profile.groups).toEqual([{ dn: 'CN=Admins,OU=Groups,DC=example,DC=com', name: 'admins' }]);
    expect(await t.db.selectFrom('users').select('id').execute()).toHaveLength(1);
  });

  it('answers every refusal with the same code and body', async () => {
    const payloads = [
      { username: 'nobody@example.com', password: 'x' },
      { username: 'alice@example.com', password: 'wrong' },
      { username: 'alice@example.com', password: '' },
      { username: 'alice@example.com', password: '   ' },
      { username: 'alice@example.com' },
      { username: 'alice@elsewhere.org', password: 'alice-pw' },
      { username: 'carol@example.com', password: 'carol-pw' },
      { username: 'dave@example.com', password: 'dave-pw' },
    ];
    for (const [index, payload] of payloads.entries()) {
      const response = await rawLogin(payload, `198.51.100.${index}`);
      expect(response.status, JSON.stringify(payload)).toBe(400);
      expect(await response.text()).toBe('{"non_field_errors":["USERNAME_OR_PASSWORD_WRONG"]}');
    }
    // Empty passwords and unknown domains never reach the directory.
    expect(directory.authenticateCalls).toBe(4);
    // Audit events are written after the reply: give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const logged = (await t.db.selectFrom('audit_events').select('reason').execute()).map(
      (row) => row.reason,
    );
    expect(logged).toHaveLength(payloads.length);
    expect(logged).toEqual(
      expect.arrayContaining([
        'INVALID_CREDENTIALS: user-not-found',
        'INVALID_CREDENTIALS: wrong-password',
        'EMPTY_PASSWORD',
        'UNKNOWN_DOMAIN',
        'NOT_PERMITTED: required-group',
        'ACCOUNT_RESTRICTED: account-disabled',
      ]),
    );
  });

  it('makes every refusal take at least the refusal floor', async () => {
    await t.close();
    t = await createTestApp({ directory, refusalFloorMs: 120 });
    for (const payload of [
      { username: 'nobody@example.com', password: 'x' },
      { username: 'alice@example.com', password: 'wrong' },
      { username: 'alice@example.com', password: '' },
    ]) {
      const started = performance.now();
      const response = await rawLogin(payload);
      expect(response.status).toBe(400);
      expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    }
  });

  it('refuses a malformed body and login info that does not decrypt', async () => {
    const bad = await postJson('/authentication/login/', { login_info: 'zz' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ non_field_errors: ['INVALID_REQUEST'] });

    const keys = sodiumCrypto.generateX25519KeyPair();
    const wrongKey = sodiumCrypto.boxSeal('{}', keys.publicKey, keys.privateKey);
    const undecryptable = await postJson('/authentication/login/', {
      login_info: wrongKey.text,
      login_info_nonce: wrongKey.nonce,
      public_key: toHex(keys.publicKey),
    });
    expect(await undecryptable.json()).toEqual({ non_field_errors: ['LOGIN_INFO_CANNOT_BE_DECRYPTED'] });
    const notJson = await rawLogin('not json');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ non_field_errors: ['LOGIN_INFO_CANNOT_BE_DECRYPTED'] });
  });

  it('refuses LDAP logins when LDAP is not an authentication method', async () => {
    await t.close();
    t = await createTestApp({ directory, settings: { AUTHENTICATION_METHODS: ['AUTHKEY'] } });
    await expectError(
      t.client().login('alice@example.com', 'alice-pw'),
      400,
      'AUTHENTICATION_METHOD_NOT_ALLOWED',
    );
  });

  it('answers 503 when the directory is unavailable, without counting a failure', async () => {
    directory.unavailable = true;
    await expectError(t.client().login('alice@example.com', 'alice-pw'), 503, 'DIRECTORY_UNAVAILABLE');
    // The attempt was reserved before the directory was asked, and given back when it could not answer.
    expect(
      await t.db.selectFrom('login_throttle').select('failures').where('failures', '>', 0).execute(),
    ).toEqual([]);
  });

  it('answers 500 INTERNAL_ERROR for a bug, without details', async () => {
    directory.authenticate = async () => {
      throw new TypeError('boom');
    };
    const response = await rawLogin({ username: 'alice@example.com', password: 'alice-pw' });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ non_field_errors: ['INTERNAL_ERROR'] });
  });

  it('clamps the session duration to the configured bounds', async () => {
    const short = await t.client().login('alice@example.com', 'alice-pw', { sessionDuration: 1 });
    expect(Date.parse(short.validTill) - clock).toBe(60_000);
    const long = await t.client().login('alice@example.com', 'alice-pw', { sessionDuration: 10 ** 9 });
    expect(Date.parse(long.validTill) - clock).toBe(t.settings.MAX_WEB_TOKEN_TIME_VALID * 1000);
    const standard = await t.client().login('alice@example.com', 'alice-pw');
    expect(Date.parse(standard.validTill) - clock).toBe(t.settings.DEFAULT_TOKEN_TIME_VALID * 1000);
  });
});

describe('login throttling', () => {
  it('refuses a username after too many failures without asking the directory, until the window ends', async () => {
    const limit = t.settings.LOGIN_THROTTLE_USERNAME_FAILURES;
    for (let attempt = 0; attempt < limit; attempt++) {
      const response = await rawLogin(
        { username: 'alice@example.com', password: 'wrong' },
        `203.0.113.${attempt}`,
      );
      expect(response.status).toBe(400);
    }
    const calls = directory.authenticateCalls;
    const throttled = await expectError(
      t.client().login('alice@example.com', 'alice-pw'),
      429,
      'TOO_MANY_LOGIN_ATTEMPTS',
    );
    expect(Number(throttled.retryAfterSeconds)).toBeGreaterThan(0);
    expect(Number(throttled.retryAfterSeconds)).toBeLessThanOrEqual(t.settings.LOGIN_THROTTLE_WINDOW);
    expect(directory.authenticateCalls).toBe(calls);
    // Other users are not affected.
    await t.client().login('bob@example.com', 'bob-pw');

    clock += t.settings.LOGIN_THROTTLE_WINDOW * 1000 + 1;
    await t.client().login('alice@example.com', 'alice-pw');
  });

  it('counts one username however it is spelled', async () => {
    await t.close();
    t = await createTestApp({ directory, settings: { LOGIN_THROTTLE_USERNAME_FAILURES: 2 } });
    expect((await rawLogin({ username: 'alice', password: 'x' }, '198.51.100.1')).status).toBe(400);
    expect((await rawLogin({ username: ' ALICE@Example.com ', password: 'x' }, '198.51.100.2')).status).toBe(
      400,
    );
    await expectError(t.client().login('alice@example.com', 'alice-pw'), 429, 'TOO_MANY_LOGIN_ATTEMPTS');
    // Spellings the directory matches to the same entry (RFC 4518: full-width forms, spaces).
    const calls = directory.authenticateCalls;
    for (const [index, spelling] of [
      'ａｌｉｃｅ@example.com',
      'alice @example.com',
      ' alice  @ example.com',
    ].entries()) {
      expect((await rawLogin({ username: spelling, password: 'x' }, `198.51.100.${10 + index}`)).status).toBe(
        429,
      );
    }
    expect(directory.authenticateCalls).toBe(calls);
  });

  it('refuses a client address after too many failures across usernames', async () => {
    await t.close();
    t = await createTestApp({
      directory,
      now: () => clock,
      settings: { LOGIN_THROTTLE_ADDRESS_FAILURES: 3 },
    });
    for (const name of ['a', 'b', 'c']) {
      expect(
        (await rawLogin({ username: `${name}@example.com`, password: 'x' }, '198.51.100.7')).status,
      ).toBe(400);
    }
    const response = await rawLogin({ username: 'bob@example.com', password: 'bob-pw' }, '198.51.100.7');
    expect(response.status).toBe(429);
    expect(response.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect((await rawLogin({ username: 'bob@example.com', password: 'bob-pw' }, '198.51.100.8')).status).toBe(
      200,
    );
  });

  it('believes X-Forwarded-For only from trusted proxies', async () => {
    await t.close();
    t = await createTestApp({
      directory,
      settings: { LOGIN_THROTTLE_ADDRESS_FAILURES: 2, TRUSTED_PROXIES: ['10.0.0.0/8'] },
    });
    const viaProxy = async (forwarded: string, peer: string) => {
      const info = await t.client().info();
      const keys = sodiumCrypto.generateX25519KeyPair();
      const box = sodiumCrypto.boxSeal(
        JSON.stringify({
          username: `u${Math.random()}@example.com`,
          password: 'x',
          device_time: new Date().toISOString(),
        }),
        fromHex(info.public_key),
        keys.privateKey,
      );
      return postJson(
        '/authentication/login/',
        { login_info: box.text, login_info_nonce: box.nonce, public_key: toHex(keys.publicKey) },
        { 'X-Forwarded-For': forwarded },
        peer,
      );
    };
    // Through the trusted proxy, two clients are told apart by X-Forwarded-For.
    expect((await viaProxy('203.0.113.1', '10.1.1.1')).status).toBe(400);
    expect((await viaProxy('203.0.113.1', '10.1.1.1')).status).toBe(400);
    expect((await viaProxy('203.0.113.1', '10.1.1.1')).status).toBe(429);
    expect((await viaProxy('203.0.113.2, 10.2.2.2', '10.1.1.1')).status).toBe(400);
    // An untrusted peer cannot escape its own counter by inventing X-Forwarded-For.
    expect((await viaProxy('203.0.113.50', '192.0.2.99')).status).toBe(400);
    expect((await viaProxy('203.0.113.51', '192.0.2.99')).status).toBe(400);
    expect((await viaProxy('203.0.113.52', '192.0.2.99')).status).toBe(429);
  });

  it('accepts each login request once: a replay is refused, opens no session and resets no counter', async () => {
    const sessions = async () => (await t.db.selectFrom('sessions').select('id').execute()).length;
    const captured = await loginBody({ username: 'alice@example.com', password: 'alice-pw' });
    const first = await postJson('/authentication/login/', captured, {}, '198.51.100.40');
    expect(first.status).toBe(200);
    expect(await sessions()).toBe(1);
    for (const peer of ['198.51.100.40', '198.51.100.41']) {
      const replay = await postJson('/authentication/login/', captured, {}, peer);
      expect(replay.status).toBe(400);
      expect(await replay.json()).toEqual({ non_field_errors: ['LOGIN_REQUEST_REPLAYED'] });
    }
    expect(await sessions()).toBe(1);

    // 12 wrong guesses, each followed by a replay of the captured success: the replays reset
    // nothing, so the sixth guess is throttled.
    const limit = t.settings.LOGIN_THROTTLE_USERNAME_FAILURES;
    const statuses: number[] = [];
    for (let guess = 0; guess < 12; guess++) {
      statuses.push(
        (
          await rawLogin(
            { username: 'alice@example.com', password: `guess-${guess}` },
            `198.51.100.${50 + guess}`,
          )
        ).status,
      );
      expect((await postJson('/authentication/login/', captured, {}, '198.51.100.99')).status).toBe(400);
    }
    console.log(`replays: guesses ${statuses.length}, limit ${limit}, statuses ${statuses.join(' ')}`);
    expect(statuses).toEqual([...Array(limit).fill(400), ...Array(12 - limit).fill(429)]);
    expect(await sessions()).toBe(1);
  });

  it('refuses a login request without a device_time or too far from the server clock', async () => {
    const now = new Date(clock);
    for (const deviceTime of [undefined, 'yesterday', new Date(clock - 3_600_000).toISOString()]) {
      const response = await rawLogin({
        username: 'alice@example.com',
        password: 'alice-pw',
        device_time: deviceTime,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ non_field_errors: ['LOGIN_REQUEST_EXPIRED'] });
    }
    expect(
      (await rawLogin({ username: 'alice@example.com', password: 'alice-pw', device_time: now })).status,
    ).toBe(200);
  });
});

describe('POST /authentication/activate-token/', () => {
  it('refuses a wrong validator with an encrypted VERIFICATION_FAILED', async () => {
    const session = await t.client().login('alice@example.com', 'alice-pw', { skipActivation: true });
    const wrong = sodiumCrypto.secretboxSeal('f'.repeat(64), session.sessionSecret);
    await expectError(
      session.call('POST', '/authentication/activate-token/', {
        verification: wrong.text,
        verification_nonce: wrong.nonce,
      }),
      400,
      'VERIFICATION_FAILED',
    );
    const raw = await t.request('/authentication/activate-token/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...session.headers() },
      body: JSON.stringify(
        sodiumCrypto.secretboxSeal(
          JSON.stringify({ verification: wrong.text, verification_nonce: wrong.nonce }),
          session.sessionSecret,
        ),
      ),
    });
    const envelope = (await raw.json()) as Encrypted;
    expect(Object.keys(envelope).sort()).toEqual(['nonce', 'text']);
    expect(JSON.parse(sodiumCrypto.secretboxOpen(envelope, session.sessionSecret))).toEqual({
      non_field_errors: ['VERIFICATION_FAILED'],
    });
  });

  it('refuses a body that does not decrypt, and a second activation', async () => {
    const session = await t.client().login('alice@example.com', 'alice-pw', { skipActivation: true });
    const foreign = sodiumCrypto.secretboxSeal('{}', new Uint8Array(32));
    const response = await t.request('/authentication/activate-token/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...session.headers() },
      body: JSON.stringify(foreign),
    });
    expect(response.status).toBe(400);
    expect(
      JSON.parse(sodiumCrypto.secretboxOpen((await response.json()) as Encrypted, session.sessionSecret)),
    ).toEqual({
      non_field_errors: ['REQUEST_CANNOT_BE_DECRYPTED'],
    });
    const notEnvelope = await t.request('/authentication/activate-token/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...session.headers() },
      body: JSON.stringify({ verification: 'x' }),
    });
    expect(
      JSON.parse(sodiumCrypto.secretboxOpen((await notEnvelope.json()) as Encrypted, session.sessionSecret)),
    ).toEqual({
      non_field_errors: ['INVALID_REQUEST'],
    });

    const active = await t.client().login('alice@example.com', 'alice-pw');
    await expectError(
      active.call('POST', '/authentication/activate-token/', {
        verification: 'a'.repeat(64),
        verification_nonce: 'b'.repeat(48),
      }),
      401,
      'TOKEN_ALREADY_ACTIVATED',
    );
  });

  it('keeps an unactivated token away from every other endpoint', async () => {
    const session = await t.client().login('alice@example.com', 'alice-pw', { skipActivation: true });
    await expectError(session.call('GET', '/user/'), 401, 'TOKEN_NOT_ACTIVATED');
    await expectError(session.call('GET', '/authentication/sessions/'), 401, 'TOKEN_NOT_ACTIVATED');
    // ... except logout, so an abandoned login can be ended.
    expect(await session.logout()).toEqual({});
    await expectError(session.call('GET', '/user/'), 401, 'TOKEN_INVALID');
  });
});

describe('authenticated calls', () => {
  it('encrypts replies and returns the profile with groups and session expiry', async () => {
    const session = await t.client().login('alice@example.com', 'alice-pw');
    const raw = await t.request('/user/', { headers: session.headers() });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('Cache-Control')).toBe('no-store');
    const profile = JSON.parse(
      sodiumCrypto.secretboxOpen((await raw.json()) as Encrypted, session.sessionSecret),
    );
    expect(profile).toMatchObject({
      id: session.user.id,
      username: 'alice@example.com',
      domain: 'example.com',
      authentication: 'LDAP',
      groups: ALICE.groups,
      session_valid_till: session.validTill,
    });
  });

  it('refuses missing, unknown, expired and logged-out tokens', async () => {
    const session = await t.client().login('alice@example.com', 'alice-pw');
    expect(await (await t.request('/user/')).json()).toEqual({ non_field_errors: ['TOKEN_INVALID'] });
    const unknown = { ...session.headers(), Authorization: `Token ${'0'.repeat(64)}` };
    const response = await t.request('/user/', { headers: unknown });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ non_field_errors: ['TOKEN_INVALID'] });

    clock += t.settings.DEFAULT_TOKEN_TIME_VALID * 1000;
    await expectError(session.call('GET', '/user/'), 401, 'SESSION_EXPIRED');
  });

  it('checks the Authorization-Validator: presence, time window and device fingerprint', async () => {
    const session = await t.client().login('alice@example.com', 'alice-pw');
    const { 'Authorization-Validator': _validator, ...tokenOnly } = session.headers();
    const statusOf = async (headers: Record<string, string>) => {
      const response = await t.request('/user/', { headers });
      return [
        response.status,
        ((await response.json()) as { non_field_errors?: string[] }).non_field_errors?.[0],
      ];
    };
    expect(await statusOf(tokenOnly)).toEqual([401, 'AUTHORIZATION_VALIDATOR_INVALID']);
    expect(await statusOf({ ...tokenOnly, 'Authorization-Validator': 'garbage' })).toEqual([
      401,
      'AUTHORIZATION_VALIDATOR_INVALID',
    ]);
    expect(await statusOf(session.headers(new Date(Date.now() - 11 * 60 * 1000)))).toEqual([
      401,
      'AUTHORIZATION_VALIDATOR_INVALID',
    ]);
    const otherDevice = sodiumCrypto.secretboxSeal(
      JSON.stringify({
        request_time: new Date().toISOString(),
        request_device_fingerprint: 'another-device',
      }),
      session.sessionSecret,
    );
    expect(await statusOf({ ...tokenOnly, 'Authorization-Validator': JSON.stringify(otherDevice) })).toEqual([
      401,
      'AUTHORIZATION_VALIDATOR_INVALID',
    ]);
    expect((await t.request('/user/', { headers: session.headers() })).status).toBe(200);
  });

  it('lists sessions and logs out the current one or another one', async () => {
    const laptop = await t.client().login('alice@example.com', 'alice-pw', { deviceDescription: 'laptop' });
    const phone = await t.client().login('alice@example.com', 'alice-pw', {
      deviceDescription: 'phone',
      deviceFingerprint: 'phone-1',
    });
    clock += 1000;
    const listed = await laptop.call<{
      sessions: { id: string; device_description: string; current_session: boolean }[];
    }>('GET', '/authentication/sessions/');
    expect(listed.sessions.map((s) => [s.device_description, s.current_session]).sort()).toEqual([
      ['laptop', true],
      ['phone', false],
    ]);
    const phoneId = listed.sessions.find((s) => s.device_description === 'phone')!.id;
    expect(await laptop.logout(phoneId)).toEqual({});
    await expectError(phone.call('GET', '/user/'), 401, 'TOKEN_INVALID');
    await expectError(laptop.logout('00000000-0000-4000-8000-000000000000'), 400, 'SESSION_NOT_FOUND');
    await laptop.logout();
    await expectError(laptop.call('GET', '/user/'), 401, 'TOKEN_INVALID');
  });
});

describe('PUT /user/update/ and the previous-password path', () => {
  it('in noone mode, re-encrypts the keys under the new directory password; nothing is lost', async () => {
    await t.close();
    t = await createTestApp({
      directory,
      now: () => clock,
      settings: { COMPLIANCE_SERVER_SECRETS: 'noone' },
    });
    const first = await t.client().login('alice@example.com', 'alice-pw');
    directory.users.get('alice@example.com')!.password = 'alice-new';

    await expect(t.client().login('alice@example.com', 'alice-new')).rejects.toBeInstanceOf(KeysLockedError);
    await expect(
      t.client().login('alice@example.com', 'alice-new', { previousPassword: 'not-it' }),
    ).rejects.toBeInstanceOf(KeysLockedError);
    const changed = await t
      .client()
      .login('alice@example.com', 'alice-new', { previousPassword: 'alice-pw' });
    expect(changed.keysReencrypted).toBe(true);
    expect(changed.privateKey).toBe(first.privateKey);
    expect(changed.secretKey).toBe(first.secretKey);

    const later = await t.client().login('alice@example.com', 'alice-new');
    expect(later.keysReencrypted).toBe(false);
    expect(later.privateKey).toBe(first.privateKey);
    expect(later.secretKey).toBe(first.secretKey);
  });

  it('validates the body strictly', async () => {
    const session = await t.client().login('alice@example.com', 'alice-pw');
    const good = {
      private_key: 'a'.repeat(160),
      private_key_nonce: 'b'.repeat(48),
      secret_key: 'c'.repeat(160),
      secret_key_nonce: 'd'.repeat(48),
      user_sauce: 'e'.repeat(64),
    };
    for (const body of [
      { ...good, private_key: 'a'.repeat(158) },
      { ...good, secret_key: undefined },
      { user_sauce: good.user_sauce },
      { ...good, email: 'mallory@example.com' },
      { ...good, is_admin: true },
      { ...good, hashing_parameters: { u: 10, r: 8, p: 1, l: 64 } },
    ]) {
      await expectError(session.call('PUT', '/user/update/', body), 400, 'INVALID_REQUEST');
    }
    expect(
      await session.call('PUT', '/user/update/', {
        ...good,
        email: null,
        authkey: null,
        hashing_algorithm: 'scrypt',
        hashing_parameters: { u: 14, r: 8, p: 1, l: 64 },
      }),
    ).toEqual({});
  });
});

describe('HTTP hygiene', () => {
  it('answers unknown paths with NOT_FOUND and big bodies with REQUEST_TOO_LARGE', async () => {
    const missing = await t.request('/nothing/here/');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ non_field_errors: ['NOT_FOUND'] });
    const big = await t.request('/authentication/login/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(200_000) },
      body: JSON.stringify({ login_info: 'a'.repeat(199_980) }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ non_field_errors: ['REQUEST_TOO_LARGE'] });
    const unauthenticated = await t.request('/user/');
    expect(unauthenticated.status).toBe(401);
    const badJson = await t.request('/authentication/login/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{',
    });
    expect(badJson.status).toBe(400);
    // The API's replies, errors included, carry the security headers (see security-headers.ts).
    for (const response of [missing, big, unauthenticated, badJson]) {
      expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(response.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('Cache-Control')).toBe('no-store');
    }
  });

  it('accepts paths without the trailing slash and sets security headers', async () => {
    const response = await t.request('/info');
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('X-Frame-Options')).toBe('SAMEORIGIN');
    expect(response.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
    // Plain http: no Strict-Transport-Security (see the HSTS tests below).
    expect(response.headers.get('Strict-Transport-Security')).toBeNull();
  });

  it('refuses a body that is not declared as JSON with 415 UNSUPPORTED_MEDIA_TYPE, before the route', async () => {
    const body = JSON.stringify({ username: 'alice@example.com' });
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json-patch+json',
    ]) {
      const response = await t.request('/authentication/prelogin/', {
        method: 'POST',
        headers: { 'Content-Type': contentType },
        body,
      });
      expect([contentType, response.status, await response.json()]).toEqual([
        contentType,
        415,
        { non_field_errors: ['UNSUPPORTED_MEDIA_TYPE'] },
      ]);
    }
    const json = await t.request('/authentication/prelogin/', {
      method: 'POST',
      headers: { 'Content-Type': 'Application/JSON; charset=utf-8' },
      body,
    });
    expect(json.status).toBe(200);
  });
});

describe('Strict-Transport-Security', () => {
  const PROXY = '10.9.9.9';

  it('is sent only over https: through a trusted proxy saying X-Forwarded-Proto: https', async () => {
    const proxied = await createTestApp({ directory, settings: { TRUSTED_PROXIES: [PROXY] } });
    try {
      const https = await proxied.request('/info/', { headers: { 'X-Forwarded-Proto': 'https' } }, PROXY);
      expect(https.headers.get('Strict-Transport-Security')).toBe('max-age=15552000');
      const http = await proxied.request('/info/', { headers: { 'X-Forwarded-Proto': 'http' } }, PROXY);
      expect(http.headers.get('Strict-Transport-Security')).toBeNull();
      const forged = await proxied.request(
        '/info/',
        { headers: { 'X-Forwarded-Proto': 'https' } },
        '198.51.100.7',
      );
      expect(forged.headers.get('Strict-Transport-Security')).toBeNull();
      // Errors carry it too.
      const missing = await proxied.request(
        '/no/such/',
        { headers: { 'X-Forwarded-Proto': 'https' } },
        PROXY,
      );
      expect([missing.status, missing.headers.get('Strict-Transport-Security')]).toEqual([
        404,
        'max-age=15552000',
      ]);
    } finally {
      await proxied.close();
    }
  });

  it('is sent on a TLS socket, whoever the peer is', async () => {
    const tls = await t.app.request('/server/info/', {}, {
      incoming: { socket: { remoteAddress: '198.51.100.7', encrypted: true } },
    } as never);
    expect(tls.headers.get('Strict-Transport-Security')).toBe('max-age=15552000');
  });

  it('follows HSTS_MAX_AGE and HSTS_INCLUDE_SUBDOMAINS, and is off with 0', async () => {
    for (const [settings, expected] of [
      [{ HSTS_MAX_AGE: 31_536_000, HSTS_INCLUDE_SUBDOMAINS: true }, 'max-age=31536000; includeSubDomains'],
      [{ HSTS_MAX_AGE: 0, HSTS_INCLUDE_SUBDOMAINS: true }, null],
    ] as const) {
      const app = await createTestApp({ directory, settings: { ...settings, TRUSTED_PROXIES: [PROXY] } });
      try {
        const reply = await app.request('/info/', { headers: { 'X-Forwarded-Proto': 'https' } }, PROXY);
        expect(reply.headers.get('Strict-Transport-Security')).toBe(expected);
      } finally {
        await app.close();
      }
    }
  });
});

describe('combined mode', () => {
  it('serves the web client with SPA fallback, cache headers and a configurable config.json', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ldap-login-web-'));
    try {
      mkdirSync(join(root, 'assets'));
      writeFileSync(join(root, 'index.html'), '<!doctype html><title>login</title>');
      writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
      writeFileSync(join(root, 'config.json'), '{"from":"root"}');
      writeFileSync(join(root, '..', `${root.split('/').pop()}-secret.txt`), 'secret');
      const override = join(root, 'mounted-config.json');
      writeFileSync(override, '{"from":"mount"}');
      const app = createApp({
        settings: t.settings,
        db: t.db,
        directory,
        web: { root, configJson: override },
      });
      const index = await app.request('/');
      expect(await index.text()).toContain('<title>login</title>');
      expect(index.headers.get('Cache-Control')).toBe('no-cache');
      const route = await app.request('/account/sessions', { headers: { Accept: 'text/html' } });
      expect(route.headers.get('Content-Type')).toContain('text/html');
      expect((await app.request('/account/sessions')).status).toBe(404);
      const asset = await app.request('/assets/index-abc123.js');
      expect(asset.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('Content-Type')).toContain('javascript');
      expect((await app.request('/assets/missing.js')).status).toBe(404);
      expect(await (await app.request('/config.json')).json()).toEqual({ from: 'mount' });
      expect((await app.request('/..%2f..%2fetc/passwd')).status).toBe(404);
      expect((await app.request(`/../${root.split('/').pop()}-secret.txt`)).status).not.toBe(200);
      expect((await app.request('/server/info/')).status).toBe(200);
      rmSync(join(root, '..', `${root.split('/').pop()}-secret.txt`));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('logs', () => {
  it('say why a login was refused and never carry passwords, tokens or secrets', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    await t.close();
    t = await createTestApp({ directory, logger });
    const session = await t.client().login('alice@example.com', 'alice-pw');
    await session.call('GET', '/user/');
    await expect(t.client().login('alice@example.com', 'secret-guess-1')).rejects.toBeInstanceOf(ApiError);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const output = lines.join('');
    expect(output).toContain('INVALID_CREDENTIALS: wrong-password');
    expect(output).toContain('"outcome":"success"');
    for (const secret of [
      'alice-pw',
      'secret-guess-1',
      session.token,
      toHex(session.sessionSecret),
      session.privateKey,
    ]) {
      expect(output).not.toContain(secret);
    }
  });
});
