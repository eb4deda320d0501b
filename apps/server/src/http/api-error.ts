/**
 * Expected outcomes of API calls, each with a stable code that the client sees as
 * `{"non_field_errors": ["CODE"]}`. The exact reason goes to the log, never to the client.
 */
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

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: ApiErrorStatus;

  /** `reason` is for the log only. */
  constructor(
    readonly code: ApiErrorCode,
    readonly reason?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason ? `${code}: ${reason}` : code);
    this.status = API_ERRORS[code];
  }
}

export function errorBody(code: ApiErrorCode): { non_field_errors: [ApiErrorCode] } {
  return { non_field_errors: [code] };
}
