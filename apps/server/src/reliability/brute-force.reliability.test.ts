/**
 * Brute force: failed logins are throttled per username and per client address before the
 * directory is asked, so that guessing cannot reach the directory (nor trip its own lockout
 * policy) past the threshold; slapd's log counts the binds. Other users and addresses go on.
 */
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolClient } from '../test-support/protocol-client.ts';
import { DeviceTokens, deviceCookieName } from '../throttle/device-token.ts';
import { type Attempt, attemptLogin } from './test-support/attempts.ts';
import { countBinds, SlapdLog, searches } from './test-support/directory.ts';
import { type DirectoryApp, directoryApp } from './test-support/directory-app.ts';
import {
  expectNoSecretsInLogs,
  skipGate,
  startDirectoryWithSecrets,
  suiteRecorders,
} from './test-support/suite.ts';

const { figures, logs, secrets } = suiteRecorders('brute-force');
let directory: TestDirectory;
let slapdLog: SlapdLog;
const skip = skipGate();
const apps: DirectoryApp[] = [];

/** The production defaults: 5 failures per username, 20 per address, in 300 s. */
const USERNAME_LIMIT = 5;
const ADDRESS_LIMIT = 20;
const PROXY = '192.0.2.1';

let clock = Date.now();
let subject: DirectoryApp;

beforeAll(async () => {
  const started = await startDirectoryWithSecrets('brute force', secrets);
  if ('skip' in started) return skip.because(started.skip);
  directory = started.directory;
  slapdLog = new SlapdLog(directory);
  subject = await appWith({});
}, 180_000);

afterAll(async () => {
  for (const app of apps) await app.close();
  await directory?.stop();
  figures.publish();
});

async function appWith(settings: NonNullable<Parameters<typeof directoryApp>[2]>['settings']) {
  const app = await directoryApp(directory.ldapEntry(), logs, {
    now: () => clock,
    settings: {
      LOGIN_THROTTLE_USERNAME_FAILURES: USERNAME_LIMIT,
      LOGIN_THROTTLE_ADDRESS_FAILURES: ADDRESS_LIMIT,
      LOGIN_THROTTLE_WINDOW: 300,
      TRUSTED_PROXIES: [PROXY],
      ...settings,
    },
  });
  secrets.add('server key', app.app.settings.PRIVATE_KEY, app.app.settings.SECRET_KEY);
  apps.push(app);
  return app;
}

/** A client whose requests come from `peer` (the TCP peer), optionally with X-Forwarded-For. */
function clientFrom(app: DirectoryApp, peer: string, forwardedFor?: () => string): ProtocolClient {
  return new ProtocolClient((path, init) => {
    const headers = new Headers(init.headers);
    if (forwardedFor) headers.set('X-Forwarded-For', forwardedFor());
    return app.app.request(path, { ...init, headers }, peer);
  });
}

const name = (key: string) => `${directory.users[key]!.login}@${directory.domain}`;
const dnOf = (key: string) => directory.users[key]!.dn;

function countLockout(attempts: Attempt[]): void {
  if (attempts.some((attempt) => attempt.status === 429)) figures.add('lockouts', 1);
  figures.add('cases', attempts.length);
}

describe('throttling failed logins', () => {
  it('locks a username after K failures, from any address, before the directory is asked', async () => {
    await slapdLog.mark();
    const guesses: Attempt[] = [];
    for (let index = 0; index < USERNAME_LIMIT; index++) {
      guesses.push(await attemptLogin(clientFrom(subject, '198.51.100.1'), name('alice'), `guess-${index}`));
    }
    const bindsBefore = countBinds(await slapdLog.since(), dnOf('alice'));
    await slapdLog.mark();
    const blocked: Attempt[] = [];
    for (let index = 0; index < 10; index++) {
      // Other addresses, and even the right password: the username is locked.
      const password = index % 2 === 0 ? `guess-more-${index}` : directory.users.alice!.password;
      blocked.push(
        await attemptLogin(clientFrom(subject, `198.51.100.${10 + index}`), name('alice'), password),
      );
    }
    const bindsAfter = countBinds(await slapdLog.since(), dnOf('alice'));

    expect(guesses.map((attempt) => attempt.code)).toEqual(guesses.map(() => 'USERNAME_OR_PASSWORD_WRONG'));
    expect(bindsBefore).toBe(USERNAME_LIMIT);
    expect(blocked.map((attempt) => attempt.status)).toEqual(blocked.map(() => 429));
    expect(blocked.every((attempt) => attempt.code === 'TOO_MANY_LOGIN_ATTEMPTS')).toBe(true);
    expect(blocked.every((attempt) => Number(attempt.retryAfterSeconds) > 0)).toBe(true);
    expect(bindsAfter).toBe(0);

    // Other users, even from the guessing address, are unaffected.
    const bob = await attemptLogin(
      clientFrom(subject, '198.51.100.1'),
      name('bob'),
      directory.users.bob!.password,
    );
    expect(bob.status).toBe(200);

    countLockout([...guesses, ...blocked]);
    figures.set('username: binds before the lockout', bindsBefore);
    figures.set('username: attempts refused after it', blocked.length);
    figures.set('username: binds after it (must be 0)', bindsAfter);
  });

  it('locks an address after K failures over many usernames; other addresses go on', async () => {
    const attacker = clientFrom(subject, '203.0.113.7');
    const targets = ['carol', 'dave', 'zoe', 'nomail', 'jsmith', 'mueller'];
    const guesses: Attempt[] = [];
    await slapdLog.mark();
    for (let index = 0; index < ADDRESS_LIMIT; index++) {
      // Spread out, so that no username reaches its own limit: only the address can stop this.
      const user =
        index % 2 === 0 ? `nobody-${index}@${directory.domain}` : name(targets[index % targets.length]!);
      guesses.push(await attemptLogin(attacker, user, `guess-${index}`));
    }
    const bindsBefore = targets.reduce((sum, key) => sum + countBinds([], dnOf(key)), 0);
    await slapdLog.mark();
    const blocked: Attempt[] = [];
    for (const key of ['bob', 'carol', 'dave', 'zoe']) {
      blocked.push(await attemptLogin(attacker, name(key), directory.users[key]!.password));
    }
    const lines = await slapdLog.since();
    const bindsAfter = ['bob', 'carol', 'dave', 'zoe'].reduce(
      (sum, key) => sum + countBinds(lines, dnOf(key)),
      0,
    );
    const elsewhere = await attemptLogin(
      clientFrom(subject, '203.0.113.8'),
      name('carol'),
      directory.users.carol!.password,
    );

    expect(guesses.every((attempt) => attempt.code === 'USERNAME_OR_PASSWORD_WRONG')).toBe(true);
    expect(bindsBefore).toBe(0);
    expect(blocked.map((attempt) => attempt.status)).toEqual([429, 429, 429, 429]);
    expect(bindsAfter).toBe(0);
    expect(elsewhere.status).toBe(200);

    countLockout([...guesses, ...blocked]);
    figures.set('address: attempts refused after the lockout', blocked.length);
    figures.set('address: binds after it (must be 0)', bindsAfter);
  });

  it('ignores X-Forwarded-For from untrusted peers, and counts each client behind a trusted proxy', async () => {
    let forwarded = 0;
    const spoofing = clientFrom(
      subject,
      '203.0.113.20',
      () => `10.9.${Math.floor(forwarded / 250)}.${forwarded++ % 250}`,
    );
    const spoofed: Attempt[] = [];
    for (let index = 0; index < ADDRESS_LIMIT + 3; index++) {
      spoofed.push(await attemptLogin(spoofing, `nobody-${index}@${directory.domain}`, 'guess'));
    }
    expect(spoofed.slice(ADDRESS_LIMIT).map((attempt) => attempt.status)).toEqual([429, 429, 429]);

    // Behind the trusted proxy, one client locks itself out and the next client is unaffected.
    const first = clientFrom(subject, PROXY, () => '198.18.0.1');
    const firstAttempts: Attempt[] = [];
    for (let index = 0; index < ADDRESS_LIMIT + 1; index++) {
      firstAttempts.push(await attemptLogin(first, `someone-${index}@${directory.domain}`, 'guess'));
    }
    const second = await attemptLogin(
      clientFrom(subject, PROXY, () => '198.18.0.2'),
      name('dave'),
      directory.users.dave!.password,
    );
    expect(firstAttempts.at(-1)!.status).toBe(429);
    expect(second.status).toBe(200);

    countLockout(spoofed);
    countLockout(firstAttempts);
    figures.set('spoofed X-Forwarded-For: refused after the limit', 3);
  });

  it('cannot be bypassed by spelling the locked username differently', async () => {
    const app = await appWith({});
    const from = (index: number) => clientFrom(app, `198.51.100.${100 + index}`);
    for (let index = 0; index < USERNAME_LIMIT; index++) {
      await attemptLogin(from(index), name('bob'), `guess-${index}`);
    }
    // Spellings the directory may resolve to the same entry (it ignores case, surrounding spaces
    // and, per RFC 4518, compatibility forms such as full-width letters; RFC 4518 also drops
    // zero-width and soft-hyphen characters, which a directory may or may not do).
    const variants = [
      `BOB@${directory.domain.toUpperCase()}`,
      'bob',
      ` bob@${directory.domain} `,
      `bob @${directory.domain}`,
      ` bob@${directory.domain}`.replace('bob', ' bob'),
      `ｂｏｂ@${directory.domain}`,
      `b\u200bob@${directory.domain}`,
      `bo\u00adb@${directory.domain}`,
      `bob\u00a0@${directory.domain}`,
      `ＢＯＢ@${directory.domain}`,
    ];
    await slapdLog.mark();
    const outcomes: { variant: string; status: number }[] = [];
    for (const [index, variant] of variants.entries()) {
      const attempt = await attemptLogin(from(20 + index), variant, `guess-variant-${index}`);
      outcomes.push({ variant: JSON.stringify(variant), status: attempt.status });
    }
    const bindsAfter = countBinds(await slapdLog.since(), dnOf('bob'));
    figures.set(
      'variants: statuses',
      outcomes.map((outcome) => `${outcome.variant}=${outcome.status}`).join(' '),
    );
    figures.set('variants: binds of the locked user (must be 0)', bindsAfter);
    figures.add('cases', variants.length + USERNAME_LIMIT);
    expect(
      bindsAfter,
      `binds of the locked user through other spellings (${figures.get('variants: statuses')})`,
    ).toBe(0);
  });

  it('lets the user in again once the window has passed', async () => {
    const app = await appWith({ LOGIN_THROTTLE_WINDOW: 60 });
    const client = clientFrom(app, '198.51.100.200');
    for (let index = 0; index < USERNAME_LIMIT; index++)
      await attemptLogin(client, name('carol'), `guess-${index}`);
    const locked = await attemptLogin(client, name('carol'), directory.users.carol!.password);
    clock += 61_000;
    const after = await attemptLogin(client, name('carol'), directory.users.carol!.password);
    expect(locked.status).toBe(429);
    expect(after.status).toBe(200);
    countLockout([locked, after]);
  });
});

describe('concurrent attempts', () => {
  it('lets at most K of 40 wrong passwords for one user sent together reach the directory', async () => {
    const app = await appWith({});
    await slapdLog.mark();
    const attempts = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        attemptLogin(clientFrom(app, `198.51.101.${index}`), name('mueller'), `burst-guess-${index}`),
      ),
    );
    const reached = countBinds(await slapdLog.since(), dnOf('mueller'));
    figures.set(
      'burst of 40 for one user: sent / binds reached / limit',
      `40 / ${reached} / ${USERNAME_LIMIT}`,
    );
    console.log(`burst for one user: sent 40, binds reached ${reached}, limit ${USERNAME_LIMIT}`);
    expect(reached).toBeLessThanOrEqual(USERNAME_LIMIT);
    expect(attempts.filter((attempt) => attempt.status === 400)).toHaveLength(reached);
    expect(attempts.filter((attempt) => attempt.status === 429)).toHaveLength(40 - reached);
    countLockout(attempts);
  }, 120_000);

  it('lets at most K of 200 attempts from one address sent together reach the directory', async () => {
    const app = await appWith({});
    const real = ['carol', 'dave', 'zoe', 'nomail', 'jsmith', 'alice', 'bob', 'mueller'];
    const usernames = Array.from({ length: 200 }, (_, index) =>
      index % 2 === 0 ? `flood-${index}@${directory.domain}` : name(real[index % real.length]!),
    );
    await slapdLog.mark();
    const attempts = await Promise.all(
      usernames.map((username, index) =>
        attemptLogin(clientFrom(app, '203.0.113.77'), username, `flood-guess-${index}`),
      ),
    );
    const lines = await slapdLog.since();
    const logins = new Set(
      usernames.map((username) => username.slice(0, username.indexOf('@')).toLowerCase()),
    );
    // Every attempt that reaches the directory starts with one search for the typed name.
    const searched = searches(lines).filter((search) =>
      [...logins].some((login) => search.filter.toLowerCase().includes(`=${login})`)),
    ).length;
    const binds = real.reduce((sum, key) => sum + countBinds(lines, dnOf(key)), 0);
    figures.set(
      'burst of 200 from one address: sent / searches / binds / limit',
      `200 / ${searched} / ${binds} / ${ADDRESS_LIMIT}`,
    );
    console.log(
      `burst from one address: sent 200, searches reached ${searched}, binds reached ${binds}, limit ${ADDRESS_LIMIT}`,
    );
    expect(searched).toBeGreaterThan(0);
    expect(searched).toBeLessThanOrEqual(ADDRESS_LIMIT);
    expect(binds).toBeLessThanOrEqual(ADDRESS_LIMIT);
    expect(attempts.filter((attempt) => attempt.status === 429).length).toBeGreaterThanOrEqual(
      200 - ADDRESS_LIMIT,
    );
    countLockout(attempts);
  }, 120_000);
});

/** A browser: a client from `peer` with a cookie jar (what a login's Set-Cookie leaves is sent back). */
function browserFrom(app: DirectoryApp, peer: string, extraHeaders: Record<string, string> = {}) {
  const jar = new Map<string, string>();
  const setCookies: string[] = [];
  const client = new ProtocolClient(async (path, init) => {
    const headers = new Headers(init.headers);
    for (const [key, value] of Object.entries(extraHeaders)) headers.set(key, value);
    if (jar.size > 0) headers.set('Cookie', [...jar].map(([key, value]) => `${key}=${value}`).join('; '));
    const response = await app.app.request(path, { ...init, headers }, peer);
    for (const line of response.headers.getSetCookie()) {
      setCookies.push(line);
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
      secrets.add('device token', pair!.slice(at + 1));
    }
    return response;
  });
  return { client, jar, setCookies };
}

/** The device limit of these tests (the production default). */
const DEVICE_LIMIT = 3;
const ATTACK = 12;

describe('device tokens: a stranger cannot lock a named user out', () => {
  it('keeps the username locked for unknown devices while a device that logged in before gets in', async () => {
    // The server's clock back at the client's (login requests carry their time, within 5 minutes).
    clock = Date.now();
    const app = await appWith({ LOGIN_THROTTLE_DEVICE_FAILURES: DEVICE_LIMIT, LOGIN_THROTTLE_WINDOW: 120 });
    const user = name('dave');
    const password = directory.users.dave!.password;
    const laptop = browserFrom(app, '203.0.113.5');
    const phone = browserFrom(app, '203.0.113.6');
    expect((await attemptLogin(laptop.client, user, password)).status).toBe(200);
    expect((await attemptLogin(phone.client, user, password)).status).toBe(200);
    const cookieName = deviceCookieName(user);
    expect(laptop.jar.has(cookieName)).toBe(true);
    const cookie = laptop.setCookies.find((line) => line.startsWith(`${cookieName}=`))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/server\/authentication\/login(;|$)/);
    expect(cookie, 'plain http: no Secure').not.toMatch(/; Secure/);

    // The stranger: wrong passwords from addresses of its own, until the username is locked.
    await slapdLog.mark();
    const attack: Attempt[] = [];
    for (let index = 0; index < ATTACK; index++) {
      attack.push(
        await attemptLogin(clientFrom(app, `198.51.100.${40 + (index % 4)}`), user, `guess-${index}`),
      );
    }
    const attackBinds = countBinds(await slapdLog.since(), dnOf('dave'));
    expect(attack.filter((attempt) => attempt.status === 429)).toHaveLength(ATTACK - USERNAME_LIMIT);
    expect(attackBinds).toBe(USERNAME_LIMIT);

    // Unknown devices, and tokens that are forged, expired or another user's: locked out, no bind.
    await slapdLog.mark();
    const bob = browserFrom(app, '203.0.113.7');
    expect((await attemptLogin(bob.client, name('bob'), directory.users.bob!.password)).status).toBe(200);
    const bobsToken = bob.jar.get(deviceCookieName(name('bob')))!;
    const genuine = laptop.jar.get(cookieName)!;
    const [version, id, expiry, mac] = genuine.split('.') as [string, string, string, string];
    const expired = new DeviceTokens(app.app.settings.SECRET_KEY!, 60, () => clock - 3_600_000).issue(
      user,
    ).token;
    const otherSecret = new DeviceTokens('f'.repeat(64), 3_600, () => clock).issue(user).token;
    const presented: Record<string, string | undefined> = {
      'no token (a new device)': undefined,
      'forged MAC': `${version}.${id}.${expiry}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`,
      'expiry pushed later': `${version}.${id}.${Number(expiry) + 86_400}.${mac}`,
      'expired (validly signed)': expired,
      'signed with another secret': otherSecret,
      "another user's valid token": bobsToken,
    };
    const refused: Record<string, number> = {};
    for (const [label, token] of Object.entries(presented)) {
      const stranger = browserFrom(app, '198.51.100.60');
      if (token !== undefined) stranger.jar.set(cookieName, token);
      const attempt = await attemptLogin(stranger.client, user, password);
      refused[label] = attempt.status;
    }
    const strangerBinds = countBinds(await slapdLog.since(), dnOf('dave'));
    expect(refused).toEqual(Object.fromEntries(Object.keys(presented).map((label) => [label, 429])));
    expect(strangerBinds).toBe(0);

    // The owner, from a device that logged in before, with the right password: in.
    await slapdLog.mark();
    const owner = await attemptLogin(laptop.client, user, password);
    expect(owner.status).toBe(200);
    const ownerBinds = countBinds(await slapdLog.since(), dnOf('dave'));
    expect(ownerBinds).toBe(1);
    // Its success did not unlock the username for others.
    expect((await attemptLogin(clientFrom(app, '198.51.100.61'), user, password)).status).toBe(429);

    // Wrong passwords from a known device: its own lockout, after DEVICE_LIMIT binds.
    await slapdLog.mark();
    const fromDevice: Attempt[] = [];
    for (let index = 0; index < DEVICE_LIMIT + 3; index++) {
      fromDevice.push(await attemptLogin(laptop.client, user, `device-guess-${index}`));
    }
    const rightAfter = await attemptLogin(laptop.client, user, password);
    const deviceBinds = countBinds(await slapdLog.since(), dnOf('dave'));
    expect(fromDevice.map((attempt) => attempt.status)).toEqual([
      ...Array.from({ length: DEVICE_LIMIT }, () => 400),
      ...Array.from({ length: 3 }, () => 429),
    ]);
    expect(rightAfter.status, 'the locked device is locked for its window').toBe(429);
    expect(deviceBinds).toBe(DEVICE_LIMIT);
    // The owner's other device is not locked by it.
    expect((await attemptLogin(phone.client, user, password)).status).toBe(200);

    // The window passes: the username and the device start afresh.
    clock += 121_000;
    expect((await attemptLogin(laptop.client, user, password)).status).toBe(200);

    countLockout([...attack, ...fromDevice]);
    figures.set('device: stranger attempts sent', ATTACK);
    figures.set('device: stranger binds reached (limit K)', attackBinds);
    figures.set(
      'device: refused while locked (new, forged, expired, other secret, stolen)',
      Object.values(refused).filter((status) => status === 429).length,
    );
    figures.set('device: binds from those (must be 0)', strangerBinds);
    figures.set('device: owner from a known device while locked', owner.status);
    figures.set('device: wrong passwords from the known device', fromDevice.length);
    figures.set('device: binds from them (device limit)', deviceBinds);
  });

  it('holds all the devices of one username to the username limit together', async () => {
    clock = Date.now();
    const app = await appWith({ LOGIN_THROTTLE_DEVICE_FAILURES: DEVICE_LIMIT });
    const user = name('carol');
    const password = directory.users.carol!.password;
    const devices = Array.from({ length: 4 }, (_, index) => browserFrom(app, `203.0.113.${20 + index}`));
    for (const device of devices)
      expect((await attemptLogin(device.client, user, password)).status).toBe(200);
    await slapdLog.mark();
    const attempts: Attempt[] = [];
    for (const device of devices) {
      for (let index = 0; index < DEVICE_LIMIT; index++) {
        attempts.push(await attemptLogin(device.client, user, `guess-${index}`));
      }
    }
    const binds = countBinds(await slapdLog.since(), dnOf('carol'));
    expect(binds).toBe(USERNAME_LIMIT);
    expect(attempts.filter((attempt) => attempt.status === 429)).toHaveLength(
      attempts.length - USERNAME_LIMIT,
    );
    figures.set('devices together: attempts sent', attempts.length);
    figures.set('devices together: binds reached (username limit)', binds);

    // Over https (here a trusted proxy says so) the cookie is Secure.
    const overHttps = browserFrom(app, PROXY, {
      'X-Forwarded-For': '203.0.113.30',
      'X-Forwarded-Proto': 'https',
    });
    expect((await attemptLogin(overHttps.client, name('bob'), directory.users.bob!.password)).status).toBe(
      200,
    );
    const cookie = overHttps.setCookies.find((line) => line.startsWith(`${deviceCookieName(name('bob'))}=`));
    expect(cookie).toMatch(/; Secure/);
  });
});

describe('logs', () => {
  it('writes no password, key or token to any log line', () => {
    expectNoSecretsInLogs(logs, secrets, figures);
  });
});
