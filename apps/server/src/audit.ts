/** Audit trail: logins (with the exact reason for refusals), logouts, key updates, directory checks. */
import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { AuditEventsTable, DatabaseSchema } from './db/schema.ts';

export interface AuditEvent {
  /** What happened, for example `login`, `logout`, `keys_updated`, `testldap`, `syncldap`. */
  event: string;
  outcome: 'success' | 'failure';
  username?: string | null;
  userId?: string | null;
  clientAddress?: string | null;
  /** The precise reason (never shown to the client), for example `INVALID_CREDENTIALS`. */
  reason?: string | null;
  /** Extra structured facts; must never contain passwords, keys or tokens. */
  details?: Record<string, unknown> | null;
  /** Milliseconds since the epoch; defaults to now. */
  at?: number;
}

/**
 * Stores one audit event.
 *
 * @example
 * await recordAuditEvent(db, { event: 'testldap', outcome: 'failure', username: 'alice@example.com', reason: 'USER_NOT_FOUND' });
 */
export async function recordAuditEvent(db: Kysely<DatabaseSchema>, event: AuditEvent): Promise<void> {
  await db.insertInto('audit_events').values(auditRow(event)).execute();
}

/** The stored row of an event (a fresh id; `at` defaults to now). */
export function auditRow(event: AuditEvent): Required<Insertable<AuditEventsTable>> {
  return {
    id: randomUUID(),
    at: event.at ?? Date.now(),
    event: event.event,
    outcome: event.outcome,
    username: event.username ?? null,
    user_id: event.userId ?? null,
    client_address: event.clientAddress ?? null,
    reason: event.reason ?? null,
    details: event.details ? JSON.stringify(event.details) : null,
  };
}
