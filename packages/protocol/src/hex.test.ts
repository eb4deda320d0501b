import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The browser path (no Buffer) and the Node path must agree: load the module both ways.
async function hexModule(withBuffer: boolean) {
  vi.resetModules();
  if (!withBuffer) vi.stubGlobal('Buffer', undefined);
  const module = await import('./hex.ts');
  vi.unstubAllGlobals();
  return module;
}

afterEach(() => vi.unstubAllGlobals());

describe.each([
  ['Node', true],
  ['browser', false],
])('hex (%s path)', (_name, withBuffer) => {
  it('round-trips any bytes, writes lowercase and reads either case', async () => {
    const { fromHex, toHex } = await hexModule(withBuffer);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toBe(Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''));
        expect([...fromHex(hex)]).toEqual([...bytes]);
        expect([...fromHex(hex.toUpperCase())]).toEqual([...bytes]);
      }),
    );
  });

  it.each(['a', 'abc', 'zz', '0g', 'ab cd', 'abcd ', ' abcd', '0x00', 'ab\u0000c', 'g0'])(
    'refuses %j with TypeError',
    async (text) => {
      const { fromHex } = await hexModule(withBuffer);
      expect(() => fromHex(text)).toThrow(TypeError);
    },
  );
});

describe('utf8', () => {
  it('refuses malformed UTF-8', async () => {
    const { fromUtf8, utf8 } = await hexModule(true);
    expect(fromUtf8(utf8('grüße'))).toBe('grüße');
    expect(() => fromUtf8(new Uint8Array([0xff]))).toThrow(TypeError);
  });
});
