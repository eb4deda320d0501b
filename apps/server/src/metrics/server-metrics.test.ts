import type { DirectoryPoolStats } from '@ldap-login/ldap-core';
import { describe, expect, it } from 'vitest';
import type { SqliteLockStats } from '../db/sqlite-lock.ts';
import { PrometheusMetrics } from './server-metrics.ts';

function pool(overrides: Partial<DirectoryPoolStats> = {}): DirectoryPoolStats {
  return {
    domain: 'example.org',
    pool: 'bind',
    size: 4,
    perConnection: 1,
    open: 3,
    idle: 1,
    inFlight: 2,
    inFlightPeak: 4,
    waiting: 0,
    waits: 0,
    waitMs: 0,
    ...overrides,
  } as DirectoryPoolStats;
}

/** The metrics over sources a test changes between scrapes. */
function metricsOver(initial: { pools: DirectoryPoolStats[]; lock?: SqliteLockStats }) {
  const state = { ...initial };
  const metrics = new PrometheusMetrics({
    activeSessions: async () => 0,
    poolStats: () => state.pools,
    sqliteLock: () => state.lock,
  });
  return { metrics, state };
}

/** `# TYPE` of each metric of the exposition. */
function typesOf(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(match[1]!, match[2]!);
  return types;
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('PrometheusMetrics', () => {
  it('names only counters `_total`, and exposes the waits, which only grow, as counters', async () => {
    const { metrics } = metricsOver({ pools: [pool()], lock: { waits: 0, waitMs: 0 } });
    const types = typesOf(await metrics.render());
    // prom-client's default Node.js metrics name a few gauges `_total`; those are not ours to rename.
    const ours = [...types].filter(([name]) => !name.startsWith('ldap_login_nodejs_'));
    expect(ours.length).toBeGreaterThan(10);
    const misnamed = ours.filter(([name, type]) => name.endsWith('_total') && type !== 'counter');
    expect(misnamed).toEqual([]);
    for (const name of [
      'ldap_login_directory_pool_waits_total',
      'ldap_login_directory_pool_wait_seconds_total',
      'ldap_login_sqlite_lock_waits_total',
      'ldap_login_sqlite_lock_wait_seconds_total',
    ])
      expect(types.get(name)).toBe('counter');
    expect(types.get('ldap_login_directory_pool_connections')).toBe('gauge');
    expect(types.get('ldap_login_directory_pool_size')).toBe('gauge');
  });

  it("reads each pool's and the SQLite lock's figures afresh at every scrape", async () => {
    const { metrics, state } = metricsOver({
      pools: [pool({ pool: 'service', waits: 2, waitMs: 250 }), pool({ open: 4, idle: 0, waiting: 3 })],
      lock: { waits: 1, waitMs: 12 },
    });
    const first = await metrics.render();
    const bind = 'domain="example.org",pool="bind"';
    const service = 'domain="example.org",pool="service"';
    expect(value(first, `ldap_login_directory_pool_waits_total{${service}}`)).toBe(2);
    expect(value(first, `ldap_login_directory_pool_wait_seconds_total{${service}}`)).toBe(0.25);
    expect(value(first, `ldap_login_directory_pool_waits_total{${bind}}`)).toBe(0);
    expect(value(first, `ldap_login_directory_pool_size{${bind}}`)).toBe(4);
    expect(value(first, `ldap_login_directory_pool_in_flight{${bind}}`)).toBe(2);
    expect(value(first, `ldap_login_directory_pool_in_flight_peak{${bind}}`)).toBe(4);
    expect(value(first, `ldap_login_directory_pool_connections{${bind},state="leased"}`)).toBe(4);
    expect(value(first, `ldap_login_directory_pool_connections{${bind},state="waiting"}`)).toBe(3);
    expect(value(first, 'ldap_login_sqlite_lock_waits_total')).toBe(1);
    expect(value(first, 'ldap_login_sqlite_lock_wait_seconds_total')).toBe(0.012);

    // The sources are cumulative: a second scrape shows their value, not the sum of two scrapes.
    state.pools = [pool({ pool: 'service', waits: 5, waitMs: 400 })];
    state.lock = { waits: 1, waitMs: 12 };
    const second = await metrics.render();
    expect(value(second, `ldap_login_directory_pool_waits_total{${service}}`)).toBe(5);
    expect(value(second, `ldap_login_directory_pool_wait_seconds_total{${service}}`)).toBe(0.4);
    // A pool that is gone leaves no stale series.
    expect(value(second, `ldap_login_directory_pool_size{${bind}}`)).toBeUndefined();
    expect(value(second, 'ldap_login_sqlite_lock_waits_total')).toBe(1);
  });

  it('leaves the SQLite lock counters out on a database without that lock (PostgreSQL)', async () => {
    const { metrics } = metricsOver({ pools: [] });
    const text = await metrics.render();
    expect(text).not.toContain('sqlite_lock');
    expect(value(text, 'ldap_login_sqlite_lock_waits_total')).toBeUndefined();
  });

  it('resolves login and directory times between 0.5 and 10 ms (a p99 against a 10 ms target)', async () => {
    const { metrics } = metricsOver({ pools: [] });
    for (const ms of [0.4, 0.8, 1.5, 2.5, 4, 6, 9, 12]) {
      metrics.loginFinished('success', ms / 1000);
      metrics.directoryRequest('example.org', 'authenticate', ms / 1000);
    }
    const text = await metrics.render();
    const cumulative = (name: string, labels: string) =>
      [0.5, 1, 2, 3, 5, 7.5, 10, 15].map((ms) => value(text, `${name}_bucket{le="${ms / 1000}",${labels}}`));
    const expected = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(cumulative('ldap_login_login_duration_seconds', 'outcome="success"')).toEqual(expected);
    expect(
      cumulative(
        'ldap_login_directory_request_duration_seconds',
        'domain="example.org",operation="authenticate"',
      ),
    ).toEqual(expected);
  });
});
