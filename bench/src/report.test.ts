import { describe, expect, it } from 'vitest';
import { type BenchReport, checkTargets, formatReport, type RunRecord, ratiosOf } from './report.ts';

function run(target: RunRecord['target'], transport: RunRecord['transport'], throughput: number, p99 = 10) {
  return { target, transport, concurrency: 16, throughput, p50_ms: 1, p99_ms: p99, errors: 0 };
}

const runs: RunRecord[] = [
  run('raw', 'ldap', 4000),
  run('product-login', 'ldap', 2400, 20),
  run('peer', 'ldap', 600),
  run('raw', 'ldaps', 3000),
  run('product-login', 'ldaps', 1000, 30),
  run('peer', 'ldaps', 200),
  { ...run('product-login', 'ldap', 9999), concurrency: 1 },
];

describe('ratiosOf', () => {
  it('divides login throughput by raw and by peer at concurrency 16', () => {
    expect(ratiosOf(runs)).toEqual({
      login_vs_raw_c16_ldap: 0.6,
      login_vs_peer_c16_ldap: 4,
      login_vs_raw_c16_ldaps: 0.33,
      login_vs_peer_c16_ldaps: 5,
    });
  });

  it('gives 0 where a cell is missing or measured nothing', () => {
    const withoutPeer = runs.filter((item) => item.target !== 'peer');
    const zeroRaw = runs.map((item) => (item.target === 'raw' ? { ...item, throughput: 0 } : item));
    expect(ratiosOf(withoutPeer).login_vs_peer_c16_ldap).toBe(0);
    expect(ratiosOf(zeroRaw).login_vs_raw_c16_ldaps).toBe(0);
  });
});

describe('checkTargets', () => {
  const report = (rss: number, logins: number): BenchReport =>
    ({ runs, ratios: ratiosOf(runs), rss_mb_after: rss, rss_logins: logins }) as BenchReport;

  it('checks each target of the issue against the measured value', () => {
    const checks = checkTargets(report(180, 20_000));
    const missed = checks.filter((check) => !check.met).map((check) => check.name);
    expect(missed).toEqual(['login/raw c16 ldaps', 'login p99 c16 ldaps (ms)']);
    expect(checks.find((check) => check.name.startsWith('server RSS'))).toMatchObject({ met: true });
  });

  it('does not accept a memory figure taken before 20,000 logins', () => {
    const rss = checkTargets(report(100, 5_000)).find((check) => check.name.startsWith('server RSS'));
    expect(rss).toMatchObject({ met: false, limit: '<= 250 (needs 20,000 logins)' });
  });

  it('prints one table line per run and marks missed targets', () => {
    const text = formatReport({
      ...report(180, 20_000),
      rss_mb_before: 80,
      rss_mb_after_accounts: 90,
      peer_rss_mb_after: 70,
      details: [],
    });
    expect(text.split('\n').filter((line) => /^(raw|product-login|peer) /.test(line))).toHaveLength(
      runs.length,
    );
    expect(text).toContain('MISSED login/raw c16 ldaps');
  });
});
