/**
 * `POST /authentication/prelogin/`: which hashing a username's authkey uses. The same answer for
 * every username, so prelogin tells nobody which accounts exist.
 */
import { z } from 'zod';
import { HASHING_ALGORITHM, scryptParametersSchema } from './scrypt-parameters.ts';

export const preloginRequestSchema = z.object({ username: z.string().max(320) }).strict();

export const preloginReplySchema = z.object({
  hashing_algorithm: z.literal(HASHING_ALGORITHM),
  hashing_parameters: scryptParametersSchema,
});

export type PreloginRequest = z.input<typeof preloginRequestSchema>;
export type PreloginReply = z.input<typeof preloginReplySchema>;
