/** `/user/*`: the profile with directory groups, the vault status, and the re-encrypted keys after a password change. */
import {
  type ActivateTokenReply,
  ApiError,
  AUTHENTICATION,
  type EmptyReply,
  type FoundUser,
  HASHING_ALGORITHM,
  SCRYPT_PARAMETERS,
  type UserProfile,
  type UserStatusReply,
  userSearchRequest,
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

  app.get('/status', async (c) => {
    const user = c.get('user')!;
    const groups = await services.vault.groups.pendingCounts(user.id);
    // A forced membership counts as pending until the client accepts it: while its keys are
    // missing, and once they arrived (the official client then accepts it by itself).
    // No security reports are kept: Psono reports the account's creation date then.
    return encryptedJson(c, {
      unaccepted_shares_count: await services.vault.shares.pendingCount(user.id),
      unaccepted_groups_count: groups.groups,
      unaccepted_forced_groups_count: groups.forcedGroups,
      last_security_report_created: new Date(Number(user.created_at)).toISOString(),
    } satisfies UserStatusReply);
  });

  // Finds a user to share with or invite: by id, exact username (`alice@example.com`, or `alice`
  // when one domain has her) or exact e-mail. Only what sharing needs: id, name, public key.
  app.post('/search', encryptedBody(userSearchRequest), async (c) => {
    const body = c.req.valid('json');
    let query = services.db.selectFrom('users').select(['id', 'username', 'public_key']);
    if (body.user_id != null) query = query.where('id', '=', body.user_id);
    else if (body.user_username != null && body.user_username.trim() !== '') {
      const name = body.user_username.trim().toLowerCase();
      const names = name.includes('@')
        ? [name]
        : services.settings.LDAP.map((entry) => `${name}@${entry.LDAP_DOMAIN.toLowerCase()}`);
      query = query.where('username', 'in', names);
    } else if (body.user_email != null && body.user_email.trim() !== '') {
      query = query.where((eb) => eb(eb.fn('lower', ['email']), '=', body.user_email!.trim().toLowerCase()));
    } else throw new ApiError('INVALID_REQUEST', 'name user_id, user_username or user_email');
    const rows = await query.orderBy('username').limit(20).execute();
    if (rows.length === 0) throw new ApiError('NO_PERMISSION_OR_NOT_EXIST', 'no such user');
    const found: FoundUser[] = rows.map((row) => ({
      id: row.id,
      username: row.username,
      public_key: row.public_key,
      avatar_id: null,
    }));
    return encryptedJson(c, found.length === 1 ? found[0] : found);
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
