import { describe, expect, it } from 'vitest';
import { AccountRestrictedError } from '../errors/errors.ts';
import { restrictionHint } from './membership-steps.ts';

/**
 * testldap's hint for a refused user bind. AD answers 773 (must change) and 532 (expired) when the
 * password was right: the user can change it themselves. The Samba test covers 773 end to end;
 * Samba 4.17 never answers a simple bind with 532, so that mapping is checked here.
 */
describe('restrictionHint', () => {
  it.each([
    ['773', 'password-must-change'],
    ['532', 'password-expired'],
  ] as const)(
    'AD %s (%s): the user can change the password, no administrator needed',
    (adSubCode, reason) => {
      const hint = restrictionHint(new AccountRestrictedError(reason, { adSubCode }));
      expect(hint).toContain('the password is right but must be changed: the user can change it');
      expect(hint).not.toContain('administrator');
    },
  );

  it('a disabled account (533) needs an administrator of the directory', () => {
    const hint = restrictionHint(new AccountRestrictedError('account-disabled', { adSubCode: '533' }));
    expect(hint).toContain('an administrator of the directory has to change it');
  });
});
