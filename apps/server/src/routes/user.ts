/** `/user/*`: the profile with directory groups, the vault status, and the re-encrypted keys after a password change. */
import {
  type ActivateTokenReply,
  AUTHENTICATION,
  type EmptyReply,
  HASHING_ALGORITHM,
  SCRYPT_PARAMETERS,
  type UserProfile,
  type UserStatusReply,
  userUpdateRequestSchema,
} from '@ldap-login/protocol';
import { Hono } from 'hono';
import type { UserRow } from '../accounts/account-service.ts';
import { audit } from '../audit.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { ApiServices } from '../http/services.ts';
import { sessionAuth } from '../http/session-auth.ts';
import { encryptedBody, encryptedJson } from '../http/validated-body.ts';

/** The account as `activate-token` returns it (with the encrypted secret key). */
export function accountWithSecretKey(
  user: UserRow,
): Omit<ActivateTokenReply['user'], 'server_secret_exists'> {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    authentication: AUTHENTICATION,
    public_key: user.public_key,
    secret_key: user.secret_key,
    secret_key_nonce: user.secret_key_nonce,
    hashing_algorithm: HASHING_ALGORITHM,
    hashing_parameters: SCRYPT_PARAMETERS,
  };
}

export function userRoutes(services: ApiServices): Hono<AppEnv> {
  // Registered without the trailing slash: with `strict: false` both spellings match.
  const app = new Hono<AppEnv>({ strict: false });
  app.use('*', sessionAuth({ sessions: services.sessions, now: services.now }));

  app.get('/', async (c) => {
    const session = c.get('session')!;
    const user = c.get('user')!;
    return encryptedJson(c, {
      id: user.id,
      username: user.username,
      email: user.email,
      authentication: AUTHENTICATION,
      domain: user.ldap_domain,
      public_key: user.public_key,
      groups: await services.accounts.groupsOf(user.id),
      session_valid_till: new Date(session.valid_till).toISOString(),
      created_at: new Date(user.created_at).toISOString(),
      last_login: new Date(user.last_login).toISOString(),
    } satisfies UserProfile);
  });

  app.get('/status', (c) => {
    const user = c.get('user')!;
    // No shares, groups or security reports yet: Psono reports the account's creation date then.
    return encryptedJson(c, {
      unaccepted_shares_count: 0,
      unaccepted_groups_count: 0,
      unaccepted_forced_groups_count: 0,
      last_security_report_created: new Date(Number(user.created_at)).toISOString(),
    } satisfies UserStatusReply);
  });

  app.put('/update', encryptedBody(userUpdateRequestSchema), async (c) => {
    const session = c.get('session')!;
    const user = c.get('user')!;
    const body = c.req.valid('json');
    // A language change alone: the client keeps the language itself; nothing is stored.
    if (body.private_key == null) return encryptedJson(c, {} satisfies EmptyReply);
    await services.accounts.replaceEncryptedKeys(session.user_id, {
      private_key: body.private_key.toLowerCase(),
      private_key_nonce: body.private_key_nonce!.toLowerCase(),
      secret_key: body.secret_key!.toLowerCase(),
      secret_key_nonce: body.secret_key_nonce!.toLowerCase(),
      user_sauce: (body.user_sauce ?? user.user_sauce).toLowerCase(),
    });
    await services.serverSecrets.keysReplaced(services.db, session.user_id);
    audit(services, {
      event: 'keys_updated',
      outcome: 'success',
      userId: session.user_id,
      clientAddress: c.get('clientAddress'),
    });
    return encryptedJson(c, {} satisfies EmptyReply);
  });

  return app;
}
