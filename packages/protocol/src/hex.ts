/**
 * Hex and UTF-8 conversions. Every binary value on the wire is lowercase hex (Psono's convention);
 * every encrypted plaintext is UTF-8 text.
 */

// Node's Buffer decodes and encodes hex natively (several times faster than JavaScript on login-sized
// messages). Reached through `globalThis`, so browser bundles carry no Node code and use the table.
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  let hex = '';
  for (const byte of bytes) hex += BYTE_HEX[byte];
  return hex;
}

function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87; // a-f, A-F
  return -1;
}

/** Bytes of a hex string (either case); throws `TypeError` on odd length or a non-hex character. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new TypeError('not a hex string');
  if (NodeBuffer) {
    // Node's decoder stops at the first pair that is not hex, so a short result means a bad string;
    // it reads a character above U+00FF by its low byte, so only ASCII is taken.
    const bytes = NodeBuffer.from(hex, 'hex');
    if (bytes.length * 2 !== hex.length || NodeBuffer.byteLength(hex, 'utf8') !== hex.length) {
      throw new TypeError('not a hex string');
    }
    return bytes;
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    const high = nibble(hex.charCodeAt(2 * i));
    const low = nibble(hex.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) throw new TypeError('not a hex string');
    bytes[i] = (high << 4) | low;
  }
  return bytes;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The string of UTF-8 bytes; throws `TypeError` on malformed UTF-8. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Hex text of any length and either case. */
export const HEX_PATTERN = /^[0-9a-fA-F]*$/;

// Above this length Node's native hex decoder checks a string faster than the regular expression
// (a 2.6 MB ciphertext: about half the time); below it the allocation costs more than it saves.
const NATIVE_CHECK_MIN_LENGTH = 4096;

// Node decodes hex from a string it has not made itself through a UTF-16 copy of the whole string
// (twice its length in fresh memory, plus the decoded half): for a 2.6 MB `data` that was more
// than 20 ms of page faults per check. Slices of this many characters, decoded into one small
// buffer that is reused, check the same text without any.
const NATIVE_CHECK_SLICE = 16_384;
let checkScratch: Buffer | undefined;

/** Whether `text` is hex (either case, any length, odd included), as `HEX_PATTERN` decides. */
export function isHex(text: string): boolean {
  if (NodeBuffer && text.length >= NATIVE_CHECK_MIN_LENGTH) {
    // Node's decoder stops at the first pair that is not hex; an odd last character is dropped,
    // so it is checked on its own. It reads a character above U+00FF by its low byte ('\u0161' as
    // 'a'), so anything but ASCII is refused first (UTF-8 longer than the string).
    if (NodeBuffer.byteLength(text, 'utf8') !== text.length) return false;
    const whole = text.length - (text.length % 2);
    checkScratch ??= NodeBuffer.allocUnsafe(NATIVE_CHECK_SLICE / 2);
    for (let start = 0; start < whole; start += NATIVE_CHECK_SLICE) {
      const end = Math.min(whole, start + NATIVE_CHECK_SLICE);
      if (checkScratch.write(text.slice(start, end), 0, 'hex') * 2 !== end - start) return false;
    }
    return whole === text.length || HEX_PATTERN.test(text.slice(whole));
  }
  return HEX_PATTERN.test(text);
}

const UPPER_HEX_DIGIT = /[A-F]/;

/** Hex text in lowercase: the same string when it has no uppercase digit (no copy of a long one). */
export function lowerHex(text: string): string {
  return UPPER_HEX_DIGIT.test(text) ? text.toLowerCase() : text;
}
