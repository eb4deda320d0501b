/**
 * The one place where directory outcomes become API answers. Every refusal (unknown user, wrong
 * password, disabled or locked account, not in the required group) becomes the same
 * USERNAME_OR_PASSWORD_WRONG; only "no directory answered" is told apart, as 503.
 */
import { ApiError } from '@ldap-login/protocol';

/** Codes of `DirectoryError` subclasses from the directory layer. */
export const DIRECTORY_ERROR_CODES = [
  'INVALID_CREDENTIALS',
  'ACCOUNT_RESTRICTED',
  'NOT_PERMITTED',
  'DIRECTORY_UNAVAILABLE',
  'DIRECTORY_MISCONFIGURED',
] as const;

export type DirectoryErrorCode = (typeof DIRECTORY_ERROR_CODES)[number];

export interface DirectoryFailure {
  /** The answer for the client. */
  apiError: ApiError;
  /** Counts against the login throttle (the user's fault, not the directory's). */
  isRefusal: boolean;
  /** Exact reason for the log and the audit trail. */
  reason: string;
}

function directoryCode(error: unknown): DirectoryErrorCode | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return DIRECTORY_ERROR_CODES.find((known) => known === code);
}

/** Maps an error from `authenticate()`; returns undefined for errors that are bugs, not outcomes. */
export function mapDirectoryError(error: unknown): DirectoryFailure | undefined {
  const code = directoryCode(error);
  if (code === undefined) return undefined;
  const detail = (error as { reason?: unknown }).reason;
  const reason = typeof detail === 'string' && detail !== '' ? `${code}: ${detail}` : code;
  switch (code) {
    case 'INVALID_CREDENTIALS':
    case 'ACCOUNT_RESTRICTED':
    case 'NOT_PERMITTED':
      return { apiError: new ApiError('USERNAME_OR_PASSWORD_WRONG', reason), isRefusal: true, reason };
    case 'DIRECTORY_UNAVAILABLE':
    case 'DIRECTORY_MISCONFIGURED':
      // A misconfigured directory is the administrator's problem; the user can only wait.
      return { apiError: new ApiError('DIRECTORY_UNAVAILABLE', reason), isRefusal: false, reason };
  }
}
