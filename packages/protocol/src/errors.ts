/**
 * Expected outcomes of API calls, each with a stable code and its HTTP status. The client sees
 * `{"non_field_errors": ["CODE"]}`; the exact reason goes to the server's log, never to the client.
 */
import { z } from 'zod';

export const API_ERRORS = {
  INVALID_REQUEST: 400,
  LOGIN_INFO_CANNOT_BE_DECRYPTED: 400,
  USERNAME_OR_PASSWORD_WRONG: 400,
  AUTHENTICATION_METHOD_NOT_ALLOWED: 400,
  VERIFICATION_FAILED: 400,
  /** The login request was used before (a replay). */
  LOGIN_REQUEST_REPLAYED: 400,
  /** The login request's `device_time` is missing or too far from the server's clock. */
  LOGIN_REQUEST_EXPIRED: 400,
  REQUEST_CANNOT_BE_DECRYPTED: 400,
  SESSION_NOT_FOUND: 400,
  DUPLICATE_TYPE_DESCRIPTION: 400,
  CANNOT_DELETE_DEFAULT_DATASTORE: 400,
  WRITE_DATE_MISMATCH: 400,
  DUPLICATE_LINK_ID: 400,
  DUPLICATE_NONCE: 400,
  EITHER_PARENT_DATASTORE_OR_SHARE_NEED_TO_BE_DEFINED: 400,
  EITHER_PARENT_DATASTORE_OR_SHARE_NEED_TO_BE_DEFINED_NOT_BOTH: 400,
  NO_PARENT_PROVIDED: 400,
  SERVER_SECRET_REFUSED: 400,
  /** The user already has a membership in the group. */
  USER_ALREADY_PART_OF_GROUP: 400,
  /** The user or group already has a right on the share. */
  SHARE_RIGHT_EXISTS: 400,
  /** The membership has the group's keys already (they are never overwritten). */
  GROUP_KEYS_ALREADY_PRESENT: 400,
  /** The membership follows a directory group: the directory adds and removes it, not the API. */
  FORCED_MEMBERSHIP: 400,
  /** Exactly one of user and group must be named. */
  EITHER_USER_OR_GROUP_NEEDS_TO_BE_DEFINED: 400,
  TOKEN_INVALID: 401,
  SESSION_EXPIRED: 401,
  TOKEN_NOT_ACTIVATED: 401,
  TOKEN_ALREADY_ACTIVATED: 401,
  AUTHORIZATION_VALIDATOR_INVALID: 401,
  NO_PERMISSION_OR_NOT_EXIST: 403,
  PASSWORD_INCORRECT: 403,
  NOT_FOUND: 404,
  REQUEST_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_LOGIN_ATTEMPTS: 429,
  INTERNAL_ERROR: 500,
  DIRECTORY_UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;
export type ApiErrorStatus = (typeof API_ERRORS)[ApiErrorCode];

export const API_ERROR_CODES = Object.keys(API_ERRORS) as [ApiErrorCode, ...ApiErrorCode[]];

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && Object.hasOwn(API_ERRORS, value);
}

/** The body of every error reply (encrypted like any other reply on an authenticated call). */
export const errorBodySchema = z.object({ non_field_errors: z.tuple([z.string()]).rest(z.string()) });
export type ErrorBody = z.infer<typeof errorBodySchema>;

export function errorBody(code: ApiErrorCode): { non_field_errors: [ApiErrorCode] } {
  return { non_field_errors: [code] };
}

/**
 * An API call ended in one of the expected outcomes. The server throws it and answers with its
 * status and code; a client builds it from an error reply (`ApiError.fromReply`).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: ApiErrorStatus;

  /** `reason` is for the server's log (or a client's console) only, never for the other side. */
  constructor(
    readonly code: ApiErrorCode,
    readonly reason?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason ? `${code}: ${reason}` : code);
    this.status = API_ERRORS[code];
  }

  /** The seconds of a `Retry-After` header given as delta-seconds or an HTTP date (RFC 9110). */
  get retryAfterSeconds(): number | undefined {
    const value = this.headers['Retry-After']?.trim();
    if (!value) return undefined;
    if (/^\d+$/.test(value)) return Number(value);
    const date = Date.parse(value);
    return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }

  /**
   * The error an error reply stands for: its code when the body names a known one, else the code
   * its status stands for (`INTERNAL_ERROR` for anything unknown), keeping the raw reply as reason.
   */
  static fromReply(status: number, body: unknown, retryAfter?: string | null): ApiError {
    const parsed = errorBodySchema.safeParse(body);
    const named = parsed.success ? parsed.data.non_field_errors[0] : undefined;
    const headers: Record<string, string> = retryAfter ? { 'Retry-After': retryAfter } : {};
    const reason = `HTTP ${status}${named ? ` ${named}` : ''}`;
    if (isApiErrorCode(named)) {
      const error = new ApiError(named, reason, headers);
      // The status the server actually sent wins over the table (a proxy may have answered).
      if (error.status === status) return error;
    }
    return new ApiError(codeForStatus(status), reason, headers);
  }
}

function codeForStatus(status: number): ApiErrorCode {
  switch (status) {
    case 401:
      return 'TOKEN_INVALID';
    case 404:
      return 'NOT_FOUND';
    case 413:
      return 'REQUEST_TOO_LARGE';
    case 429:
      return 'TOO_MANY_LOGIN_ATTEMPTS';
    case 503:
      return 'DIRECTORY_UNAVAILABLE';
    default:
      return status >= 400 && status < 500 ? 'INVALID_REQUEST' : 'INTERNAL_ERROR';
  }
}
