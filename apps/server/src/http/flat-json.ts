/**
 * A JSON object read straight from bytes when it has the plain form every vault write's opened
 * body has: ASCII, no escapes, members whose values are strings, `true`, `false` or `null`. A
 * datastore write's text is 2.6 MB, nearly all of it one hex string: reading it this way makes
 * that string once from the bytes, where decoding the whole text to a string and `JSON.parse`
 * make it twice and scan it twice. Anything else, valid or not, returns undefined, and the caller
 * goes the general way; whatever this returns, `JSON.parse` of the same bytes returns an equal
 * value.
 */
import { isAscii } from 'node:buffer';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

// Names as the API's requests have them. Anything else (an empty name, `__proto__`, a name that
// reads as an array index and would change the order of the members) goes the general way.
const MEMBER_NAME = /^[a-z][a-z0-9_]*$/;
// JSON strings cannot hold a raw control character: the point of this pattern.
// biome-ignore lint/suspicious/noControlCharactersInRegex: it looks for exactly those
const CONTROL_CHARACTER = /[\u0000-\u001f]/;

const LITERALS: [Buffer, boolean | null][] = [
  [Buffer.from('true'), true],
  [Buffer.from('false'), false],
  [Buffer.from('null'), null],
];

function isWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The index of the first byte from `index` on that is not JSON whitespace. */
export function skipWhitespace(bytes: Buffer, index: number): number {
  while (isWhitespace(bytes[index])) index++;
  return index;
}

/** The string at `bytes[index]` (a quote) and the index after it, or undefined. */
function stringAt(bytes: Buffer, index: number): [string, number] | undefined {
  if (bytes[index] !== QUOTE) return undefined;
  const end = bytes.indexOf(QUOTE, index + 1);
  if (end < 0) return undefined;
  const text = bytes.toString('latin1', index + 1, end);
  return CONTROL_CHARACTER.test(text) ? undefined : [text, end + 1];
}

function literalAt(bytes: Buffer, index: number): [boolean | null, number] | undefined {
  for (const [literal, value] of LITERALS) {
    if (index + literal.length > bytes.length) continue;
    if (bytes.compare(literal, 0, literal.length, index, index + literal.length) === 0) {
      return [value, index + literal.length];
    }
  }
  return undefined;
}

/** The object `bytes` hold in the plain form, or undefined (see the file's comment). */
export function flatJsonObject(bytes: Buffer): Record<string, string | boolean | null> | undefined {
  if (!isAscii(bytes) || bytes.includes(BACKSLASH)) return undefined;
  const object: Record<string, string | boolean | null> = {};
  let index = skipWhitespace(bytes, 0);
  if (bytes[index] !== OPEN_BRACE) return undefined;
  index = skipWhitespace(bytes, index + 1);
  if (bytes[index] !== CLOSE_BRACE) {
    for (;;) {
      const name = stringAt(bytes, index);
      if (!name || !MEMBER_NAME.test(name[0]) || Object.hasOwn(object, name[0])) return undefined;
      index = skipWhitespace(bytes, name[1]);
      if (bytes[index] !== COLON) return undefined;
      index = skipWhitespace(bytes, index + 1);
      const value = bytes[index] === QUOTE ? stringAt(bytes, index) : literalAt(bytes, index);
      if (!value) return undefined;
      object[name[0]] = value[0];
      index = skipWhitespace(bytes, value[1]);
      if (bytes[index] === CLOSE_BRACE) break;
      if (bytes[index] !== COMMA) return undefined;
      index = skipWhitespace(bytes, index + 1);
    }
  }
  return skipWhitespace(bytes, index + 1) === bytes.length ? object : undefined;
}
