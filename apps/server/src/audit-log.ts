import { type AuditEvent, recordAuditEvent } from './audit.ts';
import type { ApiServices } from './http/services.ts';

/**
 * Records an audit event without holding up the reply; a failure to record is logged, never
 * turned into a failed request.
 */
export function audit(services: Pick<ApiServices, 'db' | 'logger' | 'now'>, event: AuditEvent): void {
  if (event.outcome === 'failure') {
    services.logger.warn(
      {
        event: event.event,
        outcome: event.outcome,
        user: event.username,
        clientAddress: event.clientAddress,
        reason: event.reason,
      },
      `${event.event} refused`,
    );
  }
  recordAuditEvent(services.db, { ...event, at: event.at ?? services.now() }).catch((error: unknown) => {
    services.logger.error({ err: error, event: event.event }, 'audit event not recorded');
  });
}
