import { z } from 'zod';
import { DecryptionError, secretboxDecrypt, secretboxEncrypt } from '../crypto/nacl.ts';
import { ApiError } from './api-error.ts';
import { errorFromReply, type HttpRequest, sendJson } from './http.ts';
import { normaliseServerUrl } from './server-info.ts';

/** What a signed-in browser holds. The session secret never leaves the browser. */
export interface Session {
  serverUrl: string;
  token: string;
  /** hex 32-byte secretbox key shared with the server for this session */
  sessionSecret: string;
  deviceFingerprint: string;
  username: string;
  validTill: string;
}

const encryptedSchema = z.object({ text: z.string(), nonce: z.string() });

function validatorHeader(session: Session): string {
  const claim = JSON.stringify({
    request_time: new Date().toISOString(),
    request_device_fingerprint: session.deviceFingerprint,
  });
  return JSON.stringify(secretboxEncrypt(claim, session.sessionSecret));
}

function decryptReply(body: unknown, session: Session): unknown {
  if (body === undefined) return undefined;
  const parsed = encryptedSchema.safeParse(body);
  if (!parsed.success) throw new ApiError('MALFORMED_RESPONSE', { detail: 'reply is not encrypted' });
  try {
    return JSON.parse(secretboxDecrypt(parsed.data, session.sessionSecret));
  } catch (error) {
    const reason = error instanceof DecryptionError ? 'does not decrypt' : 'is not JSON';
    throw new ApiError('MALFORMED_RESPONSE', { detail: `reply ${reason}` });
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
  const reply = await sendJson(
    {
      method,
      url: `${normaliseServerUrl(session.serverUrl)}${path}`,
      headers: {
        Authorization: `Token ${session.token}`,
        'Authorization-Validator': validatorHeader(session),
      },
      ...(body === undefined ? {} : { body: secretboxEncrypt(JSON.stringify(body), session.sessionSecret) }),
    },
    fetchImpl,
  );
  // 401 replies are plain: the server cannot assume the caller still holds the secret.
  if (reply.status === 401) throw errorFromReply(reply.status, reply.body, reply.headers);
  const plain = decryptReply(reply.body, session);
  if (!reply.ok) throw errorFromReply(reply.status, plain, reply.headers);
  return plain;
}

const groupSchema = z.object({ dn: z.string(), name: z.string() });

const profileSchema = z.looseObject({
  id: z.string(),
  username: z.string(),
  email: z.string().nullish(),
  authentication: z.string().optional(),
  domain: z.string().nullish(),
  groups: z.array(groupSchema).default([]),
  session_valid_till: z.string().nullish(),
  created_at: z.string().nullish(),
  last_login: z.string().nullish(),
});

export type UserProfile = z.infer<typeof profileSchema>;

const sessionsSchema = z.object({
  sessions: z.array(
    z.looseObject({
      id: z.string(),
      create_date: z.string().nullish(),
      valid_till: z.string().nullish(),
      device_description: z.string().nullish(),
      current_session: z.boolean().default(false),
      active: z.boolean().default(true),
    }),
  ),
});

export type SessionSummary = z.infer<typeof sessionsSchema>['sessions'][number];

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ApiError('MALFORMED_RESPONSE', { detail: `${what}: ${parsed.error.message}` });
  return parsed.data;
}

export async function fetchProfile(session: Session, fetchImpl?: typeof fetch): Promise<UserProfile> {
  return parseOrThrow(
    profileSchema,
    await sessionRequest(session, 'GET', '/user/', undefined, fetchImpl),
    'user',
  );
}

export async function fetchSessions(session: Session, fetchImpl?: typeof fetch): Promise<SessionSummary[]> {
  const reply = await sessionRequest(session, 'GET', '/authentication/sessions/', undefined, fetchImpl);
  return parseOrThrow(sessionsSchema, reply, 'sessions').sessions;
}

/** Ends the current session, or another of the same user's sessions when `sessionId` is given. */
export async function logout(session: Session, sessionId?: string, fetchImpl?: typeof fetch): Promise<void> {
  await sessionRequest(
    session,
    'POST',
    '/authentication/logout/',
    { session_id: sessionId ?? null },
    fetchImpl,
  );
}
