/**
 * Authentication of API calls: `Authorization: Token <token>` plus Psono's `Authorization-Validator`
 * header (the encrypted request time and device fingerprint, which binds the call to the session
 * secret and limits replays to a time window).
 */
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { fromHex } from '../crypto/hex.ts';
import { decryptWithKey } from '../crypto/nacl.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import { ApiError } from './api-error.ts';
import type { AppEnv } from './app-env.ts';
import { encryptedValueSchema } from './encrypted-body.ts';

/** How far a client's clock may be from ours (Psono's clients send their own time). */
export const REQUEST_TIME_TOLERANCE_MS = 10 * 60 * 1000;

const TOKEN_HEADER = /^Token ([0-9a-f]{64})$/;

const validatorSchema = z.object({
  request_time: z.string(),
  request_device_fingerprint: z.string().nullish(),
});

export interface SessionAuthOptions {
  sessions: SessionStore;
  now: () => number;
  /**
   * `active` (default): the token must have been activated; `inactive`: it must not (activate-token);
   * `any`: either (logout, so a client can end a login it abandoned before activation).
   */
  activation?: 'active' | 'inactive' | 'any';
}

export function sessionAuth(options: SessionAuthOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const match = TOKEN_HEADER.exec(c.req.header('Authorization') ?? '');
    if (!match) throw new ApiError('TOKEN_INVALID', 'no or malformed Authorization header');
    const found = await options.sessions.findWithUserByToken(match[1]!);
    if (!found || found.session.ended_at !== null)
      throw new ApiError('TOKEN_INVALID', 'unknown or ended session');
    const { session, user } = found;
    const now = options.now();
    if (session.valid_till <= now) throw new ApiError('SESSION_EXPIRED', `session ${session.id} expired`);
    const key = fromHex(session.secret);
    checkValidator(c.req.header('Authorization-Validator'), key, session.device_fingerprint, now);
    const activation = options.activation ?? 'active';
    if (activation === 'inactive' && session.active === 1) {
      throw new ApiError('TOKEN_ALREADY_ACTIVATED', `session ${session.id}`);
    }
    if (activation === 'active' && session.active !== 1) {
      throw new ApiError('TOKEN_NOT_ACTIVATED', `session ${session.id}`);
    }
    c.set('session', session);
    c.set('user', user);
    c.set('sessionKey', key);
    await next();
  };
}

function checkValidator(header: string | undefined, key: Uint8Array, fingerprint: string, now: number): void {
  const refuse = (reason: string) => new ApiError('AUTHORIZATION_VALIDATOR_INVALID', reason);
  if (!header) throw refuse('missing Authorization-Validator');
  let validator: z.infer<typeof validatorSchema>;
  try {
    const envelope = encryptedValueSchema.parse(JSON.parse(header));
    validator = validatorSchema.parse(JSON.parse(decryptWithKey(envelope, key)));
  } catch {
    throw refuse('Authorization-Validator does not decrypt to {request_time, request_device_fingerprint}');
  }
  const requestTime = Date.parse(validator.request_time);
  if (Number.isNaN(requestTime) || Math.abs(requestTime - now) > REQUEST_TIME_TOLERANCE_MS) {
    throw refuse(`request_time ${validator.request_time} is outside the accepted window`);
  }
  if (fingerprint !== '' && (validator.request_device_fingerprint ?? '') !== fingerprint) {
    throw refuse('request_device_fingerprint differs from the login');
  }
}
