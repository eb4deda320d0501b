/**
 * Where an open-loop cell's latency tail comes from: the server's event-loop delay and garbage
 * collection during the cell (from its Prometheus metrics, prom-client's default ones), and the load
 * generator's own event-loop delay (this process). Latency counts from each login's scheduled send
 * time, so a stalled server loop, a long GC pause or a late sender each show up in the p99.
 */
import { readdirSync, readFileSync } from 'node:fs';
import {
  constants,
  type IntervalHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
} from 'node:perf_hooks';

const PREFIX = 'ldap_login_';
/** prom-client samples the loop every 10 ms; its histogram holds the whole interval. */
const PROM_CLIENT_RESOLUTION_S = 0.01;

export interface ServerLoopSample {
  /** Event-loop delay since the previous scrape (prom-client resets its histogram on each one), ms. */
  lagP99Ms: number;
  lagMaxMs: number;
  /** Cumulative garbage collection of the server: pauses and their total, by kind. */
  gcCount: number;
  gcMs: number;
  gcMajorMs: number;
  /** Cumulative: logins that waited for a pooled directory connection, and how long in all (ms). */
  poolWaits: number;
  poolWaitMs: number;
  /** The same by pool (service searches, user binds), with the most requests one pool ran at once since the server started. */
  pools: Record<string, PoolSample>;
  /** Cumulative: statements and transactions that waited for the SQLite lock, and how long (ms). */
  sqliteLockWaits: number;
  sqliteLockWaitMs: number;
  /** Cumulative histograms: the login handler (successful logins) and its directory request (search and bind). */
  loginHandler: HistogramSample;
  directoryAuthenticate: HistogramSample;
}

export interface PoolSample {
  waits: number;
  waitMs: number;
  inFlightPeak: number;
}

/** A Prometheus histogram's cumulative buckets (upper bound in seconds -> count), count and sum. */
export interface HistogramSample {
  buckets: Map<number, number>;
  count: number;
  sumS: number;
}

function histogramOf(text: string, name: string, labelMatch: string): HistogramSample {
  const buckets = new Map<number, number>();
  let count = 0;
  let sumS = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !line.includes(labelMatch)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    if (line.startsWith(`${name}_bucket{`)) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + value);
    } else if (line.startsWith(`${name}_count{`)) count += value;
    else if (line.startsWith(`${name}_sum{`)) sumS += value;
  }
  return { buckets, count, sumS };
}

/** Mean and the bucket bound that holds the p99, of the observations between two samples (ms). */
export function histogramDelta(
  before: HistogramSample,
  after: HistogramSample,
): { count: number; mean_ms: number; p99_at_most_ms: number | null } {
  const count = after.count - before.count;
  if (count <= 0) return { count: 0, mean_ms: 0, p99_at_most_ms: null };
  const bounds = [...after.buckets.keys()].sort((a, b) => a - b);
  const bound = bounds.find(
    (le) => (after.buckets.get(le) ?? 0) - (before.buckets.get(le) ?? 0) >= 0.99 * count,
  );
  return {
    count,
    mean_ms: Math.round(((after.sumS - before.sumS) / count) * 100_000) / 100,
    p99_at_most_ms: bound === undefined || !Number.isFinite(bound) ? null : Math.round(bound * 1e6) / 1000,
  };
}

function metricValues(text: string, name: string, label?: string): number[] {
  const values: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (label !== undefined && !rest.includes(label)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) values.push(value);
  }
  return values;
}

/** The figures of one scrape of the server's metrics (Prometheus text). */
export function parseServerLoopSample(text: string): ServerLoopSample {
  const one = (name: string) => metricValues(text, `${PREFIX}${name}`)[0] ?? 0;
  const lagMs = (seconds: number) =>
    Math.round(Math.max(0, seconds - PROM_CLIENT_RESOLUTION_S) * 100_000) / 100;
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const major = text
    .split('\n')
    .filter(
      (line) => line.startsWith(`${PREFIX}nodejs_gc_duration_seconds_sum{`) && line.includes('kind="major"'),
    )
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
  return {
    lagP99Ms: lagMs(one('nodejs_eventloop_lag_p99_seconds')),
    lagMaxMs: lagMs(one('nodejs_eventloop_lag_max_seconds')),
    gcCount: sum(metricValues(text, `${PREFIX}nodejs_gc_duration_seconds_count`)),
    gcMs: sum(metricValues(text, `${PREFIX}nodejs_gc_duration_seconds_sum`)) * 1000,
    gcMajorMs: sum(major) * 1000,
    poolWaits: sum(metricValues(text, `${PREFIX}directory_pool_waits_total`)),
    poolWaitMs: sum(metricValues(text, `${PREFIX}directory_pool_wait_seconds_total`)) * 1000,
    pools: Object.fromEntries(
      ['service', 'bind'].map((pool) => {
        const values = (name: string) => metricValues(text, `${PREFIX}${name}`, `pool="${pool}"`);
        const sample: PoolSample = {
          waits: sum(values('directory_pool_waits_total')),
          waitMs: sum(values('directory_pool_wait_seconds_total')) * 1000,
          inFlightPeak: Math.max(0, ...values('directory_pool_in_flight_peak')),
        };
        return [pool, sample];
      }),
    ),
    sqliteLockWaits: one('sqlite_lock_waits_total'),
    sqliteLockWaitMs: one('sqlite_lock_wait_seconds_total') * 1000,
    loginHandler: histogramOf(text, `${PREFIX}login_duration_seconds`, 'outcome="success"'),
    directoryAuthenticate: histogramOf(
      text,
      `${PREFIX}directory_request_duration_seconds`,
      'operation="authenticate"',
    ),
  };
}

export async function scrapeServerLoop(apiUrl: string): Promise<ServerLoopSample> {
  const response = await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return parseServerLoopSample(await response.text());
}

export interface LoopBreakdown {
  /** The server's event-loop delay during the cell, beyond prom-client's 10 ms sampling interval. */
  server_loop_delay_p99_ms: number;
  server_loop_delay_max_ms: number;
  server_gc_pauses: number;
  server_gc_ms: number;
  server_gc_major_ms: number;
  /** The server's CPU over the cell's wall time (1 = one core busy throughout). */
  server_cpu_utilisation: number;
  /** This process's (the load generator's) event-loop delay during the cell. */
  load_generator_loop_delay_p99_ms: number;
  load_generator_loop_delay_max_ms: number;
  /** The load generator's own garbage collection during the cell: pauses, total and longest (ms). */
  load_generator_gc_pauses: number;
  load_generator_gc_ms: number;
  load_generator_gc_max_ms: number;
  load_generator_gc_major_pauses: number;
  load_generator_gc_major_ms: number;
  /** Logins that waited for a pooled directory connection during the cell, and how long in all. */
  server_directory_pool_waits: number;
  server_directory_pool_wait_ms: number;
  /**
   * The same by pool, with the most requests the pool ran at once since the server started (read
   * after the cell; compare with `before` to see whether the cell raised it).
   */
  server_directory_pools?: Record<
    string,
    { waits: number; wait_ms: number; in_flight_peak: { before: number; after: number } }
  >;
  /** Statements and transactions that waited for the SQLite lock during the cell, and how long in all. */
  server_sqlite_lock_waits: number;
  server_sqlite_lock_wait_ms: number;
  /** The server's own timing of the login handler and of its directory requests during the cell. */
  server_login_handler: ReturnType<typeof histogramDelta>;
  server_directory_authenticate: ReturnType<typeof histogramDelta>;
  /**
   * Milliseconds the server's and this process's threads were runnable but waited for a core during
   * the cell, per login (null without Linux's schedstat): the share of the tail the machine's other
   * work takes.
   */
  server_run_queue_wait_ms_per_login: number | null;
  load_generator_run_queue_wait_ms_per_login: number | null;
  /** The machine's 1-minute load average at the end of the cell (2 cores here). */
  load_average: number;
}

/**
 * Milliseconds the threads of process `pid` have spent runnable but waiting for a core, since they
 * started (Linux's `/proc/PID/task/TID/schedstat`, second field); null where that is not readable.
 * Threads that ended are not counted, so take the difference over a cell.
 */
export function runQueueWaitMs(pid: number): number | null {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[1]);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : null;
  } catch {
    return null;
  }
}

export interface OwnLoop {
  p99Ms: number;
  maxMs: number;
  /** This process's garbage collection while watched: pauses, their total and the longest (ms). */
  gcPauses?: number;
  gcMs?: number;
  gcMaxMs?: number;
  /** Of those, the major ones (mark-compact): pauses and their total (ms). */
  gcMajorPauses?: number;
  gcMajorMs?: number;
}

/** Watches this process's event loop (1 ms resolution) and its garbage collection until `stop`. */
export function watchOwnLoop(): { stop(): OwnLoop } {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let gcPauses = 0;
  let gcMs = 0;
  let gcMaxMs = 0;
  let gcMajorPauses = 0;
  let gcMajorMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcPauses++;
      gcMs += entry.duration;
      gcMaxMs = Math.max(gcMaxMs, entry.duration);
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gcMajorPauses++;
        gcMajorMs += entry.duration;
      }
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      histogram.disable();
      gc.disconnect();
      // The histogram holds each whole interval; what is beyond the 1 ms resolution is delay.
      const ms = (ns: number) => Math.round(Math.max(0, ns / 1e6 - 1) * 100) / 100;
      const round = (value: number) => Math.round(value * 100) / 100;
      return {
        p99Ms: ms(histogram.percentile(99)),
        maxMs: ms(histogram.max),
        gcPauses,
        gcMs: round(gcMs),
        gcMaxMs: round(gcMaxMs),
        gcMajorPauses,
        gcMajorMs: round(gcMajorMs),
      };
    },
  };
}

export function loopBreakdown(
  before: ServerLoopSample,
  after: ServerLoopSample,
  own: OwnLoop,
  serverCpuMs: number,
  elapsedMs: number,
  loadAverage: number,
  runQueue: { serverMs: number | null; ownMs: number | null; logins: number } = {
    serverMs: null,
    ownMs: null,
    logins: 0,
  },
): LoopBreakdown {
  const perLogin = (ms: number | null) =>
    ms === null || runQueue.logins === 0 ? null : Math.round((ms / runQueue.logins) * 100) / 100;
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    server_loop_delay_p99_ms: after.lagP99Ms,
    server_loop_delay_max_ms: after.lagMaxMs,
    server_gc_pauses: after.gcCount - before.gcCount,
    server_gc_ms: round(after.gcMs - before.gcMs),
    server_gc_major_ms: round(after.gcMajorMs - before.gcMajorMs),
    server_cpu_utilisation: elapsedMs > 0 ? round(serverCpuMs / elapsedMs) : 0,
    load_generator_loop_delay_p99_ms: own.p99Ms,
    load_generator_loop_delay_max_ms: own.maxMs,
    load_generator_gc_pauses: own.gcPauses ?? 0,
    load_generator_gc_ms: own.gcMs ?? 0,
    load_generator_gc_max_ms: own.gcMaxMs ?? 0,
    load_generator_gc_major_pauses: own.gcMajorPauses ?? 0,
    load_generator_gc_major_ms: own.gcMajorMs ?? 0,
    server_directory_pool_waits: after.poolWaits - before.poolWaits,
    server_directory_pool_wait_ms: round(after.poolWaitMs - before.poolWaitMs),
    server_directory_pools: Object.fromEntries(
      Object.entries(after.pools).map(([pool, figures]) => {
        const earlier = before.pools[pool] ?? { waits: 0, waitMs: 0, inFlightPeak: 0 };
        return [
          pool,
          {
            waits: figures.waits - earlier.waits,
            wait_ms: round(figures.waitMs - earlier.waitMs),
            in_flight_peak: { before: earlier.inFlightPeak, after: figures.inFlightPeak },
          },
        ];
      }),
    ),
    server_sqlite_lock_waits: after.sqliteLockWaits - before.sqliteLockWaits,
    server_sqlite_lock_wait_ms: round(after.sqliteLockWaitMs - before.sqliteLockWaitMs),
    server_login_handler: histogramDelta(before.loginHandler, after.loginHandler),
    server_directory_authenticate: histogramDelta(before.directoryAuthenticate, after.directoryAuthenticate),
    server_run_queue_wait_ms_per_login: perLogin(runQueue.serverMs),
    load_generator_run_queue_wait_ms_per_login: perLogin(runQueue.ownMs),
    load_average: loadAverage,
  };
}
