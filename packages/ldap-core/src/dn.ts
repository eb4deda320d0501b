import { escapeDnValue } from './escape.ts';

/**
 * Distinguished names as RFC 4514 strings: parsing, normalisation for comparison, and the group
 * name shown to users (the value of the first RDN).
 */

/** One attribute-value assertion of an RDN, with the value unescaped. */
export interface DnAttribute {
  type: string;
  value: string;
  /** The value was given in `#hex` (BER) form; `value` then holds the lowercase hex digits. */
  ber: boolean;
}

/** A relative distinguished name: one or more attribute-value assertions joined by `+`. */
export type Rdn = DnAttribute[];

/** A string that is not a distinguished name; `position` is the offending character's index. */
export class DnSyntaxError extends Error {
  readonly position: number;

  constructor(dn: string, position: number, problem: string) {
    super(`invalid DN (${problem} at character ${position + 1}): ${dn}`);
    this.name = 'DnSyntaxError';
    this.position = position;
  }
}

const HEX_PAIR = /^[0-9a-fA-F]{2}$/;

/** Short names of the attribute types that directories spell as OIDs now and then. */
const OID_NAMES: Record<string, string> = {
  '2.5.4.3': 'cn',
  '2.5.4.6': 'c',
  '2.5.4.7': 'l',
  '2.5.4.8': 'st',
  '2.5.4.10': 'o',
  '2.5.4.11': 'ou',
  '0.9.2342.19200300.100.1.1': 'uid',
  '0.9.2342.19200300.100.1.25': 'dc',
};

/**
 * Parses an RFC 4514 DN (also accepting RFC 2253's `;` separator and quoted values) into RDNs,
 * most specific first. Escapes are resolved (`\,` and `\2C` both give `,`; hex escapes of multi-byte
 * UTF-8 characters are decoded as UTF-8); unescaped spaces around types and values are dropped.
 * The empty string is the root DSE: no RDNs.
 */
export function parseDn(dn: string): Rdn[] {
  const rdns: Rdn[] = [];
  if (dn.trim() === '') return rdns;
  let rdn: Rdn = [];
  let index = 0;

  while (index <= dn.length) {
    // Attribute type, up to '='.
    const equals = dn.indexOf('=', index);
    if (equals < 0) throw new DnSyntaxError(dn, index, 'missing "="');
    const type = dn.slice(index, equals).trim();
    if (!/^([A-Za-z][A-Za-z0-9-]*|(oid\.)?\d+(\.\d+)*)$/i.test(type)) {
      throw new DnSyntaxError(dn, index, `bad attribute type "${type}"`);
    }
    index = equals + 1;
    while (dn[index] === ' ') index += 1;

    const parsed = dn[index] === '#' ? readBerValue(dn, index) : readStringValue(dn, index);
    rdn.push({ type, value: parsed.value, ber: parsed.ber });
    index = parsed.end;

    const separator = dn[index];
    if (separator === undefined) {
      rdns.push(rdn);
      break;
    }
    if (separator === '+') {
      index += 1;
      continue;
    }
    if (separator === ',' || separator === ';') {
      rdns.push(rdn);
      rdn = [];
      index += 1;
      if (index >= dn.length) throw new DnSyntaxError(dn, index - 1, 'trailing separator');
      continue;
    }
    throw new DnSyntaxError(dn, index, `unexpected "${separator}"`);
  }
  return rdns;
}

function readBerValue(dn: string, start: number): { value: string; ber: boolean; end: number } {
  let index = start + 1;
  while (index < dn.length && /[0-9a-fA-F]/.test(dn[index]!)) index += 1;
  const hex = dn.slice(start + 1, index);
  if (hex.length === 0 || hex.length % 2 !== 0) throw new DnSyntaxError(dn, start, 'bad #hex value');
  while (dn[index] === ' ') index += 1;
  return { value: hex.toLowerCase(), ber: true, end: index };
}

function readStringValue(dn: string, start: number): { value: string; ber: boolean; end: number } {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let index = start;
  // Length of `bytes` up to the last character that is not an unescaped space (trailing spaces are insignificant).
  let significant = 0;
  let quoted = false;

  if (dn[index] === '"') {
    quoted = true;
    index += 1;
  }

  while (index < dn.length) {
    const char = dn[index]!;
    if (quoted && char === '"') {
      index += 1;
      significant = bytes.length;
      while (dn[index] === ' ') index += 1;
      quoted = false;
      break;
    }
    if (!quoted && (char === ',' || char === '+' || char === ';')) break;
    if (char === '\\') {
      const pair = dn.slice(index + 1, index + 3);
      if (HEX_PAIR.test(pair)) {
        bytes.push(Number.parseInt(pair, 16));
        index += 3;
      } else if (index + 1 < dn.length) {
        const escapedChar = String.fromCodePoint(dn.codePointAt(index + 1)!);
        bytes.push(...encoder.encode(escapedChar));
        index += 1 + escapedChar.length;
      } else {
        throw new DnSyntaxError(dn, index, 'dangling "\\"');
      }
      significant = bytes.length;
      continue;
    }
    // Unescaped `"`, `<`, `>` and `=` inside a value are tolerated, as most servers do.
    const codePoint = dn.codePointAt(index)!;
    const whole = String.fromCodePoint(codePoint);
    bytes.push(...encoder.encode(whole));
    if (whole !== ' ') significant = bytes.length;
    index += whole.length;
  }
  if (quoted) throw new DnSyntaxError(dn, start, 'unterminated quoted value');

  const value = new TextDecoder('utf-8', { fatal: false }).decode(
    Uint8Array.from(bytes.slice(0, significant)),
  );
  return { value, ber: false, end: index };
}

function normalizeType(type: string): string {
  const lowered = type.toLowerCase().replace(/^oid\./, '');
  return OID_NAMES[lowered] ?? lowered;
}

function normalizeValue(attribute: DnAttribute): string {
  if (attribute.ber) return `#${attribute.value}`;
  // Case-insensitive, with runs of spaces treated as one (what caseIgnoreMatch does in the directory).
  return escapeDnValue(attribute.value.toLowerCase().replace(/ {2,}/g, ' '));
}

/**
 * The canonical form of a DN for comparison: attribute types lowercased (known OIDs named),
 * values unescaped, lowercased and re-escaped one way, spaces around separators dropped, the parts of
 * a multi-valued RDN sorted. Directories compare DNs case-insensitively; so does this project.
 * Throws `DnSyntaxError` for a string that is not a DN.
 *
 * @example
 * normalizeDn('CN=Smith\\2C John , OU=People,DC=Example,DC=com') // 'cn=smith\\, john,ou=people,dc=example,dc=com'
 */
export function normalizeDn(dn: string): string {
  return parseDn(dn)
    .map((rdn) =>
      rdn
        .map((attribute) => `${normalizeType(attribute.type)}=${normalizeValue(attribute)}`)
        .sort()
        .join('+'),
    )
    .join(',');
}

/** Compares two DNs after normalisation; a malformed DN equals nothing. */
export function dnEquals(left: string, right: string): boolean {
  try {
    return normalizeDn(left) === normalizeDn(right);
  } catch (error) {
    if (error instanceof DnSyntaxError) return false;
    throw error;
  }
}

/**
 * The value of a DN's first RDN, unescaped: the display name of a group
 * (`cn=Sales\, EMEA,ou=groups,dc=example,dc=com` -> `Sales, EMEA`).
 * Falls back to the whole DN when it cannot be parsed.
 */
export function firstRdnValue(dn: string): string {
  try {
    const first = parseDn(dn)[0]?.[0];
    if (!first) return dn;
    return first.ber ? `#${first.value}` : first.value;
  } catch (error) {
    if (error instanceof DnSyntaxError) return dn;
    throw error;
  }
}
