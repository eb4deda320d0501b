/**
 * The server's long-term keys, all from the settings: `PRIVATE_KEY` (X25519, the key clients box
 * their `login_info` to) and the Ed25519 key that signs `/info/`, whose seed is the same 32 bytes
 * (Psono derives its verify key the same way).
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { fromHex, toHex } from './hex.ts';
import { type X25519PrivateKey, x25519PrivateKey } from './nacl.ts';

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI_PREFIX_LENGTH = 12;

export interface ServerKeys {
  readonly box: X25519PrivateKey;
  /** Hex Ed25519 public key (`verify_key`). */
  readonly verifyKey: string;
  /** Hex detached Ed25519 signature of the UTF-8 bytes of `text`. */
  signHex(text: string): string;
}

/** Settings cannot run the server; the message names the key to change. */
export class ServerKeyError extends Error {
  override readonly name = 'ServerKeyError';
}

export function serverKeysFrom(
  privateKeyHex: string | undefined,
  publicKeyHex: string | undefined,
): ServerKeys {
  if (privateKeyHex === undefined || publicKeyHex === undefined) {
    throw new ServerKeyError('PRIVATE_KEY and PUBLIC_KEY are required; run `manage generate-keys`');
  }
  const box = x25519PrivateKey(fromHex(privateKeyHex));
  if (toHex(box.publicKey) !== publicKeyHex.toLowerCase()) {
    throw new ServerKeyError('PUBLIC_KEY does not belong to PRIVATE_KEY; run `manage generate-keys`');
  }
  const signingKey: KeyObject = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(box.raw)]),
    format: 'der',
    type: 'pkcs8',
  });
  const verifyKey = createPublicKey(signingKey)
    .export({ format: 'der', type: 'spki' })
    .subarray(ED25519_SPKI_PREFIX_LENGTH)
    .toString('hex');
  return {
    box,
    verifyKey,
    signHex: (text) => sign(null, Buffer.from(text, 'utf8'), signingKey).toString('hex'),
  };
}
