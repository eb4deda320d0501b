import { describe, expect, it } from 'vitest';
import { closestNames, suggestKey } from './did-you-mean.ts';

const KEYS = ['LDAP_URL', 'LDAP_DOMAIN', 'LDAP_ATTR_USERNAME', 'LDAP_ATTR_EMAIL', 'LOG_LEVEL'];

describe('suggestKey', () => {
  it.each([
    ['LDAP_ATTR_USRNAME', 'LDAP_ATTR_USERNAME'],
    ['ldap_url', 'LDAP_URL'],
    ['LDAP_DOMIAN', 'LDAP_DOMAIN'],
    ['LOGLEVEL', 'LOG_LEVEL'],
  ])('suggests %s -> %s', (typo, expected) => {
    expect(suggestKey(typo, KEYS)).toBe(expected);
  });

  it('suggests nothing for an unrelated name', () => {
    expect(suggestKey('COLOUR', KEYS)).toBeUndefined();
    expect(suggestKey('SOMETHING_ELSE_ENTIRELY', KEYS)).toBeUndefined();
  });
});

describe('closestNames', () => {
  it('keeps only close names, closest first, ignoring case', () => {
    expect(closestNames('cn=admin', ['cn=admins', 'cn=staff', 'cn=adm'])).toEqual(['cn=admins', 'cn=adm']);
    expect(closestNames('memberof', ['MEMBEROF', 'member'])).toEqual(['MEMBEROF', 'member']);
    expect(closestNames('xyz', ['abcdef'])).toEqual([]);
  });

  it('returns at most `limit` names, ties in alphabetical order', () => {
    expect(closestNames('ou=grp', ['ou=grpb', 'ou=grpa', 'ou=grpc'], 2)).toEqual(['ou=grpa', 'ou=grpb']);
  });
});
