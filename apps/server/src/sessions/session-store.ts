/**
 * Sessions: a random 256-bit token given to the client once and stored only as its SHA-256, a
 * session secret that encrypts the session's traffic, and a validator the client must return
 * (proving it opened the user's private key) before the token is usable.
 */
import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Compilable, Selectable } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { SessionsTable, UsersTable } from '../db/schema.ts';
import { defineStatement, type Placeholders, rowOf } from '../db/statement.ts';

export type SessionRow = Selectable<SessionsTable>;
type UserRow = Selectable<UsersTable>;

/** A session with its account, as an authenticated request needs them. */
export interface SessionWithUser {
  session: SessionRow;
  user: UserRow;
}

/** Every users column but `id` (which is the session's `user_id`), read beside the session as `user_<column>`. */
const USER_COLUMNS = [
  'ldap_domain',
  'guid',
  'username',
  'email',
  'user_dn',
  'public_key',
  'private_key',
  'private_key_nonce',
  'secret_key',
  'secret_key_nonce',
  'user_sauce',
  'groups_fingerprint',
  'created_at',
  'last_login',
] as const satisfies readonly Exclude<keyof UsersTable, 'id'>[];

type SessionAndUserColumns = SessionRow & { [K in (typeof USER_COLUMNS)[number] as `user_${K}`]: UserRow[K] };

/** Every column of a session row, in table order. */
export const SESSION_COLUMNS = [
  'id',
  'token_hash',
  'user_id',
  'secret',
  'validator',
  'active',
  'device_fingerprint',
  'device_description',
  'client_address',
  'created_at',
  'valid_till',
  'ended_at',
] as const satisfies readonly (keyof SessionRow)[];

function splitSessionAndUser(row: SessionAndUserColumns): SessionWithUser {
  const columns = row as unknown as Record<string, unknown>;
  const session: Record<string, unknown> = {};
  for (const column of SESSION_COLUMNS) session[column] = columns[column];
  const user: Record<string, unknown> = { id: row.user_id };
  for (const column of USER_COLUMNS) user[column] = columns[`user_${column}`];
  return { session: session as SessionRow, user: user as UserRow };
}

export interface NewSession {
  userId: string;
  durationSeconds: number;
  deviceFingerprint: string;
  deviceDescription: string;
  clientAddress: string;
}

export interface CreatedSession {
  row: SessionRow;
  /** The token itself; returned to the client once and never stored. */
  token: string;
}

export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Compares two equal-length hex strings without leaking where they differ. */
export function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

// Session and account in one statement: every authenticated request reads both.
const withUserByTokenHash = defineStatement(
  (db, p: Placeholders<{ tokenHash: string }>) =>
    db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('sessions')
      .select(USER_COLUMNS.map((column) => `users.${column} as user_${column}` as const))
      .where('sessions.token_hash', '=', p.tokenHash) as never as Compilable<SessionAndUserColumns>,
);

const byTokenHash = defineStatement((db, p: Placeholders<{ tokenHash: string }>) =>
  db.selectFrom('sessions').selectAll().where('token_hash', '=', p.tokenHash),
);

const insertSession = defineStatement((db, p: Placeholders<SessionRow>) =>
  db.insertInto('sessions').values(rowOf(p, SESSION_COLUMNS)),
);

const activation = defineStatement((db, p: Placeholders<{ id: string }>) =>
  db
    .updateTable('sessions')
    .set({ active: 1, validator: null })
    .where('id', '=', p.id)
    .where('active', '=', 0)
    .where('ended_at', 'is', null),
);

const ending = defineStatement((db, p: Placeholders<{ id: string; userId: string; now: number }>) =>
  db
    .updateTable('sessions')
    .set({ ended_at: p.now })
    .where('id', '=', p.id)
    .where('user_id', '=', p.userId)
    .where('ended_at', 'is', null),
);

const liveOfUser = defineStatement((db, p: Placeholders<{ userId: string; now: number }>) =>
  db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', p.userId)
    .where('ended_at', 'is', null)
    .where('valid_till', '>', p.now)
    .orderBy('created_at', 'desc'),
);

/** Deletes up to `limit` sessions that ended or expired before `before`; returns how many. */
export const deleteOldSessions = defineStatement((db, p: Placeholders<{ before: number; limit: number }>) =>
  db.deleteFrom('sessions').where('id', 'in', (eb) =>
    eb
      .selectFrom('sessions')
      .select('id')
      .where((inner) => inner.or([inner('valid_till', '<', p.before), inner('ended_at', '<', p.before)]))
      .limit(p.limit),
  ),
);

/** Ended and expired sessions are kept this long for the sessions list and the audit by default. */
export const DEFAULT_SESSION_RETENTION_MS = 7 * 24 * 3600 * 1000;

export class SessionStore {
  constructor(
    private readonly executor: Executor,
    private readonly now: () => number = Date.now,
  ) {}

  buildSession(input: NewSession): CreatedSession {
    // One draw for the token, the secret and the validator: each call of Node's `randomBytes` costs
    // about 5 us whatever its size (a crypto job, OpenSSL's fork check), a third of them for 96 bytes.
    const random = randomBytes(96);
    const token = random.toString('hex', 0, 32);
    const now = this.now();
    const row: SessionRow = {
      id: randomUUID(),
      token_hash: hashToken(token),
      user_id: input.userId,
      secret: random.toString('hex', 32, 64),
      validator: random.toString('hex', 64, 96),
      active: 0,
      device_fingerprint: input.deviceFingerprint,
      device_description: input.deviceDescription,
      client_address: input.clientAddress,
      created_at: now,
      valid_till: now + input.durationSeconds * 1000,
      ended_at: null,
    };
    return { row, token };
  }

  /** Stores a session built by `buildSession` (in the login's transaction). */
  async insert(tx: Executor, row: SessionRow): Promise<void> {
    await tx.run(insertSession, row);
  }

  async findByToken(token: string): Promise<SessionRow | undefined> {
    return (await this.executor.run(byTokenHash, { tokenHash: hashToken(token) })).rows[0];
  }

  /** The session of `token` with its account; undefined for an unknown token. */
  async findWithUserByToken(token: string): Promise<SessionWithUser | undefined> {
    const { rows } = await this.executor.run(withUserByTokenHash, { tokenHash: hashToken(token) });
    return rows[0] === undefined ? undefined : splitSessionAndUser(rows[0]);
  }

  /** Activates an inactive live session (in `tx` when given); false when it ended or was activated. */
  async activate(sessionId: string, tx: Executor = this.executor): Promise<boolean> {
    return (await tx.run(activation, { id: sessionId })).changes === 1;
  }

  /** Ends one session of the user; false when the user has no such live session. */
  async end(userId: string, sessionId: string): Promise<boolean> {
    return (await this.executor.run(ending, { id: sessionId, userId, now: this.now() })).changes === 1;
  }

  async listLive(userId: string): Promise<SessionRow[]> {
    return (await this.executor.run(liveOfUser, { userId, now: this.now() })).rows;
  }
}
