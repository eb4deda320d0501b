/** Lowercase hex of bytes; every binary value on the wire is hex (Psono's convention). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bytes of a hex string; throws `TypeError` on odd length or non-hex characters. */
export function fromHex(hex: string): Uint8Array {
  // Node's decoder stops at the first pair that is not hex, so a short result means a bad string
  // (one pass over the text instead of a regular expression and then the decoder).
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length * 2 !== hex.length) throw new TypeError('not a hex string');
  return bytes;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
