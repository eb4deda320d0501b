import { describe, expect, it } from 'vitest';
import { FakeDirectoryError } from '../test-support/fake-directory.ts';
import { mapDirectoryError } from './directory-errors.ts';

describe('mapDirectoryError', () => {
  it.each([
    ['INVALID_CREDENTIALS', 400, 'USERNAME_OR_PASSWORD_WRONG', true],
    ['ACCOUNT_RESTRICTED', 400, 'USERNAME_OR_PASSWORD_WRONG', true],
    ['NOT_PERMITTED', 400, 'USERNAME_OR_PASSWORD_WRONG', true],
    ['DIRECTORY_UNAVAILABLE', 503, 'DIRECTORY_UNAVAILABLE', false],
    ['DIRECTORY_MISCONFIGURED', 503, 'DIRECTORY_UNAVAILABLE', false],
  ])('%s -> %i %s', (code, status, apiCode, isRefusal) => {
    const failure = mapDirectoryError(new FakeDirectoryError(code, 'detail for the log'));
    expect(failure).toMatchObject({ isRefusal, reason: `${code}: detail for the log` });
    expect(failure?.apiError).toMatchObject({ status, code: apiCode });
  });

  it('leaves errors that are not directory outcomes alone', () => {
    expect(mapDirectoryError(new TypeError('bug'))).toBeUndefined();
    expect(mapDirectoryError(new FakeDirectoryError('SOMETHING_ELSE', 'x'))).toBeUndefined();
    expect(mapDirectoryError('INVALID_CREDENTIALS')).toBeUndefined();
  });
});
