import { createPrivateKey, createPublicKey } from 'node:crypto';
import { fromHex, nobleCrypto, toHex } from '@ldap-login/protocol';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_KEY_PAIRS, publishedKeySource } from './published-test-keys.ts';

/** DER prefix of a PKCS#8 Ed25519 private key (RFC 8410); the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function ed25519PublicKeyFromSeed(seedHex: string): string {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url').toString('hex');
}

describe('published key pairs', () => {
  it.each(PUBLISHED_KEY_PAIRS.map((pair) => [pair.source, pair] as const))(
    '%s: the public key is computed from the private key',
    (_source, pair) => {
      const computed =
        pair.kind === 'x25519'
          ? toHex(nobleCrypto.x25519PublicKey(fromHex(pair.privateKey)))
          : ed25519PublicKeyFromSeed(pair.privateKey);
      expect(computed).toBe(pair.publicKey);
    },
  );

  it('finds a key in any case and with spaces around it, and nothing else', () => {
    const [first] = PUBLISHED_KEY_PAIRS;
    expect(publishedKeySource(` ${first!.privateKey.toUpperCase()} `)).toContain('RFC 7748');
    expect(publishedKeySource(first!.publicKey)).toContain('RFC 7748');
    expect(publishedKeySource('ab'.repeat(32))).toBeUndefined();
  });
});
