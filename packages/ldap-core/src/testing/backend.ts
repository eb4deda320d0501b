import type { DatasetName } from './datasets.ts';

export type DirectoryMode = 'container' | 'native';

/** What `start-directory.sh` is asked to do; both backends pass it on as its environment. */
export interface DirectoryLaunch {
  dataset: DatasetName;
  adminPassword: string;
  largeGroupSize: number;
  extraUsers: number;
  extraGroups: number;
  /** More LDIF, loaded after everything else. */
  extraLdif?: string;
}

export function launchEnvironment(launch: DirectoryLaunch): Record<string, string> {
  return {
    DATASET: launch.dataset,
    ADMIN_PASSWORD: launch.adminPassword,
    LARGE_GROUP_SIZE: String(launch.largeGroupSize),
    EXTRA_USERS: String(launch.extraUsers),
    EXTRA_GROUPS: String(launch.extraGroups),
    TLS_HOSTNAMES: 'localhost',
  };
}

/** The line `start-directory.sh` prints once the data is loaded. */
export const READY_LINE = 'ldap-directory ready';

/** A running slapd, wherever it runs. */
export interface DirectoryBackend {
  mode: DirectoryMode;
  /** Host ports of ldap:// (with StartTLS) and ldaps://, both on 127.0.0.1. */
  ldapPort: number;
  ldapsPort: number;
  caCert: string;
  caCertFile: string;
  readLog(): Promise<string>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}
