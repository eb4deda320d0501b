/**
 * The audit trail: logins (with the exact reason for refusals), logouts, key updates, directory
 * checks. Every event is one row of `audit_events`; repeated throttling refusals of one key in one
 * window share one row that counts them, with one log line, so a flood of refused attempts costs
 * neither unbounded rows nor unbounded log lines.
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Logger } from 'pino';
import type { Executor } from './db/executor.ts';
import type { AuditEventsTable } from './db/schema.ts';
import { defineStatement, type Placeholders, rowOf } from './db/statement.ts';

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

export type AuditRow = Omit<Selectable<AuditEventsTable>, 'occurrences'>;

const AUDIT_COLUMNS = [
  'id',
  'at',
  'event',
  'outcome',
  'username',
  'user_id',
  'client_address',
  'reason',
  'details',
] as const satisfies readonly (keyof AuditRow)[];

const insertEvent = defineStatement((db, p: Placeholders<AuditRow>) =>
  db.insertInto('audit_events').values(rowOf(p, AUDIT_COLUMNS)),
);

/** One row per (key, window): inserted by the first refusal, counted up by the next ones. */
const countRefusal = defineStatement((db, p: Placeholders<AuditRow>) =>
  db
    .insertInto('audit_events')
    .values(rowOf(p, AUDIT_COLUMNS))
    .onConflict((conflict) =>
      conflict.column('id').doUpdateSet((eb) => ({ occurrences: eb('audit_events.occurrences', '+', 1) })),
    )
    .returning('occurrences'),
);

/**
 * A UUID whose first 48 bits are the time `at` in milliseconds (the layout of UUID version 7) and
 * whose other 74 bits are random (taken from a version 4 UUID): ids of later events sort after
 * earlier ones. SQLite keeps `audit_events` in the order of its id (WITHOUT ROWID, migration 0007),
 * so each new row lands on the last page of the table instead of a random one: one page written per
 * event, and no page split in the middle of the table.
 */
export function timeOrderedId(at: number): string {
  const time = Math.max(0, Math.min(Math.floor(at), 0xffff_ffff_ffff))
    .toString(16)
    .padStart(12, '0');
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx, V in 8..b
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}

/** The stored row of an event (a fresh, time-ordered id; `at` defaults to now). */
export function auditRow(event: AuditEvent): AuditRow {
  const at = event.at ?? Date.now();
  return {
    id: timeOrderedId(at),
    at,
    event: event.event,
    outcome: event.outcome,
    username: event.username ?? null,
    user_id: event.userId ?? null,
    client_address: event.clientAddress ?? null,
    reason: event.reason ?? null,
    details: event.details ? JSON.stringify(event.details) : null,
  };
}

/**
 * Stores one audit event (in the caller's transaction when `executor` is one).
 *
 * @example
 * await recordAuditEvent(executorFor(db), { event: 'testldap', outcome: 'failure', username: 'alice@example.com', reason: 'USER_NOT_FOUND' });
 */
export async function recordAuditEvent(executor: Executor, event: AuditEvent): Promise<void> {
  await executor.run(insertEvent, auditRow(event));
}

export interface AuditServices {
  executor: Executor;
  logger: Logger;
  now: () => number;
}

function logRefusal(logger: Logger, event: AuditEvent, extra: Record<string, unknown> = {}): void {
  logger.warn(
    {
      event: event.event,
      outcome: event.outcome,
      user: event.username,
      clientAddress: event.clientAddress,
      reason: event.reason,
      ...extra,
    },
    `${event.event} refused`,
  );
}

/**
 * Records an audit event without holding up the reply; a refusal is also logged. A failure to
 * record is logged, never turned into a failed request.
 */
export function audit(services: AuditServices, event: AuditEvent): void {
  if (event.outcome === 'failure') logRefusal(services.logger, event);
  recordAuditEvent(services.executor, { ...event, at: event.at ?? services.now() }).catch(
    (error: unknown) => {
      services.logger.error({ err: error, event: event.event }, 'audit event not recorded');
    },
  );
}

/**
 * Records a refusal that repeats for as long as a throttling window lasts: the first one of
 * (`summaryKey`, `windowStart`) stores a row and writes a log line, the next ones only count up
 * that row's `occurrences` (across replicas too: the row's id is derived from the key and window).
 */
export function auditRepeatedRefusal(
  services: AuditServices,
  event: AuditEvent,
  summary: { key: string; windowStart: number },
): void {
  const row = { ...auditRow({ ...event, at: event.at ?? services.now() }) };
  row.id = `refusals:${summary.key}:${summary.windowStart}`;
  row.details = JSON.stringify({ ...event.details, window_start: summary.windowStart });
  services.executor
    .run(countRefusal, row)
    .then(({ rows }) => {
      if (rows[0]?.occurrences === 1) {
        logRefusal(services.logger, event, { repeatsCountedIn: 'audit_events.occurrences' });
      }
    })
    .catch((error: unknown) => {
      services.logger.error({ err: error, event: event.event }, 'audit event not recorded');
    });
}
