/**
 * Every expected outcome of a directory login, as a small set of error classes with stable codes.
 *
 * `code` is what callers branch on (the HTTP layer maps it to the API's error codes in one place);
 * `reason` is a stable, precise token for logs and diagnostics; `detail` adds free text for logs
 * (a URL, a DN, the directory's own message). None of them ever contains a password.
 */

export type DirectoryErrorCode =
  | 'INVALID_CREDENTIALS'
  | 'ACCOUNT_RESTRICTED'
  | 'NOT_PERMITTED'
  | 'LOCKOUT_GUARD'
  | 'DIRECTORY_UNAVAILABLE'
  | 'DIRECTORY_MISCONFIGURED';

interface DirectoryErrorOptions {
  /** Free text for logs: the URL, DN or directory message that explains the reason. */
  detail?: string;
  /** The `LDAP_DOMAIN` of the entry involved, when one was chosen. */
  domain?: string;
  cause?: unknown;
}

export abstract class DirectoryError extends Error {
  abstract readonly code: DirectoryErrorCode;
  readonly reason: string;
  readonly detail: string | undefined;
  readonly domain: string | undefined;

  protected constructor(reason: string, options: DirectoryErrorOptions = {}) {
    super(options.detail ? `${reason}: ${options.detail}` : reason, { cause: options.cause });
    this.name = new.target.name;
    this.reason = reason;
    this.detail = options.detail;
    this.domain = options.domain;
  }
}

type InvalidCredentialsReason =
  | 'unknown-domain'
  | 'empty-password'
  | 'user-not-found'
  | 'ambiguous-user'
  | 'wrong-password';

/** The username or password is wrong, or the username matches no single directory user. */
export class InvalidCredentialsError extends DirectoryError {
  override readonly code = 'INVALID_CREDENTIALS' as const;
  declare readonly reason: InvalidCredentialsReason;

  constructor(reason: InvalidCredentialsReason, options?: DirectoryErrorOptions) {
    super(reason, options);
  }
}

export type AccountRestrictedReason =
  | 'logon-hours'
  | 'workstation'
  | 'password-expired'
  | 'account-disabled'
  | 'account-expired'
  | 'password-must-change'
  | 'account-locked'
  | 'account-restriction'
  | 'too-many-groups'
  | 'logon-type-not-granted'
  | 'unwilling-to-perform';

/**
 * The password may be right, but the directory refuses the account (Active Directory reports why
 * in a sub-code of its bind error, kept in `adSubCode`).
 */
export class AccountRestrictedError extends DirectoryError {
  override readonly code = 'ACCOUNT_RESTRICTED' as const;
  declare readonly reason: AccountRestrictedReason;
  /** Active Directory's sub-code (`775`, `533`, ...), when the directory gave one. */
  readonly adSubCode: string | undefined;
  /** The DN whose bind was refused (for logs only). */
  readonly userDn: string | undefined;
  /** The directory URL that answered (for logs only). */
  readonly url: string | undefined;

  constructor(
    reason: AccountRestrictedReason,
    options: DirectoryErrorOptions & { adSubCode?: string; userDn?: string; url?: string } = {},
  ) {
    super(reason, options);
    this.adSubCode = options.adSubCode;
    this.userDn = options.userDn;
    this.url = options.url;
  }
}

type NotPermittedReason = 'required-group' | 'required-attribute';

/** The credentials are right, but `LDAP_REQUIRED_GROUP` or `LDAP_REQUIRED_ATTRIBUTE` refuse the user. */
export class NotPermittedError extends DirectoryError {
  override readonly code = 'NOT_PERMITTED' as const;
  declare readonly reason: NotPermittedReason;

  constructor(reason: NotPermittedReason, options?: DirectoryErrorOptions) {
    super(reason, options);
  }
}

/**
 * Active Directory would lock the account at the next wrong password (its `badPwdCount` is one
 * below the lockout threshold that applies): the bind is not sent. Callers answer as their own
 * throttle does.
 */
export class LockoutGuardError extends DirectoryError {
  override readonly code = 'LOCKOUT_GUARD' as const;
  declare readonly reason: 'lockout-threshold-near';
  /** The threshold that applies to the user (the domain's, or the password settings object's). */
  readonly threshold: number;
  readonly badPasswordCount: number;

  constructor(threshold: number, badPasswordCount: number, options?: DirectoryErrorOptions) {
    super('lockout-threshold-near', options);
    this.threshold = threshold;
    this.badPasswordCount = badPasswordCount;
  }
}

type DirectoryUnavailableReason = 'unreachable' | 'timeout' | 'connection-lost' | 'busy' | 'closed';

/** No URL of the entry answered in time (or the directory said it is busy or unavailable). */
export class DirectoryUnavailableError extends DirectoryError {
  override readonly code = 'DIRECTORY_UNAVAILABLE' as const;
  declare readonly reason: DirectoryUnavailableReason;

  constructor(reason: DirectoryUnavailableReason, options?: DirectoryErrorOptions) {
    super(reason, options);
  }
}

export type DirectoryMisconfiguredReason =
  | 'invalid-url'
  | 'service-bind-refused'
  | 'search-base-missing'
  | 'invalid-dn'
  | 'invalid-filter'
  | 'invalid-attribute-name'
  | 'insufficient-access'
  | 'tls-certificate-rejected'
  | 'tls-handshake-failed'
  | 'tls-required'
  | 'start-tls-refused'
  | 'ca-file-unreadable'
  | 'guid-missing'
  | 'unsupported-operation'
  | 'unexpected-result';

/** The settings do not fit the directory: an administrator has to change `settings.yaml` (or the directory). */
export class DirectoryMisconfiguredError extends DirectoryError {
  override readonly code = 'DIRECTORY_MISCONFIGURED' as const;
  declare readonly reason: DirectoryMisconfiguredReason;

  constructor(reason: DirectoryMisconfiguredReason, options?: DirectoryErrorOptions) {
    super(reason, options);
  }
}

export function isDirectoryError(error: unknown): error is DirectoryError {
  return error instanceof DirectoryError;
}
