import { describe, expect, it } from 'vitest';
import { decodeObjectGuid, guidFromAttributeValue } from './guid.ts';

describe('decodeObjectGuid', () => {
  it('reads the first three groups little-endian and the rest as stored', () => {
    expect(decodeObjectGuid(Buffer.from('33221100554477668899aabbccddeeff', 'hex'))).toBe(
      '00112233-4455-6677-8899-aabbccddeeff',
    );
  });

  it('matches the string form Windows shows for a known objectGUID', () => {
    // [System.Guid]::new('a6b7c8d9-1e2f-4a5b-8c7d-0e1f2a3b4c5d').ToByteArray()
    const bytes = Uint8Array.from([
      0xd9, 0xc8, 0xb7, 0xa6, 0x2f, 0x1e, 0x5b, 0x4a, 0x8c, 0x7d, 0x0e, 0x1f, 0x2a, 0x3b, 0x4c, 0x5d,
    ]);
    expect(decodeObjectGuid(bytes)).toBe('a6b7c8d9-1e2f-4a5b-8c7d-0e1f2a3b4c5d');
  });

  it('keeps bytes that would break a filter or a string (\\ ( ) * NUL)', () => {
    expect(decodeObjectGuid(Buffer.from('5c28292a00ff10203040506070809a0b', 'hex'))).toBe(
      '2a29285c-ff00-2010-3040-506070809a0b',
    );
  });

  it.each([0, 15, 17, 36])('refuses %i bytes', (length) => {
    expect(() => decodeObjectGuid(new Uint8Array(length))).toThrow(RangeError);
  });
});

describe('guidFromAttributeValue', () => {
  it('decodes 16 bytes as an AD GUID', () => {
    expect(guidFromAttributeValue(Buffer.from('33221100554477668899aabbccddeeff', 'hex'))).toBe(
      '00112233-4455-6677-8899-aabbccddeeff',
    );
  });

  it('lowercases a textual entryUUID, whether sent as text or bytes', () => {
    const uuid = 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6';
    expect(guidFromAttributeValue(uuid)).toBe(uuid.toLowerCase());
    expect(guidFromAttributeValue(Buffer.from(uuid))).toBe(uuid.toLowerCase());
  });

  it('keeps another string id as sent and treats empty values as missing', () => {
    expect(guidFromAttributeValue('Emp-00042')).toBe('Emp-00042');
    expect(guidFromAttributeValue('')).toBeNull();
    expect(guidFromAttributeValue(Buffer.alloc(0))).toBeNull();
  });
});
