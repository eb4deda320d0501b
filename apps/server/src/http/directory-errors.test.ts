import {
  AccountRestrictedError,
  type DirectoryError,
  DirectoryMisconfiguredError,
  DirectoryUnavailableError,
  InvalidCredentialsError,
  NotPermittedError,
} from '@ldap-login/ldap-core';
import { describe, expect, it } from 'vitest';
import { mapDirectoryError } from './directory-errors.ts';

describe('mapDirectoryError', () => {
  it.each<[DirectoryError, number, string, boolean]>([
    [new InvalidCredentialsError('wrong-password'), 400, 'USERNAME_OR_PASSWORD_WRONG', true],
    [
      new AccountRestrictedError('account-locked', { adSubCode: '775' }),
      400,
      'USERNAME_OR_PASSWORD_WRONG',
      true,
    ],
    [new NotPermittedError('required-group'), 400, 'USERNAME_OR_PASSWORD_WRONG', true],
    [new DirectoryUnavailableError('timeout'), 503, 'DIRECTORY_UNAVAILABLE', false],
    [new DirectoryMisconfiguredError('service-bind-refused'), 503, 'DIRECTORY_UNAVAILABLE', false],
  ])('%s -> %i %s', (error, status, apiCode, isRefusal) => {
    const failure = mapDirectoryError(error);
    expect(failure).toMatchObject({ isRefusal, reason: `${error.code}: ${error.reason}` });
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
