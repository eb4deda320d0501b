/**
 * The server's Prometheus metrics (prom-client), one registry per app: logins by outcome, login
 * and directory latency, directory errors per directory, pool use, active sessions, throttle
 * refusals, vault reads and writes, and the process figures of prom-client's default collectors.
 * Code records through the small `ServerMetrics` interface; `/server/metrics` renders the registry.
 */
import type { DirectoryPoolStats } from '@ldap-login/ldap-core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

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
  /** Waits for the SQLite connection's lock (none on PostgreSQL). */
  sqliteLockWaits?(): { waits: number; waitMs: number };
}

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

const PREFIX = 'ldap_login_';

/** Logins take a search, a bind and some crypto: milliseconds to a few seconds (timeouts). */
const LOGIN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

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
    new Gauge({
      name: `${PREFIX}directory_pool_connections`,
      help: 'Pooled directory connections by directory, pool (service searches, user binds) and state.',
      labelNames: ['domain', 'pool', 'state'],
      registers,
      collect() {
        this.reset();
        for (const stats of sources.poolStats()) {
          const labels = { domain: stats.domain, pool: stats.pool };
          this.set({ ...labels, state: 'open' }, stats.open);
          this.set({ ...labels, state: 'idle' }, stats.idle);
          this.set({ ...labels, state: 'leased' }, stats.open - stats.idle);
          this.set({ ...labels, state: 'waiting' }, stats.waiting);
        }
      },
    });
    new Gauge({
      name: `${PREFIX}directory_pool_wait_seconds_total`,
      help: 'Time logins waited for a pooled directory connection (all connections leased), by directory and pool.',
      labelNames: ['domain', 'pool'],
      registers,
      collect() {
        this.reset();
        for (const stats of sources.poolStats())
          this.set({ domain: stats.domain, pool: stats.pool }, stats.waitMs / 1000);
      },
    });
    new Gauge({
      name: `${PREFIX}directory_pool_waits_total`,
      help: 'Leases of a pooled directory connection that had to wait for one, by directory and pool.',
      labelNames: ['domain', 'pool'],
      registers,
      collect() {
        this.reset();
        for (const stats of sources.poolStats())
          this.set({ domain: stats.domain, pool: stats.pool }, stats.waits);
      },
    });
    new Gauge({
      name: `${PREFIX}sqlite_lock_wait_seconds_total`,
      help: 'Time statements and transactions waited for the SQLite connection (another transaction held it).',
      registers,
      collect() {
        this.set((sources.sqliteLockWaits?.().waitMs ?? 0) / 1000);
      },
    });
    new Gauge({
      name: `${PREFIX}sqlite_lock_waits_total`,
      help: 'Statements and transactions that waited for the SQLite connection.',
      registers,
      collect() {
        this.set(sources.sqliteLockWaits?.().waits ?? 0);
      },
    });
    new Gauge({
      name: `${PREFIX}directory_pool_size`,
      help: 'Largest number of connections each pool opens.',
      labelNames: ['domain', 'pool'],
      registers,
      collect() {
        this.reset();
        for (const stats of sources.poolStats())
          this.set({ domain: stats.domain, pool: stats.pool }, stats.size);
      },
    });
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
