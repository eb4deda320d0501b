/**
 * Failed-login throttling per username and per client address, decided before the directory is
 * asked, so that guessing cannot trip the directory's own lockout policy for a user.
 *
 * Each attempt reserves its place first: one atomic upsert per key (username and address) counts
 * it, and the counts are read back in the same transaction (the upsert holds the rows), in the
 * database, so concurrent attempts and replicas sharing PostgreSQL cannot all read "below the
 * limit" before any of them is counted. An attempt over either limit is
 * rolled back (it counted nothing) and refused. What happens to a reservation afterwards:
 * - the directory refused the password: it stays, as the failure;
 * - the login succeeded: the username's counter is cleared (one statement with the next point)
 *   and the address's reservation returned;
 * - the directory could not answer: both reservations are returned (an outage is nobody's failure).
 *
 * An attempt from a known device (a valid device token for the username, see device-token.ts) is
 * not counted against the username's shared counter, which anyone can fill, but against the
 * device's own counter (its own small limit) and against one counter for all the username's
 * devices together (the username's limit). So a stranger locking the username out does not lock
 * out its owner's devices, and what reaches the directory for one username in one window stays
 * bounded: at most the username's limit from unknown devices plus the username's limit from
 * known ones. A device's success clears its counters but never the username's shared one.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import { defineStatement, type Placeholders } from '../db/statement.ts';

export interface ThrottleLimits {
  usernameFailures: number;
  /** Failures allowed to one known device per window. */
  deviceFailures: number;
  addressFailures: number;
  windowSeconds: number;
}

/**
 * A counted attempt: the keys and the windows it was counted in. For a known device `usernameKey`
 * is the counter of all the username's devices, and `device` the device's own counter.
 */
export interface ThrottleReservation {
  usernameKey: string;
  device?: { key: string; windowStart: number };
  addressKey: string;
  usernameWindowStart: number;
  addressWindowStart: number;
}

/** The attempt is over a limit: nothing was counted. */
export class LoginThrottled extends Error {
  override readonly name = 'LoginThrottled';
  constructor(
    readonly key: 'username' | 'address' | 'device',
    /** The counter's key and window, which a summary of repeated refusals is kept under. */
    readonly counterKey: string,
    readonly windowStart: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`throttled by ${key}`);
  }
}

const USERNAME_PREFIX = 'user:';
const ADDRESS_PREFIX = 'addr:';
const DEVICE_PREFIX = 'device:';
const KNOWN_DEVICES_PREFIX = 'devices:';
export const usernameKey = (username: string) => `${USERNAME_PREFIX}${username.toLowerCase()}`;
export const addressKey = (address: string) => `${ADDRESS_PREFIX}${address}`;
export const deviceKey = (deviceId: string) => `${DEVICE_PREFIX}${deviceId}`;
export const knownDevicesKey = (username: string) => `${KNOWN_DEVICES_PREFIX}${username.toLowerCase()}`;

type CounterRow = { key: string; failures: number; window_start: number };

// The counts are read back by `countersOf` rather than with RETURNING: on SQLite a RETURNING
// statement builds a temporary table at every run, whose page cache (about 90 KB) glibc takes from
// the top of the heap and gives back with brk() when it is freed. With the deployment's fixed
// MALLOC_MMAP_THRESHOLD_ that was two brk() calls per login, each flushing the TLBs of every CPU
// the process runs on: about 0.45 ms of CPU per login, a fifth of the login in server-cost.

/** Counts one attempt for both keys (a window that has run out starts again at 1). */
const countAttempt = defineStatement(
  (db, p: Placeholders<{ usernameKey: string; addressKey: string; now: number; expired: number }>) =>
    db
      .insertInto('login_throttle')
      .values([
        { key: p.usernameKey, failures: 1, window_start: p.now },
        { key: p.addressKey, failures: 1, window_start: p.now },
      ])
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet({
          failures: sql<number>`case when login_throttle.window_start <= ${p.expired} then 1 else login_throttle.failures + 1 end`,
          window_start: sql<number>`case when login_throttle.window_start <= ${p.expired} then ${p.now} else login_throttle.window_start end`,
        }),
      ),
);

/** Counts one attempt of a known device: its own counter, its username's devices' and the address's. */
const countDeviceAttempt = defineStatement(
  (
    db,
    p: Placeholders<{
      deviceKey: string;
      usernameKey: string;
      addressKey: string;
      now: number;
      expired: number;
    }>,
  ) =>
    db
      .insertInto('login_throttle')
      .values([
        { key: p.deviceKey, failures: 1, window_start: p.now },
        { key: p.usernameKey, failures: 1, window_start: p.now },
        { key: p.addressKey, failures: 1, window_start: p.now },
      ])
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet({
          failures: sql<number>`case when login_throttle.window_start <= ${p.expired} then 1 else login_throttle.failures + 1 end`,
          window_start: sql<number>`case when login_throttle.window_start <= ${p.expired} then ${p.now} else login_throttle.window_start end`,
        }),
      ),
);

/**
 * The counters an attempt was just counted in (the transaction's own writes; their rows stay
 * locked on PostgreSQL until it ends). Without a device, `device` repeats the username's key.
 */
const countersOf = defineStatement(
  (db, p: Placeholders<{ deviceKey: string; usernameKey: string; addressKey: string }>) =>
    db
      .selectFrom('login_throttle')
      .select(['key', 'failures', 'window_start'])
      .where('key', 'in', [p.deviceKey, p.usernameKey, p.addressKey]),
);

/** After a known device's success: its own counter starts afresh. */
const clearCounter = defineStatement((db, p: Placeholders<{ key: string }>) =>
  db.updateTable('login_throttle').set({ failures: 0 }).where('key', '=', p.key),
);

/** After a success: the username's counter starts afresh, the address gets this attempt back. */
const releaseAfterSuccess = defineStatement(
  (db, p: Placeholders<{ usernameKey: string; addressKey: string; addressWindowStart: number }>) =>
    db
      .updateTable('login_throttle')
      .set({
        failures: sql<number>`case when key = ${p.usernameKey} then 0 else failures - 1 end`,
      })
      .where((eb) =>
        eb.or([
          eb('key', '=', p.usernameKey),
          eb.and([
            eb('key', '=', p.addressKey),
            eb('window_start', '=', p.addressWindowStart),
            eb('failures', '>', 0),
          ]),
        ]),
      ),
);

/** Gives one attempt back, unless its window has run out meanwhile (a new window never counted it). */
const returnAttempt = defineStatement((db, p: Placeholders<{ key: string; windowStart: number }>) =>
  db
    .updateTable('login_throttle')
    .set((eb) => ({ failures: eb('failures', '-', 1) }))
    .where('key', '=', p.key)
    .where('window_start', '=', p.windowStart)
    .where('failures', '>', 0),
);

/** Deletes up to `limit` counters whose window ended before `before`; returns how many. */
export const deleteExpiredCounters = defineStatement(
  (db, p: Placeholders<{ before: number; limit: number }>) =>
    db
      .deleteFrom('login_throttle')
      .where('key', 'in', (eb) =>
        eb.selectFrom('login_throttle').select('key').where('window_start', '<', p.before).limit(p.limit),
      ),
);

export class LoginThrottle {
  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get windowMs(): number {
    return this.limits.windowSeconds * 1000;
  }

  /**
   * Counts the attempt for `username` and `address`, or throws `LoginThrottled` (and rolls back)
   * when either is over its limit. Runs in `tx`, a transaction the caller commits.
   */
  async reserve(
    tx: Executor,
    username: string,
    address: string,
    deviceId?: string,
  ): Promise<ThrottleReservation> {
    const now = this.now();
    const expired = now - this.windowMs;
    const forAddress = addressKey(address);
    const forUsername = deviceId === undefined ? usernameKey(username) : knownDevicesKey(username);
    const forDevice = deviceId === undefined ? undefined : deviceKey(deviceId);
    if (forDevice === undefined) {
      await tx.run(countAttempt, { usernameKey: forUsername, addressKey: forAddress, now, expired });
    } else {
      await tx.run(countDeviceAttempt, {
        deviceKey: forDevice,
        usernameKey: forUsername,
        addressKey: forAddress,
        now,
        expired,
      });
    }
    const { rows } = await tx.run(countersOf, {
      deviceKey: forDevice ?? forUsername,
      usernameKey: forUsername,
      addressKey: forAddress,
    });
    // Told apart by prefix, not by the whole key: SQLite hands text back only up to a NUL character,
    // which a hostile username may hold.
    const byPrefix = (prefix: string): CounterRow => {
      const row = rows.find((candidate) => candidate.key.startsWith(prefix));
      if (!row) throw new Error('the throttle counters were not returned');
      return row;
    };
    const usernameRow = byPrefix(deviceId === undefined ? USERNAME_PREFIX : KNOWN_DEVICES_PREFIX);
    const addressRow = byPrefix(ADDRESS_PREFIX);
    const deviceRow = forDevice === undefined ? undefined : byPrefix(DEVICE_PREFIX);
    const checks: [LoginThrottled['key'], CounterRow, number][] = [
      [deviceId === undefined ? 'username' : 'device', usernameRow, this.limits.usernameFailures],
      ['address', addressRow, this.limits.addressFailures],
    ];
    if (deviceRow) checks.unshift(['device', deviceRow, this.limits.deviceFailures]);
    for (const [which, row, limit] of checks) {
      if (row.failures > limit) {
        const retryAfterSeconds = Math.max(1, Math.ceil((row.window_start + this.windowMs - now) / 1000));
        throw new LoginThrottled(which, row.key, row.window_start, retryAfterSeconds);
      }
    }
    return {
      usernameKey: forUsername,
      addressKey: forAddress,
      usernameWindowStart: usernameRow.window_start,
      addressWindowStart: addressRow.window_start,
      ...(forDevice === undefined
        ? {}
        : { device: { key: forDevice, windowStart: deviceRow!.window_start } }),
    };
  }

  /** After a successful login, in its transaction: the username starts afresh, the address gets its attempt back. */
  async releaseAfterSuccess(tx: Executor, reservation: ThrottleReservation): Promise<void> {
    await tx.run(releaseAfterSuccess, reservation);
    if (reservation.device) await tx.run(clearCounter, { key: reservation.device.key });
  }

  /** After an attempt that the directory could not answer: neither key counts it. */
  async releaseUncounted(executor: Executor, reservation: ThrottleReservation): Promise<void> {
    await executor.transaction(async (tx) => {
      await tx.run(returnAttempt, {
        key: reservation.usernameKey,
        windowStart: reservation.usernameWindowStart,
      });
      await tx.run(returnAttempt, {
        key: reservation.addressKey,
        windowStart: reservation.addressWindowStart,
      });
      if (reservation.device) await tx.run(returnAttempt, reservation.device);
    });
  }
}
