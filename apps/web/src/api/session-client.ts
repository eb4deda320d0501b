import {
  AUTHORIZATION_VALIDATOR_HEADER,
  DecryptionError,
  encryptedSchema,
  fromHex,
  type LogoutRequest,
  nobleCrypto,
  type SessionSummary,
  sealAuthorizationValidator,
  sessionsReplySchema,
  tokenAuthorization,
  type UserProfile,
  userProfileSchema,
} from '@ldap-login/protocol';
import type { z } from 'zod';
import { ClientError } from './client-error.ts';
import { errorFromReply, type HttpRequest, sendJson } from './http.ts';
import { normaliseServerUrl } from './server-info.ts';

/** What a signed-in browser holds. The session secret never leaves the browser. */
export interface Session {
  serverUrl: string;
  /** the server's name from config.json, shown instead of its URL */
  serverTitle?: string;
  token: string;
  /** hex 32-byte secretbox key shared with the server for this session */
  sessionSecret: string;
  deviceFingerprint: string;
  username: string;
  validTill: string;
}

function decryptReply(body: unknown, session: Session): unknown {
  if (body === undefined) return undefined;
  const parsed = encryptedSchema.safeParse(body);
  if (!parsed.success) throw new ClientError('MALFORMED_RESPONSE', { detail: 'reply is not encrypted' });
  try {
    return JSON.parse(nobleCrypto.secretboxOpen(parsed.data, fromHex(session.sessionSecret)));
  } catch (error) {
    const reason = error instanceof DecryptionError ? 'does not decrypt' : 'is not JSON';
    throw new ClientError('MALFORMED_RESPONSE', { detail: `reply ${reason}` });
  }
}

/**
 * One call on an open session: body and reply encrypted with the session secret, the request
 * signed in time with `Authorization-Validator` (Psono's scheme).
 */
export async function sessionRequest(
  session: Session,
  method: HttpRequest['method'],
  path: string,
  body?: unknown,
  fetchImpl: typeof fetch = fetch,
): Promise<unknown> {
  const key = fromHex(session.sessionSecret);
  const reply = await sendJson(
    {
      method,
      url: `${normaliseServerUrl(session.serverUrl)}${path}`,
      headers: {
        Authorization: tokenAuthorization(session.token),
        [AUTHORIZATION_VALIDATOR_HEADER]: sealAuthorizationValidator(
          nobleCrypto,
          key,
          session.deviceFingerprint,
        ),
      },
      ...(body === undefined ? {} : { body: nobleCrypto.secretboxSeal(JSON.stringify(body), key) }),
    },
    fetchImpl,
  );
  // 401 replies are plain: the server cannot assume the caller still holds the secret.
  if (reply.status === 401) throw errorFromReply(reply.status, reply.body, reply.headers);
  const plain = decryptReply(reply.body, session);
  if (!reply.ok) throw errorFromReply(reply.status, plain, reply.headers);
  return plain;
}

export type { SessionSummary, UserProfile };

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ClientError('MALFORMED_RESPONSE', { detail: `${what}: ${parsed.error.message}` });
  return parsed.data;
}

export async function fetchProfile(session: Session, fetchImpl?: typeof fetch): Promise<UserProfile> {
  return parseOrThrow(
    userProfileSchema,
    await sessionRequest(session, 'GET', '/user/', undefined, fetchImpl),
    'user',
  );
}

export async function fetchSessions(session: Session, fetchImpl?: typeof fetch): Promise<SessionSummary[]> {
  const reply = await sessionRequest(session, 'GET', '/authentication/sessions/', undefined, fetchImpl);
  return parseOrThrow(sessionsReplySchema, reply, 'sessions').sessions;
}

/** Ends the current session, or another of the same user's sessions when `sessionId` is given. */
export async function logout(session: Session, sessionId?: string, fetchImpl?: typeof fetch): Promise<void> {
  await sessionRequest(
    session,
    'POST',
    '/authentication/logout/',
    { session_id: sessionId ?? null } satisfies LogoutRequest,
    fetchImpl,
  );
}
