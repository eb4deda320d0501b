/**
 * Bodies of authenticated calls: `{text, nonce}`, a secretbox of the JSON under the session secret,
 * in both directions (Psono's transport encryption).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { DecryptionError, decryptWithKey, encryptWithKey } from '../crypto/nacl.ts';
import { ApiError } from './api-error.ts';
import type { AppEnv } from './app-env.ts';

const HEX = /^[0-9a-fA-F]*$/;

/** `text` has no length limit of its own: each route's body limit bounds it (see app.ts). */
export const encryptedValueSchema = z
  .object({
    text: z.string().min(32).regex(HEX),
    nonce: z.string().length(48).regex(HEX),
  })
  .strict();

function sessionKeyOf(c: Context<AppEnv>): Uint8Array {
  const key = c.get('sessionKey');
  if (!key) throw new Error('encrypted body used on a route without a session');
  return key;
}

/** Decrypts and validates the body; an absent body counts as `{}`. */
export async function readEncryptedJson<T extends z.ZodType>(
  c: Context<AppEnv>,
  schema: T,
): Promise<z.infer<T>> {
  const raw = await c.req.text();
  let plain: unknown = {};
  if (raw.trim() !== '') {
    let envelope: z.infer<typeof encryptedValueSchema>;
    try {
      envelope = encryptedValueSchema.parse(JSON.parse(raw));
    } catch {
      throw new ApiError('INVALID_REQUEST', 'authenticated body is not an encrypted {text, nonce}');
    }
    try {
      plain = JSON.parse(decryptWithKey(envelope, sessionKeyOf(c)));
    } catch (error) {
      if (error instanceof DecryptionError || error instanceof SyntaxError) {
        throw new ApiError('REQUEST_CANNOT_BE_DECRYPTED', error.message);
      }
      throw error;
    }
  }
  const parsed = schema.safeParse(plain);
  if (!parsed.success) throw new ApiError('INVALID_REQUEST', z.prettifyError(parsed.error));
  return parsed.data;
}

/** Replies with the JSON encrypted under the session secret. */
export function encryptedJson(
  c: Context<AppEnv>,
  data: unknown,
  status: ContentfulStatusCode = 200,
): Response {
  return c.json(encryptWithKey(JSON.stringify(data), sessionKeyOf(c)), status);
}
