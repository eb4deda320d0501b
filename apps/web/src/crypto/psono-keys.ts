/**
 * Psono's password-derived keys. scrypt parameters and the salting scheme must match the server
 * byte for byte, or the user's private key cannot be opened.
 */
import { scrypt } from '@noble/hashes/scrypt.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { type Encrypted, secretboxDecrypt, secretboxEncrypt } from './nacl.ts';

export interface ScryptParameters {
  /** log2 of the cost N */
  u: number;
  r: number;
  p: number;
  /** output length in bytes */
  l: number;
}

export const DEFAULT_SCRYPT: ScryptParameters = { u: 14, r: 8, p: 1, l: 64 };

export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

export function sha512Hex(text: string): string {
  return bytesToHex(sha512(utf8ToBytes(text)));
}

/** hex(scrypt(password, salt)) with both inputs as UTF-8 text, as Psono computes it. */
export function passwordScrypt(
  password: string,
  salt: string,
  params: ScryptParameters = DEFAULT_SCRYPT,
): string {
  return bytesToHex(scrypt(password, salt, { N: 2 ** params.u, r: params.r, p: params.p, dkLen: params.l }));
}

/** The salt for the key that wraps a user's private and secret keys. */
export function userSauceSalt(userSauce: string): string {
  return sha512Hex(userSauce);
}

/** The salt for the authkey: the hex SHA-512 of the lowercased username. */
export function authkeySalt(username: string): string {
  return sha512Hex(username.toLowerCase());
}

/** The secretbox key (hex) that Psono derives from a password's scrypt output. */
export function secretKeyFromScrypt(scryptHex: string): string {
  return sha256Hex(scryptHex);
}

export function decryptWithPasswordKey(encrypted: Encrypted, scryptHex: string): string {
  return secretboxDecrypt(encrypted, secretKeyFromScrypt(scryptHex));
}

export function encryptWithPasswordKey(plaintext: string, scryptHex: string): Encrypted {
  return secretboxEncrypt(plaintext, secretKeyFromScrypt(scryptHex));
}
