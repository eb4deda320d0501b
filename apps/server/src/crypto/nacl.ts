/**
 * NaCl `crypto_box` and `crypto_secretbox`, byte-compatible with tweetnacl / libsodium and so with
 * Psono's clients.
 *
 * Why these libraries: X25519 runs in Node's own crypto (OpenSSL, native code, about 20x faster than
 * a JavaScript curve), which matters because every login does three Diffie-Hellman operations.
 * Node has no XSalsa20, so @noble/ciphers (audited, constant-time, no dependencies) supplies
 * HSalsa20 and XSalsa20-Poly1305; the messages are small, so the JavaScript cipher costs microseconds.
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject, randomBytes } from 'node:crypto';
import { hsalsa, xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { fromHex, fromUtf8, toHex, utf8 } from './hex.ts';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;

/** A message encrypted with box or secretbox, as it travels: hex ciphertext (tag first) and hex nonce. */
export interface EncryptedValue {
  text: string;
  nonce: string;
}

/** The ciphertext or the key did not fit: wrong key, tampered text, malformed hex. */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

/** An X25519 private key prepared once for repeated Diffie-Hellman (the server's long-term key). */
export interface X25519PrivateKey {
  readonly raw: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly keyObject: KeyObject;
}

const base64url = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

// Keys are imported as JWK: Node turns a raw JWK into a key directly, while the PKCS#8 / SPKI (DER)
// route runs OpenSSL's generic decoder, which measured 5-10x slower (~0.5-1 ms per key). The
// private JWK's `x` is not consulted (Node derives the public key from `d`), so it is left empty.
export function x25519PrivateKey(raw: Uint8Array): X25519PrivateKey {
  if (raw.length !== KEY_BYTES) throw new TypeError('an X25519 private key has 32 bytes');
  const keyObject = createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: base64url(raw), x: '' },
    format: 'jwk',
  });
  const x = createPublicKey(keyObject).export({ format: 'jwk' }).x ?? '';
  return { raw, publicKey: new Uint8Array(Buffer.from(x, 'base64url')), keyObject };
}

/** A fresh key pair (random private key; faster than `generateKeyPairSync`, which also goes through DER). */
export function generateX25519KeyPair(): X25519PrivateKey {
  return x25519PrivateKey(new Uint8Array(randomBytes(KEY_BYTES)));
}

function x25519PublicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== KEY_BYTES) throw new DecryptionError('an X25519 public key has 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(raw) }, format: 'jwk' });
}

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const ZERO_NONCE_WORDS = new Uint32Array(4);

/** `crypto_box_beforenm`: HSalsa20 of the X25519 shared secret. */
export function boxSharedKey(theirPublicKey: Uint8Array, myPrivateKey: X25519PrivateKey): Uint8Array {
  let shared: Buffer;
  try {
    shared = diffieHellman({
      privateKey: myPrivateKey.keyObject,
      publicKey: x25519PublicKeyObject(theirPublicKey),
    });
  } catch (error) {
    // OpenSSL refuses low-order points (all-zero shared secret); treat as an undecryptable message.
    throw new DecryptionError('X25519 refused the public key', { cause: error });
  }
  const keyWords = new Uint32Array(new Uint8Array(shared).buffer);
  const out = new Uint32Array(8);
  hsalsa(SIGMA, keyWords, ZERO_NONCE_WORDS, out);
  return new Uint8Array(out.buffer);
}

export function randomNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

export function secretboxSeal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  return xsalsa20poly1305(key, nonce).encrypt(message);
}

export function secretboxOpen(ciphertext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  if (nonce.length !== NONCE_BYTES || key.length !== KEY_BYTES || ciphertext.length < TAG_BYTES) {
    throw new DecryptionError('malformed secretbox');
  }
  try {
    return xsalsa20poly1305(key, nonce).decrypt(ciphertext);
  } catch (error) {
    throw new DecryptionError('secretbox authentication failed', { cause: error });
  }
}

/** Psono's `encryptData`: secretbox of a UTF-8 string under a 32-byte key. */
export function encryptWithKey(text: string, key: Uint8Array): EncryptedValue {
  const nonce = randomNonce();
  return { text: toHex(secretboxSeal(utf8(text), nonce, key)), nonce: toHex(nonce) };
}

/** Psono's `decryptData`; throws `DecryptionError` on any failure. */
export function decryptWithKey(value: EncryptedValue, key: Uint8Array): string {
  let plain: Uint8Array;
  try {
    plain = secretboxOpen(fromHex(value.text), fromHex(value.nonce), key);
    return fromUtf8(plain);
  } catch (error) {
    if (error instanceof DecryptionError) throw error;
    throw new DecryptionError('malformed encrypted value', { cause: error });
  }
}

/** Psono's `encryptDataPublicKey`: box of a UTF-8 string from `myPrivateKey` to `theirPublicKey`. */
export function encryptForPublicKey(
  text: string,
  theirPublicKey: Uint8Array,
  myPrivateKey: X25519PrivateKey,
): EncryptedValue {
  return encryptWithKey(text, boxSharedKey(theirPublicKey, myPrivateKey));
}

/** Psono's `decryptDataPublicKey`; throws `DecryptionError` on any failure. */
export function decryptFromPublicKey(
  value: EncryptedValue,
  theirPublicKey: Uint8Array,
  myPrivateKey: X25519PrivateKey,
): string {
  return decryptWithKey(value, boxSharedKey(theirPublicKey, myPrivateKey));
}
