/** Builds the production directory (`DirectoryService` of ldap-core) with the server's logger. */
import type { LdapEntry } from '@ldap-login/config-schema';
import { type DirectoryLogger, DirectoryService } from '@ldap-login/ldap-core';
import type { Logger } from 'pino';
import type { LoginDirectory } from './accounts/directory-port.ts';

/** ldap-core reports as `(message, fields)`; pino takes `(fields, message)`. */
export function directoryLogger(logger: Logger): DirectoryLogger {
  const child = logger.child({ component: 'directory' });
  return {
    debug: (message, fields) => child.debug(fields ?? {}, message),
    info: (message, fields) => child.info(fields ?? {}, message),
    warn: (message, fields) => child.warn(fields ?? {}, message),
    error: (message, fields) => child.error(fields ?? {}, message),
  };
}

export function createDirectory(entries: LdapEntry[], logger: Logger): LoginDirectory {
  return new DirectoryService(entries, { logger: directoryLogger(logger) });
}
