/**
 * Field types shared by the vault's requests: everything the client encrypts arrives as hex, every
 * id as a UUID. Lengths follow Psono's serializers where they set one.
 */
import { z } from 'zod';
import { isHex, lowerHex } from '../hex.ts';

const HEX = /^[0-9a-fA-F]*$/;

/** Hex of a secretbox nonce (24 bytes). */
export const nonceHex = z.string().length(48).regex(HEX, 'must be hex');

/**
 * Hex ciphertext of any length; the route's body limit bounds it. Lowercased, so that equal
 * ciphertexts compare equal.
 */
export const cipherHex = z
  .string()
  .refine(isHex, 'must be hex')
  .refine((text) => text.length % 2 === 0, 'must be whole bytes')
  .transform(lowerHex);

/** Hex ciphertext of a key (Psono: at most 256 characters). */
export const keyCipherHex = z.string().min(32).max(256).regex(HEX, 'must be hex').transform(lowerHex);

export const vaultId = z.uuid().transform((id) => id.toLowerCase());

/**
 * A plain string the server stores: at most `max` characters, no NUL (PostgreSQL's text cannot hold
 * one, so it must be refused at the edge on every database alike).
 */
export function storedText(max: number) {
  return z
    .string()
    .max(max)
    .refine((text) => !text.includes('\u0000'), 'must not contain NUL characters');
}

/** Psono's callback fields: plain strings the server stores for the owner. */
export const callbackUrl = storedText(2048);
export const callbackUser = storedText(128);
export const callbackPass = storedText(128);
