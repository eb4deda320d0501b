import { scrypt } from '@noble/hashes/scrypt.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { MAX_CONCURRENT_SCRYPT, passwordDerivedKey, scryptLoad } from './password-key.ts';

const text = (value: string) => new TextEncoder().encode(value);

describe('passwordDerivedKey', () => {
  it('is sha256 over the hex scrypt of the password salted with the hex sha512 of the sauce', async () => {
    const sauce = 'a'.repeat(64);
    const salt = bytesToHex(sha512(text(sauce)));
    const stretched = bytesToHex(scrypt(text('pässword'), text(salt), { N: 2 ** 14, r: 8, p: 1, dkLen: 64 }));
    const expected = bytesToHex(sha256(text(stretched)));
    expect(bytesToHex(await passwordDerivedKey('pässword', sauce))).toBe(expected);
  });

  it('refuses a sauce that looks like a username', async () => {
    await expect(passwordDerivedKey('x', 'alice@example.com')).rejects.toThrow(TypeError);
  });

  it(`runs at most ${MAX_CONCURRENT_SCRYPT} derivations at once and finishes every one`, async () => {
    let peak = 0;
    const sample = setInterval(() => {
      peak = Math.max(peak, scryptLoad().running);
    }, 1);
    const keys = await Promise.all(
      Array.from({ length: 6 }, (_, i) => passwordDerivedKey(`pw-${i}`, 'b'.repeat(64))),
    );
    clearInterval(sample);
    expect(peak).toBe(MAX_CONCURRENT_SCRYPT);
    expect(new Set(keys.map((key) => Buffer.from(key).toString('hex'))).size).toBe(6);
    expect(scryptLoad()).toEqual({ running: 0, waiting: 0 });
  });
});
