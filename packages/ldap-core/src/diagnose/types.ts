import type { LdapEntry, Settings } from '@ldap-login/config-schema';

/** Outcome of one diagnostic step. `skipped` steps did not run or did not apply. */
export type DiagnoseStatus = 'success' | 'error' | 'skipped';

/** Stable identifiers of the steps, in the order a login walks through them. */
export type DiagnoseStepId =
  | 'settings'
  | 'authentication-methods'
  | 'domain-entry'
  | 'url'
  | 'host-resolve'
  | 'port-reachable'
  | 'tls'
  | 'service-bind'
  | 'lockout'
  | 'user-search-base'
  | 'user-search'
  | 'user-attributes'
  | 'groups'
  | 'user-bind'
  | 'required-group'
  | 'required-attribute';

/**
 * One step of `diagnose`. `setting` names the key to change (with its entry, `LDAP[0].LDAP_URL`);
 * `suggestion` is the value the directory suggests for it, when it shows one.
 */
export interface DiagnoseStep {
  id: DiagnoseStepId;
  title: string;
  status: DiagnoseStatus;
  message: string;
  hint?: string;
  setting?: string;
  suggestion?: string;
  durationMs: number;
}

/** What `diagnose` found, besides its steps: enough for an audit record, never a secret. */
export interface DiagnoseResult {
  /** True when every step succeeded or was skipped: the login would succeed. */
  ok: boolean;
  steps: DiagnoseStep[];
  /** Index of the chosen `LDAP` entry, when one matched the username's domain. */
  entryIndex?: number;
  /** The LDAP URL that answered, when one did. */
  url?: string;
  /** DN of the user entry, when the search found exactly one. */
  userDn?: string;
}

export interface DiagnoseOptions {
  /** Aborts the run between and during steps; the current step ends as an error. */
  signal?: AbortSignal;
  /** Overrides `LDAP_CONNECT_TIMEOUT` (milliseconds), for tests. */
  connectTimeoutMs?: number;
  /** Overrides `LDAP_OPERATION_TIMEOUT` (milliseconds), for tests. */
  operationTimeoutMs?: number;
}

export type { LdapEntry, Settings };
