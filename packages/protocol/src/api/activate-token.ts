/**
 * `POST /authentication/activate-token/` (encrypted): the client proves it opened its private key
 * by returning the user validator, sealed with the session secret; only then is the token usable.
 */
import { z } from 'zod';
import { accountSchema } from './account.ts';
import { hexBytes, hexText } from './hex-string.ts';

export const activateTokenRequestSchema = z
  .object({
    verification: hexText().min(32).max(1024),
    verification_nonce: hexBytes(24),
    zoneinfo: z.string().max(64).nullish(),
  })
  .strict();

export type ActivateTokenRequest = z.input<typeof activateTokenRequestSchema>;

export const activateTokenReplySchema = z.object({
  user: accountSchema.extend({
    /** the user's secret key (hex text), secretboxed under the password key */
    secret_key: hexText().min(32),
    secret_key_nonce: hexBytes(24),
    /** whether the server keeps a copy of this user's keys (server secrets, SPEC 11) */
    server_secret_exists: z.boolean(),
  }),
});

export type ActivateTokenReply = z.input<typeof activateTokenReplySchema>;
