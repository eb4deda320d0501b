import { isConnectionLost, isSilentConnection } from '../errors/error-mapping.ts';
import { DirectoryUnavailableError } from '../errors/errors.ts';

/**
 * A small pool of connections with exclusive leases: at most `size` connections, opened lazily,
 * checked before every reuse, replaced when the server dropped them.
 *
 * A lease is exclusive because a bind changes the whole connection's identity; multiplexing
 * searches would also let one timed-out request tear down its neighbours.
 *
 * Idle connections share their fate: what killed or silenced one of them (the server's idle
 * timeout, a restart, a firewall or NAT that forgot its flows) has usually struck every connection
 * that sat idle beside it, and nobody is told until a request is sent. So when a request finds its
 * connection dead or silent, every connection that was already idle when that request began is
 * closed too, and the next request dials a fresh one instead of paying for each stale connection in
 * turn (one reset, or one timeout, per connection). Connections released after the request began
 * have answered since, and stay. This costs nothing on the hot path: no probe before reuse, only a
 * counter stamped on each release.
 */

/** What a request found out about its connection that makes the connections idle beside it suspect. */
type ConnectionFault =
  /** The connection broke under the request (reset or closed): found out within a round trip. */
  | 'lost'
  /** No answer within the operation timeout: the connection went silent. */
  | 'silent';

export interface FaultReport<T> {
  connection: T;
  fault: ConnectionFault;
  /** The stamp taken when the failed request began; pass it to `distrustIdle` of pools on the same path. */
  since: number;
  /** Idle connections of this pool closed because of it. */
  dropped: number;
}

interface PoolHooks<T> {
  /** Opens a ready connection (for the service pool: connected and bound). */
  open(): Promise<T>;
  /** Whether an idle connection may be handed out again (still connected, still bound as expected). */
  isUsable(connection: T): boolean;
  /** Ends a connection; must not throw. */
  close(connection: T): void;
  /**
   * Called after a request found its connection dead or silent, once this pool has closed that
   * connection and its own suspect idle ones. Other pools over the same network path should call
   * `distrustIdle(report.since)`. Must not throw.
   */
  onFault?(report: FaultReport<T>): void;
}

interface Waiter<T> {
  resolve(connection: T): void;
  reject(error: unknown): void;
}

interface IdleConnection<T> {
  connection: T;
  /** Stamp taken when it was released. */
  since: number;
}

interface PoolStats {
  size: number;
  /** Connections open or being opened, leased or idle. */
  open: number;
  idle: number;
  waiting: number;
  /** Leases that had to wait for a connection to come back, since the pool was made. */
  waits: number;
  /** Milliseconds those leases waited in all (how long logins queued for a connection). */
  waitMs: number;
}

/** How often `use` runs its work when connections keep turning out dead. */
const MAX_ATTEMPTS = 3;

/**
 * One sequence for every pool of the process, so that the stamps of two pools over the same
 * directory compare: "idle since before that request began" holds across pools.
 */
let lastStamp = 0;
function stamp(): number {
  lastStamp += 1;
  return lastStamp;
}

/** Which fault, if any, `error` reveals about the connection the request ran on. */
function faultOf(error: unknown): ConnectionFault | undefined {
  if (isConnectionLost(error)) return 'lost';
  if (isSilentConnection(error)) return 'silent';
  return undefined;
}

export class ConnectionPool<T> {
  private readonly size: number;
  private readonly hooks: PoolHooks<T>;
  /** Idle connections in release order; the most recently used one is reused first, being the least likely to be stale. */
  private idle: IdleConnection<T>[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private total = 0;
  private closed = false;
  private waits = 0;
  private waitMs = 0;

  constructor(size: number, hooks: PoolHooks<T>) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`pool size must be a positive integer, got ${size}`);
    this.size = size;
    this.hooks = hooks;
  }

  get stats(): PoolStats {
    return {
      size: this.size,
      open: this.total,
      idle: this.idle.length,
      waiting: this.waiters.length,
      waits: this.waits,
      waitMs: this.waitMs,
    };
  }

  /**
   * Leases a connection: an idle usable one, a new one while the pool is below its size, or the
   * next one released. When opening fails (the directory is down), every caller waiting at that
   * moment gets the same error at once instead of queueing for its own timeout.
   */
  async acquire(): Promise<T> {
    if (this.closed)
      throw new DirectoryUnavailableError('closed', { detail: 'the connection pool is closed' });
    const idle = this.takeIdle();
    if (idle !== undefined) return idle;
    if (this.total < this.size) return this.openCounted();
    const queued = performance.now();
    const connection = await new Promise<T>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.waits += 1;
    this.waitMs += performance.now() - queued;
    return connection;
  }

  /** Returns a leased connection; a connection that is no longer usable is closed instead. */
  release(connection: T): void {
    if (this.closed || !this.hooks.isUsable(connection)) {
      this.discard(connection);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve(connection);
    } else {
      this.idle.push({ connection, since: stamp() });
    }
  }

  /** Closes a leased connection and lets a waiting caller open a replacement. */
  discard(connection: T): void {
    this.hooks.close(connection);
    this.total -= 1;
    this.serveWaiters();
  }

  /**
   * Closes every idle connection released before `since` (a stamp from a `FaultReport`): they sat
   * idle while another connection on the same path died or went silent. Returns how many.
   */
  distrustIdle(since: number): number {
    const suspect = this.idle.filter((idle) => idle.since < since);
    if (suspect.length === 0) return 0;
    this.idle = this.idle.filter((idle) => idle.since >= since);
    for (const { connection } of suspect) {
      this.hooks.close(connection);
      this.total -= 1;
    }
    this.serveWaiters();
    return suspect.length;
  }

  /**
   * Runs `work` on a leased connection and returns it to the pool afterwards. When the connection
   * turns out to have been dropped under the request (an idle reset by the server), the work is
   * retried, and since the connections idle beside it are closed with it, the retry runs on a
   * connection that answered recently or on a fresh one. Timeouts and directory answers are not
   * retried. A timeout also fails every caller waiting for a connection at that moment: a
   * directory that let one request time out is stuck for them too, and they should not queue for a
   * timeout of their own.
   */
  async use<R>(work: (connection: T) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt += 1) {
      const connection = await this.acquire();
      const since = stamp();
      let fault: ConnectionFault | undefined;
      try {
        return await work(connection);
      } catch (error) {
        if (error instanceof DirectoryUnavailableError && error.reason === 'timeout') this.failWaiters(error);
        fault = faultOf(error);
        if (fault !== 'lost' || attempt >= MAX_ATTEMPTS) throw error;
      } finally {
        if (fault === undefined) {
          this.release(connection);
        } else {
          // Suspects first: a waiter served by the discard must not be handed one of them.
          const dropped = this.distrustIdle(since);
          this.discard(connection);
          this.hooks.onFault?.({ connection, fault, since, dropped });
        }
      }
    }
  }

  /** Closes idle connections now and leased ones when they come back; waiting callers are refused. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new DirectoryUnavailableError('closed', { detail: 'the connection pool was closed' }));
    }
    for (const { connection } of this.idle.splice(0)) {
      this.hooks.close(connection);
      this.total -= 1;
    }
  }

  private failWaiters(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private takeIdle(): T | undefined {
    for (let idle = this.idle.pop(); idle !== undefined; idle = this.idle.pop()) {
      if (this.hooks.isUsable(idle.connection)) return idle.connection;
      this.hooks.close(idle.connection);
      this.total -= 1;
    }
    return undefined;
  }

  private async openCounted(): Promise<T> {
    this.total += 1;
    let connection: T;
    try {
      connection = await this.hooks.open();
    } catch (error) {
      this.total -= 1;
      this.failWaiters(error);
      throw error;
    }
    if (this.closed) {
      this.hooks.close(connection);
      this.total -= 1;
      throw new DirectoryUnavailableError('closed', { detail: 'the connection pool was closed' });
    }
    return connection;
  }

  private serveWaiters(): void {
    while (!this.closed && this.waiters.length > 0) {
      const idle = this.takeIdle();
      const waiter = this.waiters.shift()!;
      if (idle !== undefined) {
        waiter.resolve(idle);
      } else if (this.total < this.size) {
        this.openCounted().then(waiter.resolve, waiter.reject);
      } else {
        this.waiters.unshift(waiter);
        return;
      }
    }
  }
}
