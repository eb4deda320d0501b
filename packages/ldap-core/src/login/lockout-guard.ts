import type { Entry } from 'ldapts';
import { ResultCodeError } from 'ldapts';
import type { DirectoryConnection } from '../connection/connection.ts';
import { attributeStrings } from '../entries/attributes.ts';
import type { EntryPlan } from '../entries/entry-plan.ts';
import { toDirectoryError } from '../errors/error-mapping.ts';
import { LockoutGuardError } from '../errors/errors.ts';

/**
 * Active Directory locks an account after `lockoutThreshold` wrong passwords within the
 * observation window; a bind sent on its behalf counts there like any other. Before the bind of a
 * login, the user's `badPwdCount` is compared with the threshold that applies (the user's password
 * settings object, `msDS-ResultantPSO`, when the service account may read it, else the domain's):
 * when one more wrong password would lock the account, the bind is not sent.
 */

/** A lockout policy: the threshold (0: never locks) and the observation window in ms. */
export interface LockoutPolicy {
  threshold: number;
  observationWindowMs: number;
  /** Where it was read: the domain's DN or the password settings object's. */
  source: string;
}

/** AD stores intervals as negative counts of 100 ns. */
function intervalMs(value: string | undefined): number {
  if (value === undefined || !/^-?\d+$/.test(value)) return 0;
  const ticks = BigInt(value);
  return Number((ticks < 0n ? -ticks : ticks) / 10_000n);
}

/** FILETIME (100 ns since 1601) to ms since 1970; 0 for "never". */
function fileTimeMs(value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value) || value === '0') return 0;
  return Number((BigInt(value) - 116_444_736_000_000_000n) / 10_000n);
}

const CACHE_MS = 5 * 60_000;

/** Reads and remembers (for a few minutes) the lockout policies of one directory entry. */
export class LockoutPolicies {
  private readonly cache = new Map<string, { policy: LockoutPolicy | undefined; at: number }>();

  /**
   * The policy at `dn`: a domain object (`lockoutThreshold`) or a password settings object
   * (`msDS-LockoutThreshold`); undefined when the service account cannot read it.
   */
  async read(
    connection: DirectoryConnection,
    plan: EntryPlan,
    dn: string,
  ): Promise<LockoutPolicy | undefined> {
    const cached = this.cache.get(dn.toLowerCase());
    if (cached !== undefined && Date.now() - cached.at < CACHE_MS) return cached.policy;
    const policy = await readPolicy(connection, plan, dn);
    this.cache.set(dn.toLowerCase(), { policy, at: Date.now() });
    return policy;
  }
}

async function readPolicy(
  connection: DirectoryConnection,
  plan: EntryPlan,
  dn: string,
): Promise<LockoutPolicy | undefined> {
  try {
    const { searchEntries } = await connection.client.search(dn, {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: [
        'lockoutThreshold',
        'lockOutObservationWindow',
        'msDS-LockoutThreshold',
        'msDS-LockoutObservationWindow',
      ],
      timeLimit: Math.ceil(plan.entry.LDAP_OPERATION_TIMEOUT),
    });
    const entry = searchEntries[0];
    if (entry === undefined) return undefined;
    const threshold =
      attributeStrings(entry, 'msDS-LockoutThreshold')[0] ?? attributeStrings(entry, 'lockoutThreshold')[0];
    if (threshold === undefined || !/^\d+$/.test(threshold)) return undefined;
    const window =
      attributeStrings(entry, 'msDS-LockoutObservationWindow')[0] ??
      attributeStrings(entry, 'lockOutObservationWindow')[0];
    return { threshold: Number(threshold), observationWindowMs: intervalMs(window), source: dn };
  } catch (error) {
    if (error instanceof ResultCodeError && (error.code === 32 || error.code === 50)) return undefined;
    throw toDirectoryError(error, { step: 'user-search', url: connection.url, dn, domain: plan.domain });
  }
}

/** The user's password settings object, when the search returned it. */
export function resultantPso(userEntry: Entry): string | undefined {
  return attributeStrings(userEntry, 'msDS-ResultantPSO')[0];
}

/**
 * The bad-password count that still counts: AD keeps the last count after the observation window
 * has passed and starts again from zero at the next wrong password.
 */
export function currentBadPasswordCount(userEntry: Entry, policy: LockoutPolicy, now = Date.now()): number {
  const count = Number(attributeStrings(userEntry, 'badPwdCount')[0] ?? '0');
  if (!Number.isInteger(count) || count <= 0) return 0;
  const last = fileTimeMs(attributeStrings(userEntry, 'badPasswordTime')[0]);
  if (policy.observationWindowMs > 0 && last > 0 && now - last > policy.observationWindowMs) return 0;
  return count;
}

/** Throws `LockoutGuardError` when one more wrong password would lock the account. */
export function assertBindCannotLock(
  plan: EntryPlan,
  userEntry: Entry,
  policy: LockoutPolicy | undefined,
): void {
  if (policy === undefined || policy.threshold <= 0) return;
  const count = currentBadPasswordCount(userEntry, policy);
  if (count + 1 >= policy.threshold) {
    throw new LockoutGuardError(policy.threshold, count, {
      detail: `${userEntry.dn} has badPwdCount ${count} of lockout threshold ${policy.threshold} (${policy.source}): the bind is not sent`,
      domain: plan.domain,
    });
  }
}
