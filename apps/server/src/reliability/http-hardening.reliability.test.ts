/**
 * The HTTP side, attacked as it was in the security review, over real sockets and the real
 * directory: logins sent with a non-JSON Content-Type (what any web page can make a visitor's
 * browser send without a CORS preflight), guessing spread over the addresses of one IPv6 /64, a
 * frozen directory behind the health check, clients that send their headers or body slowly, and
 * Strict-Transport-Security over http and https.
 */
import net from 'node:net';
import { join } from 'node:path';
import type { Settings } from '@ldap-login/config-schema';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.ts';
import { ProtocolClient } from '../test-support/protocol-client.ts';
import { testSettings } from '../test-support/test-app.ts';
import { type Attempt, attemptLogin, sleep } from './test-support/attempts.ts';
import { countBinds, SlapdLog, searches } from './test-support/directory.ts';
import {
  expectNoSecretsInLogs,
  removeFolder,
  skipGate,
  startDirectoryServer,
  startDirectoryWithFolder,
  suiteRecorders,
} from './test-support/suite.ts';

const { figures, logs, secrets } = suiteRecorders('http-hardening');
let directory: TestDirectory;
let slapdLog: SlapdLog;
const skip = skipGate();
let folder: string;
/** Behind a proxy on loopback (trusted), with short HTTP timeouts and a fast health probe. */
let proxied: RunningServer;
/** The defaults of the example settings: no proxy trusted. */
let direct: RunningServer;

/** The production default per address: 20 failures in the window. */
const ADDRESS_LIMIT = 20;
const HEADERS_TIMEOUT_S = 2;
const REQUEST_TIMEOUT_S = 4;
/** Node looks for overdue requests twice a second (see `httpServerOptions`), plus scheduling. */
const CUT_SLACK_MS = 1500;
const PROBE_INTERVAL_MS = 1000;
/** The directory's connect and operation timeouts in this file, in seconds. */
const LDAP_TIMEOUT_S = 1;

beforeAll(async () => {
  const started = await startDirectoryWithFolder('HTTP hardening', 'http-hardening', secrets);
  if ('skip' in started) return skip.because(started.skip);
  ({ directory, folder } = started);
  slapdLog = new SlapdLog(directory);
  const entry = directory.ldapEntry({
    LDAP_CONNECT_TIMEOUT: LDAP_TIMEOUT_S,
    LDAP_OPERATION_TIMEOUT: LDAP_TIMEOUT_S,
  });
  const start = async (name: string, overrides: Partial<Parameters<typeof testSettings>[0]>) => {
    const settings: Settings = testSettings({ LDAP: [entry], ...overrides });
    secrets.add('server key', settings.PRIVATE_KEY, settings.SECRET_KEY);
    return startDirectoryServer({
      entry,
      settings,
      database: { kind: 'sqlite', file: join(folder, `${name}.sqlite3`) },
      logger: logs.logger('info'),
      directoryProbeIntervalMs: PROBE_INTERVAL_MS,
    });
  };
  proxied = await start('proxied', {
    TRUSTED_PROXIES: ['127.0.0.1'],
    LOGIN_THROTTLE_ADDRESS_FAILURES: ADDRESS_LIMIT,
    HTTP_HEADERS_TIMEOUT: HEADERS_TIMEOUT_S,
    HTTP_REQUEST_TIMEOUT: REQUEST_TIMEOUT_S,
  });
  direct = await start('direct', {});
}, 180_000);

afterAll(async () => {
  await proxied?.close();
  await direct?.close();
  await directory?.resume().catch(() => undefined);
  await directory?.stop();
  removeFolder(folder);
  figures.publish();
});

/** A protocol client over real HTTP whose every request gets `headers` (replacing its own). */
function clientWith(server: RunningServer, headers: () => Record<string, string>): ProtocolClient {
  return new ProtocolClient((path, init) => {
    const merged = new Headers(init.headers);
    for (const [name, value] of Object.entries(headers())) merged.set(name, value);
    return fetch(`${server.url}/server${path}`, { ...init, headers: merged });
  });
}

const name = (key: string) => `${directory.users[key]!.login}@${directory.domain}`;

describe('Content-Type', () => {
  it('refuses logins sent as text/plain or a form encoding (no preflight) before the directory is asked', async () => {
    const alice = directory.users.alice!;
    const simpleTypes = [
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----x',
    ];
    await slapdLog.mark();
    const refused: Attempt[] = [];
    for (const type of simpleTypes) {
      // The right password: only the Content-Type is wrong.
      refused.push(
        await attemptLogin(
          clientWith(direct, () => ({ 'Content-Type': type })),
          name('alice'),
          alice.password,
        ),
      );
    }
    const lines = await slapdLog.since();
    const binds = countBinds(lines, alice.dn);
    // Searches for the typed name only: the server's start-up probe reads the root DSE on its own
    // schedule, and that read may land in the log after the mark.
    const userSearches = searches(lines).filter((search) =>
      search.filter.toLowerCase().includes(`=${alice.login.toLowerCase()})`),
    ).length;
    const json = await attemptLogin(
      clientWith(direct, () => ({})),
      name('alice'),
      alice.password,
    );

    expect(refused.map((attempt) => [attempt.status, attempt.code])).toEqual(
      simpleTypes.map(() => [415, 'UNSUPPORTED_MEDIA_TYPE']),
    );
    expect([binds, userSearches]).toEqual([0, 0]);
    expect(json.status).toBe(200);
    figures.add('cases', refused.length + 1);
    figures.set('content-type: non-JSON logins sent', refused.length);
    figures.set('content-type: answered 415', refused.filter((attempt) => attempt.status === 415).length);
    figures.set('content-type: binds + searches reached (must be 0)', binds + userSearches);
  });
});

describe('per-address throttling over IPv6', () => {
  it('counts 24 addresses of one /64 as one client: 20 reach the directory, the rest get 429', async () => {
    const network = '2001:db8:4:7';
    const users = ['alice', 'bob', 'carol', 'dave', 'nomail'];
    await slapdLog.mark();
    const attempts: Attempt[] = [];
    for (let index = 0; index < 24; index++) {
      // Spread over users, so that no username reaches its own limit (5): only the address counts.
      const key = users[index % users.length]!;
      const from = `${network}:${(index + 1).toString(16)}::${(index * 7 + 3).toString(16)}`;
      const client = clientWith(proxied, () => ({ 'X-Forwarded-For': from }));
      attempts.push(await attemptLogin(client, name(key), `wrong-${index}`));
    }
    const lines = await slapdLog.since();
    const binds = users.reduce((total, key) => total + countBinds(lines, directory.users[key]!.dn), 0);
    const neighbour = await attemptLogin(
      clientWith(proxied, () => ({ 'X-Forwarded-For': '2001:db8:4:8::1' })),
      name('alice'),
      directory.users.alice!.password,
    );

    expect(attempts.slice(0, ADDRESS_LIMIT).map((attempt) => attempt.code)).toEqual(
      Array(ADDRESS_LIMIT).fill('USERNAME_OR_PASSWORD_WRONG'),
    );
    expect(attempts.slice(ADDRESS_LIMIT).map((attempt) => attempt.status)).toEqual([429, 429, 429, 429]);
    expect(binds).toBe(ADDRESS_LIMIT);
    expect(neighbour.status).toBe(200);
    figures.add('lockouts', 1);
    figures.add('cases', attempts.length + 1);
    figures.set('ipv6 /64: attempts sent from 24 addresses', attempts.length);
    figures.set('ipv6 /64: binds reached (limit 20)', binds);
    figures.set('ipv6 /64: refused with 429', attempts.filter((attempt) => attempt.status === 429).length);
  });
});

/** Opens a raw connection and sends `head`, then one `drip` every `everyMs`; resolves when the server closes it. */
function slowClient(
  server: RunningServer,
  head: string,
  drip: string,
  everyMs: number,
): Promise<{ heldMs: number; reply: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let reply = '';
    const socket = net.connect(Number(port), hostname, () => socket.write(head));
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(drip);
    }, everyMs);
    // Bounded: a server without timeouts would hold the connection for minutes.
    const limit = setTimeout(() => socket.destroy(new Error('not cut within 60 s')), 60_000);
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
    });
    socket.on('error', (error) => {
      if (
        (error as NodeJS.ErrnoException).code !== 'ECONNRESET' &&
        (error as NodeJS.ErrnoException).code !== 'EPIPE'
      )
        reject(error);
    });
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(limit);
      resolve({ heldMs: performance.now() - started, reply });
    });
  });
}

describe('slow clients', () => {
  it('cuts a client that sends its headers slowly after HTTP_HEADERS_TIMEOUT, and one that sends its body slowly after HTTP_REQUEST_TIMEOUT', async () => {
    const headers = slowClient(
      proxied,
      'POST /server/authentication/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n',
      'X-Slow: 1\r\n',
      300,
    );
    const body = slowClient(
      proxied,
      'POST /server/authentication/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{',
      ' ',
      300,
    );
    const logged = logs.lines.length;
    const [slowHeaders, slowBody] = await Promise.all([headers, body]);
    // Cut clients are no server error: nothing at level error (50) or above in the log.
    await sleep(200);
    const errors = logs.lines
      .slice(logged)
      .filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

    expect(slowHeaders.reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(slowHeaders.heldMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_S * 1000 - 50);
    expect(slowHeaders.heldMs).toBeLessThan(HEADERS_TIMEOUT_S * 1000 + CUT_SLACK_MS);
    expect(slowBody.reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(slowBody.heldMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_S * 1000 - 50);
    expect(slowBody.heldMs).toBeLessThan(REQUEST_TIMEOUT_S * 1000 + CUT_SLACK_MS);
    expect(errors).toEqual([]);
    // The server still answers others.
    expect((await fetch(`${proxied.url}/server/info/`)).status).toBe(200);
    figures.add('cases', 2);
    figures.set('slow headers: held (ms; limit 2000)', Math.round(slowHeaders.heldMs));
    figures.set('slow body: held (ms; limit 4000)', Math.round(slowBody.heldMs));
  }, 30_000);
});

describe('Strict-Transport-Security', () => {
  it('is sent over https (a trusted proxy saying so), never over plain http nor on a forged header', async () => {
    const hsts = async (server: RunningServer, path: string, headers: Record<string, string>) =>
      (await fetch(`${server.url}${path}`, { headers })).headers.get('Strict-Transport-Security');
    const viaHttps = await hsts(proxied, '/server/info/', { 'X-Forwarded-Proto': 'https' });
    const viaHttpsError = await hsts(proxied, '/server/no/such/', { 'X-Forwarded-Proto': 'https' });
    const viaHttp = await hsts(proxied, '/server/info/', { 'X-Forwarded-Proto': 'http' });
    const plain = await hsts(direct, '/server/info/', {});
    const forged = await hsts(direct, '/server/info/', { 'X-Forwarded-Proto': 'https' });

    expect([viaHttps, viaHttpsError]).toEqual(['max-age=15552000', 'max-age=15552000']);
    expect([viaHttp, plain, forged]).toEqual([null, null, null]);
    figures.add('cases', 5);
    figures.set('hsts: over https / over http / forged', `${viaHttps} / ${plain} / ${forged}`);
  });
});

describe('health check with a frozen directory', () => {
  interface Health {
    ms: number;
    status: number;
    healthy: boolean | undefined;
  }
  const check = async (): Promise<Health> => {
    const started = performance.now();
    const response = await fetch(`${proxied.url}/server/healthcheck/`, {
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await response.json()) as { directories: { healthy: boolean }[] };
    return {
      ms: performance.now() - started,
      status: response.status,
      healthy: body.directories[0]?.healthy,
    };
  };

  it('answers within a second, three times in a row, while the directory is frozen; then reports it down and back', async () => {
    const before = await check();
    await directory.pause();
    const frozen: Health[] = [];
    let down: Health | undefined;
    try {
      for (let round = 0; round < 3; round++) {
        frozen.push(await check());
        await sleep(PROBE_INTERVAL_MS);
      }
      // A probe of a frozen directory ends with its timeouts; the next answer shows it.
      const deadline = performance.now() + (2 * LDAP_TIMEOUT_S * 1000 + 2 * PROBE_INTERVAL_MS + 3000);
      while (performance.now() < deadline) {
        const health = await check();
        frozen.push(health);
        if (health.healthy === false) {
          down = health;
          break;
        }
        await sleep(250);
      }
    } finally {
      await directory.resume();
    }
    const resumedAt = performance.now();
    let back = await check();
    while (back.healthy !== true && performance.now() - resumedAt < 10_000) {
      await sleep(250);
      back = await check();
    }

    expect(before).toMatchObject({ status: 200, healthy: true });
    const slowest = Math.max(...frozen.map((health) => health.ms));
    expect(frozen.slice(0, 3).map((health) => health.ms < 1000)).toEqual([true, true, true]);
    expect(slowest).toBeLessThan(1000);
    expect(frozen.every((health) => health.status === 200)).toBe(true);
    expect(down?.healthy).toBe(false);
    expect(back).toMatchObject({ status: 200, healthy: true });
    figures.add('faultsSurvived', 1);
    figures.add('cases', frozen.length);
    figures.set(
      'frozen directory: first 3 health checks (ms)',
      frozen
        .slice(0, 3)
        .map((health) => Math.round(health.ms))
        .join(', '),
    );
    figures.set('frozen directory: slowest health check (ms)', Math.round(slowest));
    figures.set('frozen directory: reported down after (checks)', frozen.indexOf(down!) + 1);
  }, 60_000);
});

describe('logs', () => {
  it('writes no password, key or token to any log line', () => {
    expectNoSecretsInLogs(logs, secrets, figures);
  });
});
