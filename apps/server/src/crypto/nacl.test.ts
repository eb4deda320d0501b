import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './hex.ts';
import {
  DecryptionError,
  decryptFromPublicKey,
  decryptWithKey,
  encryptForPublicKey,
  encryptWithKey,
  generateX25519KeyPair,
  x25519PrivateKey,
} from './nacl.ts';

// tweetnacl is the reference implementation Psono's clients are compatible with.
describe('NaCl compatibility', () => {
  it('derives the same X25519 public key as tweetnacl', () => {
    const reference = nacl.box.keyPair();
    expect(toHex(x25519PrivateKey(reference.secretKey).publicKey)).toBe(toHex(reference.publicKey));
  });

  it('opens boxes made by tweetnacl and makes boxes tweetnacl opens', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (message) => {
        const client = nacl.box.keyPair();
        const server = generateX25519KeyPair();
        const nonce = nacl.randomBytes(24);
        const sealed = nacl.box(new TextEncoder().encode(message), nonce, server.publicKey, client.secretKey);
        const opened = decryptFromPublicKey(
          { text: toHex(sealed), nonce: toHex(nonce) },
          client.publicKey,
          server,
        );
        expect(opened).toBe(message);

        const reply = encryptForPublicKey(message, client.publicKey, server);
        const back = nacl.box.open(
          fromHex(reply.text),
          fromHex(reply.nonce),
          server.publicKey,
          client.secretKey,
        );
        expect(back && new TextDecoder().decode(back)).toBe(message);
      }),
      { numRuns: 50 },
    );
  });

  it('makes secretboxes tweetnacl opens and opens tweetnacl secretboxes', () => {
    const key = nacl.randomBytes(32);
    const mine = encryptWithKey('{"a":1}', key);
    const opened = nacl.secretbox.open(fromHex(mine.text), fromHex(mine.nonce), key);
    expect(opened && new TextDecoder().decode(opened)).toBe('{"a":1}');
    const nonce = nacl.randomBytes(24);
    const theirs = nacl.secretbox(new TextEncoder().encode('héllo'), nonce, key);
    expect(decryptWithKey({ text: toHex(theirs), nonce: toHex(nonce) }, key)).toBe('héllo');
  });

  it('refuses tampered text, wrong keys and malformed hex with DecryptionError', () => {
    const key = nacl.randomBytes(32);
    const value = encryptWithKey('secret', key);
    const flipped = (value.text[0] === '0' ? '1' : '0') + value.text.slice(1);
    expect(() => decryptWithKey({ ...value, text: flipped }, key)).toThrow(DecryptionError);
    expect(() => decryptWithKey(value, nacl.randomBytes(32))).toThrow(DecryptionError);
    expect(() => decryptWithKey({ text: 'zz', nonce: value.nonce }, key)).toThrow(DecryptionError);
    expect(() => decryptWithKey({ text: value.text, nonce: 'abcd' }, key)).toThrow(DecryptionError);
    const server = generateX25519KeyPair();
    expect(() => decryptFromPublicKey(value, new Uint8Array(32), server)).toThrow(DecryptionError);
  });
});
