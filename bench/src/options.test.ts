import { describe, expect, it } from 'vitest';
import { OptionError, parseCommandLine } from './options.ts';

describe('parseCommandLine', () => {
  it('defaults to the full run the issue describes', () => {
    const { bench, out } = parseCommandLine([]);
    expect(bench).toMatchObject({
      mode: 'full',
      directoryUsers: 2000,
      concurrencies: [1, 16, 64],
      transports: ['ldap', 'ldaps'],
      targets: ['raw', 'product-login', 'product-user', 'peer'],
      rssLogins: 20_000,
      serverLogLevel: 'info',
    });
    expect(bench.budgetMs).toBeLessThan(300_000);
    expect(out).toMatch(/results[/\\]latest\.json$/);
  });

  it('keeps the smoke run to a few seconds of load', () => {
    const { bench, out } = parseCommandLine(['--smoke']);
    const cells = bench.transports.length * bench.concurrencies.length * bench.targets.length;
    expect(cells * (bench.cellMs + bench.warmupMs) + bench.targets.length * bench.firstWarmupMs).toBeLessThan(
      10_000,
    );
    expect(bench.concurrencies).toContain(16);
    expect(out).toMatch(/smoke\.json$/);
  });

  it('refuses unknown targets, bad numbers and unknown options', () => {
    expect(() => parseCommandLine(['--targets', 'raw,ldapjs'])).toThrow(OptionError);
    expect(() => parseCommandLine(['--concurrency', '1,0'])).toThrow(OptionError);
    expect(() => parseCommandLine(['--users', '10', '--login-users', '20'])).toThrow(OptionError);
    expect(() => parseCommandLine(['--fast'])).toThrow(/Unknown option/);
  });
});
