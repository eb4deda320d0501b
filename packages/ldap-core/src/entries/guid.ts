/**
 * Stable user ids: Active Directory's binary `objectGUID` and OpenLDAP's textual `entryUUID`.
 */

/**
 * Turns the 16 bytes of an Active Directory `objectGUID` into the canonical GUID string, in the
 * byte order Windows uses: the first three groups are little-endian, the last two as stored.
 *
 * @example
 * decodeObjectGuid(Buffer.from('33221100554477668899aabbccddeeff', 'hex'))
 * // '00112233-4455-6677-8899-aabbccddeeff'
 */
export function decodeObjectGuid(bytes: Uint8Array): string {
  if (bytes.length !== 16) {
    throw new RangeError(`an objectGUID has 16 bytes, got ${bytes.length}`);
  }
  const hex = (indexes: number[]) => indexes.map((i) => bytes[i]!.toString(16).padStart(2, '0')).join('');
  return [hex([3, 2, 1, 0]), hex([5, 4]), hex([7, 6]), hex([8, 9]), hex([10, 11, 12, 13, 14, 15])].join('-');
}

/**
 * The 16 bytes of an Active Directory `objectGUID` from its canonical string (the inverse of
 * `decodeObjectGuid`), to search for a user by GUID. Returns `null` for anything but a GUID.
 *
 * @example
 * encodeObjectGuid('00112233-4455-6677-8899-aabbccddeeff').toString('hex')
 * // '33221100554477668899aabbccddeeff'
 */
export function encodeObjectGuid(guid: string): Buffer | null {
  if (!UUID_TEXT.test(guid)) return null;
  const hex = guid.replaceAll('-', '');
  const bytes = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(bytes.subarray(0, 4)).reverse(),
    Buffer.from(bytes.subarray(4, 6)).reverse(),
    Buffer.from(bytes.subarray(6, 8)).reverse(),
    bytes.subarray(8),
  ]);
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The GUID of a user from the value of `LDAP_ATTR_GUID`, whichever form the directory sent:
 * 16 bytes are a binary GUID (AD byte order), anything else is text (`entryUUID`, lowercased, or
 * another string id some directories use, kept as sent). Returns `null` for an empty value.
 */
export function guidFromAttributeValue(value: Uint8Array | string): string | null {
  if (typeof value !== 'string') {
    if (value.length === 16) return decodeObjectGuid(value);
    return guidFromAttributeValue(new TextDecoder().decode(value));
  }
  const text = value.trim();
  if (text === '') return null;
  return UUID_TEXT.test(text) ? text.toLowerCase() : text;
}
