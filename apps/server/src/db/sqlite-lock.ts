/**
 * The one lock of an SQLite connection. SQLite has one connection per process here, and a
 * transaction that awaits between its statements leaves the event loop free for other requests:
 * their statements must wait until it commits, or they would join it. Kysely's driver (see
 * sqlite-dialect.ts) and the executor (executor.ts) take this same lock, so neither can interleave
 * with the other's transaction. A statement outside a transaction takes it without waiting when it
 * is free (the usual case), which is why it is not Kysely's own asynchronous mutex.
 */
/** Waits for an SQLite lock in this process (one database per process), for the metrics. */
const lockWaits = { waits: 0, waitMs: 0 };

/** How often a statement or transaction waited for the lock, and how long in all, since start. */
export function sqliteLockWaits(): { waits: number; waitMs: number } {
  return { ...lockWaits };
}

export class SqliteLock {
  private held = false;
  private readonly waiting: (() => void)[] = [];

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
        lockWaits.waits += 1;
        lockWaits.waitMs += performance.now() - queued;
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
