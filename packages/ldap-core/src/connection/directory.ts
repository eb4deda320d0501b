import type { LdapEntry } from '@ldap-login/config-schema';
import { compileEntry, type EntryPlan } from '../entries/entry-plan.ts';
import { DirectoryError } from '../errors/errors.ts';
import { PrimaryGroups } from '../groups/primary-group.ts';
import type { DirectoryLogger } from '../logger.ts';
import { LockoutPolicies } from '../login/lockout-guard.ts';
import {
  type ConnectionSettings,
  type DirectoryConnection,
  openConnection,
  openServiceConnection,
  resolveConnectionSettings,
} from './connection.ts';
import { connectWithFailover, UrlFailover } from './failover.ts';
import { ConnectionPool, type FaultReport } from './pool.ts';
import { type RootDse, readRootDse } from './root-dse.ts';

/**
 * The live side of one `LDAP` entry: its compiled plan, its URLs with failover, and two pools of
 * connections:
 * - the service pool (`LDAP_POOL_SIZE`), bound as `LDAP_BIND_DN`, for searches; each connection carries up to
 *   `SEARCHES_PER_CONNECTION` searches at once (LDAP message ids keep their answers apart), except
 *   paged ones, which take a connection to themselves;
 * - the bind pool (`LDAP_BIND_POOL_SIZE`), for user binds only, one at a time per connection. A user bind changes who the connection is; keeping those
 *   connections apart means no search ever runs as a user and no re-bind as the service account
 *   is needed after each login (one round trip less per login).
 */
/**
 * Searches one service connection carries at once. A handful keeps a burst of logins from
 * queueing behind a few connections without letting one connection's loss or timeout fail many
 * requests at once; OpenLDAP answers the operations of one connection in parallel from its thread
 * pool, Active Directory likewise.
 */
export const SEARCHES_PER_CONNECTION = 8;

export class Directory {
  readonly entry: LdapEntry;
  /** `LDAP_DOMAIN`, lowercase. */
  readonly domain: string;
  readonly failover: UrlFailover;
  readonly servicePool: ConnectionPool<DirectoryConnection>;
  readonly bindPool: ConnectionPool<DirectoryConnection>;
  /** Active Directory primary group DNs by SID (remembered for a while). */
  readonly primaryGroups = new PrimaryGroups();
  /** Active Directory lockout policies (domain, password settings objects), remembered for a while. */
  readonly lockoutPolicies = new LockoutPolicies();
  private readonly logger: DirectoryLogger;
  private compiled: EntryPlan | DirectoryError | undefined;
  private settings: ConnectionSettings | undefined;
  private rootDse: Promise<RootDse> | undefined;

  constructor(entry: LdapEntry, logger: DirectoryLogger) {
    this.entry = entry;
    this.domain = entry.LDAP_DOMAIN.toLowerCase();
    this.logger = logger;
    this.failover = new UrlFailover(entry.LDAP_URL);
    const usesTls =
      entry.LDAP_START_TLS || entry.LDAP_URL.some((url) => url.toLowerCase().startsWith('ldaps:'));
    if (usesTls && !entry.LDAP_TLS_VERIFY) {
      const warning =
        'TLS certificate verification is off (LDAP_TLS_VERIFY: False): an impostor can read passwords';
      logger.warn(warning, { domain: this.domain });
    }
    this.servicePool = new ConnectionPool(
      entry.LDAP_POOL_SIZE,
      {
        open: () => this.open((url, settings) => openServiceConnection(url, entry, settings)),
        isUsable: (connection) => connection.alive && connection.boundAs === 'service',
        close: (connection) => connection.close(),
        onFault: (report) => this.shareFault('service', report, this.bindPool),
      },
      { perConnection: SEARCHES_PER_CONNECTION },
    );
    this.bindPool = new ConnectionPool(entry.LDAP_BIND_POOL_SIZE, {
      open: () => this.open(openConnection),
      isUsable: (connection) => connection.alive,
      close: (connection) => connection.close(),
      onFault: (report) => this.shareFault('bind', report, this.servicePool),
    });
  }

  /** The compiled entry; a setting that cannot work throws `DirectoryMisconfiguredError` at every login. */
  plan(): EntryPlan {
    if (this.compiled === undefined) {
      try {
        this.compiled = compileEntry(this.entry);
      } catch (error) {
        if (!(error instanceof DirectoryError)) throw error;
        this.compiled = error;
      }
    }
    if (this.compiled instanceof DirectoryError) throw this.compiled;
    return this.compiled;
  }

  /** Timeouts, TLS and the CA file; loaded once it succeeds (a missing CA file is retried next time). */
  async connectionSettings(): Promise<ConnectionSettings> {
    this.settings ??= await resolveConnectionSettings(this.entry);
    return this.settings;
  }

  /** The server's root DSE, read once through the service pool. */
  serverInfo(): Promise<RootDse> {
    if (this.rootDse === undefined) {
      const reading = this.servicePool.use((connection) => readRootDse(connection));
      this.rootDse = reading;
      reading.catch(() => {
        // Not cached when it fails; the caller gets the error and the next call reads again.
        if (this.rootDse === reading) this.rootDse = undefined;
      });
    }
    return this.rootDse;
  }

  close(): void {
    this.servicePool.close();
    this.bindPool.close();
  }

  /**
   * Both pools reach the directory over the same path: a connection of one found dead or silent
   * makes the other's idle connections just as suspect. Without this, a login whose search paid
   * a timeout would be followed by one whose bind pays another on a bind connection that sat idle
   * through the same outage. A URL that went silent is also tried last for a while, as if it had
   * refused a new connection: a frozen server still accepts connections, and the next one opened
   * there would pay a second timeout before failing over. A lost connection says nothing of the
   * server (idle resets are routine), so it leaves the URL order alone.
   */
  private shareFault(
    pool: 'service' | 'bind',
    report: FaultReport<DirectoryConnection>,
    sibling: ConnectionPool<DirectoryConnection>,
  ): void {
    const dropped = report.dropped + sibling.distrustIdle(report.since);
    const fields = { domain: this.domain, url: report.connection.url, pool, droppedIdle: dropped };
    if (report.fault === 'silent') {
      this.failover.markDown(report.connection.url);
      this.logger.warn('pooled directory connection went silent; idle connections closed', fields);
    } else {
      this.logger.info('pooled directory connection was lost; idle connections closed', fields);
    }
  }

  private async open(
    openOne: (url: string, settings: ConnectionSettings) => Promise<DirectoryConnection>,
  ): Promise<DirectoryConnection> {
    const settings = await this.connectionSettings();
    const { connection } = await connectWithFailover(this.failover, (url) => openOne(url, settings), {
      domain: this.domain,
      logger: this.logger,
    });
    this.logger.debug('directory connection opened', { domain: this.domain, url: connection.url });
    return connection;
  }
}
