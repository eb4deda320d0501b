import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { executorFor } from './executor.ts';
import { SqliteLock } from './sqlite-lock.ts';
import { defineStatement } from './statement.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SqliteLock', () => {
  it('hands the lock on in arrival order and counts only the acquisitions that waited', async () => {
    const lock = new SqliteLock();
    await lock.acquire();
    expect(lock.tryAcquire()).toBe(false);
    const order: string[] = [];
    const first = lock.acquire().then(() => order.push('first'));
    const second = lock.acquire().then(() => order.push('second'));
    await sleep(20);
    expect(order).toEqual([]);
    lock.release();
    await first;
    lock.release();
    await second;
    expect(order).toEqual(['first', 'second']);
    lock.release();
    expect(lock.tryAcquire()).toBe(true);
    lock.release();

    // Two waited (one of them 20 ms or more); the refused tryAcquire and the free takes did not.
    const { waits, waitMs } = lock.stats;
    expect(waits).toBe(2);
    expect(waitMs).toBeGreaterThanOrEqual(19);
  });

  it('keeps its counts on the instance: another lock (another database) starts at zero', async () => {
    const busy = new SqliteLock();
    await busy.acquire();
    const waiting = busy.acquire();
    busy.release();
    await waiting;
    busy.release();
    expect(busy.stats.waits).toBe(1);
    expect(new SqliteLock().stats).toEqual({ waits: 0, waitMs: 0 });
  });
});

describe("the SQLite executor's lock waits", () => {
  const selectOne = defineStatement((db) => db.selectNoFrom(sql<number>`1`.as('one')));

  it('counts a statement that waited for an open transaction, per database', async () => {
    const db = openDatabase({ kind: 'sqlite', file: ':memory:' });
    const other = openDatabase({ kind: 'sqlite', file: ':memory:' });
    try {
      const executor = executorFor(db);
      expect(executor.lockStats?.()).toEqual({ waits: 0, waitMs: 0 });
      await executor.run(selectOne, {});
      expect(executor.lockStats?.().waits).toBe(0);

      let statement: Promise<unknown> | undefined;
      await executor.transaction(async (tx) => {
        await tx.run(selectOne, {});
        // Another request's statement, while this transaction awaits: it waits for the commit.
        statement = executor.run(selectOne, {});
        await sleep(15);
      });
      await statement;
      const stats = executor.lockStats?.();
      expect(stats?.waits).toBe(1);
      expect(stats?.waitMs).toBeGreaterThanOrEqual(14);
      expect(executorFor(other).lockStats?.()).toEqual({ waits: 0, waitMs: 0 });
    } finally {
      await db.destroy();
      await other.destroy();
    }
  });
});
