import { ResultCodeError } from 'ldapts';
import {
  AccountRestrictedError,
  type AccountRestrictedReason,
  DirectoryError,
  DirectoryMisconfiguredError,
  DirectoryUnavailableError,
  InvalidCredentialsError,
} from './errors.ts';

/**
 * The one place where failures of ldapts (result codes, socket and TLS errors) become the
 * project's `DirectoryError` classes.
 */

/** What was being done when the error happened; the same result code means different things per step. */
export type DirectoryStep =
  | 'connect'
  | 'start-tls'
  | 'service-bind'
  | 'root-dse'
  | 'user-search'
  | 'user-bind'
  | 'group-search';

interface ErrorContext {
  step: DirectoryStep;
  domain?: string;
  url?: string;
  /** The DN the step worked on (search base, bind DN), for the log. */
  dn?: string;
}

/**
 * Active Directory's bind sub-codes (`data 775` in the diagnostic message of result code 49): the
 * Win32 error of the logon, in hex. Only 52e is a wrong password and 525 an unknown user; every
 * other code is a restriction of an account whose password AD accepted (or, 775, a locked one),
 * which the login throttle must not count as a guess.
 */
const AD_BIND_SUB_CODES: Record<string, { meaning: string; restriction?: AccountRestrictedReason }> = {
  '525': { meaning: 'user not found' },
  '52e': { meaning: 'invalid credentials' },
  '52f': { meaning: 'account restrictions prevent this logon', restriction: 'account-restriction' },
  '530': { meaning: 'not permitted to log on at this time', restriction: 'logon-hours' },
  '531': { meaning: 'not permitted to log on at this workstation', restriction: 'workstation' },
  '532': { meaning: 'password expired', restriction: 'password-expired' },
  '533': { meaning: 'account disabled', restriction: 'account-disabled' },
  '568': { meaning: 'too many security ids (groups) in the logon token', restriction: 'too-many-groups' },
  '569': { meaning: 'logon type not granted at this machine', restriction: 'logon-type-not-granted' },
  '701': { meaning: 'account expired', restriction: 'account-expired' },
  '773': { meaning: 'user must reset password', restriction: 'password-must-change' },
  '775': { meaning: 'user account locked', restriction: 'account-locked' },
};

/** Extracts AD's sub-code from a diagnostic message such as `80090308: LdapErr: ..., data 775, v4563`. */
export function adSubCode(message: string): string | undefined {
  return /\bdata ([0-9a-f]{3,4})\b/i.exec(message)?.[1]?.toLowerCase();
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

const TLS_CERTIFICATE_ERROR_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(error: unknown): string {
  if (error instanceof ResultCodeError) {
    // ldapts puts the server's diagnostic message first; OpenLDAP often sends none.
    const diagnostic = error.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
    return `${error.name} (result code ${error.code})${diagnostic ? `: ${diagnostic}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** ldapts reports a socket closed under a pending request (an idle reset by the server) with these messages. */
const CONNECTION_LOST_MESSAGES = [
  /connection closed before message response/i,
  /socket error/i,
  /socket connection not established/i,
  /connection lost/i,
];

/**
 * True when the connection broke under the request (closed or reset), as opposed to a timeout or an
 * answer from the directory: the request may be retried once on a fresh connection.
 */
export function isConnectionLost(error: unknown): boolean {
  if (error instanceof DirectoryUnavailableError) return error.reason === 'connection-lost';
  if (error instanceof ResultCodeError) return false;
  const code = errorCode(error);
  if (code === 'ECONNRESET' || code === 'EPIPE') return true;
  const message = errorMessage(error);
  return CONNECTION_LOST_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * True when the client stopped waiting for an answer (the operation timeout): the connection went
 * silent, and the request may or may not have reached the directory, so it is not retried. The
 * directory's own time-limit answer (result code 3) is an answer, not silence.
 */
export function isSilentConnection(error: unknown): boolean {
  if (error instanceof DirectoryUnavailableError) {
    return error.reason === 'timeout' && !(error.cause instanceof ResultCodeError);
  }
  if (error instanceof ResultCodeError) return false;
  return /timed? ?out/i.test(errorMessage(error)) || errorCode(error) === 'ETIMEDOUT';
}

function describe(context: ErrorContext, message: string): string {
  const where = [context.url, context.dn].filter(Boolean).join(' ');
  return where ? `${context.step} ${where}: ${message}` : `${context.step}: ${message}`;
}

/**
 * Maps any error thrown by ldapts (or by the socket under it) during `context.step` to a
 * `DirectoryError`. Errors that already are `DirectoryError`s pass through unchanged.
 */
export function toDirectoryError(error: unknown, context: ErrorContext): DirectoryError {
  if (error instanceof DirectoryError) return error;
  const message = errorMessage(error);
  const options = { detail: describe(context, message), domain: context.domain, cause: error };

  if (error instanceof ResultCodeError) {
    return fromResultCode(error.code, message, context, options);
  }

  const code = errorCode(error);
  if (code !== undefined && TLS_CERTIFICATE_ERROR_CODES.has(code)) {
    return new DirectoryMisconfiguredError('tls-certificate-rejected', options);
  }
  if (/timed? ?out/i.test(message) || code === 'ETIMEDOUT') {
    return new DirectoryUnavailableError('timeout', options);
  }
  if (isConnectionLost(error)) {
    return new DirectoryUnavailableError('connection-lost', options);
  }
  if (code !== undefined && NETWORK_ERROR_CODES.has(code)) {
    return new DirectoryUnavailableError('unreachable', options);
  }
  if (code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS') || /ssl|tls/i.test(message)) {
    return new DirectoryMisconfiguredError('tls-handshake-failed', options);
  }
  if (context.step === 'connect' || context.step === 'start-tls') {
    return new DirectoryUnavailableError('unreachable', options);
  }
  return new DirectoryMisconfiguredError('unexpected-result', options);
}

function fromResultCode(
  resultCode: number,
  message: string,
  context: ErrorContext,
  options: { detail: string; domain?: string | undefined; cause: unknown },
): DirectoryError {
  switch (resultCode) {
    case 49: {
      // invalidCredentials
      if (context.step === 'service-bind')
        return new DirectoryMisconfiguredError('service-bind-refused', options);
      const subCode = adSubCode(message);
      const known = subCode ? AD_BIND_SUB_CODES[subCode] : undefined;
      if (known?.restriction) {
        return new AccountRestrictedError(known.restriction, {
          ...options,
          detail: `${options.detail} (AD ${subCode}: ${known.meaning})`,
          adSubCode: subCode,
          userDn: context.dn,
          url: context.url,
        });
      }
      if (subCode === '525') return new InvalidCredentialsError('user-not-found', options);
      return new InvalidCredentialsError('wrong-password', options);
    }
    case 53: // unwillingToPerform: OpenLDAP's answer to a bind the account may not make
      if (context.step === 'user-bind')
        return new AccountRestrictedError('unwilling-to-perform', {
          ...options,
          userDn: context.dn,
          url: context.url,
        });
      if (context.step === 'start-tls') return new DirectoryMisconfiguredError('start-tls-refused', options);
      return new DirectoryMisconfiguredError('unsupported-operation', options);
    case 3: // timeLimitExceeded
      return new DirectoryUnavailableError('timeout', options);
    case 51: // busy
    case 52: // unavailable
    case 80: // other (AD uses it when a DC is shutting down)
      return new DirectoryUnavailableError('busy', options);
    case 32: // noSuchObject
      if (context.step === 'user-bind') return new InvalidCredentialsError('user-not-found', options);
      if (context.step === 'service-bind')
        return new DirectoryMisconfiguredError('service-bind-refused', options);
      return new DirectoryMisconfiguredError('search-base-missing', options);
    case 34: // invalidDNSyntax
      if (context.step === 'service-bind')
        return new DirectoryMisconfiguredError('service-bind-refused', options);
      return new DirectoryMisconfiguredError('invalid-dn', options);
    case 50: // insufficientAccessRights
      return new DirectoryMisconfiguredError('insufficient-access', options);
    case 8: // strongAuthRequired
    case 13: // confidentialityRequired
      return new DirectoryMisconfiguredError('tls-required', options);
    case 2: // protocolError: StartTLS on a server without it, or an already encrypted connection
      if (context.step === 'start-tls') return new DirectoryMisconfiguredError('start-tls-refused', options);
      return new DirectoryMisconfiguredError('unsupported-operation', options);
    case 7: // authMethodNotSupported
    case 12: // unavailableCriticalExtension
      return new DirectoryMisconfiguredError('unsupported-operation', options);
    case 17: // undefinedAttributeType
    case 18: // inappropriateMatching
    case 87: // filterError
      return new DirectoryMisconfiguredError('invalid-filter', options);
    default:
      return new DirectoryMisconfiguredError('unexpected-result', options);
  }
}
