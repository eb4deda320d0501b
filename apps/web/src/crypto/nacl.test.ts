import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import {
  boxDecrypt,
  boxEncrypt,
  DecryptionError,
  generateKeyPair,
  secretboxDecrypt,
  secretboxEncrypt,
} from './nacl.ts';

const text = (s: string) => new TextEncoder().encode(s);

// tweetnacl is the reference port of NaCl; agreeing with it in both directions is what lets a
// server built on any NaCl binding read our messages.
describe('NaCl box', () => {
  it('is readable by a reference NaCl implementation', () => {
    const ours = generateKeyPair();
    const theirs = nacl.box.keyPair();
    const sealed = boxEncrypt(
      '{"username":"alice@example.com"}',
      bytesToHex(theirs.publicKey),
      ours.privateKey,
    );
    const opened = nacl.box.open(
      hexToBytes(sealed.text),
      hexToBytes(sealed.nonce),
      hexToBytes(ours.publicKey),
      theirs.secretKey,
    );
    expect(opened && new TextDecoder().decode(opened)).toBe('{"username":"alice@example.com"}');
  });

  it('opens what a reference NaCl implementation sealed', () => {
    const ours = generateKeyPair();
    const theirs = nacl.box.keyPair();
    const nonce = nacl.randomBytes(24);
    const sealed = nacl.box(text('grüße'), nonce, hexToBytes(ours.publicKey), theirs.secretKey);
    const opened = boxDecrypt(
      { text: bytesToHex(sealed), nonce: bytesToHex(nonce) },
      bytesToHex(theirs.publicKey),
      ours.privateKey,
    );
    expect(opened).toBe('grüße');
  });

  it('refuses a message for someone else', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const c = generateKeyPair();
    const sealed = boxEncrypt('secret', b.publicKey, a.privateKey);
    expect(() => boxDecrypt(sealed, a.publicKey, c.privateKey)).toThrow(DecryptionError);
    expect(boxDecrypt(sealed, a.publicKey, b.privateKey)).toBe('secret');
  });
});

describe('NaCl secretbox', () => {
  it('interoperates with a reference NaCl implementation', () => {
    const key = nacl.randomBytes(32);
    const sealed = secretboxEncrypt('hello', bytesToHex(key));
    const opened = nacl.secretbox.open(hexToBytes(sealed.text), hexToBytes(sealed.nonce), key);
    expect(opened && new TextDecoder().decode(opened)).toBe('hello');

    const nonce = nacl.randomBytes(24);
    const theirs = nacl.secretbox(text('world'), nonce, key);
    expect(secretboxDecrypt({ text: bytesToHex(theirs), nonce: bytesToHex(nonce) }, bytesToHex(key))).toBe(
      'world',
    );
  });

  it('rejects tampered ciphertext and malformed hex', () => {
    const key = bytesToHex(nacl.randomBytes(32));
    const sealed = secretboxEncrypt('hello', key);
    const flipped = (Number.parseInt(sealed.text.slice(-2), 16) ^ 1).toString(16).padStart(2, '0');
    expect(() => secretboxDecrypt({ ...sealed, text: sealed.text.slice(0, -2) + flipped }, key)).toThrow(
      DecryptionError,
    );
    expect(() => secretboxDecrypt({ text: 'zz', nonce: sealed.nonce }, key)).toThrow(DecryptionError);
  });
});
