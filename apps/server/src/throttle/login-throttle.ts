/**
 * Failed-login throttling per username and per client address, checked before the directory is
 * asked, so that guessing cannot trip the directory's own lockout policy for a user. The counters
 * live in the database: replicas sharing PostgreSQL share them. A login costs one indexed read;
 * only failures write.
 */
import { sql } from 'kysely';
import { type Placeholders, PreparedQuery } from '../db/prepared-query.ts';
import type { Database } from '../db/schema.ts';

export interface ThrottleLimits {
  usernameFailures: number;
  addressFailures: number;
  windowSeconds: number;
}

export type ThrottleVerdict =
  /** `usernameHasFailures`: a success must clear the username's counter (otherwise nothing to write). */
  | { allowed: true; usernameHasFailures: boolean }
  | { allowed: false; retryAfterSeconds: number; key: 'username' | 'address' };

const usernameKey = (username: string) => `user:${username.toLowerCase()}`;
const addressKey = (address: string) => `addr:${address}`;

type CounterRow = { key: string; failures: number; window_start: number };

export class LoginThrottle {
  /** Runs before every login: compiled once (see prepared-query.ts). */
  private readonly counters: PreparedQuery<{ usernameKey: string; addressKey: string }, CounterRow>;

  constructor(
    private readonly db: Database,
    private readonly limits: ThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.counters = new PreparedQuery((p: Placeholders<{ usernameKey: string; addressKey: string }>) =>
      db
        .selectFrom('login_throttle')
        .select(['key', 'failures', 'window_start'])
        .where('key', 'in', [p.usernameKey, p.addressKey]),
    );
  }

  async check(username: string, address: string): Promise<ThrottleVerdict> {
    const keys = [usernameKey(username), addressKey(address)];
    const { rows } = await this.counters.execute(this.db, { usernameKey: keys[0]!, addressKey: keys[1]! });
    const now = this.now();
    const windowMs = this.limits.windowSeconds * 1000;
    for (const row of rows) {
      if (row.window_start + windowMs <= now) continue;
      const isUsername = row.key === keys[0];
      const limit = isUsername ? this.limits.usernameFailures : this.limits.addressFailures;
      if (row.failures >= limit) {
        return {
          allowed: false,
          key: isUsername ? 'username' : 'address',
          retryAfterSeconds: Math.max(1, Math.ceil((row.window_start + windowMs - now) / 1000)),
        };
      }
    }
    return { allowed: true, usernameHasFailures: rows.some((row) => row.key === keys[0]) };
  }

  /** Counts one failure for both keys; a window that has run out starts again at 1. */
  async recordFailure(username: string, address: string): Promise<void> {
    const now = this.now();
    const expired = now - this.limits.windowSeconds * 1000;
    for (const key of [usernameKey(username), addressKey(address)]) {
      await this.db
        .insertInto('login_throttle')
        .values({ key, failures: 1, window_start: now })
        .onConflict((conflict) =>
          conflict.column('key').doUpdateSet({
            failures: sql<number>`case when login_throttle.window_start <= ${expired} then 1 else login_throttle.failures + 1 end`,
            window_start: sql<number>`case when login_throttle.window_start <= ${expired} then ${now} else login_throttle.window_start end`,
          }),
        )
        .execute();
    }
  }

  /** A successful login clears the username's counter (the address keeps its count). */
  async recordSuccess(username: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('key', '=', usernameKey(username)).execute();
  }
}
