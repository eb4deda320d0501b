/**
 * `GET /metrics`: Prometheus metrics, for configured client addresses (`METRICS_ALLOWED_ADDRESSES`,
 * loopback by default) or with `Authorization: Bearer <METRICS_SECRET>` from anywhere. Everyone
 * else gets the API's 404, so the endpoint's existence is not advertised.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import { TrustedProxies } from '../http/client-address.ts';
import { METRICS_CONTENT_TYPE, type PrometheusMetrics } from '../metrics/server-metrics.ts';

export interface MetricsAccess {
  allowedAddresses: string[];
  secret?: string | undefined;
}

function bearerMatches(header: string | undefined, secret: string | undefined): boolean {
  if (!secret || !header) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function metricsRoutes(metrics: PrometheusMetrics, access: MetricsAccess): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const allowed = new TrustedProxies(access.allowedAddresses, 'METRICS_ALLOWED_ADDRESSES');
  app.get('/metrics', async (c) => {
    const permitted =
      allowed.has(c.get('clientAddress')) || bearerMatches(c.req.header('Authorization'), access.secret);
    if (!permitted) throw new ApiError('NOT_FOUND', 'metrics: address not allowed and no valid bearer token');
    const body = await metrics.render();
    return c.body(body, 200, { 'Content-Type': METRICS_CONTENT_TYPE });
  });
  return app;
}
