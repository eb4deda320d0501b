import { Filter, FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { parseDn } from './dn.ts';
import { escapeDnValue } from './escape.ts';

// The filters written as text (diagnostics) escape values with ldapts' Filter.escape: RFC 4515 holds.
describe('Filter.escape of ldapts (RFC 4515)', () => {
  it.each([
    ['alice', 'alice'],
    ['*', '\\2a'],
    ['*)(uid=*', '\\2a\\29\\28uid=\\2a'],
    ['admin)(|(uid=*', 'admin\\29\\28|\\28uid=\\2a'],
    ['\\', '\\5c'],
    ['a\0b', 'a\\00b'],
    ['alice,ou=people', 'alice,ou=people'],
    ['Zoë Ångström', 'Zoë Ångström'],
  ])('%j -> %j', (input, expected) => {
    expect(Filter.escape(input)).toBe(expected);
  });

  it.each(['*', '*)(uid=*', 'admin)(|(uid=*', '\\', 'p(a)ss*w\\ord', 'a\0b'])(
    'keeps %j one equality assertion with the exact value',
    (input) => {
      const filter = FilterParser.parseString(`(uid=${Filter.escape(input)})`);
      expect(filter.constructor.name).toBe('EqualityFilter');
      expect((filter as unknown as { value: string }).value).toBe(input);
    },
  );
});

describe('escapeDnValue (RFC 4514)', () => {
  it.each([
    ['alice', 'alice'],
    ['Smith, John', 'Smith\\, John'],
    ['a+b', 'a\\+b'],
    ['"quoted"', '\\"quoted\\"'],
    ['x;y<z>', 'x\\;y\\<z\\>'],
    ['back\\slash', 'back\\\\slash'],
    ['a=b', 'a\\=b'],
    ['#hash', '\\#hash'],
    ['mid#hash', 'mid#hash'],
    [' lead', '\\ lead'],
    ['trail ', 'trail\\ '],
    ['in side', 'in side'],
    ['nul\0', 'nul\\00'],
    ['Zoë', 'Zoë'],
  ])('%j -> %j', (input, expected) => {
    expect(escapeDnValue(input)).toBe(expected);
  });

  it.each(['Smith, John (Jr.) "JJ"', ' #odd+value; ', 'R&D "Labs" (Berlin), Ü', 'a\\b=c'])(
    'round-trips %j through the DN parser',
    (value) => {
      const [rdn] = parseDn(`cn=${escapeDnValue(value)},dc=example,dc=org`);
      expect(rdn).toEqual([{ type: 'cn', value, ber: false }]);
    },
  );
});
