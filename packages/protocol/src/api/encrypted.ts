/**
 * A box or secretbox as it travels: hex ciphertext (Poly1305 tag first, as NaCl lays it out) and
 * hex 24-byte nonce. After login every request body and non-empty reply is one of these, sealed
 * with the session secret (Psono's transport encryption).
 */
import { z } from 'zod';
import { hexBytes, hexText } from './hex-string.ts';

export const encryptedSchema = z
  .object({
    // At least the 16-byte tag; the request body limit bounds the rest.
    text: hexText().min(32),
    nonce: hexBytes(24),
  })
  .strict();

export type Encrypted = z.infer<typeof encryptedSchema>;
