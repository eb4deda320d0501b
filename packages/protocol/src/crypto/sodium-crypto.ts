/**
 * The Node backend of the crypto interface, on libsodium (sodium-native), the reference
 * implementation of these primitives in native code. Per call on a 2-core machine it measured
 * X25519 30 us (Node's OpenSSL: 35 us plus 6-36 us to import the key as a `KeyObject`), key-pair
 * generation 16 us (38 us), and a secretbox of a login-sized message 0.8-1.9 us (the JavaScript
 * cipher of @noble/ciphers: 10-22 us). A login runs several of each on the server.
 *
 * scrypt runs in Node's own implementation on the libuv thread pool, so its ~50 ms never block the
 * event loop; at most `MAX_CONCURRENT_SCRYPT` run at once, since each takes 16 MiB (128 * N * r
 * bytes): a burst of first logins holds a bounded amount of memory and leaves the pool's threads
 * for other work.
 */
import { isAscii } from 'node:buffer';
import { scrypt as nodeScrypt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import sodium from 'sodium-native';
import type { Encrypted } from '../api/encrypted.ts';
import type { ScryptParameters } from '../api/scrypt-parameters.ts';
import { fromHex, fromUtf8, toHex } from '../hex.ts';
import {
  boxFromSecretbox,
  type CryptoBackend,
  type Ed25519KeyPair,
  KEY_BYTES,
  NONCE_BYTES,
  SIGNATURE_BYTES,
  TAG_BYTES,
  type X25519KeyPair,
} from './crypto-backend.ts';
import { DecryptionError } from './decryption-error.ts';
import { hsalsaKey } from './hsalsa-key.ts';

/** libsodium's bindings take Buffers: a view of the same bytes, no copy. */
function view(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function randomBytes(length: number): Uint8Array {
  const bytes = Buffer.alloc(length);
  sodium.randombytes_buf(bytes);
  return bytes;
}

function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== KEY_BYTES) throw new TypeError('an X25519 private key has 32 bytes');
  const publicKey = Buffer.alloc(KEY_BYTES);
  sodium.crypto_scalarmult_base(publicKey, view(privateKey));
  return publicKey;
}

function generateX25519KeyPair(): X25519KeyPair {
  const privateKey = randomBytes(KEY_BYTES);
  return { privateKey, publicKey: x25519PublicKey(privateKey) };
}

function boxKey(theirPublicKey: Uint8Array, myPrivateKey: Uint8Array): Uint8Array {
  if (theirPublicKey.length !== KEY_BYTES) throw new DecryptionError('an X25519 public key has 32 bytes');
  if (myPrivateKey.length !== KEY_BYTES) throw new TypeError('an X25519 private key has 32 bytes');
  const shared = new Uint8Array(KEY_BYTES);
  try {
    sodium.crypto_scalarmult(view(shared), view(myPrivateKey), view(theirPublicKey));
  } catch (error) {
    // libsodium refuses low-order points (an all-zero shared secret).
    throw new DecryptionError('X25519 refused the public key', { cause: error });
  }
  const key = hsalsaKey(shared);
  shared.fill(0);
  return key;
}

function secretboxSeal(text: string, key: Uint8Array): Encrypted {
  if (key.length !== KEY_BYTES) throw new TypeError('a secretbox key has 32 bytes');
  const message = Buffer.from(text, 'utf8');
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = Buffer.allocUnsafe(message.length + TAG_BYTES);
  sodium.crypto_secretbox_easy(sealed, message, view(nonce), view(key));
  return { text: toHex(sealed), nonce: toHex(nonce) };
}

function secretboxOpen(encrypted: Encrypted, key: Uint8Array): string {
  let ciphertext: Uint8Array;
  let nonce: Uint8Array;
  try {
    ciphertext = fromHex(encrypted.text);
    nonce = fromHex(encrypted.nonce);
  } catch (error) {
    throw new DecryptionError('malformed hex', { cause: error });
  }
  // Decoded here: nobody else holds these bytes.
  return plaintextText(secretboxOpenInPlace(ciphertext, nonce, key));
}

/**
 * `secretboxOpen` for a ciphertext and nonce already decoded from hex (a server that reads a large
 * body as bytes decodes its hex once), giving the plaintext's bytes (`plaintextText` reads them as
 * `secretboxOpen` does). The plaintext is written over the ciphertext's first bytes (libsodium
 * opens overlapping buffers, and writes only once the tag is verified), so a vault write's
 * megabytes are opened without another buffer of fresh memory: `ciphertext` is the caller's to
 * give up. Throws `DecryptionError` like `secretboxOpen`.
 */
export function secretboxOpenInPlace(ciphertext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer {
  if (nonce.length !== NONCE_BYTES || key.length !== KEY_BYTES || ciphertext.length < TAG_BYTES) {
    throw new DecryptionError('malformed secretbox');
  }
  const sealed = view(ciphertext);
  const plain = sealed.subarray(0, sealed.length - TAG_BYTES);
  if (!sodium.crypto_secretbox_open_easy(plain, sealed, view(nonce), view(key))) {
    throw new DecryptionError('secretbox authentication failed');
  }
  return plain;
}

/** The text of an opened secretbox's bytes; throws `DecryptionError` when they are not UTF-8. */
export function plaintextText(plain: Buffer): string {
  // ASCII (what Psono's JSON of hex and base64 is) decodes as Latin-1 to the same text: a copy of
  // the bytes, where the strict UTF-8 decoder takes about 4 ms per megabyte (a vault write opens
  // several megabytes).
  if (isAscii(plain)) return plain.toString('latin1');
  try {
    return fromUtf8(plain);
  } catch (error) {
    throw new DecryptionError('plaintext is not UTF-8', { cause: error });
  }
}

function ed25519KeyPairFromSeed(seed: Uint8Array): Ed25519KeyPair {
  if (seed.length !== KEY_BYTES) throw new TypeError('an Ed25519 seed has 32 bytes');
  const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  const secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, view(seed));
  return { secretKey, publicKey };
}

const bytesOf = (message: Uint8Array | string) =>
  typeof message === 'string' ? Buffer.from(message, 'utf8') : view(message);

function sign(message: Uint8Array | string, secretKey: Uint8Array): Uint8Array {
  const signature = Buffer.alloc(SIGNATURE_BYTES);
  sodium.crypto_sign_detached(signature, bytesOf(message), view(secretKey));
  return signature;
}

function verify(signature: Uint8Array, message: Uint8Array | string, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== KEY_BYTES) return false;
  try {
    return sodium.crypto_sign_verify_detached(view(signature), bytesOf(message), view(publicKey));
  } catch {
    return false;
  }
}

/** One derivation per core, at least two and at most libuv's default four threads. */
export const MAX_CONCURRENT_SCRYPT = Math.min(4, Math.max(2, availableParallelism()));

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `task` once fewer than `MAX_CONCURRENT_SCRYPT` derivations are in flight. */
async function withScryptSlot<T>(task: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_SCRYPT) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    return await task();
  } finally {
    // The slot passes straight to the next waiter, so `running` only drops when nobody waits.
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

/** How many scrypt derivations run and wait right now (for tests and diagnostics). */
export function scryptLoad(): { running: number; waiting: number } {
  return { running, waiting: waiting.length };
}

function scrypt(password: string, salt: string, { u, r, p, l }: ScryptParameters): Promise<Uint8Array> {
  return withScryptSlot(
    () =>
      new Promise((resolve, reject) => {
        // maxmem: 128 * N * r with room to spare for the largest parameters a client accepts.
        const maxmem = 2 * 128 * 2 ** u * r;
        nodeScrypt(
          Buffer.from(password, 'utf8'),
          Buffer.from(salt, 'utf8'),
          l,
          { N: 2 ** u, r, p, maxmem },
          (error, key) => (error ? reject(error) : resolve(key)),
        );
      }),
  );
}

export const sodiumCrypto: CryptoBackend = {
  randomBytes,
  x25519PublicKey,
  generateX25519KeyPair,
  boxKey,
  ...boxFromSecretbox({ boxKey, secretboxSeal, secretboxOpen }),
  secretboxSeal,
  secretboxOpen,
  ed25519KeyPairFromSeed,
  sign,
  verify,
  scrypt,
};
