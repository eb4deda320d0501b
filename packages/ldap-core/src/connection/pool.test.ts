import { TimeLimitExceededError } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { DirectoryUnavailableError } from '../errors/errors.ts';
import { ConnectionPool, type FaultReport } from './pool.ts';

interface FakeConnection {
  id: number;
  alive: boolean;
  closed: boolean;
}

function fakePool(
  size: number,
  options: {
    perConnection?: number;
    failOpen?: () => Error | undefined;
    openDelayMs?: number;
    onFault?: (report: FaultReport<FakeConnection>) => void;
  } = {},
) {
  const opened: FakeConnection[] = [];
  const pool = new ConnectionPool<FakeConnection>(
    size,
    {
      onFault: options.onFault,
      open: async () => {
        if (options.openDelayMs) await new Promise((resolve) => setTimeout(resolve, options.openDelayMs));
        const failure = options.failOpen?.();
        if (failure) throw failure;
        const connection = { id: opened.length + 1, alive: true, closed: false };
        opened.push(connection);
        return connection;
      },
      isUsable: (connection) => connection.alive && !connection.closed,
      close: (connection) => {
        connection.closed = true;
      },
    },
    { perConnection: options.perConnection },
  );
  return { pool, opened };
}

describe('ConnectionPool', () => {
  it('opens lazily and reuses a released connection', async () => {
    const { pool, opened } = fakePool(4);
    expect(opened).toHaveLength(0);
    const first = await pool.use(async (connection) => connection.id);
    const second = await pool.use(async (connection) => connection.id);
    expect([first, second]).toEqual([1, 1]);
    expect(opened).toHaveLength(1);
  });

  it('never opens more than its size and queues the rest', async () => {
    const { pool, opened } = fakePool(2);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        pool.use(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(opened).toHaveLength(2);
    expect(pool.stats).toMatchObject({ size: 2, open: 2, idle: 2, waiting: 0 });
    // The eight beyond the size waited, each about one 5 ms lease or more.
    expect(pool.stats.waits).toBe(8);
    expect(pool.stats.waitMs).toBeGreaterThanOrEqual(8 * 4);
  });

  it('shares a connection between up to perConnection requests, and queues beyond that', async () => {
    const { pool, opened } = fakePool(2, { perConnection: 3 });
    const onEach = new Map<number, number>();
    let peakOnOne = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        pool.use(async (connection) => {
          onEach.set(connection.id, (onEach.get(connection.id) ?? 0) + 1);
          peakOnOne = Math.max(peakOnOne, onEach.get(connection.id)!);
          await new Promise((resolve) => setTimeout(resolve, 5));
          onEach.set(connection.id, onEach.get(connection.id)! - 1);
        }),
      ),
    );
    expect(opened).toHaveLength(2);
    expect(peakOnOne).toBe(3);
    expect(pool.stats).toMatchObject({ open: 2, idle: 2, inFlight: 0, inFlightPeak: 6, perConnection: 3 });
    // Both connections were being opened when the first ten arrived: eight waited for them.
    expect(pool.stats.waits).toBe(8);
  });

  it('gives an exclusive lease a connection of its own, and queues it until one is idle', async () => {
    const { pool } = fakePool(1, { perConnection: 4 });
    await pool.use(async () => undefined); // opened
    const order: string[] = [];
    let releaseShared: () => void = () => undefined;
    const shared = pool.use(async (connection) => {
      order.push(`shared on ${connection.id}`);
      await new Promise<void>((resolve) => {
        releaseShared = resolve;
      });
    });
    const exclusive = pool.use(
      async (connection) => {
        order.push(`exclusive on ${connection.id}`);
        expect(pool.stats.inFlight).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      { exclusive: true },
    );
    // Queued behind the exclusive one, although the connection has room for it.
    const later = pool.use(async () => order.push('later'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(order).toEqual(['shared on 1']);
    releaseShared();
    await Promise.all([shared, exclusive, later]);
    expect(order).toEqual(['shared on 1', 'exclusive on 1', 'later']);
  });

  it('counts no wait while a connection is free', async () => {
    const { pool } = fakePool(2);
    for (let round = 0; round < 3; round += 1) await pool.use(async () => undefined);
    expect(pool.stats).toMatchObject({ waits: 0, waitMs: 0 });
  });

  it('replaces a connection that died while idle', async () => {
    const { pool, opened } = fakePool(1);
    await pool.use(async () => undefined);
    opened[0]!.alive = false;
    const id = await pool.use(async (connection) => connection.id);
    expect(id).toBe(2);
    expect(opened[0]!.closed).toBe(true);
  });

  it('retries work whose connection was lost under it, on a fresh connection', async () => {
    const { pool, opened } = fakePool(1);
    let calls = 0;
    const result = await pool.use(async (connection) => {
      calls += 1;
      if (calls === 1) {
        connection.alive = false;
        throw new Error('Connection closed before message response was received.');
      }
      return connection.id;
    });
    expect(result).toBe(2);
    expect(opened[0]!.closed).toBe(true);
    expect(pool.stats.open).toBe(1);
  });

  it('does not retry timeouts or directory answers, and gives up after three lost connections', async () => {
    const { pool } = fakePool(1);
    let calls = 0;
    await expect(
      pool.use(async () => {
        calls += 1;
        throw new DirectoryUnavailableError('timeout');
      }),
    ).rejects.toThrow('timeout');
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      pool.use(async () => {
        calls += 1;
        throw new DirectoryUnavailableError('connection-lost');
      }),
    ).rejects.toThrow('connection-lost');
    expect(calls).toBe(3);
  });

  it('returns a connection after a failed piece of work that left it usable', async () => {
    const { pool, opened } = fakePool(1);
    await expect(
      pool.use(async () => {
        throw new Error('wrong password');
      }),
    ).rejects.toThrow('wrong password');
    await pool.use(async () => undefined);
    expect(opened).toHaveLength(1);
  });

  it('fails every waiting caller at once when the directory cannot be reached', async () => {
    let failing = false;
    let failedOpens = 0;
    const { pool } = fakePool(1, {
      openDelayMs: 20,
      failOpen: () => {
        if (!failing) return undefined;
        failedOpens += 1;
        return new DirectoryUnavailableError('unreachable');
      },
    });
    const connection = await pool.acquire();
    failing = true;
    const waiting = Array.from({ length: 5 }, () => pool.acquire());
    connection.alive = false;
    pool.release(connection);
    const results = await Promise.allSettled(waiting);
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    // At once: one failed attempt answers them all, where a queue would try again for each waiter
    // (counted, not timed: a busy machine stretches the time of one attempt as much as of five).
    expect(failedOpens).toBe(1);
    expect(pool.stats).toMatchObject({ size: 1, open: 0, idle: 0, waiting: 0 });
  });

  it('closes idle connections, refuses waiters and closes leased ones when they return', async () => {
    const { pool, opened } = fakePool(1);
    const leased = await pool.acquire();
    const waiter = pool.acquire();
    pool.close();
    await expect(waiter).rejects.toBeInstanceOf(DirectoryUnavailableError);
    pool.release(leased);
    expect(opened[0]!.closed).toBe(true);
    await expect(pool.acquire()).rejects.toThrow('closed');
  });
});

describe('ConnectionPool with a stuck directory', () => {
  it('fails the callers waiting behind a request that timed out, instead of queueing them for more timeouts', async () => {
    const { pool } = fakePool(1);
    let releaseFirst: () => void = () => undefined;
    const first = pool.use(
      (connection) =>
        new Promise((_, reject) => {
          releaseFirst = () => {
            connection.alive = false;
            reject(new DirectoryUnavailableError('timeout'));
          };
        }),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    let secondRan = false;
    const second = pool.use(async () => {
      secondRan = true;
    });
    releaseFirst();
    await expect(first).rejects.toMatchObject({ reason: 'timeout' });
    await expect(second).rejects.toMatchObject({ reason: 'timeout' });
    expect(secondRan).toBe(false);
    await expect(pool.use(async (connection) => connection.id)).resolves.toBe(2);
  });
});

/** A full pool whose connections are all idle: `size` requests at once, each holding its connection a moment. */
async function fillPool(pool: ConnectionPool<FakeConnection>, size: number): Promise<void> {
  await Promise.all(
    Array.from({ length: size }, () => pool.use(() => new Promise((resolve) => setTimeout(resolve, 5)))),
  );
}

describe('ConnectionPool when idle connections share a fate', () => {
  /** Connections the network killed or silenced without telling anyone: they look usable until used. */
  function workOn(doomed: Set<FakeConnection>, error: () => Error) {
    return async (connection: FakeConnection) => {
      if (doomed.has(connection)) {
        connection.alive = false;
        throw error();
      }
      return connection.id;
    };
  }

  it('retries on a fresh connection when every idle connection died unnoticed, at the cost of one failure', async () => {
    const reports: FaultReport<FakeConnection>[] = [];
    const { pool, opened } = fakePool(4, { onFault: (report) => reports.push(report) });
    await fillPool(pool, 4);
    expect(pool.stats).toMatchObject({ open: 4, idle: 4 });
    const doomed = new Set(opened);
    let calls = 0;
    const work = workOn(doomed, () => new DirectoryUnavailableError('connection-lost'));
    const id = await pool.use((connection) => {
      calls += 1;
      return work(connection);
    });
    expect(id).toBe(5);
    expect(calls).toBe(2);
    expect(opened.slice(0, 4).every((connection) => connection.closed)).toBe(true);
    expect(pool.stats).toMatchObject({ size: 4, open: 1, idle: 1, waiting: 0 });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ fault: 'lost', dropped: 3 });
  });

  it('closes the idle connections beside one that went silent, so that only one request pays the timeout', async () => {
    const reports: FaultReport<FakeConnection>[] = [];
    const { pool, opened } = fakePool(3, { onFault: (report) => reports.push(report) });
    await fillPool(pool, 3);
    const work = workOn(new Set(opened), () => new DirectoryUnavailableError('timeout'));
    let calls = 0;
    await expect(
      pool.use((connection) => {
        calls += 1;
        return work(connection);
      }),
    ).rejects.toMatchObject({ reason: 'timeout' });
    expect(calls).toBe(1);
    expect(opened.every((connection) => connection.closed)).toBe(true);
    expect(reports).toEqual([expect.objectContaining({ fault: 'silent', dropped: 2 })]);
    await expect(pool.use(work)).resolves.toBe(4);
  });

  it('keeps connections that answered after the failed request began', async () => {
    const { pool, opened } = fakePool(2);
    await fillPool(pool, 2);
    let failFirst: () => void = () => undefined;
    let calls = 0;
    const first = pool.use((connection) => {
      calls += 1;
      if (calls > 1) return Promise.resolve(connection.id);
      return new Promise<number>((_, reject) => {
        failFirst = () => {
          connection.alive = false;
          reject(new DirectoryUnavailableError('connection-lost'));
        };
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    // The other connection answers, and goes back to the pool, while the first request is running.
    const answered = await pool.use(async (connection) => connection.id);
    failFirst();
    // The retry runs on the connection that answered: it is neither closed nor replaced.
    await expect(first).resolves.toBe(answered);
    expect(opened).toHaveLength(2);
    expect(opened.find((connection) => connection.id === answered)!.closed).toBe(false);
    expect(pool.stats).toMatchObject({ open: 1, idle: 1 });
  });

  it('keeps its idle connections after a directory answer or a time limit the directory enforced', async () => {
    const { pool, opened } = fakePool(2);
    await fillPool(pool, 2);
    await expect(
      pool.use(async () => {
        throw new Error('wrong password');
      }),
    ).rejects.toThrow('wrong password');
    const timeLimit = new DirectoryUnavailableError('timeout', { cause: new TimeLimitExceededError() });
    await expect(
      pool.use(async () => {
        throw timeLimit;
      }),
    ).rejects.toBe(timeLimit);
    expect(opened.some((connection) => connection.closed)).toBe(false);
    expect(pool.stats).toMatchObject({ open: 2, idle: 2 });
  });

  it('lets another pool distrust its idle connections from a fault report', async () => {
    const { pool: sibling, opened: siblingOpened } = fakePool(2);
    await fillPool(sibling, 2);
    const { pool, opened } = fakePool(1, { onFault: (report) => sibling.distrustIdle(report.since) });
    await fillPool(pool, 1);
    await expect(
      pool.use(workOn(new Set(opened), () => new DirectoryUnavailableError('timeout'))),
    ).rejects.toMatchObject({ reason: 'timeout' });
    expect(siblingOpened.every((connection) => connection.closed)).toBe(true);
    expect(sibling.stats).toMatchObject({ open: 0, idle: 0 });
    await expect(sibling.use(async (connection) => connection.id)).resolves.toBe(3);
  });
});
