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

  // '\u0161' and '\u0162' have the low bytes of 'a' and 'b', which Node's decoder reads alone.
  it.each(['a', 'abc', 'zz', '0g', 'ab cd', 'abcd ', ' abcd', '0x00', 'ab\u0000c', 'g0', '\u0161\u0162'])(
    'refuses %j with TypeError',
    async (text) => {
      const { fromHex } = await hexModule(withBuffer);
      expect(() => fromHex(text)).toThrow(TypeError);
    },
  );
});

describe.each([
  ['Node', true],
  ['browser', false],
])('isHex and lowerHex (%s path)', (_name, withBuffer) => {
  const long = 'a1B2c3D4e5F6'.repeat(1000); // above the length where Node's decoder checks
  it.each([
    ['', true],
    ['0', true],
    ['abcDEF0189', true],
    [long, true],
    [`${long}f`, true],
    [`${long}g`, false],
    [`g${long}`, false],
    [`${long.slice(0, 6000)}zz${long.slice(6002)}`, false],
    [`${long.slice(0, 6001)} ${long.slice(6002)}`, false],
    [`${long}\u0000`, false],
    // Characters above U+00FF whose low byte is a hex digit, which Node's decoder would read.
    [`${long.slice(0, 6000)}\u0161${long.slice(6001)}`, false],
    [`${long}\u0141`, false],
    [`${long.slice(0, 6000)}\u00e1${long.slice(6001)}`, false],
    // Longer than one of the slices the Node path checks at a time, wrong at a slice's edges.
    ...[0, 16_383, 16_384, 16_385, 32_767, 32_768, 49_999].map((at): [string, boolean] => [
      `${'0a'.repeat(25_000).slice(0, at)}x${'0a'.repeat(25_000).slice(at + 1)}`,
      false,
    ]),
    ['0a'.repeat(25_000), true],
    [`${'0a'.repeat(25_000)}B`, true],
    ['0x00', false],
    ['ab cd', false],
  ])('isHex(%#) is %s, as HEX_PATTERN decides', async (text, expected) => {
    const { HEX_PATTERN, isHex } = await hexModule(withBuffer);
    expect(isHex(text)).toBe(expected);
    expect(HEX_PATTERN.test(text)).toBe(expected);
  });

  it('agrees with HEX_PATTERN on any string, short or long', async () => {
    const { HEX_PATTERN, isHex } = await hexModule(withBuffer);
    const hexChar = fc.constantFrom(...'0123456789abcdefABCDEF');
    fc.assert(
      fc.property(
        fc.array(hexChar, { minLength: 4090, maxLength: 4200 }).map((chars) => chars.join('')),
        fc.nat(),
        fc.string({ minLength: 0, maxLength: 2 }),
        (text, at, insert) => {
          const position = at % (text.length + 1);
          const candidate = text.slice(0, position) + insert + text.slice(position);
          expect(isHex(candidate)).toBe(HEX_PATTERN.test(candidate));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lowercases only when needed and returns the same string otherwise', async () => {
    const { lowerHex } = await hexModule(withBuffer);
    expect(lowerHex('abcDEF09')).toBe('abcdef09');
    const lower = 'ab09'.repeat(5000);
    expect(lowerHex(lower)).toBe(lower);
    expect(lowerHex(`${lower}F`)).toBe(`${lower}f`);
  });
});

describe('utf8', () => {
  it('refuses malformed UTF-8', async () => {
    const { fromUtf8, utf8 } = await hexModule(true);
    expect(fromUtf8(utf8('grüße'))).toBe('grüße');
    expect(() => fromUtf8(new Uint8Array([0xff]))).toThrow(TypeError);
  });
});
