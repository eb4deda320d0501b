/**
 * Random stand-ins for what a client encrypts: the server stores and checks the shape of these
 * values (hex of a given length) and never opens them, so tests need no real keys for them.
 */
import { randomBytes } from 'node:crypto';

/** `bytes` random bytes as hex. */
export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A secretbox / box nonce (24 bytes). */
export const nonce = (): string => hex(24);

/** A secretbox ciphertext of `bytes` plaintext bytes (with its 16-byte tag). */
export const cipher = (bytes = 64): string => hex(bytes + 16);

/** A Curve25519 public key. */
export const publicKey = (): string => hex(32);
