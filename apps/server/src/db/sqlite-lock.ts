/**
 * The one lock of an SQLite connection. SQLite has one connection per process here, and a
 * transaction that awaits between its statements leaves the event loop free for other requests:
 * their statements must wait until it commits, or they would join it. Kysely's driver (see
 * sqlite-dialect.ts) and the executor (executor.ts) take this same lock, so neither can interleave
 * with the other's transaction. A statement outside a transaction takes it without waiting when it
 * is free (the usual case), which is why it is not Kysely's own asynchronous mutex.
 */

/** How often statements and transactions waited for the lock, and how long in all. */
export interface SqliteLockStats {
  /** Acquisitions that found the lock held and waited, since the lock was made. */
  waits: number;
  /** Milliseconds those acquisitions waited in all. */
  waitMs: number;
}

export class SqliteLock {
  private held = false;
  private readonly waiting: (() => void)[] = [];
  private waits = 0;
  private waitMs = 0;

  /** The waits since this lock was made (for the metrics). */
  get stats(): SqliteLockStats {
    return { waits: this.waits, waitMs: this.waitMs };
  }

  /** Takes the lock if it is free; never waits. */
  tryAcquire(): boolean {
    if (this.held) return false;
    this.held = true;
    return true;
  }

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    const queued = performance.now();
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.waits += 1;
        this.waitMs += performance.now() - queued;
        resolve();
      }),
    );
  }

  /** Hands the lock to the next waiter, in arrival order, or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}
