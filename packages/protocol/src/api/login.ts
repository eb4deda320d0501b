/**
 * `POST /authentication/login/`: the client boxes `login_info` from a fresh session key pair to the
 * server's `public_key`; the reply is a box the other way holding the session and the account.
 */
import { z } from 'zod';
import { accountSchema, userSauceSchema } from './account.ts';
import { hexBytes, hexText } from './hex-string.ts';

export const loginRequestSchema = z
  .object({
    /** hex box of the JSON text of a `LoginInfo` */
    login_info: hexText().min(34).max(16_384),
    login_info_nonce: hexBytes(24),
    /** the client's session public key (hex X25519) */
    public_key: hexBytes(32),
    /** requested session length in seconds */
    session_duration: z.number().int().positive().optional(),
  })
  .strict();

export type LoginRequest = z.input<typeof loginRequestSchema>;

/** The plaintext of `login_info`. Psono's client also sends `authkey` and `device_time`. */
export const loginInfoSchema = z.object({
  username: z.string().trim().min(1).max(320),
  /** absent until the user approved sending the password to the server */
  password: z.string().max(4096).nullish(),
  authkey: z.string().max(1024).nullish(),
  device_fingerprint: z.string().max(256).nullish(),
  device_description: z.string().max(256).nullish(),
  device_time: z.string().max(64).nullish(),
});

export type LoginInfo = z.input<typeof loginInfoSchema>;

/** The reply: a box from the server's key to the client's session key. */
export const loginReplySchema = z.object({
  login_info: hexText().min(32),
  login_info_nonce: hexBytes(24),
});

export type LoginReply = z.input<typeof loginReplySchema>;

export const loginAccountSchema = accountSchema.extend({
  /** the user's X25519 private key (hex), secretboxed under the password key */
  private_key: hexText().min(32),
  private_key_nonce: hexBytes(24),
  user_sauce: userSauceSchema,
});

/** The plaintext of the login reply's box. */
export const loginDataSchema = z.object({
  /** the session token: `Authorization: Token <token>` */
  token: hexBytes(32),
  session_valid_till: z.string(),
  /** the server's key for this session (hex X25519) */
  session_public_key: hexBytes(32),
  /** the session secret (hex 32 bytes as text), boxed from `session_public_key` to the client */
  session_secret_key: hexText().min(32),
  session_secret_key_nonce: hexBytes(24),
  /** the value activate-token wants back, boxed from `session_public_key` to the user's key */
  user_validator: hexText().min(32),
  user_validator_nonce: hexBytes(24),
  /** Psono's client waits forever without this list */
  required_multifactors: z.array(z.string()),
  user: loginAccountSchema,
});

export type LoginData = z.input<typeof loginDataSchema>;
