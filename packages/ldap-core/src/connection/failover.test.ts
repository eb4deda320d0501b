import { describe, expect, it } from 'vitest';
import { DirectoryMisconfiguredError, DirectoryUnavailableError } from '../errors/errors.ts';
import { type DirectoryLogger, silentLogger } from '../logger.ts';
import { connectWithFailover, UrlFailover } from './failover.ts';

const URLS = ['ldap://a', 'ldap://b', 'ldap://c'];

describe('UrlFailover', () => {
  it('tries URLs in order, a failed one last until its cooldown is over', () => {
    let now = 1_000;
    const failover = new UrlFailover(URLS, { cooldownMs: 100, now: () => now });
    expect(failover.order()).toEqual(URLS);
    failover.markDown('ldap://a');
    expect(failover.order()).toEqual(['ldap://b', 'ldap://c', 'ldap://a']);
    now += 101;
    expect(failover.order()).toEqual(URLS);
    failover.markDown('ldap://b');
    failover.markUp('ldap://b');
    expect(failover.order()).toEqual(URLS);
  });
});

describe('connectWithFailover', () => {
  const context = { domain: 'example.com', logger: silentLogger };

  it('uses the first URL that opens and logs the ones that failed', async () => {
    const warnings: unknown[] = [];
    const logger: DirectoryLogger = {
      ...silentLogger,
      warn: (message, fields) => warnings.push({ message, fields }),
    };
    const tried: string[] = [];
    const result = await connectWithFailover(
      new UrlFailover(URLS),
      async (url) => {
        tried.push(url);
        if (url === 'ldap://a') throw new DirectoryUnavailableError('unreachable', { detail: 'refused' });
        return `connection to ${url}`;
      },
      { domain: 'example.com', logger },
    );
    expect(result).toEqual({ connection: 'connection to ldap://b', url: 'ldap://b' });
    expect(tried).toEqual(['ldap://a', 'ldap://b']);
    expect(warnings).toHaveLength(1);
  });

  it('stops at a refused service bind: every URL would refuse it', async () => {
    const tried: string[] = [];
    await expect(
      connectWithFailover(
        new UrlFailover(URLS),
        async (url) => {
          tried.push(url);
          throw new DirectoryMisconfiguredError('service-bind-refused');
        },
        context,
      ),
    ).rejects.toThrow('service-bind-refused');
    expect(tried).toEqual(['ldap://a']);
  });

  it('reports one unavailable error naming every URL when all fail', async () => {
    const error = await connectWithFailover(
      new UrlFailover(URLS),
      async (url) => {
        throw new DirectoryUnavailableError('timeout', { detail: url });
      },
      context,
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect((error as DirectoryUnavailableError).reason).toBe('unreachable');
    for (const url of URLS) expect((error as Error).message).toContain(url);
  });

  it('prefers a misconfiguration over unavailability when all fail', async () => {
    const error = await connectWithFailover(
      new UrlFailover(URLS),
      async (url) => {
        if (url === 'ldap://b') throw new DirectoryMisconfiguredError('tls-certificate-rejected');
        throw new DirectoryUnavailableError('unreachable');
      },
      context,
    ).catch((caught: unknown) => caught);
    expect((error as DirectoryMisconfiguredError).reason).toBe('tls-certificate-rejected');
  });

  it('rethrows the single failure of a single URL as it is', async () => {
    const original = new DirectoryUnavailableError('timeout');
    await expect(
      connectWithFailover(
        new UrlFailover(['ldap://only']),
        async () => {
          throw original;
        },
        context,
      ),
    ).rejects.toBe(original);
  });
});
