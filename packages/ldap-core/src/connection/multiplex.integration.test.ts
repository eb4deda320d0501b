import { type LdapEntryInput, ldapEntrySchema } from '@ldap-login/config-schema';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { normalizeDn } from '../dn/dn.ts';
import { DirectoryError } from '../errors/errors.ts';
import { listAllGroups } from '../groups/groups.ts';
import type { DirectoryLogger } from '../logger.ts';
import { findUserEntry } from '../login/user-search.ts';
import { startTcpProxy, type TcpProxy } from '../test-support/tcp-proxy.ts';
import { startDirectoryOrSkip, type TestDirectory } from '../testing/index.ts';
import { Directory, SEARCHES_PER_CONNECTION } from './directory.ts';

/**
 * The service pool's shared connections against a real OpenLDAP: several searches in flight on
 * one connection, each answered with its own entries; a connection lost or silenced under them;
 * paged searches that keep a connection to themselves.
 */

const SUITE = 'directory integration tests of ldap-core (shared connections)';
const EXTRA_GROUPS = 600; // more groups than one page of a paged search
const USERS = ['alice', 'bob', 'carol', 'dave', 'jsmith', 'zoe', 'mueller', 'nomail'];

async function outcome<T>(work: Promise<T>): Promise<{ code: string; reason: string } | T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof DirectoryError) return { code: error.code, reason: error.reason };
    throw error;
  }
}

function recordingLogger(): DirectoryLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => warnings.push(message),
    error: () => undefined,
  };
}

describe('the service pool shares its connections', () => {
  let dir: TestDirectory | undefined;
  let proxy: TcpProxy | undefined;
  const directories: Directory[] = [];

  beforeAll(async () => {
    dir = await startDirectoryOrSkip(
      { dataset: 'openldap-memberof', extraUsers: EXTRA_GROUPS, extraGroups: EXTRA_GROUPS },
      SUITE,
    );
  }, 120_000);
  afterAll(async () => {
    await dir?.stop();
  });
  afterEach(async () => {
    for (const directory of directories.splice(0)) directory.close();
    await proxy?.close();
    proxy = undefined;
  });

  function need(context: TestContext): TestDirectory {
    if (!dir) context.skip('no test directory on this machine');
    return dir!;
  }

  /** A directory entry behind a fresh proxy (to count, reset and silence its connections). */
  async function directoryBehindProxy(
    overrides: Partial<LdapEntryInput> = {},
    logger = recordingLogger(),
  ): Promise<{ directory: Directory; proxy: TcpProxy; logger: ReturnType<typeof recordingLogger> }> {
    proxy = await startTcpProxy(Number(new URL(dir!.url).port));
    const entry = ldapEntrySchema.parse(
      dir!.ldapEntry({ LDAP_URL: `ldap://127.0.0.1:${proxy.port}`, LDAP_POOL_SIZE: 1, ...overrides }),
    );
    const directory = new Directory(entry, logger);
    directories.push(directory);
    return { directory, proxy, logger };
  }

  const search = (directory: Directory, key: string) =>
    directory.servicePool.use((connection) =>
      findUserEntry(connection, directory.plan(), dir!.users[key]!.login),
    );

  it('runs many searches at once on one connection, each answered with its own entry', async (context) => {
    const test = need(context);
    const { directory, proxy } = await directoryBehindProxy();
    await search(directory, 'alice'); // opened: the searches below find it open
    const keys = Array.from(
      { length: 4 * SEARCHES_PER_CONNECTION },
      (_, index) => USERS[index % USERS.length]!,
    );
    const found = await Promise.all(keys.map((key) => search(directory, key)));
    found.forEach((entry, index) => {
      expect(normalizeDn(entry.dn)).toBe(normalizeDn(test.users[keys[index]!]!.dn));
    });
    const stats = directory.servicePool.stats;
    expect(proxy.accepted).toBe(1);
    expect(stats).toMatchObject({ open: 1, inFlight: 0, inFlightPeak: SEARCHES_PER_CONNECTION });
    // 32 at once on one connection of 8: the 24 beyond it waited for a place.
    expect(stats.waits).toBe(keys.length - SEARCHES_PER_CONNECTION);
  });

  it('fails every search in flight on a connection that died with a typed error, then recovers', async (context) => {
    need(context);
    const { directory, proxy } = await directoryBehindProxy();
    await search(directory, 'alice');
    const connection = await directory.servicePool.acquire();
    try {
      proxy.stallAll();
      const inFlight = USERS.map((key) =>
        outcome(findUserEntry(connection, directory.plan(), dir!.users[key]!.login)),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      proxy.resetAll();
      const results = await Promise.all(inFlight);
      for (const result of results)
        expect(result).toEqual({ code: 'DIRECTORY_UNAVAILABLE', reason: 'connection-lost' });
      // The socket's close follows its reset within a turn of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(connection.alive).toBe(false);
    } finally {
      // No longer usable: the pool closes it instead of keeping it.
      directory.servicePool.release(connection);
    }
    expect(directory.servicePool.stats).toMatchObject({ open: 0, inFlight: 0 });
    const before = proxy.accepted;
    const again = await Promise.all(USERS.map((key) => search(directory, key)));
    expect(again.map((entry) => normalizeDn(entry.dn))).toEqual(
      USERS.map((key) => normalizeDn(dir!.users[key]!.dn)),
    );
    expect(proxy.accepted - before).toBe(1);
    expect(directory.servicePool.stats).toMatchObject({ open: 1, inFlight: 0 });
  });

  it('retries the searches of a connection that was lost under them on one fresh connection', async (context) => {
    need(context);
    const { directory, proxy } = await directoryBehindProxy({ LDAP_OPERATION_TIMEOUT: 3 });
    await search(directory, 'alice');
    const before = proxy.accepted;
    proxy.stallAll();
    const searches = USERS.map((key) => outcome(search(directory, key)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.resetAll();
    const results = await Promise.all(searches);
    results.forEach((result, index) => {
      expect(normalizeDn((result as { dn: string }).dn)).toBe(normalizeDn(dir!.users[USERS[index]!]!.dn));
    });
    expect(proxy.accepted - before).toBe(1);
  });

  it('fails the searches beside one that timed out as timeouts, after one timeout, reported once', async (context) => {
    need(context);
    const { directory, proxy, logger } = await directoryBehindProxy({
      LDAP_OPERATION_TIMEOUT: 1,
      LDAP_CONNECT_TIMEOUT: 1,
    });
    await search(directory, 'alice');
    proxy.stallAll();
    const started = performance.now();
    const results = await Promise.all(USERS.map((key) => outcome(search(directory, key))));
    const elapsed = performance.now() - started;
    for (const result of results)
      expect(result).toEqual({ code: 'DIRECTORY_UNAVAILABLE', reason: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(1_900);
    expect(logger.warnings.filter((message) => message.includes('went silent'))).toHaveLength(1);
    const entry = await search(directory, 'bob');
    expect(normalizeDn(entry.dn)).toBe(normalizeDn(dir!.users.bob!.dn));
  });

  it('gives a paged search a connection to itself, so that its cookie survives', async (context) => {
    need(context);
    const { directory } = await directoryBehindProxy();
    const plan = directory.plan();
    const listings = Array.from({ length: 3 }, () =>
      directory.servicePool.use((connection) => listAllGroups(connection, plan), { exclusive: true }),
    );
    const searches = USERS.map((key) => search(directory, key));
    const [groups, entries] = await Promise.all([Promise.all(listings), Promise.all(searches)]);
    for (const listed of groups) expect(listed.length).toBeGreaterThan(EXTRA_GROUPS);
    expect(new Set(groups.map((listed) => listed.length)).size).toBe(1);
    expect(entries).toHaveLength(USERS.length);
  });
});
