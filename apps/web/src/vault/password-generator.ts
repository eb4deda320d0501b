/**
 * Random passwords from the platform's CSPRNG. Each character is drawn by rejection sampling (bytes
 * at or above the largest multiple of the alphabet's size are discarded), so no character is more
 * likely than another; the result holds at least one character of every chosen set.
 */

export const CHARACTER_SETS = {
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  symbols: '!#$%&()*+,-./:;<=>?@[]^_{|}~',
} as const;

export type CharacterSet = keyof typeof CHARACTER_SETS;

export interface GeneratorOptions {
  length: number;
  sets: readonly CharacterSet[];
}

export const GENERATOR_DEFAULTS: GeneratorOptions = {
  length: 20,
  sets: ['lower', 'upper', 'digits', 'symbols'],
};
export const MIN_LENGTH = 4;
export const MAX_LENGTH = 128;

type RandomFill = (bytes: Uint8Array) => void;

const platformRandom: RandomFill = (bytes) => {
  globalThis.crypto.getRandomValues(bytes);
};

/** A uniform index below `size` (at most 256). */
function uniformIndex(size: number, random: RandomFill): number {
  const limit = 256 - (256 % size);
  const byte = new Uint8Array(1);
  // Bounded: each draw is accepted with probability > 1/2.
  for (let attempt = 0; attempt < 1000; attempt++) {
    random(byte);
    if ((byte[0] as number) < limit) return (byte[0] as number) % size;
  }
  throw new Error('the random source keeps returning out-of-range bytes');
}

export function generatePassword(options: GeneratorOptions, random: RandomFill = platformRandom): string {
  const sets = [...new Set(options.sets)];
  if (sets.length === 0) throw new RangeError('choose at least one character set');
  const length = Math.min(MAX_LENGTH, Math.max(MIN_LENGTH, Math.trunc(options.length), sets.length));
  const alphabet = sets.map((set) => CHARACTER_SETS[set]).join('');
  for (let attempt = 0; attempt < 100; attempt++) {
    let password = '';
    for (let index = 0; index < length; index++) password += alphabet[uniformIndex(alphabet.length, random)];
    // Redrawing the whole password when a set is missing keeps every valid result equally likely.
    if (sets.every((set) => [...CHARACTER_SETS[set]].some((char) => password.includes(char))))
      return password;
  }
  throw new Error('no password with every character set after 100 draws');
}
