import { describe, expect, it } from 'vitest';
import { compileEntry } from '../entries/entry-plan.ts';
import { NotPermittedError } from '../errors/errors.ts';
import { testEntry } from '../test-support/entry.ts';
import { checkRequiredAttributes, checkRequiredGroups } from './access-rules.ts';

const groups = [{ dn: 'cn=Staff,ou=groups,dc=example,dc=org', name: 'Staff' }];
const user = { dn: 'uid=alice,ou=people,dc=example,dc=org', employeeType: ['staff', 'remote'], mail: 'a@x' };

describe('checkRequiredGroups', () => {
  it('lets everyone in without required groups', () => {
    expect(() => checkRequiredGroups(compileEntry(testEntry()), user.dn, [])).not.toThrow();
  });

  it('needs membership in one of the groups, DNs compared after normalisation', () => {
    const plan = compileEntry(
      testEntry({
        LDAP_REQUIRED_GROUP: [
          'cn=admins,ou=groups,dc=example,dc=org',
          'CN=STAFF, OU=Groups,DC=example,DC=org',
        ],
      }),
    );
    expect(() => checkRequiredGroups(plan, user.dn, groups)).not.toThrow();
    const strict = compileEntry(
      testEntry({ LDAP_REQUIRED_GROUP: ['cn=admins,ou=groups,dc=example,dc=org'] }),
    );
    expect(() => checkRequiredGroups(strict, user.dn, groups)).toThrow(NotPermittedError);
  });
});

describe('checkRequiredAttributes', () => {
  it.each<[[string, string][], boolean]>([
    [[], true],
    [[['employeeType', 'STAFF']], true],
    [[['EMPLOYEETYPE', 'remote']], true],
    [[['mail', '*']], true],
    [[['telephoneNumber', '*']], false],
    [[['employeeType', 'contractor']], false],
    [
      [
        ['employeeType', 'staff'],
        ['mail', 'b@x'],
      ],
      false,
    ],
  ])('%j -> allowed %s', (required, allowed) => {
    const plan = compileEntry(testEntry({ LDAP_REQUIRED_ATTRIBUTE: required }));
    if (allowed) {
      expect(() => checkRequiredAttributes(plan, user)).not.toThrow();
    } else {
      expect(() => checkRequiredAttributes(plan, user)).toThrow(NotPermittedError);
    }
  });
});
