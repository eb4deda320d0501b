/**
 * Psono's password-derived values, byte for byte as its clients compute them:
 * - the authkey: hex scrypt(password, salt = hex SHA-512 of the lowercased username);
 * - the password key that wraps a user's private and secret keys: SHA-256 over the hex
 *   scrypt(password, salt = hex SHA-512 of the user's sauce), used as a secretbox key.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { SCRYPT_PARAMETERS, type ScryptParameters } from '../api/scrypt-parameters.ts';
import { fromHex, toHex, utf8 } from '../hex.ts';
import type { CryptoBackend } from './crypto-backend.ts';

export function sha512Hex(text: string): string {
  return toHex(sha512(utf8(text)));
}

export function sha256Hex(text: string): string {
  return toHex(sha256(utf8(text)));
}

/** The salt of the authkey: the hex SHA-512 of the lowercased username. */
export function authkeySalt(username: string): string {
  return sha512Hex(username.toLowerCase());
}

/**
 * The salt of the password key: the hex SHA-512 of the user's sauce. A sauce never contains `@`,
 * so a username passed by mistake cannot produce the authkey's salt (Psono's client checks the same).
 */
export function userSauceSalt(userSauce: string): string {
  if (userSauce.includes('@')) throw new TypeError('a user sauce never contains "@"');
  return sha512Hex(userSauce);
}

/** The 32-byte secretbox key from the hex scrypt output of the password (`stretchedHex`). */
export function keyFromStretchedPassword(stretchedHex: string): Uint8Array {
  return fromHex(sha256Hex(stretchedHex));
}

/** The authkey (hex) Psono's clients send beside the password. */
export async function authkey(
  crypto: CryptoBackend,
  username: string,
  password: string,
  parameters: ScryptParameters = SCRYPT_PARAMETERS,
): Promise<string> {
  return toHex(await crypto.scrypt(password, authkeySalt(username), parameters));
}

/** The 32-byte secretbox key for a user's keys, from the password and the user's sauce. */
export async function passwordKey(
  crypto: CryptoBackend,
  password: string,
  userSauce: string,
  parameters: ScryptParameters = SCRYPT_PARAMETERS,
): Promise<Uint8Array> {
  return keyFromStretchedPassword(toHex(await crypto.scrypt(password, userSauceSalt(userSauce), parameters)));
}
