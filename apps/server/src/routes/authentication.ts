/** `/authentication/*`: prelogin, login, activate-token, sessions, logout. */
import { Hono } from 'hono';
import { z } from 'zod';
import { audit } from '../audit.ts';
import { DecryptionError, decryptWithKey } from '../crypto/nacl.ts';
import { HASHING_ALGORITHM, SCRYPT_PARAMETERS } from '../crypto/password-key.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import { encryptedJson, readEncryptedJson } from '../http/encrypted-body.ts';
import type { ApiServices } from '../http/services.ts';
import { sessionAuth } from '../http/session-auth.ts';
import { measureLogin } from '../metrics/measure-login.ts';
import { sameHex } from '../sessions/session-store.ts';
import { handleLogin } from './login.ts';
import { userKeysReply } from './user.ts';

const preloginSchema = z.object({ username: z.string().max(320) }).strict();

const activateSchema = z
  .object({
    verification: z.string().min(32).max(1024),
    verification_nonce: z.string().length(48),
    zoneinfo: z.string().max(64).nullish(),
  })
  .strict();

const logoutSchema = z
  .object({
    session_id: z.uuid().nullish(),
    post_logout_redirect_uri: z.string().max(2048).nullish(),
  })
  .strict();

export function authenticationRoutes(services: ApiServices): Hono<AppEnv> {
  // Registered without the trailing slash: with `strict: false` both spellings match.
  const app = new Hono<AppEnv>({ strict: false });
  const authenticated = sessionAuth({ sessions: services.sessions, now: services.now });

  // The same answer for every username, so prelogin tells nobody which accounts exist.
  app.post('/prelogin', async (c) => {
    const body = preloginSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) throw new ApiError('INVALID_REQUEST', z.prettifyError(body.error));
    return c.json({ hashing_algorithm: HASHING_ALGORITHM, hashing_parameters: SCRYPT_PARAMETERS });
  });

  app.post('/login', (c) => measureLogin(services.metrics, () => handleLogin(c, services)));

  app.post(
    '/activate-token',
    sessionAuth({ sessions: services.sessions, now: services.now, activation: 'inactive' }),
    async (c) => {
      const session = c.get('session')!;
      const body = await readEncryptedJson(c, activateSchema);
      let returned: string;
      try {
        returned = decryptWithKey(
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
      if (!(await services.sessions.activate(session.id))) {
        throw new ApiError('TOKEN_INVALID', 'session ended or was activated meanwhile');
      }
      const user = c.get('user')!;
      // Tells the official client whether this user's keys have a server-kept copy (SPEC 11); a
      // mismatch with the mode in /info/ would send it to its key-transfer page.
      const serverSecretExists = await services.serverSecrets.exists(user.id);
      return encryptedJson(c, { user: { ...userKeysReply(user), server_secret_exists: serverSecretExists } });
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
    });
  });

  app.post(
    '/logout',
    sessionAuth({ sessions: services.sessions, now: services.now, activation: 'any' }),
    async (c) => {
      const current = c.get('session')!;
      const body = await readEncryptedJson(c, logoutSchema);
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
      return encryptedJson(c, {});
    },
  );

  return app;
}
