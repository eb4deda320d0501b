/**
 * Each login request is usable once. A captured request (its `login_info` boxed from a client key
 * pair to the server's key) would otherwise log in again every time it is sent, and a replayed
 * success would clear the username's failure counter. The guard stores a hash of the request's
 * client public key and nonce until the request is too old to be accepted at all: the client's
 * `device_time` inside the box bounds that, so the table holds only the last few minutes of logins.
 */
import { hash } from 'node:crypto';
import type { Executor } from '../db/executor.ts';
import { defineStatement, type Placeholders } from '../db/statement.ts';

/** How far a login's `device_time` may be from the server's clock, either way. */
export const LOGIN_REQUEST_MAX_SKEW_MS = 5 * 60 * 1000;

/** The request's `device_time` is missing, unreadable, or too far from now: it may be an old capture. */
export class LoginRequestExpired extends Error {
  override readonly name = 'LoginRequestExpired';
}

/** The request was used before. */
export class LoginRequestReplayed extends Error {
  override readonly name = 'LoginRequestReplayed';
}

const claim = defineStatement((db, p: Placeholders<{ hash: string; expiresAt: number }>) =>
  db
    .insertInto('login_requests')
    .values({ hash: p.hash, expires_at: p.expiresAt })
    .onConflict((conflict) => conflict.columns(['expires_at', 'hash']).doNothing()),
);

/** Deletes up to `limit` hashes of requests that expired before `before`; returns how many. */
export const deleteExpiredLoginRequests = defineStatement(
  (db, p: Placeholders<{ before: number; limit: number }>) =>
    db
      .deleteFrom('login_requests')
      .where(({ eb, refTuple, selectFrom }) =>
        eb(
          refTuple('expires_at', 'hash'),
          'in',
          selectFrom('login_requests')
            .select(['expires_at', 'hash'])
            .where('expires_at', '<', p.before)
            .orderBy('expires_at')
            .limit(p.limit)
            .$asTuple('expires_at', 'hash'),
        ),
      ),
);

export function loginRequestHash(publicKey: string, nonce: string): string {
  // 128 bits tell requests apart as well as 256 here, in half the index space.
  return hash('sha256', `${publicKey.toLowerCase()}:${nonce.toLowerCase()}`, 'hex').slice(0, 32);
}

/**
 * Marks the request used (in `tx`, the caller's transaction), or throws `LoginRequestExpired` /
 * `LoginRequestReplayed`.
 */
export async function claimLoginRequest(
  tx: Executor,
  request: { publicKey: string; nonce: string; deviceTime: string | null | undefined },
  now: number,
): Promise<void> {
  const deviceTime = request.deviceTime ? Date.parse(request.deviceTime) : Number.NaN;
  if (!Number.isFinite(deviceTime)) throw new LoginRequestExpired('login_info has no readable device_time');
  if (Math.abs(deviceTime - now) > LOGIN_REQUEST_MAX_SKEW_MS) {
    throw new LoginRequestExpired(
      `device_time is ${Math.round((now - deviceTime) / 1000)} s from the server's clock`,
    );
  }
  const { changes } = await tx.run(claim, {
    hash: loginRequestHash(request.publicKey, request.nonce),
    expiresAt: deviceTime + LOGIN_REQUEST_MAX_SKEW_MS,
  });
  if (changes === 0) throw new LoginRequestReplayed('this login request was used before');
}
