/**
 * ldap-core: logins against OpenLDAP and Active Directory.
 *
 * A login, top to bottom (`DirectoryService.authenticate` in directory-service.ts):
 * 1. login-input.ts: the entry for the username's domain; empty passwords refused before any I/O.
 * 2. user-search.ts: one search as the service account (pooled, see directory.ts and pool.ts) for
 *    the user and every attribute the login needs; 0 entries or several refuse the login.
 * 3. user-profile.ts: GUID (guid.ts), canonical username, e-mail.
 * 4. user-bind.ts: a bind as the user on a connection of the separate bind pool; meanwhile
 *    groups.ts reads or searches the groups.
 * 5. access-rules.ts: LDAP_REQUIRED_ATTRIBUTE and LDAP_REQUIRED_GROUP.
 * Connections (connection.ts) are opened with failover across the URLs (failover.ts); every
 * failure becomes a DirectoryError (errors.ts) in one place (error-mapping.ts).
 */
export { checkRequiredAttributes, checkRequiredGroups } from './access-rules.ts';
export {
  attributeStrings,
  attributeValues,
  firstAttributeString,
  hasAttribute,
  isValidAttributeName,
} from './attributes.ts';
export {
  bindAsService,
  type ConnectionSettings,
  DirectoryConnection,
  dialSocket,
  type LdapTarget,
  loadCaCertificate,
  openConnection,
  openServiceConnection,
  parseLdapUrl,
  resolveConnectionSettings,
  tlsOptionsFor,
} from './connection.ts';
export * from './diagnose/index.ts';
export { Directory } from './directory.ts';
export {
  authenticate,
  type DirectoryHealth,
  DirectoryService,
  type DirectoryServiceOptions,
  type DirectoryUser,
} from './directory-service.ts';
export {
  type DnAttribute,
  DnSyntaxError,
  dnEquals,
  firstRdnValue,
  normalizeDn,
  parseDn,
  type Rdn,
} from './dn.ts';
export { compileEntry, type EntryPlan, MATCHING_RULE_IN_CHAIN, parseCustomFilter } from './entry-plan.ts';
export {
  AD_BIND_SUB_CODES,
  adSubCode,
  type DirectoryStep,
  type ErrorContext,
  isConnectionLost,
  isTlsCertificateError,
  toDirectoryError,
} from './error-mapping.ts';
export {
  AccountRestrictedError,
  type AccountRestrictedReason,
  DirectoryError,
  type DirectoryErrorCode,
  type DirectoryErrorOptions,
  DirectoryMisconfiguredError,
  type DirectoryMisconfiguredReason,
  DirectoryUnavailableError,
  type DirectoryUnavailableReason,
  InvalidCredentialsError,
  type InvalidCredentialsReason,
  isDirectoryError,
  NotPermittedError,
  type NotPermittedReason,
} from './errors.ts';
export { escapeDnValue, escapeFilterValue } from './escape.ts';
export { connectWithFailover, UrlFailover } from './failover.ts';
export {
  type DirectoryGroup,
  followNestedGroups,
  GROUP_PAGE_SIZE,
  groupsFromDns,
  groupsFromUserEntry,
  listAllGroups,
  memberValuesOf,
  resolveGroups,
  searchGroups,
  searchGroupsOfMember,
} from './groups.ts';
export { decodeObjectGuid, guidFromAttributeValue } from './guid.ts';
export { type DirectoryLogger, silentLogger } from './logger.ts';
export {
  assertPasswordGiven,
  type SelectedEntry,
  selectEntry,
} from './login-input.ts';
export { ConnectionPool, type PoolHooks, type PoolStats } from './pool.ts';
export { type RootDse, readRootDse } from './root-dse.ts';
export { bindAsUser } from './user-bind.ts';
export { readUserProfile, type UserProfile } from './user-profile.ts';
export { findUserEntry, searchUserEntries, selectUserEntry } from './user-search.ts';
