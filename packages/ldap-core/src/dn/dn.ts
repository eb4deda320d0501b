import { escapeDnValue } from './escape.ts';

/**
 * Distinguished names as RFC 4514 strings: parsing, normalisation for comparison, and the group
 * name shown to users (the value of the first RDN).
 */

/** One attribute-value assertion of an RDN, with the value unescaped. */
interface DnAttribute {
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

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** Reads a string value (plain or quoted) up to the next unescaped separator. */
function readStringValue(dn: string, start: number): { value: string; ber: boolean; end: number } {
  if (dn[start] === '"') {
    let close = start + 1;
    while (close < dn.length && dn[close] !== '"') close += dn[close] === '\\' ? 2 : 1;
    if (close >= dn.length) throw new DnSyntaxError(dn, start, 'unterminated quoted value');
    const value = decodeEscapes(dn, start + 1, close, false);
    let end = close + 1;
    while (dn[end] === ' ') end += 1;
    return { value, ber: false, end };
  }
  let end = start;
  while (end < dn.length) {
    const char = dn[end];
    if (char === ',' || char === '+' || char === ';') break;
    if (char === '\\' && end + 1 >= dn.length) throw new DnSyntaxError(dn, end, 'dangling "\\"');
    end += char === '\\' ? 2 : 1;
  }
  return {
    value: decodeEscapes(dn, start, Math.min(end, dn.length), true),
    ber: false,
    end: Math.min(end, dn.length),
  };
}

/** Number of trailing spaces (only U+0020 is insignificant in a DN). */
function trailingSpaces(text: string): number {
  let count = 0;
  while (count < text.length && text[text.length - 1 - count] === ' ') count += 1;
  return count;
}

/**
 * Resolves the escapes of `dn[from, to)`. Runs of ordinary characters are copied as slices and
 * consecutive hex escapes decoded together (they may form one multi-byte UTF-8 character): DNs are
 * parsed at every login, so this stays cheap. With `trimTrailing`, unescaped trailing spaces go.
 */
function decodeEscapes(dn: string, from: number, to: number, trimTrailing: boolean): string {
  const backslash = dn.indexOf('\\', from);
  if (backslash < 0 || backslash >= to) {
    const text = dn.slice(from, to);
    return trimTrailing ? text.slice(0, text.length - trailingSpaces(text)) : text;
  }
  let value = '';
  // `value.length` up to the last character that is not an unescaped space.
  let significant = 0;
  let hexBytes: number[] = [];
  const flushHex = () => {
    if (hexBytes.length === 0) return;
    value += UTF8.decode(Uint8Array.from(hexBytes));
    hexBytes = [];
    significant = value.length;
  };
  const appendRun = (runStart: number, runEnd: number) => {
    if (runStart >= runEnd) return;
    flushHex();
    const run = dn.slice(runStart, runEnd);
    value += run;
    const spaces = trailingSpaces(run);
    if (spaces < run.length) significant = value.length - spaces;
  };

  let runStart = from;
  let index = from;
  while (index < to) {
    if (dn[index] !== '\\') {
      index += 1;
      continue;
    }
    appendRun(runStart, index);
    const pair = dn.slice(index + 1, index + 3);
    if (index + 2 < to && HEX_PAIR.test(pair)) {
      hexBytes.push(Number.parseInt(pair, 16));
      index += 3;
    } else {
      flushHex();
      const escaped = String.fromCodePoint(dn.codePointAt(index + 1)!);
      value += escaped;
      significant = value.length;
      index += 1 + escaped.length;
    }
    runStart = index;
  }
  appendRun(runStart, to);
  flushHex();
  return trimTrailing ? value.slice(0, significant) : value;
}

function normalizeType(type: string): string {
  const lowered = type.toLowerCase().replace(/^oid\./, '');
  return OID_NAMES[lowered] ?? lowered;
}

function normalizeValue(attribute: DnAttribute): string {
  if (attribute.ber) return `#${attribute.value}`;
  // What caseIgnoreMatch does in the directory (RFC 4518 insignificant space handling): case folded,
  // leading and trailing spaces dropped even when they were escaped, inner runs of spaces count as one.
  return escapeDnValue(attribute.value.toLowerCase().replace(/ {2,}/g, ' ').replace(/^ | $/g, ''));
}

/**
 * The canonical form of a DN for comparison, and the one rule of this project for "same DN" (the
 * server stores it as a group's key): attribute types lowercased (known OIDs named, `2.5.4.3` is
 * `cn`), values unescaped (`\,` and `\2C` are one character), lowercased and re-escaped one way,
 * spaces around separators and at either end of a value dropped, inner runs of spaces counted as one,
 * the parts of a multi-valued RDN sorted. This is how OpenLDAP matches DNs (checked against it in
 * dn.integration.test.ts); Active Directory compares case-insensitively as well.
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
