import { describe, expect, it } from 'vitest';
import { DecryptionError, randomHex } from './nacl.ts';
import {
  authkeySalt,
  decryptWithPasswordKey,
  encryptWithPasswordKey,
  passwordScrypt,
  sha512Hex,
  userSauceSalt,
} from './psono-keys.ts';

const FAST = { u: 4, r: 8, p: 1, l: 64 };

describe('Psono password keys', () => {
  it('matches the published scrypt test vector (RFC 7914, N=16)', () => {
    // RFC 7914 §12, first vector: empty password and salt, N=16, r=1, p=1, dkLen=64.
    expect(passwordScrypt('', '', { u: 4, r: 1, p: 1, l: 64 })).toBe(
      '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442' +
        'fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906',
    );
  });

  it('salts the authkey with the hex SHA-512 of the lowercased username', () => {
    expect(authkeySalt('Alice@Example.COM')).toBe(sha512Hex('alice@example.com'));
    expect(authkeySalt('alice@example.com')).toHaveLength(128);
  });

  it('round-trips a private key under the password-derived key and refuses another password', () => {
    const sauce = randomHex(32);
    const privateKey = randomHex(32);
    const right = passwordScrypt('correct horse', userSauceSalt(sauce), FAST);
    const wrong = passwordScrypt('battery staple', userSauceSalt(sauce), FAST);
    const sealed = encryptWithPasswordKey(privateKey, right);
    expect(decryptWithPasswordKey(sealed, right)).toBe(privateKey);
    expect(() => decryptWithPasswordKey(sealed, wrong)).toThrow(DecryptionError);
  });
});
