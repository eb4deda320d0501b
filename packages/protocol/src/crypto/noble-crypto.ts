/**
 * The browser's backend of the crypto interface, on the audited noble libraries (pure JavaScript,
 * no WebAssembly): curves, ciphers and scrypt all from one maintained family.
 */
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import type { Encrypted } from '../api/encrypted.ts';
import { fromHex, fromUtf8, toHex, utf8 } from '../hex.ts';
import {
  boxFromSecretbox,
  type CryptoBackend,
  type Ed25519KeyPair,
  KEY_BYTES,
  NONCE_BYTES,
  type X25519KeyPair,
} from './crypto-backend.ts';
import { DecryptionError } from './decryption-error.ts';
import { hsalsaKey } from './hsalsa-key.ts';
import { nobleScrypt } from './noble-scrypt.ts';

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes per call.
  for (let offset = 0; offset < length; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65536)));
  }
  return bytes;
}

function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== KEY_BYTES) throw new TypeError('an X25519 private key has 32 bytes');
  return x25519.getPublicKey(privateKey);
}

function generateX25519KeyPair(): X25519KeyPair {
  const privateKey = randomBytes(KEY_BYTES);
  return { privateKey, publicKey: x25519PublicKey(privateKey) };
}

function boxKey(theirPublicKey: Uint8Array, myPrivateKey: Uint8Array): Uint8Array {
  if (theirPublicKey.length !== KEY_BYTES) throw new DecryptionError('an X25519 public key has 32 bytes');
  let shared: Uint8Array;
  try {
    // noble refuses low-order points (an all-zero shared secret), as libsodium does.
    shared = x25519.getSharedSecret(myPrivateKey, theirPublicKey);
  } catch (error) {
    throw new DecryptionError('X25519 refused the public key', { cause: error });
  }
  const key = hsalsaKey(shared);
  shared.fill(0);
  return key;
}

function secretboxSeal(text: string, key: Uint8Array): Encrypted {
  if (key.length !== KEY_BYTES) throw new TypeError('a secretbox key has 32 bytes');
  const nonce = randomBytes(NONCE_BYTES);
  return { text: toHex(xsalsa20poly1305(key, nonce).encrypt(utf8(text))), nonce: toHex(nonce) };
}

function secretboxOpen(encrypted: Encrypted, key: Uint8Array): string {
  try {
    const nonce = fromHex(encrypted.nonce);
    if (nonce.length !== NONCE_BYTES || key.length !== KEY_BYTES)
      throw new TypeError('malformed key or nonce');
    return fromUtf8(xsalsa20poly1305(key, nonce).decrypt(fromHex(encrypted.text)));
  } catch (error) {
    // Bad hex, bad length, bad tag or bad UTF-8: the data is not ours to read.
    throw new DecryptionError('secretbox does not open', { cause: error });
  }
}

function ed25519KeyPairFromSeed(seed: Uint8Array): Ed25519KeyPair {
  if (seed.length !== KEY_BYTES) throw new TypeError('an Ed25519 seed has 32 bytes');
  const publicKey = ed25519.getPublicKey(seed);
  const secretKey = new Uint8Array(64);
  secretKey.set(seed);
  secretKey.set(publicKey, KEY_BYTES);
  return { secretKey, publicKey };
}

const bytesOf = (message: Uint8Array | string) => (typeof message === 'string' ? utf8(message) : message);

export const nobleCrypto: CryptoBackend = {
  randomBytes,
  x25519PublicKey,
  generateX25519KeyPair,
  boxKey,
  ...boxFromSecretbox({ boxKey, secretboxSeal, secretboxOpen }),
  secretboxSeal,
  secretboxOpen,
  ed25519KeyPairFromSeed,
  sign: (message, secretKey) => ed25519.sign(bytesOf(message), secretKey.subarray(0, KEY_BYTES)),
  verify: (signature, message, publicKey) => {
    try {
      return ed25519.verify(signature, bytesOf(message), publicKey);
    } catch {
      return false;
    }
  },
  scrypt: nobleScrypt,
};
