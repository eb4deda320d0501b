import { describe, expect, it } from 'vitest';
import { DnSyntaxError, dnEquals, firstRdnValue, normalizeDn, parseDn } from './dn.ts';

describe('parseDn', () => {
  it('splits RDNs and multi-valued RDNs', () => {
    expect(parseDn('cn=a+uid=b,ou=people,dc=example,dc=org')).toEqual([
      [
        { type: 'cn', value: 'a', ber: false },
        { type: 'uid', value: 'b', ber: false },
      ],
      [{ type: 'ou', value: 'people', ber: false }],
      [{ type: 'dc', value: 'example', ber: false }],
      [{ type: 'dc', value: 'org', ber: false }],
    ]);
  });

  it('resolves character and hex escapes, including multi-byte UTF-8', () => {
    expect(parseDn('cn=Smith\\2C John,o=x')[0]![0]!.value).toBe('Smith, John');
    expect(parseDn('cn=Smith\\, John,o=x')[0]![0]!.value).toBe('Smith, John');
    expect(parseDn('cn=Zo\\C3\\AB,o=x')[0]![0]!.value).toBe('Zoë');
    expect(parseDn('cn=\\22JJ\\22,o=x')[0]![0]!.value).toBe('"JJ"');
  });

  it('drops unescaped spaces around types, values and separators but keeps escaped ones', () => {
    expect(parseDn(' cn = Alice , ou = people ')).toEqual([
      [{ type: 'cn', value: 'Alice', ber: false }],
      [{ type: 'ou', value: 'people', ber: false }],
    ]);
    expect(parseDn('cn=\\ padded\\ ,o=x')[0]![0]!.value).toBe(' padded ');
  });

  it('reads quoted values and #hex values', () => {
    expect(parseDn('cn="Smith, John",o=x')[0]![0]!.value).toBe('Smith, John');
    expect(parseDn('cn=#04024869,o=x')[0]![0]).toEqual({ type: 'cn', value: '04024869', ber: true });
  });

  it('treats the empty string as the root DSE', () => {
    expect(parseDn('')).toEqual([]);
  });

  it.each(['alice', 'cn=a,', 'cn=a,b', '=a', 'cn=a\\', 'cn="open,o=x', 'c n=a'])('rejects %j', (dn) => {
    expect(() => parseDn(dn)).toThrow(DnSyntaxError);
  });
});

describe('normalizeDn', () => {
  it.each([
    ['CN=Alice,OU=People,DC=Example,DC=org', 'cn=alice,ou=people,dc=example,dc=org'],
    ['cn = Alice , ou=People', 'cn=alice,ou=people'],
    ['CN=Smith\\2C John,DC=x', 'cn=smith\\, john,dc=x'],
    ['cn="Smith, John",dc=x', 'cn=smith\\, john,dc=x'],
    ['uid=b+cn=a,dc=x', 'cn=a+uid=b,dc=x'],
    ['2.5.4.3=Alice,0.9.2342.19200300.100.1.25=x', 'cn=alice,dc=x'],
    ['OID.2.5.4.11=Sales,dc=x', 'ou=sales,dc=x'],
    ['cn=John   Smith,dc=x', 'cn=john smith,dc=x'],
    ['cn=Zo\\C3\\AB,dc=x', 'cn=zoë,dc=x'],
    ['cn=ZOË,dc=x', 'cn=zoë,dc=x'],
    [
      'cn=R&D \\22Labs\\22 \\28Berlin\\29\\2C \\C3\\9C,ou=groups',
      'cn=r&d \\"labs\\" (berlin)\\, ü,ou=groups',
    ],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeDn(input)).toBe(expected);
  });

  // RFC 4514 / 4517 / 4518: spellings that name one entry (OpenLDAP agrees: dn.integration.test.ts).
  it.each([
    ['character escape and hex escape', 'cn=Smith\\, John,dc=x', 'cn=Smith\\2C John,dc=x'],
    ['lowercase hex escape', 'cn=Smith\\2c John,dc=x', 'cn=Smith\\, John,dc=x'],
    ['escaped backslash and its hex escape', 'cn=a\\\\b,dc=x', 'cn=a\\5Cb,dc=x'],
    ['RDN case', 'CN=Admins,OU=Groups,DC=Corp', 'cn=admins,ou=groups,dc=corp'],
    ['spaces around separators and "="', 'cn = Admins , ou=Groups ,dc=corp', 'cn=Admins,ou=Groups,dc=corp'],
    ['runs of inner spaces', 'cn=John   Smith,dc=x', 'cn=John Smith,dc=x'],
    ['escaped leading and trailing spaces', 'cn=\\ Admins\\ ,dc=x', 'cn=Admins,dc=x'],
    ['hex-escaped spaces', 'cn=John\\20\\20Smith,dc=x', 'cn=John Smith,dc=x'],
    ['OID attribute type', '2.5.4.3=Admins,dc=x', 'cn=Admins,dc=x'],
    ['OID attribute type with "oid." prefix', 'OID.2.5.4.3=Admins,dc=x', 'CN=Admins,dc=x'],
    ['multi-valued RDN order', 'ou=Part+cn=Multi,dc=x', 'cn=Multi+ou=Part,dc=x'],
    ['quoted value (RFC 2253)', 'cn="Smith, John",dc=x', 'cn=Smith\\, John,dc=x'],
    ['semicolon separator (RFC 2253)', 'cn=Admins;dc=x', 'cn=Admins,dc=x'],
    ['UTF-8 hex escapes', 'cn=Zo\\C3\\AB,dc=x', 'cn=ZOË,dc=x'],
    ['escaped "#" and its hex escape', 'cn=\\#1,dc=x', 'cn=\\231,dc=x'],
  ])('%s: %j equals %j', (_case, left, right) => {
    expect(normalizeDn(left)).toBe(normalizeDn(right));
    expect(dnEquals(left, right)).toBe(true);
  });

  it.each([
    ['an escaped comma is not a separator', 'cn=a\\,b,dc=x', 'cn=a,b=x,dc=x'],
    ['an escaped plus is not a multi-valued RDN', 'cn=a\\+ou=b,dc=x', 'cn=a+ou=b,dc=x'],
    ['inner spaces count', 'cn=JohnSmith,dc=x', 'cn=John Smith,dc=x'],
    ['another attribute type', 'cn=Admins,dc=x', 'ou=Admins,dc=x'],
    ['one backslash is not two', 'cn=a\\5Cb,dc=x', 'cn=a\\5C\\5Cb,dc=x'],
  ])('%s: %j differs from %j', (_case, left, right) => {
    expect(normalizeDn(left)).not.toBe(normalizeDn(right));
  });

  it('makes the spellings of one DN equal and different DNs unequal', () => {
    expect(dnEquals('CN=Admins,OU=Groups,DC=corp', 'cn=admins, ou=groups, dc=corp')).toBe(true);
    expect(dnEquals('cn=admins,ou=groups,dc=corp', 'cn=admins2,ou=groups,dc=corp')).toBe(false);
    expect(dnEquals('cn=a\\,b,dc=x', 'cn=a,b=,dc=x')).toBe(false);
    expect(dnEquals('not a dn', 'not a dn')).toBe(false);
  });
});

describe('firstRdnValue', () => {
  it('gives the unescaped value of the first RDN', () => {
    expect(firstRdnValue('cn=R&D \\22Labs\\22 \\28Berlin\\29\\2C \\C3\\9C,ou=groups,dc=x')).toBe(
      'R&D "Labs" (Berlin), Ü',
    );
    expect(firstRdnValue('CN=Domain Admins,CN=Users,DC=corp')).toBe('Domain Admins');
  });

  it('falls back to the input for something that is not a DN', () => {
    expect(firstRdnValue('admins')).toBe('admins');
  });
});

describe('parseDn with escaped spaces at the end', () => {
  it('keeps escaped trailing spaces and drops unescaped ones after them', () => {
    expect(parseDn('cn=a\\  ,o=x')[0]![0]!.value).toBe('a ');
    expect(parseDn('cn=a\\20  ,o=x')[0]![0]!.value).toBe('a ');
    expect(parseDn('cn=\\20\\20')[0]![0]!.value).toBe('  ');
    expect(parseDn('cn="  quoted  ",o=x')[0]![0]!.value).toBe('  quoted  ');
    expect(parseDn('cn="a\\"b",o=x')[0]![0]!.value).toBe('a"b');
  });
});
