/**
 * The one place where directory outcomes become API answers. Every refusal (unknown user, wrong
 * password, disabled or locked account, not in the required group) becomes the same
 * USERNAME_OR_PASSWORD_WRONG; only "no directory answered" is told apart, as 503.
 */
import { DirectoryError, type DirectoryErrorCode } from '@ldap-login/ldap-core';
import { ApiError } from '@ldap-login/protocol';

/** Active Directory's default lockout observation window is 30 minutes. */
const LOCKOUT_RETRY_SECONDS = 30 * 60;

export interface DirectoryFailure {
  /** The answer for the client. */
  apiError: ApiError;
  /** A refusal of the login (wrong password, restricted account, ...): the client waits the refusal floor. */
  isRefusal: boolean;
  /**
   * Counts against the login throttle as a guessed password. Restricted accounts (disabled,
   * expired, must change, ...) are not guesses: Active Directory reports them only for the right
   * password (or, locked, whatever the password).
   */
  counted: boolean;
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
    case 'NOT_PERMITTED':
      return { apiError: new ApiError('USERNAME_OR_PASSWORD_WRONG', reason), isRefusal: true, counted: true };
    case 'ACCOUNT_RESTRICTED':
      return {
        apiError: new ApiError('USERNAME_OR_PASSWORD_WRONG', reason),
        isRefusal: true,
        counted: false,
      };
    case 'LOCKOUT_GUARD':
      // One more wrong password would lock the directory account: answered as the throttle answers.
      return {
        apiError: new ApiError('TOO_MANY_LOGIN_ATTEMPTS', reason, {
          'Retry-After': String(LOCKOUT_RETRY_SECONDS),
        }),
        isRefusal: true,
        counted: false,
      };
    case 'DIRECTORY_UNAVAILABLE':
    case 'DIRECTORY_MISCONFIGURED':
      // A misconfigured directory is the administrator's problem; the user can only wait.
      return { apiError: new ApiError('DIRECTORY_UNAVAILABLE', reason), isRefusal: false, counted: false };
    default:
      // A code added to ldap-core without an answer here fails to compile instead of becoming a 500.
      return code satisfies never;
  }
}
