import type { LdapEntry } from '@ldap-login/config-schema';
import type { Entry } from 'ldapts';
import { openServiceConnection } from './connection/connection.ts';
import { Directory } from './connection/directory.ts';
import type { ConnectionPool } from './connection/pool.ts';
import { hasAttribute } from './entries/attributes.ts';
import type { EntryPlan } from './entries/entry-plan.ts';
import { InvalidCredentialsError, isDirectoryError, NotPermittedError } from './errors/errors.ts';
import {
  type DirectoryGroup,
  groupsFromDns,
  groupsFromUserEntry,
  listAllGroups,
  resolveGroups,
} from './groups/groups.ts';
import { primaryGroupSid } from './groups/primary-group.ts';
import { type DirectoryLogger, silentLogger } from './logger.ts';
import { checkRequiredAttributes, checkRequiredGroups } from './login/access-rules.ts';
import { assertBindCannotLock, type LockoutPolicy, resultantPso } from './login/lockout-guard.ts';
import { assertPasswordGiven, searchNameFor, selectEntry } from './login/login-input.ts';
import { bindAsUser } from './login/user-bind.ts';
import { readUserProfile } from './login/user-profile.ts';
import {
  isDisabledAccount,
  type RecheckRefusal,
  searchUserByGuid,
  selectRecheckedEntry,
} from './login/user-recheck.ts';
import { findUserEntry } from './login/user-search.ts';

/** A user the directory vouched for. */
export interface DirectoryUser {
  /** `LDAP_DOMAIN` of the entry that authenticated the user. */
  domain: string;
  dn: string;
  /** Stable id: `objectGUID` in Active Directory's string form, or `entryUUID`, lowercase. */
  guid: string;
  /** The directory's value of `LDAP_ATTR_USERNAME` + `@` + domain, lowercase. */
  username: string;
  email: string | null;
  groups: DirectoryGroup[];
}

/** What the directory says about a user who logged in before (see `recheckUser`). */
export type UserStanding =
  | { allowed: true; user: DirectoryUser }
  | {
      allowed: false;
      /** `user-not-found`: deleted, or excluded by `LDAP_CUSTOM_USER_FILTER`. */
      reason: RecheckRefusal;
      /** For logs only: names the DN and the rule. */
      detail: string;
    };

/** The state of one URL of one entry, as `health()` found it. */
export interface DirectoryHealth {
  domain: string;
  url: string;
  up: boolean;
  /** Time to connect (with TLS) and bind as the service account, or until the failure. */
  latencyMs: number;
  /** Stable reason when down (`timeout`, `unreachable`, `service-bind-refused`, ...). */
  error?: string;
  /** The precise failure, for logs only: it names hosts. */
  detail?: string;
}

interface DirectoryServiceOptions {
  logger?: DirectoryLogger;
}

/**
 * Logins against the configured directories, with pooled connections per entry. One instance
 * lives as long as the server; `close()` ends every pooled connection.
 *
 * @example
 * const directory = new DirectoryService(settings.LDAP, { logger });
 * const user = await directory.authenticate('alice@example.com', password);
 * // { domain: 'example.com', guid: '...', username: 'alice@example.com', email, groups: [...] }
 */
type PoolStats = ConnectionPool<unknown>['stats'];

export interface DirectoryPoolStats extends PoolStats {
  domain: string;
  pool: 'service' | 'bind';
}

export class DirectoryService {
  private readonly directories: Directory[];
  private readonly logger: DirectoryLogger;

  constructor(entries: LdapEntry[], options: DirectoryServiceOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.directories = entries.map((entry) => new Directory(entry, this.logger));
  }

  /**
   * Verifies a username and password. `alice@example.com` is looked up in the entry whose
   * `LDAP_DOMAIN` is `example.com`; a bare `alice` only when a single entry is configured.
   * Throws a `DirectoryError` subclass for every expected failure.
   */
  async authenticate(username: string, password: string): Promise<DirectoryUser> {
    const { entry: directory, localPart } = selectEntry(this.directories, username);
    const { domain } = directory;
    assertPasswordGiven(password, domain);
    const plan = directory.plan();

    const searchName = searchNameFor(directory.entry, localPart);
    const userEntry = await this.findUser(directory, plan, searchName);
    const profile = readUserProfile(plan, userEntry, searchName);
    assertBindCannotLock(plan, userEntry, await this.lockoutPolicyOf(directory, userEntry));

    // The bind and the group lookup do not depend on each other: run them side by side.
    const [bound, groups] = await Promise.allSettled([
      directory.bindPool.use((connection) => bindAsUser(connection, profile.dn, password, domain)),
      this.userGroups(directory, userEntry),
    ]);
    if (bound.status === 'rejected') throw bound.reason;
    if (groups.status === 'rejected') throw groups.reason;

    checkRequiredAttributes(plan, userEntry);
    checkRequiredGroups(plan, profile.dn, groups.value);
    return { domain, ...profile, groups: groups.value };
  }

  /**
   * Whether a user who logged in before would still be let in, without their password: the
   * entry with `guid` is searched as the service account (with the custom user filter), and the
   * disabled flag (Active Directory), `LDAP_REQUIRED_ATTRIBUTE` and `LDAP_REQUIRED_GROUP` are
   * applied as at a login. A refusal is returned; a directory that cannot answer (down, timeout,
   * unknown domain, several entries with the GUID) throws a `DirectoryError`, so that an outage
   * is never mistaken for a refusal.
   *
   * @example
   * const standing = await directory.recheckUser('example.com', user.guid);
   * if (!standing.allowed) endSessions(user, standing.reason);
   */
  async recheckUser(domain: string, guid: string): Promise<UserStanding> {
    const directory = this.directoryFor(domain);
    const plan = directory.plan();
    const entries = await directory.servicePool.use((connection) => searchUserByGuid(connection, plan, guid));
    const userEntry = selectRecheckedEntry(entries, plan, guid);
    if (userEntry === undefined) {
      return {
        allowed: false,
        reason: 'user-not-found',
        detail: `no ${plan.entry.LDAP_OBJECT_CLASS_USER} with ${plan.entry.LDAP_ATTR_GUID}=${guid} under ${plan.entry.LDAP_SEARCH_USER_DN}${plan.entry.LDAP_CUSTOM_USER_FILTER ? ` matching LDAP_CUSTOM_USER_FILTER` : ''}`,
      };
    }
    if (isDisabledAccount(userEntry)) {
      return {
        allowed: false,
        reason: 'account-disabled',
        detail: `${userEntry.dn} is disabled (userAccountControl)`,
      };
    }
    const profile = readUserProfile(plan, userEntry, '');
    const groups = await this.userGroups(directory, userEntry);
    try {
      checkRequiredAttributes(plan, userEntry);
      checkRequiredGroups(plan, profile.dn, groups);
    } catch (error) {
      if (error instanceof NotPermittedError) {
        return { allowed: false, reason: error.reason, detail: error.detail ?? error.message };
      }
      throw error;
    }
    return { allowed: true, user: { domain: plan.domain, ...profile, groups } };
  }

  /**
   * The domain-wide lockout policy of the entry serving `domain` (Active Directory's
   * `lockoutThreshold`, which any account may read unless an administrator denied it),
   * `'unreadable'` when the directory is Active Directory but the service account cannot read the
   * threshold (the administrator then keeps the throttle below it), or undefined when the directory
   * is not Active Directory. Password settings objects may set a lower threshold for some users;
   * logins read those per user.
   */
  async domainLockoutPolicy(domain: string): Promise<LockoutPolicy | 'unreadable' | undefined> {
    const directory = this.directoryFor(domain);
    const plan = directory.plan();
    const rootDse = await directory.serverInfo();
    const domainDn = rootDse.defaultNamingContext;
    if (!rootDse.isActiveDirectory) return undefined;
    if (domainDn === null) return 'unreadable';
    const policy = await directory.servicePool.use((connection) =>
      directory.lockoutPolicies.read(connection, plan, domainDn),
    );
    return policy ?? 'unreadable';
  }

  /**
   * Every group of the entry serving `domain` (paged), for the group sync. An unknown domain
   * throws `InvalidCredentialsError('unknown-domain')`, as a login would.
   */
  async listGroups(domain: string): Promise<DirectoryGroup[]> {
    const directory = this.directoryFor(domain);
    const plan = directory.plan();
    // Paged: OpenLDAP keeps one paged-results cookie per connection.
    return directory.servicePool.use((connection) => listAllGroups(connection, plan), { exclusive: true });
  }

  /**
   * Checks every URL of every entry: connect (with TLS) and bind as the service account, on a
   * fresh connection so that a URL that is not in use right now is checked too.
   */
  async health(): Promise<DirectoryHealth[]> {
    const checks = this.directories.flatMap((directory) =>
      directory.entry.LDAP_URL.map(async (url): Promise<DirectoryHealth> => {
        const started = performance.now();
        const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
        try {
          const settings = await directory.connectionSettings();
          const connection = await openServiceConnection(url, directory.entry, settings);
          const latencyMs = elapsed();
          connection.close();
          return { domain: directory.domain, url, up: true, latencyMs };
        } catch (error) {
          if (!isDirectoryError(error)) throw error;
          return {
            domain: directory.domain,
            url,
            up: false,
            latencyMs: elapsed(),
            error: error.reason,
            detail: error.message,
          };
        }
      }),
    );
    return Promise.all(checks);
  }

  /** Connection use of each entry's two pools (service searches, user binds), for metrics. */
  poolStats(): DirectoryPoolStats[] {
    return this.directories.flatMap((directory) => [
      { domain: directory.domain, pool: 'service' as const, ...directory.servicePool.stats },
      { domain: directory.domain, pool: 'bind' as const, ...directory.bindPool.stats },
    ]);
  }

  /** Ends every pooled connection; logins after this fail as unavailable. */
  async close(): Promise<void> {
    for (const directory of this.directories) directory.close();
  }

  private directoryFor(domain: string): Directory {
    const directory = this.directories.find((candidate) => candidate.domain === domain.toLowerCase());
    if (!directory) {
      throw new InvalidCredentialsError('unknown-domain', { detail: `no LDAP entry for domain "${domain}"` });
    }
    return directory;
  }

  private async findUser(directory: Directory, plan: EntryPlan, name: string): Promise<Entry> {
    try {
      return await directory.servicePool.use((connection) => findUserEntry(connection, plan, name));
    } catch (error) {
      if (error instanceof InvalidCredentialsError && error.reason === 'ambiguous-user') {
        // Not the user's mistake: the directory holds duplicates an administrator has to resolve.
        this.logger.warn('login name matches several directory entries', {
          domain: directory.domain,
          detail: error.detail,
        });
      }
      throw error;
    }
  }

  /** The lockout policy that applies to an Active Directory user (undefined elsewhere or unreadable). */
  private async lockoutPolicyOf(directory: Directory, userEntry: Entry): Promise<LockoutPolicy | undefined> {
    if (!hasAttribute(userEntry, 'badPwdCount')) return undefined;
    const plan = directory.plan();
    const pso = resultantPso(userEntry);
    const rootDse = await directory.serverInfo();
    const domainDn = rootDse.defaultNamingContext;
    return directory.servicePool.use(async (connection) => {
      const fromPso =
        pso === undefined ? undefined : await directory.lockoutPolicies.read(connection, plan, pso);
      if (fromPso !== undefined || domainDn === null) return fromPso;
      return directory.lockoutPolicies.read(connection, plan, domainDn);
    });
  }

  /**
   * The user's groups: straight from the entry (memberOf) when nothing needs the directory, else by
   * searching, with Active Directory's primary group (primaryGroupID) resolved to its DN.
   */
  private async userGroups(directory: Directory, userEntry: Entry): Promise<DirectoryGroup[]> {
    const plan = directory.plan();
    const primarySid = primaryGroupSid(userEntry);
    const needsGroupSearch = !plan.entry.LDAP_MEMBER_OF_OVERLAY || plan.entry.LDAP_NESTED_GROUPS;
    if (!needsGroupSearch && primarySid === undefined) return groupsFromUserEntry(plan, userEntry);
    const rootDse = plan.entry.LDAP_NESTED_GROUPS ? await directory.serverInfo() : undefined;
    return directory.servicePool.use(
      async (connection) => {
        const primaryDn =
          primarySid === undefined
            ? undefined
            : await directory.primaryGroups.dnOf(connection, plan, primarySid);
        if (!needsGroupSearch) {
          const listed = groupsFromUserEntry(plan, userEntry).map((group) => group.dn);
          return groupsFromDns(primaryDn === undefined ? listed : [primaryDn, ...listed]);
        }
        return resolveGroups(connection, plan, userEntry, rootDse, primaryDn);
        // Group searches are paged: OpenLDAP keeps one paged-results cookie per connection.
      },
      { exclusive: needsGroupSearch },
    );
  }
}

/**
 * One login without keeping connections: opens what it needs and closes it again. For scripts and
 * one-off checks; a server should keep one `DirectoryService` instead.
 *
 * @example
 * const user = await authenticate(settings.LDAP, 'alice@example.com', password);
 */
export async function authenticate(
  entries: LdapEntry[],
  username: string,
  password: string,
  options: DirectoryServiceOptions = {},
): Promise<DirectoryUser> {
  const service = new DirectoryService(entries, options);
  try {
    return await service.authenticate(username, password);
  } finally {
    await service.close();
  }
}
