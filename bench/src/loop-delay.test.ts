import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loopBreakdown, parseServerLoopSample, watchOwnLoop } from './loop-delay.ts';

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
    expect(parseServerLoopSample(text)).toEqual({
      lagP99Ms: 3.5,
      lagMaxMs: 21,
      gcCount: 8,
      gcMs: 25,
      gcMajorMs: 5,
    });
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
    const before = { lagP99Ms: 50, lagMaxMs: 60, gcCount: 10, gcMs: 100, gcMajorMs: 20 };
    const after = { lagP99Ms: 2, lagMaxMs: 5, gcCount: 14, gcMs: 112.5, gcMajorMs: 20 };
    expect(loopBreakdown(before, after, ownDelay, 600, 1000, 1.25)).toEqual({
      server_loop_delay_p99_ms: 2,
      server_loop_delay_max_ms: 5,
      server_gc_pauses: 4,
      server_gc_ms: 12.5,
      server_gc_major_ms: 0,
      server_cpu_utilisation: 0.6,
      load_generator_loop_delay_p99_ms: ownDelay.p99Ms,
      load_generator_loop_delay_max_ms: ownDelay.maxMs,
      load_average: 1.25,
    });
  });
});
