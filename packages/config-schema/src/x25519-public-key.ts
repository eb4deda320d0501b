import { createPrivateKey, createPublicKey } from 'node:crypto';

/** DER prefix of a PKCS#8 X25519 private key; the 32 raw key bytes follow it. */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/**
 * The X25519 public key (hex) that belongs to a 32-byte private key given as hex, as NaCl's
 * `crypto_box` computes it. Node's own crypto does this, so no extra library is needed.
 *
 * @example
 * x25519PublicKeyFromPrivate('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
 * // => '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'
 */
export function x25519PublicKeyFromPrivate(privateKeyHex: string): string {
  const raw = Buffer.from(privateKeyHex, 'hex');
  if (raw.length !== 32) throw new RangeError('an X25519 private key has 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, raw]),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new TypeError('X25519 public key export lacks "x"');
  return Buffer.from(jwk.x, 'base64url').toString('hex');
}
