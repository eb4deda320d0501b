/**
 * Every expected failure of a sign-in or a call, as the screens tell it, under one stable code:
 * the server's refusals (which arrive as the protocol's `ApiError`, kept as `cause`) grouped by what
 * the user can do about them, and the client's own outcomes (offline, identity, consent, keys).
 * Screens choose their message by code; `detail` is for the console and never shown to the user.
 */
export type ClientErrorCode =
  /** username, password or directory refusal: the server does not say which */
  | 'WRONG_CREDENTIALS'
  /** too many attempts; `retryAfterSeconds` says how long to wait when the server said it */
  | 'THROTTLED'
  /** the server could not be reached at all */
  | 'SERVER_OFFLINE'
  /** the server answered 503: no directory answered */
  | 'DIRECTORY_UNAVAILABLE'
  /** the server answered something this client cannot read */
  | 'MALFORMED_RESPONSE'
  /** the server's signing key differs from the one pinned for it */
  | 'IDENTITY_CHANGED'
  /** `/info/` is not signed by the key it names */
  | 'BAD_SIGNATURE'
  /** the user declined sending the password to a directory-backed server */
  | 'PLAIN_PASSWORD_DECLINED'
  /** the user declined trusting a server seen for the first time */
  | 'IDENTITY_DECLINED'
  /** the server does not accept directory logins */
  | 'LDAP_NOT_OFFERED'
  /** neither the current nor the previous password opens the account's keys */
  | 'KEYS_LOCKED'
  /** the token is no longer valid */
  | 'SESSION_EXPIRED'
  /** any other refusal or server error */
  | 'SERVER_ERROR';

export class ClientError extends Error {
  readonly code: ClientErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly detail: string | undefined;

  constructor(
    code: ClientErrorCode,
    options: { detail?: string; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(options.detail ? `${code}: ${options.detail}` : code, { cause: options.cause });
    this.name = 'ClientError';
    this.code = code;
    this.detail = options.detail;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isClientError(error: unknown, code?: ClientErrorCode): error is ClientError {
  return error instanceof ClientError && (code === undefined || error.code === code);
}
