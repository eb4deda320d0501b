import { isConnectionLost } from './error-mapping.ts';
import { DirectoryUnavailableError } from './errors.ts';

/**
 * A small pool of connections with exclusive leases: at most `size` connections, opened lazily,
 * checked before every reuse, replaced when the server dropped them.
 *
 * A lease is exclusive because a bind changes the whole connection's identity; multiplexing
 * searches would also let one timed-out request tear down its neighbours.
 */

export interface PoolHooks<T> {
  /** Opens a ready connection (for the service pool: connected and bound). */
  open(): Promise<T>;
  /** Whether an idle connection may be handed out again (still connected, still bound as expected). */
  isUsable(connection: T): boolean;
  /** Ends a connection; must not throw. */
  close(connection: T): void;
}

interface Waiter<T> {
  resolve(connection: T): void;
  reject(error: unknown): void;
}

export interface PoolStats {
  size: number;
  /** Connections open or being opened, leased or idle. */
  open: number;
  idle: number;
  waiting: number;
}

/** How often `use` runs its work when connections keep turning out dead (idle resets of the whole pool). */
const MAX_ATTEMPTS = 3;

export class ConnectionPool<T> {
  private readonly size: number;
  private readonly hooks: PoolHooks<T>;
  /** Idle connections; the most recently used one is reused first, so it is the least likely to be stale. */
  private readonly idle: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private total = 0;
  private closed = false;

  constructor(size: number, hooks: PoolHooks<T>) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`pool size must be a positive integer, got ${size}`);
    this.size = size;
    this.hooks = hooks;
  }

  get stats(): PoolStats {
    return { size: this.size, open: this.total, idle: this.idle.length, waiting: this.waiters.length };
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
    return new Promise<T>((resolve, reject) => this.waiters.push({ resolve, reject }));
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
      this.idle.push(connection);
    }
  }

  /** Closes a leased connection and lets a waiting caller open a replacement. */
  discard(connection: T): void {
    this.hooks.close(connection);
    this.total -= 1;
    this.serveWaiters();
  }

  /**
   * Runs `work` on a leased connection and returns it to the pool afterwards. When the connection
   * turns out to have been dropped under the request (an idle reset by the server), the work is
   * retried on another connection; timeouts and directory answers are not retried. A timeout also
   * fails every caller waiting for a connection at that moment: a directory that let one request
   * time out is stuck for them too, and they should not queue for a timeout of their own.
   */
  async use<R>(work: (connection: T) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt += 1) {
      const connection = await this.acquire();
      let lost = false;
      try {
        return await work(connection);
      } catch (error) {
        if (error instanceof DirectoryUnavailableError && error.reason === 'timeout') this.failWaiters(error);
        lost = isConnectionLost(error);
        if (!lost || attempt >= MAX_ATTEMPTS) throw error;
      } finally {
        if (lost) this.discard(connection);
        else this.release(connection);
      }
    }
  }

  /** Closes idle connections now and leased ones when they come back; waiting callers are refused. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new DirectoryUnavailableError('closed', { detail: 'the connection pool was closed' }));
    }
    for (const connection of this.idle.splice(0)) {
      this.hooks.close(connection);
      this.total -= 1;
    }
  }

  private failWaiters(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private takeIdle(): T | undefined {
    for (let connection = this.idle.pop(); connection !== undefined; connection = this.idle.pop()) {
      if (this.hooks.isUsable(connection)) return connection;
      this.hooks.close(connection);
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
