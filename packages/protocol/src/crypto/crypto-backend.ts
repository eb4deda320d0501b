/**
 * The one crypto interface of the protocol: NaCl's box and secretbox as Psono uses them (hex
 * `{text, nonce}` of UTF-8 text), Ed25519 detached signatures, X25519 keys, random bytes and scrypt.
 * Two backends implement it byte for byte alike: `nobleCrypto` (browser, pure JavaScript) and
 * `sodiumCrypto` (Node, libsodium) from `@ldap-login/protocol/node`.
 */
import type { Encrypted } from '../api/encrypted.ts';
import type { ScryptParameters } from '../api/scrypt-parameters.ts';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
export const SIGNATURE_BYTES = 64;

export interface X25519KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** NaCl's signing key pair: `secretKey` is the 32-byte seed followed by the public key. */
export interface Ed25519KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface CryptoBackend {
  /** Bytes from the platform's CSPRNG. */
  randomBytes(length: number): Uint8Array;

  /** The X25519 public key of a 32-byte private key (`crypto_scalarmult_base`). */
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /** A fresh X25519 key pair. */
  generateX25519KeyPair(): X25519KeyPair;
  /**
   * `crypto_box_beforenm`: the secretbox key of a box between two parties. Throws
   * `DecryptionError` for a public key that is malformed or of low order.
   */
  boxKey(theirPublicKey: Uint8Array, myPrivateKey: Uint8Array): Uint8Array;
  /** `crypto_box` of UTF-8 text with a fresh nonce (Psono's `encryptDataPublicKey`). */
  boxSeal(text: string, theirPublicKey: Uint8Array, myPrivateKey: Uint8Array): Encrypted;
  /** Opens a box; throws `DecryptionError` on any failure (Psono's `decryptDataPublicKey`). */
  boxOpen(encrypted: Encrypted, theirPublicKey: Uint8Array, myPrivateKey: Uint8Array): string;

  /** `crypto_secretbox` of UTF-8 text under a 32-byte key with a fresh nonce (`encryptData`). */
  secretboxSeal(text: string, key: Uint8Array): Encrypted;
  /** Opens a secretbox; throws `DecryptionError` on any failure (`decryptData`). */
  secretboxOpen(encrypted: Encrypted, key: Uint8Array): string;

  /** The Ed25519 key pair of a 32-byte seed (`crypto_sign_seed_keypair`). */
  ed25519KeyPairFromSeed(seed: Uint8Array): Ed25519KeyPair;
  /** A detached Ed25519 signature of `message` (UTF-8 when a string). */
  sign(message: Uint8Array | string, secretKey: Uint8Array): Uint8Array;
  /** Whether `signature` is `publicKey`'s signature of `message`; false for malformed input. */
  verify(signature: Uint8Array, message: Uint8Array | string, publicKey: Uint8Array): boolean;

  /** scrypt over the UTF-8 bytes of `password` and `salt` (Psono's `passwordScrypt` without the hex). */
  scrypt(password: string, salt: string, parameters: ScryptParameters): Promise<Uint8Array>;
}

/**
 * `boxSeal` and `boxOpen` as NaCl defines them: a secretbox under the box key of the two parties
 * (`crypto_box` = `crypto_box_beforenm` + `crypto_box_afternm`), the same for every backend.
 */
export function boxFromSecretbox(
  backend: Pick<CryptoBackend, 'boxKey' | 'secretboxSeal' | 'secretboxOpen'>,
): Pick<CryptoBackend, 'boxSeal' | 'boxOpen'> {
  return {
    boxSeal: (text, theirPublicKey, myPrivateKey) =>
      backend.secretboxSeal(text, backend.boxKey(theirPublicKey, myPrivateKey)),
    boxOpen: (encrypted, theirPublicKey, myPrivateKey) =>
      backend.secretboxOpen(encrypted, backend.boxKey(theirPublicKey, myPrivateKey)),
  };
}
