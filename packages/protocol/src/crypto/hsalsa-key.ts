/**
 * The last step of `crypto_box_beforenm`: HSalsa20 of the X25519 shared point with a zero nonce.
 * libsodium's Node bindings expose no HSalsa20 of their own, so both backends share this one
 * (from @noble/ciphers: audited, constant-time, 0.3 us). Words are read and written in the
 * platform's order, which is little-endian on every platform Node and the browsers run on.
 */
import { hsalsa } from '@noble/ciphers/salsa.js';

// "expand 32-byte k" as little-endian words.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const ZERO_NONCE_WORDS = new Uint32Array(4);

/** The 32-byte box key from a 32-byte X25519 shared secret. */
export function hsalsaKey(sharedSecret: Uint8Array): Uint8Array {
  const aligned = sharedSecret.byteOffset % 4 === 0 ? sharedSecret : sharedSecret.slice();
  const out = new Uint32Array(8);
  hsalsa(SIGMA, new Uint32Array(aligned.buffer, aligned.byteOffset, 8), ZERO_NONCE_WORDS, out);
  return new Uint8Array(out.buffer);
}
