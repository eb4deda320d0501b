/**
 * Escaping of untrusted values for the two LDAP string syntaxes.
 *
 * The login path itself sends filters as ldapts filter objects (the value travels as a BER octet
 * string, so there is no syntax to break out of); these functions serve every place where a filter
 * or DN is written as text: custom filters combined with input, diagnostics, logs.
 */

/**
 * Escapes a value for use inside an LDAP search filter (RFC 4515, section 3): `*`, `(`, `)`, `\`
 * and NUL become `\2a`, `\28`, `\29`, `\5c`, `\00`. Other characters, including non-ASCII ones, are
 * left as UTF-8, which RFC 4515 allows.
 *
 * @example
 * escapeFilterValue('admin)(|(uid=*') // 'admin\\29\\28|\\28uid=\\2a'
 */
export function escapeFilterValue(value: string): string {
  let escaped = '';
  for (const char of value) {
    switch (char) {
      case '*':
        escaped += '\\2a';
        break;
      case '(':
        escaped += '\\28';
        break;
      case ')':
        escaped += '\\29';
        break;
      case '\\':
        escaped += '\\5c';
        break;
      case '\0':
        escaped += '\\00';
        break;
      default:
        escaped += char;
    }
  }
  return escaped;
}

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
