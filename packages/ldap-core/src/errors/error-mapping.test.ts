import {
  BusyError,
  ConfidentialityRequiredError,
  InsufficientAccessError,
  InvalidDNSyntaxError,
  InvalidCredentialsError as LdapInvalidCredentialsError,
  NoSuchObjectError,
  TimeLimitExceededError,
  UnwillingToPerformError,
} from 'ldapts';
import { describe, expect, it } from 'vitest';
import {
  adSubCode,
  type DirectoryStep,
  isConnectionLost,
  isSilentConnection,
  toDirectoryError,
} from './error-mapping.ts';
import {
  AccountRestrictedError,
  DirectoryMisconfiguredError,
  DirectoryUnavailableError,
  InvalidCredentialsError,
} from './errors.ts';

const adBindError = (data: string) =>
  new LdapInvalidCredentialsError(
    `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data ${data}, v4563`,
  );

function socketError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('toDirectoryError', () => {
  it.each<[string, unknown, DirectoryStep, string, string]>([
    [
      'wrong password',
      new LdapInvalidCredentialsError(),
      'user-bind',
      'INVALID_CREDENTIALS',
      'wrong-password',
    ],
    ['AD 52e', adBindError('52e'), 'user-bind', 'INVALID_CREDENTIALS', 'wrong-password'],
    ['AD 525', adBindError('525'), 'user-bind', 'INVALID_CREDENTIALS', 'user-not-found'],
    ['AD 530', adBindError('530'), 'user-bind', 'ACCOUNT_RESTRICTED', 'logon-hours'],
    ['AD 531', adBindError('531'), 'user-bind', 'ACCOUNT_RESTRICTED', 'workstation'],
    ['AD 532', adBindError('532'), 'user-bind', 'ACCOUNT_RESTRICTED', 'password-expired'],
    ['AD 533', adBindError('533'), 'user-bind', 'ACCOUNT_RESTRICTED', 'account-disabled'],
    ['AD 701', adBindError('701'), 'user-bind', 'ACCOUNT_RESTRICTED', 'account-expired'],
    ['AD 773', adBindError('773'), 'user-bind', 'ACCOUNT_RESTRICTED', 'password-must-change'],
    ['AD 775', adBindError('775'), 'user-bind', 'ACCOUNT_RESTRICTED', 'account-locked'],
    [
      'service bind refused',
      new LdapInvalidCredentialsError(),
      'service-bind',
      'DIRECTORY_MISCONFIGURED',
      'service-bind-refused',
    ],
    [
      'AD service account locked',
      adBindError('775'),
      'service-bind',
      'DIRECTORY_MISCONFIGURED',
      'service-bind-refused',
    ],
    [
      'unwilling to perform',
      new UnwillingToPerformError(),
      'user-bind',
      'ACCOUNT_RESTRICTED',
      'unwilling-to-perform',
    ],
    [
      'search base missing',
      new NoSuchObjectError(),
      'user-search',
      'DIRECTORY_MISCONFIGURED',
      'search-base-missing',
    ],
    [
      'group base missing',
      new NoSuchObjectError(),
      'group-search',
      'DIRECTORY_MISCONFIGURED',
      'search-base-missing',
    ],
    ['bad DN', new InvalidDNSyntaxError(), 'user-search', 'DIRECTORY_MISCONFIGURED', 'invalid-dn'],
    [
      'no access',
      new InsufficientAccessError(),
      'user-search',
      'DIRECTORY_MISCONFIGURED',
      'insufficient-access',
    ],
    [
      'TLS needed',
      new ConfidentialityRequiredError(),
      'service-bind',
      'DIRECTORY_MISCONFIGURED',
      'tls-required',
    ],
    ['busy', new BusyError(), 'user-search', 'DIRECTORY_UNAVAILABLE', 'busy'],
    [
      'refused',
      socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'),
      'connect',
      'DIRECTORY_UNAVAILABLE',
      'unreachable',
    ],
    ['no such host', socketError('ENOTFOUND'), 'connect', 'DIRECTORY_UNAVAILABLE', 'unreachable'],
    ['connect timeout', new Error('Connection timeout'), 'connect', 'DIRECTORY_UNAVAILABLE', 'timeout'],
    [
      'operation timeout',
      new Error('BindRequest: Operation timed out'),
      'user-bind',
      'DIRECTORY_UNAVAILABLE',
      'timeout',
    ],
    [
      'closed under a request',
      new Error('Connection closed before message response was received. Message type: SearchRequest (0x63)'),
      'user-search',
      'DIRECTORY_UNAVAILABLE',
      'connection-lost',
    ],
    [
      'reset',
      socketError('ECONNRESET', 'read ECONNRESET'),
      'user-search',
      'DIRECTORY_UNAVAILABLE',
      'connection-lost',
    ],
    [
      'unknown CA',
      socketError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
      'connect',
      'DIRECTORY_MISCONFIGURED',
      'tls-certificate-rejected',
    ],
    [
      'wrong host name',
      socketError('ERR_TLS_CERT_ALTNAME_INVALID'),
      'start-tls',
      'DIRECTORY_MISCONFIGURED',
      'tls-certificate-rejected',
    ],
    [
      'TLS protocol',
      socketError('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'),
      'connect',
      'DIRECTORY_MISCONFIGURED',
      'tls-handshake-failed',
    ],
  ])('%s', (_name, error, step, code, reason) => {
    const mapped = toDirectoryError(error, { step, url: 'ldap://dc1.example.com', domain: 'example.com' });
    expect(mapped.code).toBe(code);
    expect(mapped.reason).toBe(reason);
    expect(mapped.domain).toBe('example.com');
    expect(mapped.cause).toBe(error);
    expect(mapped.message).toContain('ldap://dc1.example.com');
  });

  it('gives the right classes and keeps the AD sub-code', () => {
    const restricted = toDirectoryError(adBindError('775'), { step: 'user-bind' });
    expect(restricted).toBeInstanceOf(AccountRestrictedError);
    expect((restricted as AccountRestrictedError).adSubCode).toBe('775');
    expect(restricted.message).toContain('locked');
    expect(toDirectoryError(new LdapInvalidCredentialsError(), { step: 'user-bind' })).toBeInstanceOf(
      InvalidCredentialsError,
    );
    expect(toDirectoryError(new NoSuchObjectError(), { step: 'user-search' })).toBeInstanceOf(
      DirectoryMisconfiguredError,
    );
    expect(toDirectoryError(new BusyError(), { step: 'user-search' })).toBeInstanceOf(
      DirectoryUnavailableError,
    );
  });

  it.each([
    ['52f', 'account-restriction'],
    ['568', 'too-many-groups'],
    ['569', 'logon-type-not-granted'],
    ['533', 'account-disabled'],
  ])('maps AD sub-code %s to the restriction %s, with the DN and URL for the log', (subCode, reason) => {
    const restricted = toDirectoryError(adBindError(subCode), {
      step: 'user-bind',
      url: 'ldaps://dc1.corp.test',
      dn: 'CN=gina,CN=Users,DC=corp,DC=test',
    });
    expect(restricted).toBeInstanceOf(AccountRestrictedError);
    expect(restricted.reason).toBe(reason);
    expect((restricted as AccountRestrictedError).adSubCode).toBe(subCode);
    expect((restricted as AccountRestrictedError).userDn).toBe('CN=gina,CN=Users,DC=corp,DC=test');
    expect((restricted as AccountRestrictedError).url).toBe('ldaps://dc1.corp.test');
  });

  it('keeps 52e a wrong password and 525 an unknown user', () => {
    expect(toDirectoryError(adBindError('52e'), { step: 'user-bind' }).reason).toBe('wrong-password');
    expect(toDirectoryError(adBindError('525'), { step: 'user-bind' }).reason).toBe('user-not-found');
  });

  it('passes DirectoryErrors through unchanged', () => {
    const original = new InvalidCredentialsError('wrong-password');
    expect(toDirectoryError(original, { step: 'user-bind' })).toBe(original);
  });
});

describe('adSubCode', () => {
  it('reads the data field of an AD diagnostic message', () => {
    expect(
      adSubCode('80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563'),
    ).toBe('775');
    expect(adSubCode('invalid credentials')).toBeUndefined();
  });
});

describe('isConnectionLost', () => {
  it('is true for a connection that broke under a request, false for timeouts and answers', () => {
    expect(isConnectionLost(new Error('Connection closed before message response was received.'))).toBe(true);
    expect(isConnectionLost(socketError('ECONNRESET'))).toBe(true);
    expect(isConnectionLost(new DirectoryUnavailableError('connection-lost'))).toBe(true);
    expect(isConnectionLost(new DirectoryUnavailableError('timeout'))).toBe(false);
    expect(isConnectionLost(new Error('SearchRequest: Operation timed out'))).toBe(false);
    expect(isConnectionLost(new LdapInvalidCredentialsError())).toBe(false);
  });
});

describe('isSilentConnection', () => {
  it('is true when the client stopped waiting, false for a time limit the directory answered, and other failures', () => {
    const clientTimeout = new Error('SearchRequest: Operation timed out');
    expect(isSilentConnection(clientTimeout)).toBe(true);
    expect(isSilentConnection(toDirectoryError(clientTimeout, { step: 'user-search' }))).toBe(true);
    expect(isSilentConnection(new DirectoryUnavailableError('timeout'))).toBe(true);
    const timeLimit = toDirectoryError(new TimeLimitExceededError(), { step: 'user-search' });
    expect(timeLimit).toMatchObject({ reason: 'timeout' });
    expect(isSilentConnection(timeLimit)).toBe(false);
    expect(isSilentConnection(new TimeLimitExceededError())).toBe(false);
    expect(isSilentConnection(new DirectoryUnavailableError('connection-lost'))).toBe(false);
    expect(isSilentConnection(socketError('ECONNRESET'))).toBe(false);
    expect(isSilentConnection(new LdapInvalidCredentialsError())).toBe(false);
  });
});
