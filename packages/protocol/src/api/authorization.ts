/**
 * How authenticated calls prove themselves: `Authorization: Token <token>` and Psono's
 * `Authorization-Validator` header, the sealed request time and device fingerprint (which binds the
 * call to the session secret and limits replays to a time window).
 */
import { z } from 'zod';
import type { CryptoBackend } from '../crypto/crypto-backend.ts';
import { encryptedSchema } from './encrypted.ts';

export const AUTHORIZATION_VALIDATOR_HEADER = 'Authorization-Validator';

/** `Token <64 lowercase hex>` */
export const TOKEN_AUTHORIZATION = /^Token ([0-9a-f]{64})$/;

export function tokenAuthorization(token: string): string {
  return `Token ${token}`;
}

/** The plaintext of the `Authorization-Validator` header. */
export const authorizationValidatorSchema = z.object({
  request_time: z.string(),
  request_device_fingerprint: z.string().nullish(),
});

export type AuthorizationValidator = z.infer<typeof authorizationValidatorSchema>;

/** The header value: the claim sealed with the session secret, as JSON `{text, nonce}`. */
export function sealAuthorizationValidator(
  crypto: CryptoBackend,
  sessionSecret: Uint8Array,
  deviceFingerprint: string,
  requestTime: Date = new Date(),
): string {
  const claim: AuthorizationValidator = {
    request_time: requestTime.toISOString(),
    request_device_fingerprint: deviceFingerprint,
  };
  return JSON.stringify(crypto.secretboxSeal(JSON.stringify(claim), sessionSecret));
}

/** The claim of a header value; throws on anything that is not a sealed claim under `sessionSecret`. */
export function openAuthorizationValidator(
  crypto: CryptoBackend,
  sessionSecret: Uint8Array,
  header: string,
): AuthorizationValidator {
  const envelope = encryptedSchema.parse(JSON.parse(header));
  return authorizationValidatorSchema.parse(JSON.parse(crypto.secretboxOpen(envelope, sessionSecret)));
}
