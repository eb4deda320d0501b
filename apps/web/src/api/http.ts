import { ApiError } from './api-error.ts';

/** How long a call may take before the server counts as offline. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Server codes that all mean "these credentials do not open an account". */
const CREDENTIAL_CODES = new Set(['USERNAME_OR_PASSWORD_WRONG']);

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function firstErrorCode(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  for (const key of ['non_field_errors', 'detail', 'error', 'code']) {
    const value = record[key];
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  for (const value of Object.values(record)) {
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

function errorFor(status: number, body: unknown, retryAfter: string | null): ApiError {
  const code = firstErrorCode(body);
  if (status === 429) {
    const seconds = parseRetryAfter(retryAfter);
    return new ApiError('THROTTLED', {
      detail: code ?? 'HTTP 429',
      ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
    });
  }
  if (status === 503) return new ApiError('DIRECTORY_UNAVAILABLE', { detail: code ?? 'HTTP 503' });
  if (status === 401) return new ApiError('SESSION_EXPIRED', { detail: code ?? 'HTTP 401' });
  if (code === 'AUTHENTICATION_METHOD_NOT_ALLOWED') return new ApiError('LDAP_NOT_OFFERED', { detail: code });
  if (code && CREDENTIAL_CODES.has(code)) return new ApiError('WRONG_CREDENTIALS', { detail: code });
  return new ApiError('SERVER_ERROR', { detail: `HTTP ${status}${code ? ` ${code}` : ''}` });
}

export interface HttpReply {
  status: number;
  ok: boolean;
  headers: Headers;
  /** parsed JSON, or undefined for an empty body */
  body: unknown;
}

/**
 * Sends one JSON request and reads the JSON reply without judging its status. Network failures
 * and timeouts become SERVER_OFFLINE, a successful reply that is not JSON MALFORMED_RESPONSE.
 */
export async function sendJson(request: HttpRequest, fetchImpl: typeof fetch = fetch): Promise<HttpReply> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(request.url, {
      method: request.method,
      headers: {
        Accept: 'application/json',
        ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...request.headers,
      },
      body: request.body === undefined ? null : JSON.stringify(request.body),
      signal: controller.signal,
      // The server's device cookie (HttpOnly, SameSite=Strict, login path only) lets a browser that
      // logged in before past its username's lockout; same-origin requests carry it, others nothing.
      credentials: 'same-origin',
    });
    text = await response.text();
  } catch (error) {
    throw new ApiError('SERVER_OFFLINE', { detail: error instanceof Error ? error.message : String(error) });
  } finally {
    clearTimeout(timer);
  }
  // Proxies answer 502/504 (often with HTML) when the server behind them is down.
  if (response.status === 502 || response.status === 504) {
    throw new ApiError('SERVER_OFFLINE', { detail: `HTTP ${response.status}` });
  }
  let body: unknown;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      if (response.ok) throw new ApiError('MALFORMED_RESPONSE', { detail: `${request.url}: not JSON` });
    }
  }
  return { status: response.status, ok: response.ok, headers: response.headers, body };
}

/** Turns an error reply (its body already decrypted where it was encrypted) into an ApiError. */
export function errorFromReply(status: number, body: unknown, headers: Headers): ApiError {
  return errorFor(status, body, headers.get('Retry-After'));
}

/** One unauthenticated JSON call: the reply body on success, an ApiError otherwise. */
export async function requestJson(request: HttpRequest, fetchImpl: typeof fetch = fetch): Promise<unknown> {
  const reply = await sendJson(request, fetchImpl);
  if (!reply.ok) throw errorFromReply(reply.status, reply.body, reply.headers);
  return reply.body;
}
