/**
 * The server's long-term keys, all from the settings: `PRIVATE_KEY` (X25519, the key clients box
 * their `login_info` to) and the Ed25519 key that signs `/info/`, whose seed is the same 32 bytes
 * (Psono derives its verify key the same way).
 */
import { fromHex, toHex, type X25519KeyPair } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';

export interface ServerKeys {
  readonly box: X25519KeyPair;
  /** Hex X25519 public key (`public_key` in `/info/`, `session_public_key` in the login reply). */
  readonly publicKey: string;
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
  const privateKey = fromHex(privateKeyHex);
  const box = { privateKey, publicKey: sodiumCrypto.x25519PublicKey(privateKey) };
  const publicKey = toHex(box.publicKey);
  if (publicKey !== publicKeyHex.toLowerCase()) {
    throw new ServerKeyError('PUBLIC_KEY does not belong to PRIVATE_KEY; run `manage generate-keys`');
  }
  const signing = sodiumCrypto.ed25519KeyPairFromSeed(privateKey);
  return {
    box,
    publicKey,
    verifyKey: toHex(signing.publicKey),
    signHex: (text) => toHex(sodiumCrypto.sign(text, signing.secretKey)),
  };
}
