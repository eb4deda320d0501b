/**
 * Counts vault reads and writes for the metrics at the edge of the vault routes, so that every
 * route under these prefixes is counted without code of its own: a successful GET is a read,
 * a successful PUT, POST or DELETE a write. Routes may also call `VaultMetrics` directly.
 */
import type { MiddlewareHandler } from 'hono';
import type { VaultMetrics } from './server-metrics.ts';

/** Psono's vault resources (SPEC 9 and 10), by the first segment of their path under `/server/`. */
export const VAULT_RESOURCES = ['datastore', 'secret', 'history', 'share', 'group', 'membership'] as const;

export function countVaultOperations(metrics: VaultMetrics, resource: string): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.res.status >= 300) return;
    const method = c.req.method;
    if (method === 'GET') metrics.vaultRead(resource);
    else if (method === 'PUT' || method === 'POST' || method === 'DELETE') metrics.vaultWrite(resource);
  };
}
