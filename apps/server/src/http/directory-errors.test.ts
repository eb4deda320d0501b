import {
  AccountRestrictedError,
  type DirectoryError,
  DirectoryMisconfiguredError,
  DirectoryUnavailableError,
  InvalidCredentialsError,
  LockoutGuardError,
  NotPermittedError,
} from '@ldap-login/ldap-core';
import { describe, expect, it } from 'vitest';
import { mapDirectoryError } from './directory-errors.ts';

describe('mapDirectoryError', () => {
  it.each<[DirectoryError, number, string, boolean, boolean]>([
    [new InvalidCredentialsError('wrong-password'), 400, 'USERNAME_OR_PASSWORD_WRONG', true, true],
    [
      new AccountRestrictedError('account-locked', { adSubCode: '775' }),
      400,
      'USERNAME_OR_PASSWORD_WRONG',
      true,
      false,
    ],
    [
      new AccountRestrictedError('logon-type-not-granted', { adSubCode: '569' }),
      400,
      'USERNAME_OR_PASSWORD_WRONG',
      true,
      false,
    ],
    [new LockoutGuardError(3, 2), 429, 'TOO_MANY_LOGIN_ATTEMPTS', true, false],
    [new NotPermittedError('required-group'), 400, 'USERNAME_OR_PASSWORD_WRONG', true, true],
    [new DirectoryUnavailableError('timeout'), 503, 'DIRECTORY_UNAVAILABLE', false, false],
    [new DirectoryMisconfiguredError('service-bind-refused'), 503, 'DIRECTORY_UNAVAILABLE', false, false],
  ])('%s -> %i %s', (error, status, apiCode, isRefusal, counted) => {
    const failure = mapDirectoryError(error);
    expect(failure).toMatchObject({ isRefusal, counted, reason: `${error.code}: ${error.reason}` });
    expect(failure?.apiError).toMatchObject({ status, code: apiCode });
  });

  it('keeps the detail (a URL, a DN) out of the reason', () => {
    const failure = mapDirectoryError(
      new DirectoryUnavailableError('unreachable', { detail: 'ldap://10.0.0.1:389 ECONNREFUSED' }),
    );
    expect(failure?.reason).toBe('DIRECTORY_UNAVAILABLE: unreachable');
  });

  it('leaves errors that are not directory outcomes alone, even when they carry a known code', () => {
    expect(mapDirectoryError(new TypeError('bug'))).toBeUndefined();
    expect(mapDirectoryError(Object.assign(new Error('x'), { code: 'INVALID_CREDENTIALS' }))).toBeUndefined();
    expect(mapDirectoryError('INVALID_CREDENTIALS')).toBeUndefined();
  });
});
