/**
 * NaCl `box` and `secretbox` as Psono uses them: every ciphertext and nonce travels as hex, every
 * plaintext is UTF-8 text. Built on the audited noble libraries rather than a NaCl port so the scrypt
 * hashing, curve arithmetic and ciphers all come from one maintained family.
 */

import { hsalsa, xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export interface Encrypted {
  /** hex ciphertext (Poly1305 tag first, as NaCl lays it out) */
  text: string;
  /** hex 24-byte nonce */
  nonce: string;
}

export interface KeyPair {
  publicKey: string;
  privateKey: string;
}

/** Thrown when a ciphertext does not authenticate: wrong key, wrong nonce or tampered data. */
export class DecryptionError extends Error {
  readonly code = 'DECRYPTION_FAILED';
  constructor() {
    super('ciphertext could not be decrypted');
    this.name = 'DecryptionError';
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return bytes;
}

export function randomHex(length: number): string {
  return bytesToHex(randomBytes(length));
}

/** A fresh X25519 key pair (hex), used once per login as the session key pair. */
export function generateKeyPair(): KeyPair {
  const secret = randomBytes(32);
  return { privateKey: bytesToHex(secret), publicKey: bytesToHex(x25519.getPublicKey(secret)) };
}

function toWords(bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = new Uint32Array(bytes.byteLength / 4);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(i * 4, true);
  return words;
}

function fromWords(words: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i]!, true);
  return bytes;
}

const SIGMA = toWords(utf8ToBytes('expand 32-byte k'));

/** crypto_box_beforenm: HSalsa20 over the raw X25519 shared point with a zero nonce. */
function boxKey(publicKeyHex: string, privateKeyHex: string): Uint8Array {
  const shared = x25519.getSharedSecret(hexToBytes(privateKeyHex), hexToBytes(publicKeyHex));
  const out = new Uint32Array(8);
  hsalsa(SIGMA, toWords(shared), new Uint32Array(4), out);
  return fromWords(out);
}

function seal(key: Uint8Array, plaintext: string): Encrypted {
  const nonce = randomBytes(24);
  const text = xsalsa20poly1305(key, nonce).encrypt(utf8ToBytes(plaintext));
  return { text: bytesToHex(text), nonce: bytesToHex(nonce) };
}

function open(key: Uint8Array, encrypted: Encrypted): string {
  try {
    const plain = xsalsa20poly1305(key, hexToBytes(encrypted.nonce)).decrypt(hexToBytes(encrypted.text));
    return decoder.decode(plain);
  } catch {
    // Any failure here (bad hex, bad length, bad tag, invalid UTF-8) means the data is not ours to read.
    throw new DecryptionError();
  }
}

/** NaCl box: encrypt `plaintext` from our private key to their public key. */
export function boxEncrypt(plaintext: string, theirPublicKey: string, ourPrivateKey: string): Encrypted {
  return seal(boxKey(theirPublicKey, ourPrivateKey), plaintext);
}

export function boxDecrypt(encrypted: Encrypted, theirPublicKey: string, ourPrivateKey: string): string {
  let key: Uint8Array;
  try {
    key = boxKey(theirPublicKey, ourPrivateKey);
  } catch {
    throw new DecryptionError();
  }
  return open(key, encrypted);
}

/** NaCl secretbox under a hex 32-byte key. */
export function secretboxEncrypt(plaintext: string, keyHex: string): Encrypted {
  return seal(hexToBytes(keyHex), plaintext);
}

export function secretboxDecrypt(encrypted: Encrypted, keyHex: string): string {
  let key: Uint8Array;
  try {
    key = hexToBytes(keyHex);
  } catch {
    throw new DecryptionError();
  }
  return open(key, encrypted);
}
