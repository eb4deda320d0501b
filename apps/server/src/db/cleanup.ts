/**
 * Periodic, bounded removal of what the server no longer needs: throttling counters whose window
 * has ended, hashes of login requests too old to be accepted anyway, sessions ended or expired
 * longer ago than the retention, and audit events older than theirs. Each table is cleaned in
 * batches of `batchSize` rows, at most `maxBatches` per table and run, so a large backlog is worked
 * off over several runs instead of holding the database for long.
 */
import type { Logger } from 'pino';
import { deleteOldSessions } from '../sessions/session-store.ts';
import { deleteExpiredCounters } from '../throttle/login-throttle.ts';
import { deleteExpiredLoginRequests } from '../throttle/replay-guard.ts';
import type { Executor } from './executor.ts';
import { defineStatement, type Placeholders } from './statement.ts';

const DAY_MS = 24 * 3600 * 1000;

const deleteOldAuditEvents = defineStatement((db, p: Placeholders<{ before: number; limit: number }>) =>
  db
    .deleteFrom('audit_events')
    .where('id', 'in', (eb) =>
      eb.selectFrom('audit_events').select('id').where('at', '<', p.before).limit(p.limit),
    ),
);

export interface RetentionPolicy {
  auditRetentionDays: number;
  sessionRetentionDays: number;
  /** The throttling window: a counter whose window ended counts nothing any more. */
  throttleWindowSeconds: number;
}

export interface CleanupResult {
  throttleCounters: number;
  loginRequests: number;
  sessions: number;
  auditEvents: number;
}

export async function cleanUpOnce(
  executor: Executor,
  policy: RetentionPolicy,
  now: number,
  bounds: { batchSize?: number; maxBatches?: number } = {},
): Promise<CleanupResult> {
  const batchSize = bounds.batchSize ?? 1000;
  const maxBatches = bounds.maxBatches ?? 20;
  const sweep = async (statement: typeof deleteOldAuditEvents, before: number): Promise<number> => {
    let removed = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const { changes } = await executor.run(statement, { before, limit: batchSize });
      removed += changes;
      if (changes < batchSize) break;
    }
    return removed;
  };
  return {
    throttleCounters: await sweep(deleteExpiredCounters, now - policy.throttleWindowSeconds * 1000),
    loginRequests: await sweep(deleteExpiredLoginRequests, now),
    sessions: await sweep(deleteOldSessions, now - policy.sessionRetentionDays * DAY_MS),
    auditEvents: await sweep(deleteOldAuditEvents, now - policy.auditRetentionDays * DAY_MS),
  };
}

/**
 * Runs `cleanUpOnce` every `intervalSeconds` (first run after one interval) until `stop()`.
 * Replicas sharing a database may each run it: the deletes do not conflict.
 */
export function startCleanup(options: {
  executor: Executor;
  policy: RetentionPolicy;
  intervalSeconds: number;
  logger: Logger;
  now?: () => number;
}): { stop(): Promise<void> } {
  const now = options.now ?? Date.now;
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = cleanUpOnce(options.executor, options.policy, now())
      .then((removed) => {
        const total = Object.values(removed).reduce((sum, count) => sum + count, 0);
        if (total > 0) options.logger.info({ removed }, 'old records removed');
      })
      .catch((error: unknown) => options.logger.error({ err: error }, 'cleanup of old records failed'))
      .finally(() => {
        running = undefined;
      });
  }, options.intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
