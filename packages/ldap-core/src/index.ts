/**
 * ldap-core: logins against OpenLDAP and Active Directory. Its parts, one folder each:
 *
 * - `directory-service.ts`: the front door, `DirectoryService` (authenticate, listGroups, health).
 * - `login/`: a login, top to bottom: `login-input.ts` picks the entry for the username's domain and
 *   refuses empty passwords before any I/O; `user-search.ts` finds the user with one search as the
 *   service account; `user-profile.ts` reads GUID, canonical username and e-mail; `user-bind.ts`
 *   binds as the user (meanwhile `groups/` reads or searches the groups); `access-rules.ts` applies
 *   LDAP_REQUIRED_ATTRIBUTE and LDAP_REQUIRED_GROUP.
 * - `connection/`: connections with TLS/StartTLS (`connection.ts`), failover across the URLs
 *   (`failover.ts`), the service and bind pools (`pool.ts`) of one entry (`directory.ts`), the root DSE.
 * - `entries/`: an entry's settings compiled once into filters and attribute lists (`entry-plan.ts`),
 *   and reading values off directory entries (attributes, GUIDs).
 * - `groups/`: a user's groups (memberOf, member search, nesting) and the group key the server stores.
 * - `dn/`: distinguished names: parsing, `normalizeDn` (the one rule for "same DN"), escaping.
 * - `errors/`: every outcome as a `DirectoryError` subclass with a stable `code` (`errors.ts`), made in
 *   one place from ldapts and socket errors (`error-mapping.ts`).
 * - `diagnose/`: the step-by-step check behind `manage testldap`.
 * - `testing/` (`@ldap-login/ldap-core/testing`): a disposable OpenLDAP with known datasets.
 *
 * The exports below are what the server needs; everything else stays inside the package.
 */
export { type DiagnoseResult, type DiagnoseStep, diagnose } from './diagnose/index.ts';
export {
  type DirectoryHealth,
  type DirectoryPoolStats,
  DirectoryService,
  type DirectoryUser,
  type UserStanding,
} from './directory-service.ts';
export {
  AccountRestrictedError,
  DirectoryError,
  type DirectoryErrorCode,
  DirectoryMisconfiguredError,
  DirectoryUnavailableError,
  InvalidCredentialsError,
  LockoutGuardError,
  NotPermittedError,
} from './errors/errors.ts';
export { type DirectoryGroup, groupKey } from './groups/groups.ts';
export type { DirectoryLogger } from './logger.ts';
export type { LockoutPolicy } from './login/lockout-guard.ts';
export { qualifiedLoginName } from './login/login-input.ts';
