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
  type SplitUsername,
  selectEntry,
  splitUsername,
} from './login-input.ts';
export { ConnectionPool, type PoolHooks, type PoolStats } from './pool.ts';
export { type RootDse, readRootDse } from './root-dse.ts';
export { bindAsUser } from './user-bind.ts';
export { readUserProfile, type UserProfile } from './user-profile.ts';
export { findUserEntry, searchUserEntries, selectUserEntry } from './user-search.ts';
