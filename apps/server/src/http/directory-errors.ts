/**
 * The one place where directory outcomes become API answers. Every refusal (unknown user, wrong
 * password, disabled or locked account, not in the required group) becomes the same
 * USERNAME_OR_PASSWORD_WRONG; only "no directory answered" is told apart, as 503.
 */
import { DirectoryError, type DirectoryErrorCode } from '@ldap-login/ldap-core';
import { ApiError } from '@ldap-login/protocol';

export interface DirectoryFailure {
  /** The answer for the client. */
  apiError: ApiError;
  /** Counts against the login throttle (the user's fault, not the directory's). */
  isRefusal: boolean;
  /** Exact reason for the log and the audit trail. */
  reason: string;
}

/** Maps an error from `authenticate()`; returns undefined for errors that are bugs, not outcomes. */
export function mapDirectoryError(error: unknown): DirectoryFailure | undefined {
  if (!(error instanceof DirectoryError)) return undefined;
  const reason = `${error.code}: ${error.reason}`;
  return { ...answerFor(error.code, reason), reason };
}

function answerFor(code: DirectoryErrorCode, reason: string): Omit<DirectoryFailure, 'reason'> {
  switch (code) {
    case 'INVALID_CREDENTIALS':
    case 'ACCOUNT_RESTRICTED':
    case 'NOT_PERMITTED':
      return { apiError: new ApiError('USERNAME_OR_PASSWORD_WRONG', reason), isRefusal: true };
    case 'DIRECTORY_UNAVAILABLE':
    case 'DIRECTORY_MISCONFIGURED':
      // A misconfigured directory is the administrator's problem; the user can only wait.
      return { apiError: new ApiError('DIRECTORY_UNAVAILABLE', reason), isRefusal: false };
    default:
      // A code added to ldap-core without an answer here fails to compile instead of becoming a 500.
      return code satisfies never;
  }
}
