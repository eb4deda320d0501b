import { describe, expect, it } from 'vitest';
import { CHARACTER_SETS, generatePassword } from './password-generator.ts';

describe('generatePassword', () => {
  it('has the asked length and only characters of the chosen sets, each set present', () => {
    for (let round = 0; round < 50; round++) {
      const password = generatePassword({ length: 12, sets: ['lower', 'digits'] });
      expect(password).toHaveLength(12);
      expect(password).toMatch(/^[a-z0-9]+$/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[0-9]/);
    }
  });

  it('discards bytes that would bias the draw (rejection sampling)', () => {
    // 10 digits: bytes >= 250 must be rejected, so 250..255 never map to a digit.
    const bytes = [255, 250, 3, 251, 13, 252, 7, 9];
    let next = 0;
    const password = generatePassword({ length: 4, sets: ['digits'] }, (buffer) => {
      buffer[0] = bytes[next++ % bytes.length] as number;
    });
    expect(password).toBe('3379');
  });

  it('spreads characters evenly', () => {
    const counts = new Map<string, number>();
    const text = Array.from({ length: 200 }, () => generatePassword({ length: 50, sets: ['digits'] })).join(
      '',
    );
    for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(10);
    for (const count of counts.values()) expect(Math.abs(count - 1000)).toBeLessThan(200);
  });

  it('refuses an empty choice of sets and clamps the length', () => {
    expect(() => generatePassword({ length: 10, sets: [] })).toThrow(RangeError);
    expect(generatePassword({ length: 1, sets: ['upper'] })).toHaveLength(4);
    expect(generatePassword({ length: 999, sets: ['symbols'] })).toHaveLength(128);
    expect(
      [...generatePassword({ length: 30, sets: ['symbols'] })].every((c) =>
        CHARACTER_SETS.symbols.includes(c),
      ),
    ).toBe(true);
  });
});
