import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../hex.ts';
import { sodiumCrypto } from '../node.ts';
import type { CryptoBackend } from './crypto-backend.ts';
import { DecryptionError } from './decryption-error.ts';
import { nobleCrypto } from './noble-crypto.ts';

// Published vectors: RFC 7748 §6.1 (X25519), NaCl's box example (crypto_box_beforenm of Alice's
// secret key and Bob's public key), RFC 8032 §7.1 test 1 (Ed25519), RFC 7914 §12 (scrypt).
const ALICE_PRIVATE = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const ALICE_PUBLIC = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const BOB_PRIVATE = '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb';
const BOB_PUBLIC = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const ALICE_BOB_BOX_KEY = '1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389';
const ED25519_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const ED25519_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const ED25519_EMPTY_SIGNATURE =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

// Both backends run the same cases: tweetnacl stands for the NaCl implementation of Psono's
// clients, and the messages travel as Psono's do (hex ciphertext with the tag first, hex nonce).
describe.each([
  ['noble (browser)', nobleCrypto],
  ['sodium-native (Node)', sodiumCrypto],
] as [string, CryptoBackend][])('%s backend', (_name, crypto) => {
  it('computes the published X25519 public keys and box key', () => {
    expect(toHex(crypto.x25519PublicKey(fromHex(ALICE_PRIVATE)))).toBe(ALICE_PUBLIC);
    expect(toHex(crypto.x25519PublicKey(fromHex(BOB_PRIVATE)))).toBe(BOB_PUBLIC);
    expect(toHex(crypto.boxKey(fromHex(BOB_PUBLIC), fromHex(ALICE_PRIVATE)))).toBe(ALICE_BOB_BOX_KEY);
    expect(toHex(crypto.boxKey(fromHex(ALICE_PUBLIC), fromHex(BOB_PRIVATE)))).toBe(ALICE_BOB_BOX_KEY);
    expect(toHex(nacl.box.before(fromHex(BOB_PUBLIC), fromHex(ALICE_PRIVATE)))).toBe(ALICE_BOB_BOX_KEY);
  });

  it('generates key pairs whose public key tweetnacl derives too', () => {
    const pair = crypto.generateX25519KeyPair();
    expect(toHex(nacl.box.keyPair.fromSecretKey(pair.privateKey).publicKey)).toBe(toHex(pair.publicKey));
    expect(toHex(crypto.generateX25519KeyPair().privateKey)).not.toBe(toHex(pair.privateKey));
  });

  it('opens boxes tweetnacl sealed and seals boxes tweetnacl opens', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (message) => {
        const client = nacl.box.keyPair();
        const server = crypto.generateX25519KeyPair();
        const nonce = nacl.randomBytes(24);
        const sealed = nacl.box(utf8(message), nonce, server.publicKey, client.secretKey);
        expect(
          crypto.boxOpen({ text: toHex(sealed), nonce: toHex(nonce) }, client.publicKey, server.privateKey),
        ).toBe(message);

        const reply = crypto.boxSeal(message, client.publicKey, server.privateKey);
        expect(reply.text).toMatch(/^[0-9a-f]+$/);
        expect(reply.nonce).toMatch(/^[0-9a-f]{48}$/);
        const opened = nacl.box.open(
          fromHex(reply.text),
          fromHex(reply.nonce),
          server.publicKey,
          client.secretKey,
        );
        expect(text(opened)).toBe(message);
      }),
      { numRuns: 30 },
    );
  });

  it('seals secretboxes tweetnacl opens and opens tweetnacl secretboxes', () => {
    const key = nacl.randomBytes(32);
    const mine = crypto.secretboxSeal('{"a":1}', key);
    expect(text(nacl.secretbox.open(fromHex(mine.text), fromHex(mine.nonce), key))).toBe('{"a":1}');
    const nonce = nacl.randomBytes(24);
    const theirs = nacl.secretbox(utf8('grüße'), nonce, key);
    expect(crypto.secretboxOpen({ text: toHex(theirs).toUpperCase(), nonce: toHex(nonce) }, key)).toBe(
      'grüße',
    );
  });

  it('opens to the text of the UTF-8 bytes, ASCII or not, and refuses bytes that are not UTF-8', () => {
    const key = nacl.randomBytes(32);
    const strict = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 64 }).map(utf8),
          fc.uint8Array({ max: 0x7f, maxLength: 64 }),
          fc.uint8Array({ maxLength: 64 }),
        ),
        (bytes) => {
          const nonce = nacl.randomBytes(24);
          const sealed = { text: toHex(nacl.secretbox(bytes, nonce, key)), nonce: toHex(nonce) };
          let expected: string | undefined;
          try {
            expected = strict.decode(bytes);
          } catch {
            expected = undefined;
          }
          if (expected === undefined)
            expect(() => crypto.secretboxOpen(sealed, key)).toThrow(DecryptionError);
          else expect(crypto.secretboxOpen(sealed, key)).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses tampered text, wrong keys, malformed hex and bad public keys with DecryptionError', () => {
    const key = nacl.randomBytes(32);
    const value = crypto.secretboxSeal('secret', key);
    const flipped = (value.text[0] === '0' ? '1' : '0') + value.text.slice(1);
    expect(() => crypto.secretboxOpen({ ...value, text: flipped }, key)).toThrow(DecryptionError);
    expect(() => crypto.secretboxOpen(value, nacl.randomBytes(32))).toThrow(DecryptionError);
    expect(() => crypto.secretboxOpen({ text: 'zz', nonce: value.nonce }, key)).toThrow(DecryptionError);
    expect(() => crypto.secretboxOpen({ text: value.text, nonce: 'abcd' }, key)).toThrow(DecryptionError);
    expect(() => crypto.secretboxOpen({ text: value.text.slice(0, 30), nonce: value.nonce }, key)).toThrow(
      DecryptionError,
    );
    const server = crypto.generateX25519KeyPair();
    // The all-zero point has low order: both libraries refuse it rather than return a zero key.
    expect(() => crypto.boxOpen(value, new Uint8Array(32), server.privateKey)).toThrow(DecryptionError);
    expect(() => crypto.boxKey(new Uint8Array(31), server.privateKey)).toThrow(DecryptionError);
    const notUtf8 = nacl.randomBytes(24);
    const sealedBytes = nacl.secretbox(new Uint8Array([0xff, 0xfe]), notUtf8, key);
    expect(() => crypto.secretboxOpen({ text: toHex(sealedBytes), nonce: toHex(notUtf8) }, key)).toThrow(
      DecryptionError,
    );
  });

  it('signs like RFC 8032 and tweetnacl, and verifies', () => {
    const pair = crypto.ed25519KeyPairFromSeed(fromHex(ED25519_SEED));
    expect(toHex(pair.publicKey)).toBe(ED25519_PUBLIC);
    expect(toHex(pair.secretKey)).toBe(toHex(nacl.sign.keyPair.fromSeed(fromHex(ED25519_SEED)).secretKey));
    expect(toHex(crypto.sign(new Uint8Array(0), pair.secretKey))).toBe(ED25519_EMPTY_SIGNATURE);

    const info = '{"version":"4.0.14 (Build x)","api":1}';
    const signature = crypto.sign(info, pair.secretKey);
    expect(toHex(signature)).toBe(toHex(nacl.sign.detached(utf8(info), pair.secretKey)));
    expect(crypto.verify(signature, info, pair.publicKey)).toBe(true);
    expect(crypto.verify(signature, `${info} `, pair.publicKey)).toBe(false);
    expect(crypto.verify(signature.subarray(1), info, pair.publicKey)).toBe(false);
    expect(crypto.verify(signature, info, new Uint8Array(32))).toBe(false);
  });

  it('computes scrypt as RFC 7914 publishes it', async () => {
    expect(toHex(await crypto.scrypt('', '', { u: 4, r: 1, p: 1, l: 64 }))).toBe(
      '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442' +
        'fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906',
    );
    expect(toHex(await crypto.scrypt('password', 'NaCl', { u: 10, r: 8, p: 16, l: 64 }))).toBe(
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162' +
        '2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
    );
  });

  it('gives random bytes of the asked length', () => {
    expect(crypto.randomBytes(70_000)).toHaveLength(70_000);
    expect(toHex(crypto.randomBytes(16))).not.toBe(toHex(crypto.randomBytes(16)));
  });
});
