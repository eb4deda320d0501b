/**
 * Request bodies validated with the protocol's schemas, as Hono validator middleware: the handler
 * reads the result with `c.req.valid('json')`. Plain bodies for the login calls; `{text, nonce}`
 * sealed with the session secret for authenticated calls (Psono's transport encryption), where an
 * absent body counts as `{}`. Anything else is a clear 400, never a 500.
 */
import { ApiError, DecryptionError, encryptedSchema } from '@ldap-login/protocol';
import { plaintextText, secretboxOpenInPlace, sodiumCrypto } from '@ldap-login/protocol/node';
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { AppEnv } from './app-env.ts';
import { flatJsonObject, skipWhitespace } from './flat-json.ts';
import { releaseRequestBody, requestBodyBytes } from './request-body.ts';

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
  const body = await requestBodyBytes(c);
  const known = openedBodies.get(body);
  if (!known && isJsonWhitespace(body, 0, body.length)) return validated(schema, {});
  let value: unknown;
  try {
    value = known ? knownValue(known) : openedValue(body, c);
  } catch (error) {
    if (error instanceof DecryptionError || error instanceof SyntaxError) {
      throw new ApiError('REQUEST_CANNOT_BE_DECRYPTED', error.message);
    }
    throw error;
  }
  return validated(schema, value);
}

function knownValue(known: { ok: true; value: unknown } | { ok: false; error: unknown }): unknown {
  if (known.ok) return known.value;
  throw known.error;
}

/** The JSON value sealed in the envelope the body is (an absent one is `{}`). */
function openedValue(body: Buffer, c: Context<AppEnv>): unknown {
  const sealed = plainEnvelope(body);
  if (sealed) {
    try {
      const ciphertext = decodeHexInPlace(body, sealed.text.start, sealed.text.end);
      const nonce = hexBytesAt(body, sealed.nonce.start, sealed.nonce.end);
      // Hex in the plain form that Node cannot decode: the general way's answer to it, whatever
      // the character (JSON.parse or `encryptedSchema` refuses it there).
      if (!ciphertext || !nonce) throw notAnEnvelope();
      const plain = secretboxOpenInPlace(ciphertext, nonce, sessionKeyOf(c));
      const value = flatJsonObject(plain) ?? JSON.parse(plaintextText(plain));
      openedBodies.set(body, { ok: true, value });
      return value;
    } catch (error) {
      openedBodies.set(body, { ok: false, error });
      throw error;
    } finally {
      // Its bytes are garbage now, and a second read takes what they gave from `openedBodies`.
      releaseRequestBody(body);
    }
  }
  const raw = body.toString('utf8');
  if (raw.trim() === '') return {};
  let envelope: z.infer<typeof encryptedSchema>;
  try {
    envelope = encryptedSchema.parse(JSON.parse(raw));
  } catch {
    throw notAnEnvelope();
  }
  return JSON.parse(sodiumCrypto.secretboxOpen(envelope, sessionKeyOf(c)));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isJsonWhitespace(body: Buffer, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    const byte = body[index];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  }
  return true;
}

const notAnEnvelope = () =>
  new ApiError('INVALID_REQUEST', 'authenticated body is not an encrypted {text, nonce}');

/**
 * What opening the bodies decoded in place gave (the value, or the error thrown): their bytes no
 * longer hold the envelope, so a second read of the same request takes it from here.
 */
const openedBodies = new WeakMap<Buffer, { ok: true; value: unknown } | { ok: false; error: unknown }>();

/** Hex text of `body[start, end)` decoded into a new buffer, or undefined when it is not hex. */
function hexBytesAt(body: Buffer, start: number, end: number): Buffer | undefined {
  const bytes = Buffer.from(body.toString('latin1', start, end), 'hex');
  return bytes.length * 2 === end - start ? bytes : undefined;
}

// Node decodes hex only from a string. The whole text as one string is megabytes of fresh memory
// (and the page faults of it); slices of this size are copied, decoded and dropped in the cache.
const HEX_SLICE = 16_384;

/**
 * The even-length hex text of `body[start, end)` decoded over its own first half (each slice is
 * copied out before its bytes are written, and the bytes go no further than the slice's end);
 * undefined when it is not hex, the body then holding a partly decoded text.
 */
function decodeHexInPlace(body: Buffer, start: number, end: number): Buffer | undefined {
  let written = start;
  for (let slice = start; slice < end; slice += HEX_SLICE) {
    const sliceEnd = Math.min(end, slice + HEX_SLICE);
    const decoded = body.write(body.toString('latin1', slice, sliceEnd), written, 'hex');
    if (decoded * 2 !== sliceEnd - slice) return undefined;
    written += decoded;
  }
  return body.subarray(start, written);
}

interface Range {
  start: number;
  end: number;
}

/**
 * Where the hex of the envelope `{"text": HEX, "nonce": HEX}` lies in the body's bytes: a vault
 * write carries megabytes of hex, which is then decoded once from the bytes instead of decoding
 * the body to a string, parsing it as JSON and checking the hex with a regular expression before
 * decoding it. It takes only the plain form (two members, strings without escapes, of the even
 * lengths `encryptedSchema` asks for); anything else, valid or not, returns undefined and goes the
 * general way, which decides as before. The hex itself is checked while it is decoded.
 */
function plainEnvelope(body: Buffer): { text: Range; nonce: Range } | undefined {
  if (body.includes(BACKSLASH)) return undefined;
  const members: Record<string, Range | undefined> = {};
  let index = skipWhitespace(body, 0);
  if (body[index] !== 0x7b) return undefined; // {
  for (let member = 0; member < 2; member++) {
    index = skipWhitespace(body, index + 1);
    if (body[index] !== QUOTE) return undefined;
    const keyEnd = body.indexOf(QUOTE, index + 1);
    if (keyEnd < 0) return undefined;
    const key = body.toString('latin1', index + 1, keyEnd);
    if ((key !== 'text' && key !== 'nonce') || members[key] !== undefined) return undefined;
    index = skipWhitespace(body, keyEnd + 1);
    if (body[index] !== 0x3a) return undefined; // :
    index = skipWhitespace(body, index + 1);
    if (body[index] !== QUOTE) return undefined;
    const valueEnd = body.indexOf(QUOTE, index + 1);
    if (valueEnd < 0) return undefined;
    members[key] = { start: index + 1, end: valueEnd };
    index = skipWhitespace(body, valueEnd + 1);
    if (body[index] !== (member === 0 ? 0x2c : 0x7d)) return undefined; // , then }
  }
  if (!isJsonWhitespace(body, index + 1, body.length)) return undefined;
  const { text, nonce } = members;
  // encryptedSchema: text of at least 32 hex digits (the tag) and whole bytes, nonce of 24 bytes.
  if (!text || !nonce) return undefined;
  const textLength = text.end - text.start;
  if (textLength < 32 || textLength % 2 !== 0 || nonce.end - nonce.start !== 48) return undefined;
  return { text, nonce };
}

/** Replies with the JSON sealed with the session secret. */
export function encryptedJson(
  c: Context<AppEnv>,
  data: unknown,
  status: ContentfulStatusCode = 200,
): Response {
  const sealed = sodiumCrypto.secretboxSeal(JSON.stringify(data), sessionKeyOf(c));
  // Hex needs no escaping: the envelope is written as it is, not passed over again by
  // `JSON.stringify` (a datastore's reply carries megabytes of it).
  return c.body(`{"text":"${sealed.text}","nonce":"${sealed.nonce}"}`, status, {
    'Content-Type': 'application/json',
  });
}
