/**
 * Liveness and readiness, apart from the detailed `/healthcheck/`:
 * - `GET /live/`: 200 while the process answers HTTP at all (restart it when this fails);
 * - `GET /ready/`: 200 when new requests are welcome (database answers, not stopping), else 503
 *   (send traffic elsewhere, but do not restart). Both are cheap: no directory is asked.
 */
import { Hono } from 'hono';
import { pingDatabase } from '../db/migrations.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { ApiServices } from '../http/services.ts';
import type { ServerLifecycle } from '../lifecycle.ts';

export function probeRoutes(
  services: Pick<ApiServices, 'db' | 'logger'>,
  lifecycle: ServerLifecycle,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.get('/live', (c) => c.json({ live: true }));
  app.get('/ready', async (c) => {
    if (lifecycle.draining) return c.json({ ready: false, reason: 'stopping' }, 503);
    try {
      await pingDatabase(services.db);
    } catch (error) {
      services.logger.error({ err: error }, 'readiness: database unreachable');
      return c.json({ ready: false, reason: 'database' }, 503);
    }
    return c.json({ ready: true });
  });
  return app;
}
