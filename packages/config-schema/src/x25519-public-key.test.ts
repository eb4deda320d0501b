import { describe, expect, it } from 'vitest';
import { x25519PublicKeyFromPrivate } from './x25519-public-key.ts';

describe('x25519PublicKeyFromPrivate', () => {
  it('computes the RFC 7748 test vectors', () => {
    expect(
      x25519PublicKeyFromPrivate('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
    ).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(
      x25519PublicKeyFromPrivate('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'),
    ).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  });

  it('refuses a key of the wrong length', () => {
    expect(() => x25519PublicKeyFromPrivate('abcd')).toThrow(RangeError);
  });
});
