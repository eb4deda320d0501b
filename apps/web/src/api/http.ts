import { ApiError } from '@ldap-login/protocol';
import { ClientError } from './client-error.ts';

/** How long a call may take before the server counts as offline. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What the user is told about a server's refusal, read with the protocol's error codes. */
function errorFor(status: number, body: unknown, retryAfter: string | null): ClientError {
  const refusal = ApiError.fromReply(status, body, retryAfter);
  const detail = refusal.reason ?? refusal.code;
  switch (refusal.code) {
    case 'TOO_MANY_LOGIN_ATTEMPTS': {
      const seconds = refusal.retryAfterSeconds;
      return new ClientError('THROTTLED', {
        detail,
        cause: refusal,
        ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
      });
    }
    case 'DIRECTORY_UNAVAILABLE':
      return new ClientError('DIRECTORY_UNAVAILABLE', { detail, cause: refusal });
    case 'AUTHENTICATION_METHOD_NOT_ALLOWED':
      return new ClientError('LDAP_NOT_OFFERED', { detail, cause: refusal });
    case 'USERNAME_OR_PASSWORD_WRONG':
      return new ClientError('WRONG_CREDENTIALS', { detail, cause: refusal });
    case 'NOT_FOUND':
      // The API answers every route this client calls: a 404 means the configured URL leads elsewhere.
      return new ClientError('MALFORMED_RESPONSE', { detail, cause: refusal });
    default:
      // Every 401 means the token no longer opens a session, whatever the code.
      if (refusal.status === 401) return new ClientError('SESSION_EXPIRED', { detail, cause: refusal });
      return new ClientError('SERVER_ERROR', { detail, cause: refusal });
  }
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
    throw new ClientError('SERVER_OFFLINE', {
      detail: error instanceof Error ? error.message : String(error),
    });
  } finally {
    clearTimeout(timer);
  }
  // Proxies answer 502/504 (often with HTML) when the server behind them is down.
  if (response.status === 502 || response.status === 504) {
    throw new ClientError('SERVER_OFFLINE', { detail: `HTTP ${response.status}` });
  }
  let body: unknown;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      if (response.ok) throw new ClientError('MALFORMED_RESPONSE', { detail: `${request.url}: not JSON` });
    }
  }
  return { status: response.status, ok: response.ok, headers: response.headers, body };
}

/** Turns an error reply (its body already decrypted where it was encrypted) into an ClientError. */
export function errorFromReply(status: number, body: unknown, headers: Headers): ClientError {
  return errorFor(status, body, headers.get('Retry-After'));
}

/** One unauthenticated JSON call: the reply body on success, an ClientError otherwise. */
export async function requestJson(request: HttpRequest, fetchImpl: typeof fetch = fetch): Promise<unknown> {
  const reply = await sendJson(request, fetchImpl);
  if (!reply.ok) throw errorFromReply(reply.status, reply.body, reply.headers);
  return reply.body;
}
