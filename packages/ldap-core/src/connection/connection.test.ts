import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectoryService } from '../directory-service.ts';
import { DirectoryUnavailableError } from '../errors/errors.ts';
import { testEntry } from '../test-support/entry.ts';
import { freeLoopbackPort } from '../testing/index.ts';

/**
 * Transport failures need no directory: a listener that accepts and never answers, and a port
 * nobody listens on.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A listener that accepts and never answers; `onAccept` counts the connections it took. */
async function silentListener(onAccept?: () => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    onAccept?.();
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

function service(urls: string[], timeoutSeconds = 0.3): DirectoryService {
  const directory = new DirectoryService([
    testEntry({
      LDAP_URL: urls,
      LDAP_CONNECT_TIMEOUT: timeoutSeconds,
      LDAP_OPERATION_TIMEOUT: timeoutSeconds,
    }),
  ]);
  cleanups.push(() => directory.close());
  return directory;
}

async function failure(work: Promise<unknown>): Promise<DirectoryUnavailableError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DirectoryUnavailableError);
  return error as DirectoryUnavailableError;
}

describe('directory transport failures', () => {
  it('times out on a server that accepts and never answers, after one operation timeout', async () => {
    const port = await silentListener();
    const started = performance.now();
    const error = await failure(
      service([`ldap://127.0.0.1:${port}`]).authenticate('alice', 'Alice-Passw0rd'),
    );
    const elapsed = performance.now() - started;
    expect(error.reason).toBe('timeout');
    expect(error.message).not.toContain('Alice-Passw0rd');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('times out on an ldaps:// server that never completes the TLS handshake', async () => {
    const port = await silentListener();
    const error = await failure(service([`ldaps://127.0.0.1:${port}`]).authenticate('alice', 'x'));
    expect(error.reason).toBe('timeout');
  });

  it('times out on StartTLS that is never answered', async () => {
    const port = await silentListener();
    const directory = new DirectoryService([
      testEntry({
        LDAP_URL: `ldap://127.0.0.1:${port}`,
        LDAP_START_TLS: true,
        LDAP_CONNECT_TIMEOUT: 0.2,
        LDAP_OPERATION_TIMEOUT: 0.2,
      }),
    ]);
    cleanups.push(() => directory.close());
    const started = performance.now();
    const error = await failure(directory.authenticate('alice', 'x'));
    expect(error.reason).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reports a closed port as unreachable at once', async () => {
    const port = await freeLoopbackPort();
    const started = performance.now();
    const error = await failure(service([`ldap://127.0.0.1:${port}`], 5).authenticate('alice', 'x'));
    expect(error.reason).toBe('unreachable');
    // At once: well before the 5 s connect timeout that a refused connection must not wait for.
    expect(performance.now() - started).toBeLessThan(2_500);
  });

  it('tries every URL and names each in the log detail when all fail', async () => {
    const closed = await freeLoopbackPort();
    const silent = await silentListener();
    const urls = [`ldap://127.0.0.1:${closed}`, `ldap://127.0.0.1:${silent}`];
    const error = await failure(service(urls).authenticate('alice', 'x'));
    expect(error.reason).toBe('unreachable');
    for (const url of urls) expect(error.message).toContain(url);
  });

  it('reports each URL in health() without throwing', async () => {
    const closed = await freeLoopbackPort();
    const silent = await silentListener();
    const health = await service([`ldap://127.0.0.1:${closed}`, `ldap://127.0.0.1:${silent}`]).health();
    expect(health.map(({ up, error }) => ({ up, error }))).toEqual([
      { up: false, error: 'unreachable' },
      { up: false, error: 'timeout' },
    ]);
    expect(health.every((check) => check.domain === 'example.org' && check.latencyMs >= 0)).toBe(true);
  });

  it('never sends an empty password anywhere', async () => {
    let accepted = 0;
    const port = await silentListener(() => {
      accepted += 1;
    });
    await expect(service([`ldap://127.0.0.1:${port}`]).authenticate('alice', '  ')).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
      reason: 'empty-password',
    });
    // Not even a connection (counted, not timed: a busy machine makes any check slow).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(accepted).toBe(0);
  });
});
