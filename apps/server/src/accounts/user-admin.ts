/**
 * What `manage users` and `manage sessions` do: list and show accounts, block and unblock them,
 * list and end sessions. Blocking ends every session of the user at once and refuses their logins
 * (the client sees the usual generic refusal; the log and audit say `USER_BLOCKED`).
 */
import { recordAuditEvent } from '../audit.ts';
import { executorFor } from '../db/executor.ts';
import type { Database } from '../db/schema.ts';

export interface UserSummary {
  id: string;
  username: string;
  domain: string;
  email: string | null;
  dn: string;
  createdAt: string;
  lastLogin: string;
  /** ISO time of the block, or null. */
  blockedAt: string | null;
  liveSessions: number;
}

export interface SessionSummary {
  id: string;
  userId: string;
  username: string;
  active: boolean;
  device: string;
  clientAddress: string;
  createdAt: string;
  validTill: string;
}

const iso = (ms: number) => new Date(Number(ms)).toISOString();

/** Every account (or those whose username contains `search`), by username. */
export async function listUsers(db: Database, now: number, search?: string): Promise<UserSummary[]> {
  const query = db
    .selectFrom('users')
    .leftJoin('user_blocks', 'user_blocks.user_id', 'users.id')
    .select((eb) => [
      'users.id',
      'users.username',
      'users.ldap_domain',
      'users.email',
      'users.user_dn',
      'users.created_at',
      'users.last_login',
      'user_blocks.blocked_at',
      eb
        .selectFrom('sessions')
        .select((inner) => inner.fn.countAll<number>().as('n'))
        .whereRef('sessions.user_id', '=', 'users.id')
        .where('sessions.ended_at', 'is', null)
        .where('sessions.valid_till', '>', now)
        .as('live_sessions'),
    ]);
  const rows = await query.orderBy('users.username').execute();
  const wanted = search?.toLowerCase();
  return rows
    .filter((row) => wanted === undefined || row.username.includes(wanted))
    .map((row) => ({
      id: row.id,
      username: row.username,
      domain: row.ldap_domain,
      email: row.email,
      dn: row.user_dn,
      createdAt: iso(row.created_at),
      lastLogin: iso(row.last_login),
      blockedAt: row.blocked_at === null ? null : iso(row.blocked_at),
      liveSessions: Number(row.live_sessions ?? 0),
    }));
}

/** The account named `idOrUsername` (its id, or its canonical username, case-insensitive). */
export async function findUser(
  db: Database,
  now: number,
  idOrUsername: string,
): Promise<UserSummary | undefined> {
  const wanted = idOrUsername.toLowerCase();
  return (await listUsers(db, now)).find((user) => user.id === idOrUsername || user.username === wanted);
}

/** Blocks the user and ends their sessions in one transaction; returns the sessions ended. */
export async function blockUser(
  db: Database,
  userId: string,
  now: number,
  reason: string | null,
): Promise<number> {
  const sessions = await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('user_blocks')
      .values({ user_id: userId, blocked_at: now, reason })
      .onConflict((conflict) => conflict.column('user_id').doNothing())
      .execute();
    const ended = await trx
      .updateTable('sessions')
      .set({ ended_at: now })
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(ended.numUpdatedRows);
  });
  await recordAuditEvent(executorFor(db), {
    event: 'user_blocked',
    outcome: 'success',
    userId,
    reason,
    details: { sessions },
    at: now,
  });
  return sessions;
}

/** Lifts the block; false when the user was not blocked. */
export async function unblockUser(db: Database, userId: string, now: number): Promise<boolean> {
  const result = await db.deleteFrom('user_blocks').where('user_id', '=', userId).executeTakeFirst();
  const lifted = Number(result.numDeletedRows) === 1;
  if (lifted)
    await recordAuditEvent(executorFor(db), { event: 'user_unblocked', outcome: 'success', userId, at: now });
  return lifted;
}

/** Live sessions, newest first: of one user, or all. */
export async function listSessions(db: Database, now: number, userId?: string): Promise<SessionSummary[]> {
  let query = db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.user_id',
      'users.username',
      'sessions.active',
      'sessions.device_description',
      'sessions.client_address',
      'sessions.created_at',
      'sessions.valid_till',
    ])
    .where('sessions.ended_at', 'is', null)
    .where('sessions.valid_till', '>', now);
  if (userId !== undefined) query = query.where('sessions.user_id', '=', userId);
  const rows = await query.orderBy('sessions.created_at', 'desc').execute();
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    username: row.username,
    active: Number(row.active) === 1,
    device: row.device_description,
    clientAddress: row.client_address,
    createdAt: iso(row.created_at),
    validTill: iso(row.valid_till),
  }));
}

/** Ends live sessions: one by id, every one of a user, or all; returns how many ended. */
export async function revokeSessions(
  db: Database,
  now: number,
  which: { sessionId: string } | { userId: string } | { all: true },
): Promise<number> {
  let query = db.updateTable('sessions').set({ ended_at: now }).where('ended_at', 'is', null);
  if ('sessionId' in which) query = query.where('id', '=', which.sessionId);
  else if ('userId' in which) query = query.where('user_id', '=', which.userId);
  const ended = Number((await query.executeTakeFirst()).numUpdatedRows);
  if (ended > 0) {
    await recordAuditEvent(executorFor(db), {
      event: 'sessions_ended',
      outcome: 'success',
      userId: 'userId' in which ? which.userId : null,
      reason: 'revoked-by-administrator',
      details: { sessions: ended, ...('sessionId' in which ? { session: which.sessionId } : {}) },
      at: now,
    });
  }
  return ended;
}
