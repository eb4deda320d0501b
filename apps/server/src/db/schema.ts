/**
 * Table types of the server's database. Times are milliseconds since the epoch (`bigint` columns,
 * read back as numbers), identifiers are random UUIDs, keys and ciphertexts are hex.
 */
import type { Kysely } from 'kysely';

export interface UsersTable {
  id: string;
  /** `LDAP_DOMAIN` of the directory entry the account belongs to. */
  ldap_domain: string;
  /** The directory's stable id of the user (LDAP_ATTR_GUID); with the domain, the account's key. */
  guid: string;
  /** Canonical username: directory login name + `@` + domain, lowercase; refreshed at every login. */
  username: string;
  email: string | null;
  user_dn: string;
  public_key: string;
  private_key: string;
  private_key_nonce: string;
  secret_key: string;
  secret_key_nonce: string;
  user_sauce: string;
  /** SHA-256 of the sorted group DNs last stored, so unchanged memberships cost no writes. */
  groups_fingerprint: string;
  created_at: number;
  last_login: number;
}

export interface LdapGroupsTable {
  id: string;
  ldap_domain: string;
  /** ldap-core's `groupKey` of the DN (its `normalizeDn` form): one row per group however it is spelled. */
  dn_key: string;
  dn: string;
  name: string;
  synced_at: number;
}

export interface MembershipsTable {
  user_id: string;
  group_id: string;
}

export interface SessionsTable {
  id: string;
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  /** Hex session secret: encrypts this session's requests and replies, so it must be readable. */
  secret: string;
  /** Hex validator the client must return to activate the session; null once activated. */
  validator: string | null;
  active: number;
  device_fingerprint: string;
  device_description: string;
  client_address: string;
  created_at: number;
  valid_till: number;
  ended_at: number | null;
}

export interface AuditEventsTable {
  id: string;
  at: number;
  event: string;
  outcome: string;
  username: string | null;
  user_id: string | null;
  client_address: string | null;
  reason: string | null;
  details: string | null;
}

export interface LoginThrottleTable {
  /** `user:<lowercase username>` or `addr:<client address>`. */
  key: string;
  failures: number;
  window_start: number;
}

/** A user an administrator blocked (`manage users block`): no login, no session, until unblocked. */
export interface UserBlocksTable {
  user_id: string;
  blocked_at: number;
  /** The administrator's note, if any. */
  reason: string | null;
}

export interface DatabaseSchema {
  users: UsersTable;
  ldap_groups: LdapGroupsTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  login_throttle: LoginThrottleTable;
  user_blocks: UserBlocksTable;
}

export type Database = Kysely<DatabaseSchema>;
