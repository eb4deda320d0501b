import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  histogramDelta,
  loopBreakdown,
  parseServerLoopSample,
  runQueueWaitMs,
  type ServerLoopSample,
  watchOwnLoop,
} from './loop-delay.ts';

describe('parseServerLoopSample', () => {
  it("reads the event-loop delay and GC of prom-client's default metrics, as the server exports them", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'ldap_login_' });
    // Keep the loop busy for 40 ms, and make garbage.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const until = performance.now() + 40;
    let garbage: unknown[] = [];
    while (performance.now() < until) garbage.push({ at: performance.now() });
    garbage = [];
    await new Promise((resolve) => setTimeout(resolve, 30));
    const sample = parseServerLoopSample(await registry.metrics());
    expect(sample.lagMaxMs).toBeGreaterThan(20);
    expect(sample.lagP99Ms).toBeLessThanOrEqual(sample.lagMaxMs);
    expect(sample.gcMs).toBeGreaterThanOrEqual(0);
    expect(sample.gcMajorMs).toBeLessThanOrEqual(sample.gcMs);
    expect(garbage).toEqual([]);
  });

  it('sums the GC histogram over its kinds and ignores other metrics of the same prefix', () => {
    const text = [
      '# HELP ldap_login_nodejs_gc_duration_seconds Garbage collection duration by kind',
      'ldap_login_nodejs_gc_duration_seconds_sum{kind="minor"} 0.02',
      'ldap_login_nodejs_gc_duration_seconds_count{kind="minor"} 7',
      'ldap_login_nodejs_gc_duration_seconds_sum{kind="major"} 0.005',
      'ldap_login_nodejs_gc_duration_seconds_count{kind="major"} 1',
      'ldap_login_nodejs_eventloop_lag_p99_seconds 0.0135',
      'ldap_login_nodejs_eventloop_lag_p99_seconds_total 99',
      'ldap_login_nodejs_eventloop_lag_max_seconds 0.031',
    ].join('\n');
    expect(parseServerLoopSample(text)).toMatchObject({
      lagP99Ms: 3.5,
      lagMaxMs: 21,
      gcCount: 8,
      gcMs: 25,
      gcMajorMs: 5,
      poolWaits: 0,
      sqliteLockWaits: 0,
    });
  });

  it("reads the directory pool's and the SQLite lock's waits and the login handler's histogram", () => {
    // The server's buckets below 25 ms (seconds), fine enough to place a p99 under 10 ms.
    const bounds = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025];
    const text = (handlerBuckets: number[], count: number, waits: number) =>
      [
        '# TYPE ldap_login_directory_pool_waits_total counter',
        `ldap_login_directory_pool_waits_total{domain="example.org",pool="service"} ${waits}`,
        'ldap_login_directory_pool_waits_total{domain="example.org",pool="bind"} 1',
        'ldap_login_directory_pool_wait_seconds_total{domain="example.org",pool="service"} 0.25',
        'ldap_login_directory_pool_wait_seconds_total{domain="example.org",pool="bind"} 0.05',
        `ldap_login_directory_pool_in_flight_peak{domain="example.org",pool="service"} ${waits * 3}`,
        'ldap_login_directory_pool_in_flight_peak{domain="example.org",pool="bind"} 4',
        '# TYPE ldap_login_sqlite_lock_waits_total counter',
        'ldap_login_sqlite_lock_waits_total 3',
        'ldap_login_sqlite_lock_wait_seconds_total 0.012',
        ...bounds.map(
          (le, index) =>
            `ldap_login_login_duration_seconds_bucket{le="${le}",outcome="success"} ${handlerBuckets[index]}`,
        ),
        `ldap_login_login_duration_seconds_bucket{le="+Inf",outcome="success"} ${count}`,
        'ldap_login_login_duration_seconds_bucket{le="0.005",outcome="failure"} 50',
        `ldap_login_login_duration_seconds_sum{outcome="success"} ${count * 0.004}`,
        `ldap_login_login_duration_seconds_count{outcome="success"} ${count}`,
      ].join('\n');
    const before = parseServerLoopSample(text([0, 0, 10, 10, 10, 10, 10, 10, 10], 10, 2));
    const after = parseServerLoopSample(text([0, 20, 50, 70, 98, 109, 110, 110, 110], 110, 6));
    expect(after).toMatchObject({ poolWaits: 7, poolWaitMs: 300, sqliteLockWaits: 3, sqliteLockWaitMs: 12 });
    expect(after.pools).toEqual({
      service: { waits: 6, waitMs: 250, inFlightPeak: 18 },
      bind: { waits: 1, waitMs: 50, inFlightPeak: 4 },
    });
    // 100 logins in between: 88 within 5 ms, 99 within 7.5, all within 10.
    expect(histogramDelta(before.loginHandler, after.loginHandler)).toEqual({
      count: 100,
      mean_ms: 4,
      p99_at_most_ms: 7.5,
    });
    // The finest bucket: 0.5 ms.
    const fast = parseServerLoopSample(text([100, 100, 100, 100, 100, 100, 100, 100, 100], 100, 0));
    expect(histogramDelta(parseServerLoopSample('').loginHandler, fast.loginHandler).p99_at_most_ms).toBe(
      0.5,
    );
    expect(histogramDelta(after.loginHandler, after.loginHandler).p99_at_most_ms).toBeNull();
  });
});

describe('runQueueWaitMs', () => {
  it("reads this process's time waiting for a core, which only grows", () => {
    const first = runQueueWaitMs(process.pid);
    if (process.platform !== 'linux') {
      expect(first).toBeNull();
      return;
    }
    expect(first).toBeGreaterThanOrEqual(0);
    expect(runQueueWaitMs(process.pid)).toBeGreaterThanOrEqual(first!);
    // No such process: nothing to read.
    expect(runQueueWaitMs(2 ** 30)).toBeNull();
  });
});

describe('loopBreakdown', () => {
  it("takes the GC during the cell, the server's delay after it, and this process's own delay", async () => {
    const own = watchOwnLoop();
    // The monitor records from its second tick on: let it start before blocking the loop.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const until = performance.now() + 30;
    while (performance.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const ownDelay = own.stop();
    expect(ownDelay.maxMs).toBeGreaterThan(20);
    const quiet = parseServerLoopSample('');
    const before: ServerLoopSample = {
      ...quiet,
      lagP99Ms: 50,
      lagMaxMs: 60,
      gcCount: 10,
      gcMs: 100,
      gcMajorMs: 20,
      poolWaits: 4,
      poolWaitMs: 30,
    };
    const after: ServerLoopSample = {
      ...quiet,
      lagP99Ms: 2,
      lagMaxMs: 5,
      gcCount: 14,
      gcMs: 112.5,
      gcMajorMs: 20,
      poolWaits: 9,
      poolWaitMs: 42.5,
    };
    const runQueue = { serverMs: 120, ownMs: null, logins: 40 };
    expect(loopBreakdown(before, after, ownDelay, 600, 1000, 1.25, runQueue)).toMatchObject({
      server_loop_delay_p99_ms: 2,
      server_loop_delay_max_ms: 5,
      server_gc_pauses: 4,
      server_gc_ms: 12.5,
      server_gc_major_ms: 0,
      server_cpu_utilisation: 0.6,
      load_generator_loop_delay_p99_ms: ownDelay.p99Ms,
      load_generator_loop_delay_max_ms: ownDelay.maxMs,
      load_average: 1.25,
      server_directory_pool_waits: 5,
      server_directory_pool_wait_ms: 12.5,
      server_sqlite_lock_waits: 0,
      server_run_queue_wait_ms_per_login: 3,
      load_generator_run_queue_wait_ms_per_login: null,
      server_login_handler: { count: 0, mean_ms: 0, p99_at_most_ms: null },
    });
  });
});
