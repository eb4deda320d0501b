/** The account as the login and activate-token replies describe it. */
import { z } from 'zod';
import { hexBytes } from './hex-string.ts';
import { HASHING_ALGORITHM, scryptParametersSchema } from './scrypt-parameters.ts';

/** How every account of this server authenticates (Psono's `authentication` field). */
export const AUTHENTICATION = 'LDAP';

export const accountSchema = z.object({
  id: z.string(),
  /** canonical `name@domain`, lowercase */
  username: z.string(),
  email: z.string().nullable(),
  authentication: z.literal(AUTHENTICATION),
  /** hex X25519 public key */
  public_key: hexBytes(32),
  hashing_algorithm: z.literal(HASHING_ALGORITHM),
  hashing_parameters: scryptParametersSchema,
});

/** The salt source of the password key: 32 random bytes as hex. */
export const userSauceSchema = hexBytes(32);
