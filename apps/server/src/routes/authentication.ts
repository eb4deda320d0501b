/** `/authentication/*`: prelogin, login, activate-token, sessions, logout. */
import {
  type ActivateTokenReply,
  ApiError,
  activateTokenRequestSchema,
  DecryptionError,
  type EmptyReply,
  HASHING_ALGORITHM,
  loginRequestSchema,
  logoutRequestSchema,
  type PreloginReply,
  preloginRequestSchema,
  SCRYPT_PARAMETERS,
  type SessionsReply,
} from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { Hono } from 'hono';
import { audit } from '../audit.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { ApiServices } from '../http/services.ts';
import { sessionAuth } from '../http/session-auth.ts';
import { encryptedBody, encryptedJson, jsonBody } from '../http/validated-body.ts';
import { measureLogin } from '../metrics/measure-login.ts';
import { sameHex } from '../sessions/session-store.ts';
import { handleLogin } from './login.ts';
import { accountWithSecretKey } from './user.ts';

export function authenticationRoutes(services: ApiServices): Hono<AppEnv> {
  // Registered without the trailing slash: with `strict: false` both spellings match.
  const app = new Hono<AppEnv>({ strict: false });
  const authenticated = sessionAuth({ sessions: services.sessions, now: services.now });

  // The same answer for every username, so prelogin tells nobody which accounts exist.
  app.post('/prelogin', jsonBody(preloginRequestSchema), (c) =>
    c.json({
      hashing_algorithm: HASHING_ALGORITHM,
      hashing_parameters: SCRYPT_PARAMETERS,
    } satisfies PreloginReply),
  );

  app.post('/login', jsonBody(loginRequestSchema), (c) =>
    measureLogin(services.metrics, () => handleLogin(c, c.req.valid('json'), services)),
  );

  app.post(
    '/activate-token',
    sessionAuth({ sessions: services.sessions, now: services.now, activation: 'inactive' }),
    encryptedBody(activateTokenRequestSchema),
    async (c) => {
      const session = c.get('session')!;
      const body = c.req.valid('json');
      let returned: string;
      try {
        returned = sodiumCrypto.secretboxOpen(
          { text: body.verification, nonce: body.verification_nonce },
          c.get('sessionKey')!,
        );
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
        throw new ApiError('VERIFICATION_FAILED', 'verification does not open with the session secret');
      }
      if (session.validator === null || !sameHex(returned, session.validator)) {
        throw new ApiError('VERIFICATION_FAILED', 'wrong validator');
      }
      const user = c.get('user')!;
      // One transaction for the activation and the read after it (each transaction of its own
      // costs SQLite a round of file-lock system calls).
      const serverSecretExists = await services.executor.transaction(async (tx) => {
        if (!(await services.sessions.activate(session.id, tx))) {
          throw new ApiError('TOKEN_INVALID', 'session ended or was activated meanwhile');
        }
        // Tells the official client whether this user's keys have a server-kept copy (SPEC 11); a
        // mismatch with the mode in /info/ would send it to its key-transfer page.
        return services.serverSecrets.exists(user.id, tx);
      });
      return encryptedJson(c, {
        user: { ...accountWithSecretKey(user), server_secret_exists: serverSecretExists },
      } satisfies ActivateTokenReply);
    },
  );

  app.get('/sessions', authenticated, async (c) => {
    const current = c.get('session')!;
    const sessions = await services.sessions.listLive(current.user_id);
    return encryptedJson(c, {
      sessions: sessions.map((session) => ({
        id: session.id,
        create_date: new Date(session.created_at).toISOString(),
        valid_till: new Date(session.valid_till).toISOString(),
        device_description: session.device_description,
        device_fingerprint: session.device_fingerprint,
        current_session: session.id === current.id,
        active: session.active === 1,
      })),
    } satisfies SessionsReply);
  });

  app.post(
    '/logout',
    sessionAuth({ sessions: services.sessions, now: services.now, activation: 'any' }),
    encryptedBody(logoutRequestSchema),
    async (c) => {
      const current = c.get('session')!;
      const body = c.req.valid('json');
      const target = body.session_id ?? current.id;
      if (!(await services.sessions.end(current.user_id, target))) {
        throw new ApiError('SESSION_NOT_FOUND', `session ${target} is not a live session of the caller`);
      }
      audit(services, {
        event: 'logout',
        outcome: 'success',
        userId: current.user_id,
        clientAddress: c.get('clientAddress'),
        details: { session_id: target, current: target === current.id },
      });
      return encryptedJson(c, {} satisfies EmptyReply);
    },
  );

  return app;
}
