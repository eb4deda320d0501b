/**
 * NaCl `crypto_box` and `crypto_secretbox`, byte-compatible with tweetnacl / libsodium and so with
 * Psono's clients.
 *
 * Why this library: sodium-native binds libsodium, the reference implementation of these
 * primitives, in native code. Per call on this project's 2-core machine it measured X25519 30 us
 * (Node's OpenSSL: 35 us plus 6-36 us to import the key as a `KeyObject`), key-pair generation
 * 16 us (38 us), and a secretbox of a login-sized message 0.8-1.9 us (the JavaScript cipher of
 * @noble/ciphers: 10-22 us). A login runs several of each on the server and on the client.
 * libsodium exposes no HSalsa20 of its own in these bindings, so `crypto_box_beforenm`'s last step
 * comes from @noble/ciphers (audited, constant-time, 0.3 us).
 */
import { hsalsa } from '@noble/ciphers/salsa.js';
import sodium from 'sodium-native';
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

/** An X25519 private key with its public key. */
export interface X25519PrivateKey {
  readonly raw: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** libsodium's bindings take Buffers: a view of the same bytes, no copy. */
function view(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function x25519PrivateKey(raw: Uint8Array): X25519PrivateKey {
  if (raw.length !== KEY_BYTES) throw new TypeError('an X25519 private key has 32 bytes');
  const publicKey = Buffer.alloc(KEY_BYTES);
  sodium.crypto_scalarmult_base(publicKey, view(raw));
  return { raw, publicKey };
}

/** A fresh key pair from libsodium's random generator. */
export function generateX25519KeyPair(): X25519PrivateKey {
  return x25519PrivateKey(randomBytes(KEY_BYTES));
}

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const ZERO_NONCE_WORDS = new Uint32Array(4);

/** `crypto_box_beforenm`: HSalsa20 of the X25519 shared secret. */
export function boxSharedKey(theirPublicKey: Uint8Array, myPrivateKey: X25519PrivateKey): Uint8Array {
  if (theirPublicKey.length !== KEY_BYTES) throw new DecryptionError('an X25519 public key has 32 bytes');
  const shared = new Uint8Array(KEY_BYTES);
  try {
    sodium.crypto_scalarmult(view(shared), view(myPrivateKey.raw), view(theirPublicKey));
  } catch (error) {
    // libsodium refuses low-order points (all-zero shared secret); treat as an undecryptable message.
    throw new DecryptionError('X25519 refused the public key', { cause: error });
  }
  const out = new Uint32Array(8);
  hsalsa(SIGMA, new Uint32Array(shared.buffer), ZERO_NONCE_WORDS, out);
  shared.fill(0);
  return new Uint8Array(out.buffer);
}

/** Bytes from libsodium's generator (the operating system's CSPRNG). */
export function randomBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  sodium.randombytes_buf(bytes);
  return bytes;
}

export function randomNonce(): Uint8Array {
  return randomBytes(NONCE_BYTES);
}

export function secretboxSeal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  if (nonce.length !== NONCE_BYTES || key.length !== KEY_BYTES)
    throw new TypeError('malformed secretbox key or nonce');
  const sealed = Buffer.allocUnsafe(message.length + TAG_BYTES);
  sodium.crypto_secretbox_easy(sealed, view(message), view(nonce), view(key));
  return sealed;
}

export function secretboxOpen(ciphertext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  if (nonce.length !== NONCE_BYTES || key.length !== KEY_BYTES || ciphertext.length < TAG_BYTES) {
    throw new DecryptionError('malformed secretbox');
  }
  const plain = Buffer.allocUnsafe(ciphertext.length - TAG_BYTES);
  if (!sodium.crypto_secretbox_open_easy(plain, view(ciphertext), view(nonce), view(key))) {
    throw new DecryptionError('secretbox authentication failed');
  }
  return plain;
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
