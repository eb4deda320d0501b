import { describe, expect, it } from 'vitest';
import { OptionError, parseCommandLine } from './options.ts';

describe('parseCommandLine', () => {
  it('defaults to the full run the issue describes', () => {
    const { bench, out } = parseCommandLine([]);
    expect(bench).toMatchObject({
      mode: 'full',
      directoryUsers: 2000,
      concurrencies: [1, 16],
      transports: ['ldap', 'ldaps'],
      targets: ['raw', 'product-login', 'product-user', 'peer'],
      rssLogins: 20_000,
      serverLogLevel: 'info',
      parts: ['floor', 'open-loop', 'vault', 'ad', 'scale', 'web'],
      vaultEntries: 5000,
      rssVaultOps: 20_000,
      scaleSizes: { users: 100_000, sessions: 1_000_000, secrets: 1_000_000 },
    });
    expect(bench.budgetMs).toBeLessThan(300_000);
    // Warm-ups until the CPU per request settles, bounded each and in all.
    expect(bench).toMatchObject({ steadyMinRequests: 5000, steadyTolerance: 0.05 });
    expect(bench.steadyMaxMs).toBeLessThanOrEqual(bench.steadyTotalMs);
    expect(out).toMatch(/results[/\\]latest\.json$/);
  });

  it('keeps the smoke run to a few seconds of load', () => {
    const { bench, out } = parseCommandLine(['--smoke']);
    const cells = bench.transports.length * bench.concurrencies.length * bench.targets.length;
    // The warm-ups to steady state are bounded in all (and each takes at least firstWarmupMs).
    const warmups =
      bench.steadyTotalMs + (bench.transports.length * bench.targets.length + 1) * bench.firstWarmupMs;
    expect(cells * (bench.cellMs + bench.warmupMs) + warmups).toBeLessThan(15_000);
    expect(bench.concurrencies).toContain(16);
    expect(out).toMatch(/smoke\.json$/);
    // Tiny sizes, every part still there: the smoke run checks that each figure is produced.
    expect(bench.parts).toHaveLength(6);
    expect(bench.scaleSizes.sessions).toBeLessThanOrEqual(10_000);
    expect(bench.vaultEntries).toBeLessThanOrEqual(100);
  });

  it('leaves parts out and reads the scale sizes', () => {
    const { bench } = parseCommandLine(['--skip', 'scale,ad', '--scale-sizes', '10,20,30']);
    expect(bench.parts).toEqual(['floor', 'open-loop', 'vault', 'web']);
    expect(bench.scaleSizes).toEqual({ users: 10, sessions: 20, secrets: 30 });
    expect(() => parseCommandLine(['--skip', 'peer'])).toThrow(OptionError);
    expect(() => parseCommandLine(['--scale-sizes', '10,20'])).toThrow(OptionError);
  });

  it("fixes the open loop's rate only when asked", () => {
    expect(parseCommandLine([]).bench.openLoopRate).toBeUndefined();
    expect(parseCommandLine(['--open-loop-rate', '40']).bench.openLoopRate).toBe(40);
    expect(() => parseCommandLine(['--open-loop-rate', '0'])).toThrow(OptionError);
  });

  it('refuses unknown targets, bad numbers and unknown options', () => {
    expect(() => parseCommandLine(['--targets', 'raw,ldapjs'])).toThrow(OptionError);
    expect(() => parseCommandLine(['--concurrency', '1,0'])).toThrow(OptionError);
    expect(() => parseCommandLine(['--users', '10', '--login-users', '20'])).toThrow(OptionError);
    expect(() => parseCommandLine(['--fast'])).toThrow(/Unknown option/);
    expect(() => parseCommandLine(['--vault-entries', '0'])).toThrow(OptionError);
  });
});
