/**
 * Request bodies validated with the protocol's schemas, as Hono validator middleware: the handler
 * reads the result with `c.req.valid('json')`. Plain bodies for the login calls; `{text, nonce}`
 * sealed with the session secret for authenticated calls (Psono's transport encryption), where an
 * absent body counts as `{}`. Anything else is a clear 400, never a 500.
 */
import { ApiError, DecryptionError, encryptedSchema } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { AppEnv } from './app-env.ts';

type Validated<S extends z.ZodType> = MiddlewareHandler<
  AppEnv,
  string,
  { in: { json: z.input<S> }; out: { json: z.output<S> } }
>;

function validated<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError('INVALID_REQUEST', z.prettifyError(parsed.error));
  return parsed.data;
}

/** A plain JSON body (prelogin, login). */
export function jsonBody<S extends z.ZodType>(schema: S): Validated<S> {
  return async (c, next) => {
    c.req.addValidatedData('json', validated(schema, await c.req.json().catch(() => undefined)) as object);
    await next();
  };
}

function sessionKeyOf(c: Context<AppEnv>): Uint8Array {
  const key = c.get('sessionKey');
  if (!key) throw new Error('encrypted body used on a route without a session');
  return key;
}

/** A body sealed with the session secret; goes after `sessionAuth`. */
export function encryptedBody<S extends z.ZodType>(schema: S): Validated<S> {
  return async (c, next) => {
    c.req.addValidatedData('json', (await readEncryptedJson(c, schema)) as object);
    await next();
  };
}

/** The body sealed with the session secret, opened and validated (for handlers that read it late). */
export async function readEncryptedJson<S extends z.ZodType>(
  c: Context<AppEnv>,
  schema: S,
): Promise<z.output<S>> {
  const raw = await c.req.text();
  let plain: unknown = {};
  if (raw.trim() !== '') {
    let envelope: z.infer<typeof encryptedSchema>;
    try {
      envelope = encryptedSchema.parse(JSON.parse(raw));
    } catch {
      throw new ApiError('INVALID_REQUEST', 'authenticated body is not an encrypted {text, nonce}');
    }
    try {
      plain = JSON.parse(sodiumCrypto.secretboxOpen(envelope, sessionKeyOf(c)));
    } catch (error) {
      if (error instanceof DecryptionError || error instanceof SyntaxError) {
        throw new ApiError('REQUEST_CANNOT_BE_DECRYPTED', error.message);
      }
      throw error;
    }
  }
  return validated(schema, plain);
}

/** Replies with the JSON sealed with the session secret. */
export function encryptedJson(
  c: Context<AppEnv>,
  data: unknown,
  status: ContentfulStatusCode = 200,
): Response {
  return c.json(sodiumCrypto.secretboxSeal(JSON.stringify(data), sessionKeyOf(c)), status);
}
