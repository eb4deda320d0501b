/** `/user/*`: the profile with directory groups, and the re-encrypted keys after a password change. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { UserRow } from '../accounts/account-service.ts';
import { audit } from '../audit.ts';
import { HASHING_ALGORITHM, SCRYPT_PARAMETERS } from '../crypto/password-key.ts';
import type { AppEnv } from '../http/app-env.ts';
import { encryptedJson, readEncryptedJson } from '../http/encrypted-body.ts';
import type { ApiServices } from '../http/services.ts';
import { sessionAuth } from '../http/session-auth.ts';

const hex = (length: number) =>
  z
    .string()
    .length(length)
    .regex(/^[0-9a-fA-F]*$/);

/** Secretbox of a 64-character hex key: 64 bytes of plaintext + 16 bytes of tag, as hex. */
const ENCRYPTED_KEY_HEX_LENGTH = 160;

/**
 * `PUT /user/update/` as both clients send it: ours with re-encrypted keys and the user's sauce,
 * Psono's official client without the sauce, and for a language change with only `language` (every
 * other key absent or null). The directory owns e-mail and password, so those stay null.
 */
const updateSchema = z
  .object({
    private_key: hex(ENCRYPTED_KEY_HEX_LENGTH).nullish(),
    private_key_nonce: hex(48).nullish(),
    secret_key: hex(ENCRYPTED_KEY_HEX_LENGTH).nullish(),
    secret_key_nonce: hex(48).nullish(),
    user_sauce: hex(64).nullish(),
    email: z.null().optional(),
    authkey: z.null().optional(),
    authkey_old: z.null().optional(),
    language: z.string().max(16).nullish(),
    hashing_algorithm: z.literal(HASHING_ALGORITHM).nullish(),
    hashing_parameters: z
      .object({
        u: z.literal(SCRYPT_PARAMETERS.u),
        r: z.literal(SCRYPT_PARAMETERS.r),
        p: z.literal(SCRYPT_PARAMETERS.p),
        l: z.literal(SCRYPT_PARAMETERS.l),
      })
      .strict()
      .nullish(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const keys = [body.private_key, body.private_key_nonce, body.secret_key, body.secret_key_nonce];
    const given = keys.filter((value) => value != null).length;
    if (given !== 0 && given !== keys.length) {
      ctx.addIssue({ code: 'custom', message: 'the four key fields go together', path: ['private_key'] });
    }
    if (given === 0 && body.user_sauce != null) {
      ctx.addIssue({ code: 'custom', message: 'user_sauce only comes with keys', path: ['user_sauce'] });
    }
  });

/** The account as `activate-token` returns it (with the encrypted secret key). */
export function userKeysReply(user: UserRow) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    authentication: 'LDAP',
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
      authentication: 'LDAP',
      domain: user.ldap_domain,
      public_key: user.public_key,
      groups: await services.accounts.groupsOf(user.id),
      session_valid_till: new Date(session.valid_till).toISOString(),
      created_at: new Date(user.created_at).toISOString(),
      last_login: new Date(user.last_login).toISOString(),
    });
  });

  app.get('/status', (c) => {
    const user = c.get('user')!;
    // No shares, groups or security reports yet: Psono reports the account's creation date then.
    return encryptedJson(c, {
      unaccepted_shares_count: 0,
      unaccepted_groups_count: 0,
      unaccepted_forced_groups_count: 0,
      last_security_report_created: new Date(Number(user.created_at)).toISOString(),
    });
  });

  app.put('/update', async (c) => {
    const session = c.get('session')!;
    const user = c.get('user')!;
    const body = await readEncryptedJson(c, updateSchema);
    // A language change alone: the client keeps the language itself; nothing is stored.
    if (body.private_key == null) return encryptedJson(c, {});
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
    return encryptedJson(c, {});
  });

  return app;
}
