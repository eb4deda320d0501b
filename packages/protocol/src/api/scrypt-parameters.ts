/**
 * Psono's password hashing: scrypt with N = 2^u, r, p and an l-byte output. Every account of this
 * server uses `SCRYPT_PARAMETERS`; clients accept what a server announces within sane bounds.
 */
import { z } from 'zod';

export const HASHING_ALGORITHM = 'scrypt';

export const SCRYPT_PARAMETERS = { u: 14, r: 8, p: 1, l: 64 } as const;

/**
 * Parameters a client accepts from a server: anything costlier would hang or exhaust a phone,
 * anything shorter than 32 bytes could not make a key.
 */
export const scryptParametersSchema = z
  .object({
    /** log2 of the cost N */
    u: z.number().int().min(1).max(20),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    /** output length in bytes */
    l: z.number().int().min(32).max(128),
  })
  .strict();

export type ScryptParameters = z.infer<typeof scryptParametersSchema>;

/** Exactly this server's parameters (what `PUT /user/update/` may echo back). */
export const ownScryptParametersSchema = z
  .object({
    u: z.literal(SCRYPT_PARAMETERS.u),
    r: z.literal(SCRYPT_PARAMETERS.r),
    p: z.literal(SCRYPT_PARAMETERS.p),
    l: z.literal(SCRYPT_PARAMETERS.l),
  })
  .strict();
