/** `GET /user/` (profile with directory groups) and `PUT /user/update/` (keys re-encrypted). Both encrypted. */
import { z } from 'zod';
import { AUTHENTICATION, userSauceSchema } from './account.ts';
import { hexBytes } from './hex-string.ts';
import { HASHING_ALGORITHM, ownScryptParametersSchema } from './scrypt-parameters.ts';

export const directoryGroupSchema = z.object({ dn: z.string(), name: z.string() });

export const userProfileSchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().nullable(),
  authentication: z.literal(AUTHENTICATION),
  /** the directory entry's `LDAP_DOMAIN` */
  domain: z.string(),
  public_key: hexBytes(32),
  groups: z.array(directoryGroupSchema),
  session_valid_till: z.string(),
  created_at: z.string(),
  last_login: z.string(),
});

export type UserProfile = z.input<typeof userProfileSchema>;

/** Secretbox of a 64-character hex key: 64 bytes of plaintext + 16 bytes of tag, as hex. */
const ENCRYPTED_KEY_BYTES = 80;

/**
 * `PUT /user/update/` as both clients send it: ours with re-encrypted keys and the user's sauce,
 * Psono's official client without the sauce, and for a language change with only `language` (every
 * other key absent or null). The directory owns e-mail and password, so those stay null.
 */
export const userUpdateRequestSchema = z
  .object({
    private_key: hexBytes(ENCRYPTED_KEY_BYTES).nullish(),
    private_key_nonce: hexBytes(24).nullish(),
    secret_key: hexBytes(ENCRYPTED_KEY_BYTES).nullish(),
    secret_key_nonce: hexBytes(24).nullish(),
    user_sauce: userSauceSchema.nullish(),
    email: z.null().optional(),
    authkey: z.null().optional(),
    authkey_old: z.null().optional(),
    language: z.string().max(16).nullish(),
    hashing_algorithm: z.literal(HASHING_ALGORITHM).nullish(),
    hashing_parameters: ownScryptParametersSchema.nullish(),
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

export type UserUpdateRequest = z.input<typeof userUpdateRequestSchema>;
