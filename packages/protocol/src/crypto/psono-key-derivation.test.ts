import { scrypt } from '@noble/hashes/scrypt.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../hex.ts';
import { MAX_CONCURRENT_SCRYPT, scryptLoad, sodiumCrypto } from '../node.ts';
import type { CryptoBackend } from './crypto-backend.ts';
import { nobleCrypto } from './noble-crypto.ts';
import { authkey, authkeySalt, passwordKey, sha512Hex, userSauceSalt } from './psono-key-derivation.ts';

const text = (value: string) => new TextEncoder().encode(value);
const FAST = { u: 4, r: 8, p: 1, l: 64 };

// The derivations written out step by step as Psono's client (crypto-library.js) does them.
const expectedPasswordKey = (password: string, sauce: string, params = FAST) => {
  const salt = bytesToHex(sha512(text(sauce)));
  const stretched = bytesToHex(
    scrypt(text(password), text(salt), { N: 2 ** params.u, r: params.r, p: params.p, dkLen: params.l }),
  );
  return bytesToHex(sha256(text(stretched)));
};

describe.each([
  ['noble', nobleCrypto],
  ['sodium-native', sodiumCrypto],
] as [string, CryptoBackend][])('Psono key derivation on %s', (_name, crypto) => {
  it('derives the password key from the hex scrypt salted with the hex SHA-512 of the sauce', async () => {
    const sauce = 'a'.repeat(64);
    expect(toHex(await passwordKey(crypto, 'pässword', sauce, FAST))).toBe(
      expectedPasswordKey('pässword', sauce),
    );
  });

  it('derives with the production parameters by default', async () => {
    const sauce = 'b'.repeat(64);
    expect(toHex(await passwordKey(crypto, 'pw', sauce))).toBe(
      expectedPasswordKey('pw', sauce, { u: 14, r: 8, p: 1, l: 64 }),
    );
  });

  it('salts the authkey with the hex SHA-512 of the lowercased username', async () => {
    const salt = bytesToHex(sha512(text('alice@example.com')));
    expect(authkeySalt('Alice@Example.COM')).toBe(salt);
    expect(await authkey(crypto, 'Alice@Example.COM', 'pw', FAST)).toBe(
      bytesToHex(scrypt(text('pw'), text(salt), { N: 16, r: 8, p: 1, dkLen: 64 })),
    );
  });

  it('opens keys that a client sealed under the password key with tweetnacl', async () => {
    const sauce = toHex(nacl.randomBytes(32));
    const key = fromHex(expectedPasswordKey('correct horse', sauce));
    const nonce = nacl.randomBytes(24);
    const privateKeyHex = toHex(nacl.randomBytes(32));
    const sealed = { text: toHex(nacl.secretbox(text(privateKeyHex), nonce, key)), nonce: toHex(nonce) };
    expect(crypto.secretboxOpen(sealed, await passwordKey(crypto, 'correct horse', sauce, FAST))).toBe(
      privateKeyHex,
    );
  });
});

describe('userSauceSalt', () => {
  it('refuses a sauce that looks like a username', () => {
    expect(() => userSauceSalt('alice@example.com')).toThrow(TypeError);
    expect(userSauceSalt('abc')).toBe(sha512Hex('abc'));
  });
});

describe('the Node scrypt', () => {
  it(`runs at most ${MAX_CONCURRENT_SCRYPT} derivations at once and finishes every one`, async () => {
    let peak = 0;
    const sample = setInterval(() => {
      peak = Math.max(peak, scryptLoad().running);
    }, 1);
    const keys = await Promise.all(
      Array.from({ length: 6 }, (_, i) => passwordKey(sodiumCrypto, `pw-${i}`, 'b'.repeat(64))),
    );
    clearInterval(sample);
    expect(peak).toBe(MAX_CONCURRENT_SCRYPT);
    expect(new Set(keys.map(toHex)).size).toBe(6);
    expect(scryptLoad()).toEqual({ running: 0, waiting: 0 });
  });
});
