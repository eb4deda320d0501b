/**
 * Sessions: a random 256-bit token given to the client once and stored only as its SHA-256, a
 * session secret that encrypts the session's traffic, and a validator the client must return
 * (proving it opened the user's private key) before the token is usable.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Database, SessionsTable } from '../db/schema.ts';

export type SessionRow = Selectable<SessionsTable>;

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
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two equal-length hex strings without leaking where they differ. */
export function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export class SessionStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  buildSession(input: NewSession): CreatedSession {
    const token = randomBytes(32).toString('hex');
    const now = this.now();
    const row: SessionRow = {
      id: randomUUID(),
      token_hash: hashToken(token),
      user_id: input.userId,
      secret: randomBytes(32).toString('hex'),
      validator: randomBytes(32).toString('hex'),
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

  async findByToken(token: string): Promise<SessionRow | undefined> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', hashToken(token))
      .executeTakeFirst();
  }

  async activate(sessionId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ active: 1, validator: null })
      .where('id', '=', sessionId)
      .where('active', '=', 0)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Ends one session of the user; false when the user has no such live session. */
  async end(userId: string, sessionId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ ended_at: this.now() })
      .where('id', '=', sessionId)
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async listLive(userId: string): Promise<SessionRow[]> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .where('valid_till', '>', this.now())
      .orderBy('created_at', 'desc')
      .execute();
  }

  /** Deletes sessions that ended or expired more than `graceMs` ago; returns how many. */
  async purge(graceMs = 7 * 24 * 3600 * 1000): Promise<number> {
    const cutoff = this.now() - graceMs;
    const result = await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('valid_till', '<', cutoff), eb('ended_at', '<', cutoff)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
