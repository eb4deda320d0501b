/**
 * The browser's scrypt (the noble backend's), in a module of its own so that a Web Worker that only
 * hashes loads scrypt and nothing of the curves and ciphers.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import type { ScryptParameters } from '../api/scrypt-parameters.ts';
import { utf8 } from '../hex.ts';

/** scrypt over the UTF-8 bytes of `password` and `salt`, yielding to the event loop while it runs. */
export function nobleScrypt(
  password: string,
  salt: string,
  { u, r, p, l }: ScryptParameters,
): Promise<Uint8Array> {
  return scryptAsync(utf8(password), utf8(salt), { N: 2 ** u, r, p, dkLen: l });
}
