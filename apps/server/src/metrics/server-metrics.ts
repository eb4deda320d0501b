/**
 * The server's Prometheus metrics (prom-client), one registry per app: logins by outcome, login
 * and directory latency, directory errors per directory, pool use, active sessions, throttle
 * refusals, vault reads and writes, and the process figures of prom-client's default collectors.
 * Code records through the small `ServerMetrics` interface; `/server/metrics` renders the registry.
 */
import type { DirectoryPoolStats } from '@ldap-login/ldap-core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { SqliteLockStats } from '../db/sqlite-lock.ts';

/** How a login ended, as the metrics count it (a small, fixed set: it is a label). */
export type LoginOutcome =
  | 'success'
  | 'refused'
  | 'throttled'
  | 'bad_request'
  | 'directory_unavailable'
  | 'error';

/** What the vault routes record: one call per datastore, secret or share read or written. */
export interface VaultMetrics {
  /** `resource`: the route's first path segment, for example `datastore` or `secret`. */
  vaultRead(resource: string): void;
  vaultWrite(resource: string): void;
}

export interface ServerMetrics extends VaultMetrics {
  loginFinished(outcome: LoginOutcome, seconds: number): void;
  throttleRefused(key: 'username' | 'address' | 'device'): void;
  directoryRequest(domain: string, operation: string, seconds: number): void;
  /** A directory that could not answer or is misconfigured (not a user's wrong password). */
  directoryError(domain: string, code: string): void;
}

/** Figures read when the metrics are scraped, not on every request. */
export interface MetricSources {
  activeSessions(): Promise<number>;
  poolStats(): DirectoryPoolStats[];
  /**
   * Waits for the SQLite connection's lock; undefined on PostgreSQL, which has none (asked once when
   * the metrics are made: without it the lock's counters are absent).
   */
  sqliteLock?(): SqliteLockStats | undefined;
}

/** One series of a metric read at scrape time: its labels and value. */
type Series = [labels: Record<string, string>, value: number];

/**
 * A metric whose series are read from their source at each scrape: a gauge, or a counter for a
 * figure that only grows (prom-client's counter has no `set`: its collect resets it, then adds).
 */
function readAtScrape(
  kind: 'gauge' | 'counter',
  registers: Registry[],
  metric: { name: string; help: string; labelNames?: string[]; read: () => Series[] },
): void {
  const { read, ...config } = metric;
  if (kind === 'gauge') {
    new Gauge({
      ...config,
      registers,
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.set(labels, value);
      },
    });
    return;
  }
  new Counter({
    ...config,
    registers,
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

const PREFIX = 'ldap_login_';

/**
 * Logins take a search, a bind and some crypto: about a millisecond on a quiet server, up to
 * seconds (timeouts). The fine buckets below 10 ms resolve a p99 against a 10 ms target.
 */
const LOGIN_BUCKETS = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

export class PrometheusMetrics implements ServerMetrics {
  readonly registry = new Registry();
  private readonly logins: Counter<'outcome'>;
  private readonly loginSeconds: Histogram<'outcome'>;
  private readonly throttleRefusals: Counter<'key'>;
  private readonly directorySeconds: Histogram<'domain' | 'operation'>;
  private readonly directoryErrors: Counter<'domain' | 'code'>;
  private readonly vaultOperations: Counter<'operation' | 'resource'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.logins = new Counter({
      name: `${PREFIX}logins_total`,
      help: 'Login attempts by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.loginSeconds = new Histogram({
      name: `${PREFIX}login_duration_seconds`,
      help: 'Time to answer a login, by outcome (refusals answer no sooner than the refusal floor).',
      labelNames: ['outcome'],
      buckets: LOGIN_BUCKETS,
      registers,
    });
    this.throttleRefusals = new Counter({
      name: `${PREFIX}throttle_refusals_total`,
      help: 'Logins refused by the failed-login throttle before the directory was asked, by counter.',
      labelNames: ['key'],
      registers,
    });
    this.directorySeconds = new Histogram({
      name: `${PREFIX}directory_request_duration_seconds`,
      help: 'Time of directory requests (a login: search and bind), by directory and operation.',
      labelNames: ['domain', 'operation'],
      buckets: LOGIN_BUCKETS,
      registers,
    });
    this.directoryErrors = new Counter({
      name: `${PREFIX}directory_errors_total`,
      help: 'Directory requests that failed on the directory side (unavailable, misconfigured), by directory.',
      labelNames: ['domain', 'code'],
      registers,
    });
    this.vaultOperations = new Counter({
      name: `${PREFIX}vault_operations_total`,
      help: 'Successful vault reads and writes, by resource.',
      labelNames: ['operation', 'resource'],
      registers,
    });
    new Gauge({
      name: `${PREFIX}active_sessions`,
      help: 'Sessions neither ended nor expired.',
      registers,
      async collect() {
        this.set(await sources.activeSessions());
      },
    });
    const poolMetric = (
      kind: 'gauge' | 'counter',
      name: string,
      help: string,
      pick: (stats: DirectoryPoolStats) => number,
    ) =>
      readAtScrape(kind, registers, {
        name: `${PREFIX}${name}`,
        help,
        labelNames: ['domain', 'pool'],
        read: () =>
          sources.poolStats().map((stats) => [{ domain: stats.domain, pool: stats.pool }, pick(stats)]),
      });
    const sqliteLockCounter = (name: string, help: string, pick: (stats: SqliteLockStats) => number) =>
      readAtScrape('counter', registers, {
        name: `${PREFIX}${name}`,
        help,
        read: () => {
          const stats = sources.sqliteLock?.();
          return stats ? [[{}, pick(stats)]] : [];
        },
      });
    readAtScrape('gauge', registers, {
      name: `${PREFIX}directory_pool_connections`,
      help: 'Pooled directory connections by directory, pool (service searches, user binds) and state.',
      labelNames: ['domain', 'pool', 'state'],
      read: () =>
        sources.poolStats().flatMap((stats) =>
          Object.entries({
            open: stats.open,
            idle: stats.idle,
            leased: stats.open - stats.idle,
            waiting: stats.waiting,
          }).map(([state, value]): Series => [{ domain: stats.domain, pool: stats.pool, state }, value]),
        ),
    });
    poolMetric(
      'gauge',
      'directory_pool_size',
      'Largest number of connections each pool opens.',
      (stats) => stats.size,
    );
    poolMetric(
      'gauge',
      'directory_pool_in_flight',
      'Directory requests running on the pooled connections now (service connections carry several).',
      (stats) => stats.inFlight,
    );
    poolMetric(
      'gauge',
      'directory_pool_in_flight_peak',
      'Most directory requests that ran at once on the pooled connections since the process started.',
      (stats) => stats.inFlightPeak,
    );
    // Waits only grow (since the pool was made or the process started): counters.
    poolMetric(
      'counter',
      'directory_pool_waits_total',
      'Leases of a pooled directory connection that had to wait for one, by directory and pool.',
      (stats) => stats.waits,
    );
    poolMetric(
      'counter',
      'directory_pool_wait_seconds_total',
      'Time logins waited for a pooled directory connection (all connections leased), by directory and pool.',
      (stats) => stats.waitMs / 1000,
    );
    // A database without the lock (PostgreSQL) answers undefined from the start: its counters are
    // left out of the exposition rather than shown as 0, which would read as "never waited". Asked
    // once here because prom-client shows a counter without labels as 0 even when its collect adds
    // nothing.
    if (sources.sqliteLock?.() !== undefined) {
      sqliteLockCounter(
        'sqlite_lock_waits_total',
        'Statements and transactions that waited for the SQLite connection (another transaction held it).',
        (stats) => stats.waits,
      );
      sqliteLockCounter(
        'sqlite_lock_wait_seconds_total',
        'Time statements and transactions waited for the SQLite connection.',
        (stats) => stats.waitMs / 1000,
      );
    }
  }

  loginFinished(outcome: LoginOutcome, seconds: number): void {
    this.logins.inc({ outcome });
    this.loginSeconds.observe({ outcome }, seconds);
  }

  throttleRefused(key: 'username' | 'address' | 'device'): void {
    this.throttleRefusals.inc({ key });
  }

  directoryRequest(domain: string, operation: string, seconds: number): void {
    this.directorySeconds.observe({ domain, operation }, seconds);
  }

  directoryError(domain: string, code: string): void {
    this.directoryErrors.inc({ domain, code });
  }

  vaultRead(resource: string): void {
    this.vaultOperations.inc({ operation: 'read', resource });
  }

  vaultWrite(resource: string): void {
    this.vaultOperations.inc({ operation: 'write', resource });
  }

  /** The text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
