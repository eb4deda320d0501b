import { isConnectionLost, isSilentConnection } from '../errors/error-mapping.ts';
import { DirectoryUnavailableError } from '../errors/errors.ts';

/**
 * A small pool of connections: at most `size` connections, opened lazily, checked before every
 * reuse, replaced when the server dropped them. Each connection carries up to `perConnection`
 * requests at once (LDAP message ids keep their answers apart): an idle connection is reused
 * first, then a new one opened, then the least busy one shared; a request waits only when every
 * connection is open and full.
 *
 * User binds change the whole connection's identity, so their pool leases exclusively
 * (`perConnection` 1), and so does work that keeps state on the connection (`exclusive`: paged
 * searches). Sharing has a price the pool keeps small: a timeout makes ldapts close the connection,
 * failing the requests beside it; they fail as timeouts too (not retried, the directory went
 * silent for them as well), and only the first reports the fault.
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
  /** Wants a connection to itself. */
  exclusive: boolean;
}

export interface LeaseOptions {
  /**
   * A connection that carries no other request while this one runs. For work that keeps state on
   * the connection between its requests: OpenLDAP keeps one paged-results cookie per connection,
   * so a paged search that needs a second page must not share its connection with another one.
   */
  exclusive?: boolean;
}

/** One open connection and the requests it carries. */
interface Slot<T> {
  connection: T;
  /** Requests running on it now (at most the pool's `perConnection`). */
  leases: number;
  /** Stamp taken when its last request finished (when it became idle). */
  since: number;
  /** The first fault a request on it reported; requests beside it share that fault. */
  fault?: ConnectionFault;
  /** Leased to one request that must not share it. */
  exclusive: boolean;
}

export interface PoolOptions {
  /**
   * How many requests one connection carries at once (LDAP message ids keep their answers
   * apart). 1 for connections whose identity a request changes (user binds).
   */
  perConnection?: number;
}

interface PoolStats {
  size: number;
  /** Requests one connection carries at once. */
  perConnection: number;
  /** Connections open or being opened, carrying requests or idle. */
  open: number;
  /** Connections carrying no request. */
  idle: number;
  /** Requests running on the pool's connections now. */
  inFlight: number;
  /** Most requests that ran at once since the pool was made. */
  inFlightPeak: number;
  waiting: number;
  /**
   * Leases that had to wait since the pool was made: every connection was open and carried its
   * `perConnection` requests, so the request queued until one of them finished.
   */
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
  private readonly perConnection: number;
  private readonly hooks: PoolHooks<T>;
  /** Every open connection (not those being opened), by connection. */
  private readonly slots = new Map<T, Slot<T>>();
  /** Idle connections in release order; the most recently used one is reused first, being the least likely to be stale. */
  private idle: Slot<T>[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private total = 0;
  private inFlight = 0;
  private inFlightPeak = 0;
  private closed = false;
  private waits = 0;
  private waitMs = 0;

  constructor(size: number, hooks: PoolHooks<T>, options: PoolOptions = {}) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`pool size must be a positive integer, got ${size}`);
    const perConnection = options.perConnection ?? 1;
    if (!Number.isInteger(perConnection) || perConnection < 1)
      throw new RangeError(`requests per connection must be a positive integer, got ${perConnection}`);
    this.size = size;
    this.perConnection = perConnection;
    this.hooks = hooks;
  }

  get stats(): PoolStats {
    return {
      size: this.size,
      perConnection: this.perConnection,
      open: this.total,
      idle: this.idle.length,
      inFlight: this.inFlight,
      inFlightPeak: this.inFlightPeak,
      waiting: this.waiters.length,
      waits: this.waits,
      waitMs: this.waitMs,
    };
  }

  /**
   * Leases a connection: an idle usable one, a new one while the pool is below its size, a busy
   * one that carries fewer than `perConnection` requests (the least busy), or the next one that
   * finishes a request. When opening fails (the directory is down), every caller waiting at that
   * moment gets the same error at once instead of queueing for its own timeout.
   */
  async acquire(options: LeaseOptions = {}): Promise<T> {
    if (this.closed)
      throw new DirectoryUnavailableError('closed', { detail: 'the connection pool is closed' });
    const exclusive = options.exclusive === true;
    // Behind queued callers only when they wait for what this one could take.
    if (this.waiters.length === 0) {
      const idle = this.takeIdle();
      if (idle !== undefined) return this.lease(idle, exclusive);
      if (this.total < this.size) return this.openCounted(exclusive);
      const shared = exclusive ? undefined : this.leastBusy();
      if (shared !== undefined) return this.lease(shared, false);
    }
    const queued = performance.now();
    const connection = await new Promise<T>((resolve, reject) =>
      this.waiters.push({ resolve, reject, exclusive }),
    );
    this.waits += 1;
    this.waitMs += performance.now() - queued;
    return connection;
  }

  /**
   * Ends one lease of a connection; a connection that is no longer usable is closed instead (the
   * requests still running on it fail with it, as they would have anyway).
   */
  release(connection: T): void {
    const slot = this.slots.get(connection);
    if (slot === undefined) return; // Discarded while this request ran on it.
    this.endLease(slot);
    if (!this.hooks.isUsable(connection)) {
      this.discard(connection);
      return;
    }
    if (this.closed) {
      if (slot.leases === 0) this.discard(connection);
      return;
    }
    if (slot.leases === 0) {
      slot.since = stamp();
      this.idle.push(slot);
    }
    this.serveWaiters();
  }

  /**
   * Closes a leased connection (the requests still running on it fail) and lets a waiting caller
   * open a replacement. Discarding a connection that is already gone does nothing.
   */
  discard(connection: T): void {
    const slot = this.slots.get(connection);
    if (slot === undefined) return;
    this.remove(slot);
    this.hooks.close(connection);
    this.serveWaiters();
  }

  /**
   * Closes every idle connection released before `since` (a stamp from a `FaultReport`): they sat
   * idle while another connection on the same path died or went silent. Returns how many.
   * Connections carrying requests are left to those requests.
   */
  distrustIdle(since: number): number {
    const suspect = this.idle.filter((idle) => idle.since < since);
    if (suspect.length === 0) return 0;
    for (const slot of suspect) {
      this.remove(slot);
      this.hooks.close(slot.connection);
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
   *
   * On a shared connection the first request to fail decides the fault: ldapts closes the
   * connection when one request times out, which fails the requests beside it as "connection
   * lost". Those share the timeout (a `timeout` error, not retried: the directory went silent for
   * them too), and only the first one reports the fault.
   */
  async use<R>(work: (connection: T) => Promise<R>, options: LeaseOptions = {}): Promise<R> {
    for (let attempt = 1; ; attempt += 1) {
      const connection = await this.acquire(options);
      const slot = this.slots.get(connection);
      const since = stamp();
      let fault: ConnectionFault | undefined;
      let firstFault = false;
      try {
        return await work(connection);
      } catch (error) {
        fault = faultOf(error);
        if (fault !== undefined && slot !== undefined) {
          if (slot.fault === undefined) {
            slot.fault = fault;
            firstFault = true;
          } else if (slot.fault === 'silent' && fault === 'lost') {
            fault = 'silent';
            throw new DirectoryUnavailableError('timeout', {
              detail:
                'a request beside this one on the same connection went unanswered; the connection was closed',
              cause: error,
            });
          }
        }
        if (error instanceof DirectoryUnavailableError && error.reason === 'timeout') this.failWaiters(error);
        if (fault !== 'lost' || attempt >= MAX_ATTEMPTS) throw error;
      } finally {
        if (fault === undefined) {
          this.release(connection);
        } else if (!firstFault) {
          // A request beside it already reported the fault and closed the connection.
          this.release(connection);
        } else {
          // Suspects first: a waiter served by the discard must not be handed one of them.
          const dropped = this.distrustIdle(since);
          if (slot !== undefined && this.slots.get(connection) === slot) this.endLease(slot);
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
    for (const slot of [...this.idle]) {
      this.remove(slot);
      this.hooks.close(slot.connection);
    }
  }

  private lease(slot: Slot<T>, exclusive: boolean): T {
    slot.leases += 1;
    slot.exclusive = exclusive;
    this.inFlight += 1;
    if (this.inFlight > this.inFlightPeak) this.inFlightPeak = this.inFlight;
    return slot.connection;
  }

  private endLease(slot: Slot<T>): void {
    slot.leases -= 1;
    slot.exclusive = false;
    this.inFlight -= 1;
  }

  /** Forgets a connection (its open count, its leases, its place among the idle). */
  private remove(slot: Slot<T>): void {
    this.slots.delete(slot.connection);
    const at = this.idle.indexOf(slot);
    if (at >= 0) this.idle.splice(at, 1);
    this.inFlight -= slot.leases;
    slot.leases = 0;
    this.total -= 1;
  }

  private failWaiters(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private takeIdle(): Slot<T> | undefined {
    for (let idle = this.idle.pop(); idle !== undefined; idle = this.idle.pop()) {
      if (this.hooks.isUsable(idle.connection)) return idle;
      this.idle.push(idle); // `remove` takes it out of the idle list.
      this.remove(idle);
      this.hooks.close(idle.connection);
    }
    return undefined;
  }

  /** The usable connection carrying the fewest requests, if one carries fewer than `perConnection`. */
  private leastBusy(): Slot<T> | undefined {
    if (this.perConnection === 1) return undefined;
    let best: Slot<T> | undefined;
    for (const slot of this.slots.values()) {
      if (slot.leases >= this.perConnection || slot.exclusive || slot.fault !== undefined) continue;
      if (best !== undefined && slot.leases >= best.leases) continue;
      if (this.hooks.isUsable(slot.connection)) best = slot;
    }
    return best;
  }

  private async openCounted(exclusive: boolean): Promise<T> {
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
    const slot: Slot<T> = { connection, leases: 0, since: stamp(), exclusive: false };
    this.slots.set(connection, slot);
    const leased = this.lease(slot, exclusive);
    // Requests that queued while it opened may share it right away.
    this.serveWaiters();
    return leased;
  }

  /** Serves queued callers in order; stops at the first one nothing is free for. */
  private serveWaiters(): void {
    while (!this.closed && this.waiters.length > 0) {
      const waiter = this.waiters[0]!;
      const idle = this.takeIdle();
      if (idle !== undefined) {
        this.waiters.shift();
        waiter.resolve(this.lease(idle, waiter.exclusive));
      } else if (this.total < this.size) {
        this.waiters.shift();
        this.openCounted(waiter.exclusive).then(waiter.resolve, waiter.reject);
      } else {
        const shared = waiter.exclusive ? undefined : this.leastBusy();
        if (shared === undefined) return;
        this.waiters.shift();
        waiter.resolve(this.lease(shared, false));
      }
    }
  }
}
