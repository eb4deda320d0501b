import type { Settings } from '@ldap-login/config-schema';
import type { Logger } from 'pino';
import type { AccountService } from '../accounts/account-service.ts';
import type { LoginDirectory } from '../accounts/directory-port.ts';
import type { ServerSecrets } from '../accounts/server-secrets.ts';
import type { BoxKeyCache } from '../crypto/box-key-cache.ts';
import type { ServerKeys } from '../crypto/server-keys.ts';
import type { Executor } from '../db/executor.ts';
import type { Database } from '../db/schema.ts';
import type { DirectoryHealthMonitor } from '../health/directory-health-monitor.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { DeviceTokens } from '../throttle/device-token.ts';
import type { LoginThrottle } from '../throttle/login-throttle.ts';
import type { Datastores } from '../vault/datastores.ts';
import type { VaultGroups } from '../vault/groups.ts';
import type { Secrets } from '../vault/secrets.ts';
import type { Shares } from '../vault/shares.ts';
import type { VaultAccess } from '../vault/vault-access.ts';

/** Everything the API routes use, built once by `createApp`. */
export interface ApiServices {
  settings: Settings;
  keys: ServerKeys;
  /** Box keys between the server's key and users' public keys. */
  userBoxKeys: BoxKeyCache;
  directory: LoginDirectory;
  /** The directories' health from the last background probe. */
  directoryHealth: DirectoryHealthMonitor;
  db: Database;
  /** The one path of the routes' queries (see db/executor.ts). */
  executor: Executor;
  accounts: AccountService;
  sessions: SessionStore;
  throttle: LoginThrottle;
  serverSecrets: ServerSecrets;
  vault: {
    access: VaultAccess;
    datastores: Datastores;
    secrets: Secrets;
    groups: VaultGroups;
    shares: Shares;
  };
  /** Device tokens: what lets a device that logged in before past its username's lockout. */
  deviceTokens: DeviceTokens;
  logger: Logger;
  now: () => number;
  /** Every refused login answers no sooner than this, so refusals cannot be told apart by timing. */
  refusalFloorMs: number;
  build: string;
  /** Counters and timings for `/server/metrics`; vault routes record reads and writes here. */
  metrics: ServerMetrics;
}
