/**
 * What the server needs from the directory layer (`DirectoryService` of `@ldap-login/ldap-core`
 * satisfies it). The app depends on this small interface so tests and tools can construct it from
 * any implementation; the data types are ldap-core's own.
 */
import type {
  DirectoryGroup,
  DirectoryHealth,
  DirectoryPoolStats,
  DirectoryUser,
  LockoutPolicy,
  UserStanding,
} from '@ldap-login/ldap-core';

export type { DirectoryGroup, DirectoryUser, UserStanding };
export type DirectoryServerHealth = DirectoryHealth;

export interface LoginDirectory {
  /** Resolves the user or rejects with a `DirectoryError` (see `http/directory-errors.ts`). */
  authenticate(username: string, password: string): Promise<DirectoryUser>;
  listGroups(domain: string): Promise<DirectoryGroup[]>;
  /**
   * Whether a user who logged in before may still log in (looked up by GUID, without a bind);
   * rejects with a `DirectoryError` when the directory cannot tell.
   */
  recheckUser(domain: string, guid: string): Promise<UserStanding>;
  health(): Promise<DirectoryServerHealth[]>;
  close(): Promise<void> | void;
  /**
   * Active Directory's domain lockout policy for the start-up probe: `'unreadable'` when the
   * service account cannot read it, undefined when the directory is not Active Directory.
   */
  domainLockoutPolicy?(domain: string): Promise<LockoutPolicy | 'unreadable' | undefined>;
  /** Connection use of the pools, for the metrics (ldap-core's `DirectoryService` has it). */
  poolStats?(): DirectoryPoolStats[];
}
