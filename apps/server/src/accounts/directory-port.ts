/**
 * What the server needs from the directory layer (`DirectoryService` of `@ldap-login/ldap-core`
 * satisfies it). The app depends on this small interface so tests and tools can construct it from
 * any implementation.
 */
export interface DirectoryGroup {
  dn: string;
  name: string;
}

export interface DirectoryUser {
  domain: string;
  dn: string;
  guid: string;
  username: string;
  email: string | null;
  groups: DirectoryGroup[];
}

export interface DirectoryServerHealth {
  domain: string;
  url: string;
  up: boolean;
  latencyMs: number;
  error?: string;
}

export interface LoginDirectory {
  /** Resolves the user or rejects with a `DirectoryError` (see `http/directory-errors.ts`). */
  authenticate(username: string, password: string): Promise<DirectoryUser>;
  listGroups(domain: string): Promise<DirectoryGroup[]>;
  health(): Promise<DirectoryServerHealth[]>;
  close(): Promise<void> | void;
}
