/**
 * The small calls the official client's vault screens make besides the vault itself:
 * `GET /avatar/` and `POST /server-secret/`. `GET /user/status/` is in user.ts, `GET /share/right/`
 * in sharing.ts.
 */
import { ApiError, createServerSecretRequest } from '@ldap-login/protocol';
import { Hono } from 'hono';
import { audit } from '../audit.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { ApiServices } from '../http/services.ts';
import { sessionAuth } from '../http/session-auth.ts';
import { encryptedJson, readEncryptedJson } from '../http/validated-body.ts';

export function avatarRoutes(services: ApiServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.use('*', sessionAuth({ sessions: services.sessions, now: services.now }));
  // No avatars are stored: the client shows its default picture.
  app.get('/', (c) => encryptedJson(c, { avatars: [] }));
  return app;
}

export function serverSecretRoutes(services: ApiServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.use('*', sessionAuth({ sessions: services.sessions, now: services.now }));
  // The official client's key-transfer page, shown when the mode keeps copies and this user has
  // none yet (their keys were still under an earlier password at the last login).
  app.post('/', async (c) => {
    const user = c.get('user')!;
    const body = await readEncryptedJson(c, createServerSecretRequest);
    if (!(await services.serverSecrets.storeFromClient(user, body))) {
      throw new ApiError(
        'SERVER_SECRET_REFUSED',
        "mode keeps no copies or the private key is not the account's",
      );
    }
    audit(services, {
      event: 'server_secret_created',
      outcome: 'success',
      userId: user.id,
      clientAddress: c.get('clientAddress'),
    });
    return encryptedJson(c, {}, 201);
  });
  return app;
}
