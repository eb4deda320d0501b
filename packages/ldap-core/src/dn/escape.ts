/**
 * Escaping of untrusted values in DNs. Filters need no function here: the login path sends ldapts
 * filter objects (the value travels as a BER octet string, with no syntax to break out of), and
 * where a filter is written as text, ldapts' own `Filter.escape` (RFC 4515) escapes the values.
 */

const DN_SPECIAL = new Set(['"', '+', ',', ';', '<', '>', '\\', '=']);

/**
 * Escapes an attribute value for use in a distinguished name (RFC 4514, section 2.4): the special
 * characters `" + , ; < > \ =` get a backslash, a leading `#` or space and a trailing space are
 * escaped, NUL becomes `\00`.
 *
 * @example
 * escapeDnValue('Smith, John') // 'Smith\\, John'
 */
export function escapeDnValue(value: string): string {
  const chars = Array.from(value);
  let escaped = '';
  chars.forEach((char, index) => {
    if (char === '\0') {
      escaped += '\\00';
    } else if (DN_SPECIAL.has(char)) {
      escaped += `\\${char}`;
    } else if (index === 0 && (char === ' ' || char === '#')) {
      escaped += `\\${char}`;
    } else if (index === chars.length - 1 && char === ' ') {
      escaped += '\\ ';
    } else {
      escaped += char;
    }
  });
  return escaped;
}
