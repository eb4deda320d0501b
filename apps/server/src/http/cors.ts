/**
 * CORS for the API: Psono's browser extensions call it from their own origin. Only the origins in
 * `CORS_ALLOWED_ORIGINS` are answered (none by default), each echoed back by name, never `*`, and
 * no credentials are allowed: the API authenticates with headers, not cookies.
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** Headers the clients send on authenticated calls. */
const ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'Authorization-Validator'];

/** Undefined when no origin is allowed: then preflights get the API's usual 404. */
export function apiCors(allowedOrigins: readonly string[]): MiddlewareHandler | undefined {
  if (allowedOrigins.length === 0) return undefined;
  const allowed = new Set(allowedOrigins.map((origin) => origin.toLowerCase()));
  return cors({
    origin: (origin) => (allowed.has(origin.toLowerCase()) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'],
    allowHeaders: ALLOWED_HEADERS,
    exposeHeaders: ['Retry-After'],
    maxAge: 600,
    credentials: false,
  });
}
