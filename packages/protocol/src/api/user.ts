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

export const userUpdateRequestSchema = z
  .object({
    private_key: hexBytes(ENCRYPTED_KEY_BYTES),
    private_key_nonce: hexBytes(24),
    secret_key: hexBytes(ENCRYPTED_KEY_BYTES),
    secret_key_nonce: hexBytes(24),
    user_sauce: userSauceSchema,
    // Psono's updateUser sends these too; the directory owns the e-mail and the password.
    email: z.null().optional(),
    authkey: z.null().optional(),
    authkey_old: z.null().optional(),
    language: z.null().optional(),
    hashing_algorithm: z.literal(HASHING_ALGORITHM).nullish(),
    hashing_parameters: ownScryptParametersSchema.nullish(),
  })
  .strict();

export type UserUpdateRequest = z.input<typeof userUpdateRequestSchema>;
