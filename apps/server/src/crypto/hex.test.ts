import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './hex.ts';

describe('hex', () => {
  it('round-trips any bytes and reads upper case', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect([...fromHex(toHex(bytes))]).toEqual([...bytes]);
        expect([...fromHex(toHex(bytes).toUpperCase())]).toEqual([...bytes]);
      }),
    );
  });

  it.each(['a', 'abc', 'zz', '0g', 'ab cd', 'abcd ', ' abcd', '0x00', 'ab\u0000c'])(
    'refuses %j with TypeError',
    (text) => {
      expect(() => fromHex(text)).toThrow(TypeError);
    },
  );
});
