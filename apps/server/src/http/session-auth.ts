/**
 * Authentication of API calls: `Authorization: Token <token>` plus Psono's `Authorization-Validator`
 * header (the sealed request time and device fingerprint, which binds the call to the session
 * secret and limits replays to a time window).
 */
import {
  ApiError,
  AUTHORIZATION_VALIDATOR_HEADER,
  type AuthorizationValidator,
  fromHex,
  openAuthorizationValidator,
  TOKEN_AUTHORIZATION,
} from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import type { MiddlewareHandler } from 'hono';
import type { SessionStore } from '../sessions/session-store.ts';
import type { AppEnv } from './app-env.ts';

/** How far a client's clock may be from ours (Psono's clients send their own time). */
export const REQUEST_TIME_TOLERANCE_MS = 10 * 60 * 1000;

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
    const match = TOKEN_AUTHORIZATION.exec(c.req.header('Authorization') ?? '');
    if (!match) throw new ApiError('TOKEN_INVALID', 'no or malformed Authorization header');
    const found = await options.sessions.findWithUserByToken(match[1]!);
    if (!found || found.session.ended_at !== null)
      throw new ApiError('TOKEN_INVALID', 'unknown or ended session');
    const { session, user } = found;
    const now = options.now();
    if (session.valid_till <= now) throw new ApiError('SESSION_EXPIRED', `session ${session.id} expired`);
    const key = fromHex(session.secret);
    checkValidator(c.req.header(AUTHORIZATION_VALIDATOR_HEADER), key, session.device_fingerprint, now);
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
  if (!header) throw refuse(`missing ${AUTHORIZATION_VALIDATOR_HEADER}`);
  let validator: AuthorizationValidator;
  try {
    validator = openAuthorizationValidator(sodiumCrypto, key, header);
  } catch {
    throw refuse(
      `${AUTHORIZATION_VALIDATOR_HEADER} does not decrypt to {request_time, request_device_fingerprint}`,
    );
  }
  const requestTime = Date.parse(validator.request_time);
  if (Number.isNaN(requestTime) || Math.abs(requestTime - now) > REQUEST_TIME_TOLERANCE_MS) {
    throw refuse(`request_time ${validator.request_time} is outside the accepted window`);
  }
  if (fingerprint !== '' && (validator.request_device_fingerprint ?? '') !== fingerprint) {
    throw refuse('request_device_fingerprint differs from the login');
  }
}
