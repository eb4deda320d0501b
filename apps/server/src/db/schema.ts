/**
 * Table types of the server's database. Times are milliseconds since the epoch (`bigint` columns,
 * read back as numbers), identifiers are random UUIDs, keys and ciphertexts are hex.
 */
import type { Generated, Kysely } from 'kysely';

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
  /** How many events this row stands for (repeated throttling refusals share one row). */
  occurrences: Generated<number>;
}

export interface LoginThrottleTable {
  /** `user:<lowercase username>` or `addr:<client address>`. */
  key: string;
  failures: number;
  window_start: number;
}

export interface LoginRequestsTable {
  /** SHA-256 (hex, first 128 bits) of the request's client public key and nonce. */
  hash: string;
  /** When the request would be refused as too old anyway; the row can go then. */
  expires_at: number;
}

export interface DatastoresTable {
  id: string;
  user_id: string;
  /** `password`, `settings`, ... as the client names it; (user, type, description) is unique. */
  type: string;
  description: string;
  /** Hex secretbox of the datastore's JSON tree under the datastore's key; '' when new. */
  data: string;
  data_nonce: string;
  /** The datastore's key, encrypted under the user's secret key. */
  secret_key: string;
  secret_key_nonce: string;
  /** 1 for the user's default datastore of this type (at most one per type). */
  is_default: number;
  created_at: number;
  write_date: number;
}

export interface SecretsTable {
  id: string;
  /** The user who created the secret. */
  user_id: string;
  data: string;
  data_nonce: string;
  callback_url: string;
  callback_user: string;
  /** Secretbox under a key derived from SECRET_KEY ('' when empty), as Psono keeps it. */
  callback_pass: string;
  read_count: number;
  created_at: number;
  write_date: number;
}

/** Where a secret sits: a datastore (or, later, a share); the client's tree names it by `link_id`. */
export interface SecretLinksTable {
  link_id: string;
  secret_id: string;
  parent_datastore_id: string | null;
  parent_share_id: string | null;
}

/** Earlier versions of a secret, written before each change. */
export interface SecretHistoryTable {
  id: string;
  secret_id: string;
  /** The user whose write replaced this version. */
  user_id: string;
  data: string;
  data_nonce: string;
  callback_url: string;
  callback_user: string;
  callback_pass: string;
  created_at: number;
  write_date: number;
}

/**
 * Per-user secrets of the login: the server-kept copy of the keys (server secrets) and verifiers
 * of the last password the directory accepted. Kept apart from `users`, whose row every request reads.
 */
export interface UserLoginSecretsTable {
  user_id: string;
  /** Secretbox (under a key derived from SECRET_KEY) of `{private_key, secret_key}`; null: none kept. */
  server_secret: string | null;
  server_secret_nonce: string | null;
  /** HMAC of the password the stored keys are encrypted under (so a change is noticed without scrypt). */
  password_mac: string | null;
  /** HMAC of the authkey the official client sent with that password (DELETE /datastore/ checks it). */
  authkey_mac: string | null;
  updated_at: number;
}

/** A user an administrator blocked (`manage users block`): no login, no session, until unblocked. */
export interface UserBlocksTable {
  user_id: string;
  blocked_at: number;
  /** The administrator's note, if any. */
  reason: string | null;
}

/** A vault group (Psono's `Group`): a name and the public half of a key pair its members hold. */
export interface VaultGroupsTable {
  id: string;
  name: string;
  public_key: string;
  created_at: number;
}

/**
 * A user's membership in a vault group, with the member's copy of the group's secret and private
 * keys (under the member's secret key: `symmetric`, or boxed from the group's key pair for them:
 * `asymmetric`). A forced membership (`forced` 1) follows a mapped directory group: the server
 * creates it without keys, and a member's client adds them (`/job/`).
 */
export interface GroupMembershipsTable {
  id: string;
  group_id: string;
  user_id: string;
  /** Who invited the user; null for the group's creator's own membership kept after they left, and forced ones. */
  creator_id: string | null;
  secret_key: string | null;
  secret_key_nonce: string | null;
  secret_key_type: string | null;
  private_key: string | null;
  private_key_nonce: string | null;
  private_key_type: string | null;
  group_admin: number;
  share_admin: number;
  /** null: offered (or waiting for keys); 1: accepted; 0: declined. */
  accepted: number | null;
  forced: number;
  created_at: number;
}

/** A share (Psono's `Share`): an encrypted folder or entry that several users and groups reach. */
export interface SharesTable {
  id: string;
  /** The user who created it. */
  user_id: string;
  data: string;
  data_nonce: string;
  created_at: number;
  write_date: number;
}

/** Where a share sits in a tree: under a datastore or another share; the client names it by `link_id`. */
export interface ShareLinksTable {
  link_id: string;
  share_id: string;
  parent_share_id: string | null;
  parent_datastore_id: string | null;
}

/** A user's right on a share, with the share's key for that user. */
export interface UserShareRightsTable {
  id: string;
  share_id: string;
  user_id: string;
  creator_id: string | null;
  title: string;
  title_nonce: string;
  type: string;
  type_nonce: string;
  key: string;
  key_nonce: string;
  key_type: string;
  read: number;
  write: number;
  grant: number;
  /** null: offered; 1: accepted; 0: declined. */
  accepted: number | null;
  created_at: number;
  write_date: number;
}

/** A group's right on a share, with the share's key under the group's secret key. */
export interface GroupShareRightsTable {
  id: string;
  share_id: string;
  group_id: string;
  creator_id: string | null;
  title: string;
  title_nonce: string;
  type: string;
  type_nonce: string;
  key: string;
  key_nonce: string;
  read: number;
  write: number;
  grant: number;
  created_at: number;
  write_date: number;
}

/** A directory group mapped to a vault group (`manage groups map`): its members get forced memberships. */
export interface GroupMappingsTable {
  id: string;
  group_id: string;
  ldap_domain: string;
  /** ldap-core's `groupKey` of the DN, compared with the keys of users' directory groups. */
  dn_key: string;
  dn: string;
  created_at: number;
}

export interface DatabaseSchema {
  users: UsersTable;
  ldap_groups: LdapGroupsTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  login_throttle: LoginThrottleTable;
  login_requests: LoginRequestsTable;
  datastores: DatastoresTable;
  secrets: SecretsTable;
  secret_links: SecretLinksTable;
  secret_history: SecretHistoryTable;
  user_login_secrets: UserLoginSecretsTable;
  user_blocks: UserBlocksTable;
  vault_groups: VaultGroupsTable;
  group_memberships: GroupMembershipsTable;
  shares: SharesTable;
  share_links: ShareLinksTable;
  user_share_rights: UserShareRightsTable;
  group_share_rights: GroupShareRightsTable;
  group_mappings: GroupMappingsTable;
}

export type Database = Kysely<DatabaseSchema>;
