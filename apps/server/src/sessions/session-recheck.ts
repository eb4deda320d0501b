/**
 * Offboarding (SPEC §12): every user with a live session is looked up again in the directory on a
 * cadence (LDAP_SESSION_RECHECK_INTERVAL) and at `manage syncldap`. A user the directory disabled,
 * deleted or no longer lets in (LDAP_REQUIRED_GROUP, LDAP_REQUIRED_ATTRIBUTE, the custom user
 * filter) loses every session. A directory that cannot answer ends nothing: an outage must not log
 * everyone out, so its users wait for the next round.
 *
 * Work per round is bounded: users are read in pages (keyset on the user id), a few directory
 * look-ups at a time, and a directory that fails is not asked again in the same round. Two
 * replicas may run rounds at once: ending a session is one conditional update, and only the
 * replica whose update ended sessions records the audit event.
 *
 * The groups each answer carries are applied as a login would apply them: the user's stored
 * directory groups and their forced memberships of vault groups (`vault/forced-memberships.ts`),
 * so a user removed from a mapped directory group loses the vault group's shares within the
 * cadence, not at their next login. A user the directory refuses loses every forced membership.
 */
import type { Logger } from 'pino';
import type { LoginDirectory, UserStanding } from '../accounts/directory-port.ts';
import { recordAuditEvent } from '../audit.ts';
import { type Executor, executorFor } from '../db/executor.ts';
import type { Database } from '../db/schema.ts';
import { applyDirectoryGroups, type ForcedChanges } from '../vault/forced-memberships.ts';

/** Users read per page, and directory look-ups running at once. */
const PAGE_SIZE = 100;
const CONCURRENT_LOOKUPS = 4;

export interface EndedUser {
  userId: string;
  username: string;
  /** Why the directory refused the user (`user-not-found`, `account-disabled`, `required-group`, ...). */
  reason: string;
  sessions: number;
}

export interface RecheckSummary {
  /** Users the directory answered for. */
  checked: number;
  ended: EndedUser[];
  /** Users left alone because their directory could not answer, and why per domain. */
  undecided: number;
  unavailable: { domain: string; reason: string }[];
  /** Forced memberships of vault groups given and taken away by the directory's answers. */
  forced: { added: number; removed: number };
}

interface RecheckedUser {
  id: string;
  ldap_domain: string;
  guid: string;
  username: string;
}

export interface SessionRecheckOptions {
  /** Only users of these domains (lowercase); all when absent. */
  domains?: readonly string[];
  now?: () => number;
  pageSize?: number;
}

/**
 * Runs one round over every user with a live session.
 *
 * @example
 * const summary = await recheckSessions(db, directory, logger);
 * // { checked: 12, ended: [{ username: 'eve@example.com', reason: 'user-not-found', sessions: 2, ... }], ... }
 */
export async function recheckSessions(
  db: Database,
  directory: LoginDirectory,
  logger: Logger,
  options: SessionRecheckOptions = {},
): Promise<RecheckSummary> {
  const now = options.now ?? Date.now;
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const summary: RecheckSummary = {
    checked: 0,
    ended: [],
    undecided: 0,
    unavailable: [],
    forced: { added: 0, removed: 0 },
  };
  const executor = executorFor(db);
  const downDomains = new Map<string, string>();
  let after = '';
  for (;;) {
    const page = await usersWithLiveSessions(db, now(), after, pageSize, options.domains);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    for (let start = 0; start < page.length; start += CONCURRENT_LOOKUPS) {
      await Promise.all(
        page.slice(start, start + CONCURRENT_LOOKUPS).map(async (user) => {
          const domain = user.ldap_domain.toLowerCase();
          if (downDomains.has(domain)) {
            summary.undecided++;
            return;
          }
          // Sessions started after this moment were let in by a login that saw the directory later.
          const checkedAt = now();
          let standing: UserStanding;
          try {
            standing = await directory.recheckUser(domain, user.guid);
          } catch (error) {
            summary.undecided++;
            const reason = (error as { reason?: string }).reason ?? 'error';
            if (!downDomains.has(domain)) {
              downDomains.set(domain, reason);
              logger.warn(
                { err: error, domain, reason },
                'session re-check: the directory could not answer; no session ended for its users this round',
              );
            }
            return;
          }
          summary.checked++;
          await applyGroups(executor, user, standing, now(), summary, logger);
          if (standing.allowed) return;
          const sessions = await endLiveSessions(db, user.id, checkedAt, now());
          if (sessions === 0) return;
          summary.ended.push({ userId: user.id, username: user.username, reason: standing.reason, sessions });
          logger.warn(
            {
              userId: user.id,
              username: user.username,
              reason: standing.reason,
              detail: standing.detail,
              sessions,
            },
            'session re-check: the directory no longer lets the user in; their sessions are ended',
          );
          await recordAuditEvent(executor, {
            event: 'sessions_ended',
            outcome: 'success',
            username: user.username,
            userId: user.id,
            reason: standing.reason,
            details: { sessions, by: 'directory-recheck' },
          });
        }),
      );
    }
    if (page.length < pageSize) break;
  }
  summary.unavailable = [...downDomains].map(([domain, reason]) => ({ domain, reason }));
  return summary;
}

/**
 * Applies the groups of the directory's answer (none for a user it refuses). A failure here (a
 * login of the same user writing the same rows at that moment) is logged and left to the next
 * round: it must not end the round for everyone else, nor keep the user's sessions from ending.
 */
async function applyGroups(
  executor: Executor,
  user: RecheckedUser,
  standing: UserStanding,
  now: number,
  summary: RecheckSummary,
  logger: Logger,
): Promise<void> {
  const groups = standing.allowed ? standing.user.groups : [];
  let forced: ForcedChanges;
  try {
    forced = await executor.transaction((tx) =>
      applyDirectoryGroups(tx, user, user.ldap_domain, groups, now),
    );
  } catch (error) {
    logger.warn(
      { err: error, userId: user.id, username: user.username },
      'session re-check: the directory groups could not be applied; the next round tries again',
    );
    return;
  }
  summary.forced.added += forced.added.length;
  summary.forced.removed += forced.removed.length;
  if (forced.added.length > 0 || forced.removed.length > 0) {
    logger.info(
      { userId: user.id, username: user.username, joined: forced.added, left: forced.removed },
      'session re-check: forced memberships of vault groups follow the directory',
    );
  }
}

async function usersWithLiveSessions(
  db: Database,
  now: number,
  after: string,
  limit: number,
  domains: readonly string[] | undefined,
): Promise<RecheckedUser[]> {
  let query = db
    .selectFrom('users')
    .select(['id', 'ldap_domain', 'guid', 'username'])
    .where('id', '>', after)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('sessions')
          .select('sessions.id')
          .whereRef('sessions.user_id', '=', 'users.id')
          .where('sessions.ended_at', 'is', null)
          .where('sessions.valid_till', '>', now),
      ),
    );
  if (domains !== undefined)
    query = query.where('ldap_domain', 'in', domains.length > 0 ? [...domains] : ['']);
  return query.orderBy('id').limit(limit).execute();
}

/** Ends the user's live sessions created up to `createdUpTo`; returns how many this call ended. */
async function endLiveSessions(
  db: Database,
  userId: string,
  createdUpTo: number,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable('sessions')
    .set({ ended_at: now })
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .where('created_at', '<=', createdUpTo)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Runs `recheckSessions` every `intervalMs`, one round at a time (a slow round delays the next
 * instead of overlapping it).
 */
export class SessionRecheckTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly db: Database,
    private readonly directory: LoginDirectory,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops the cadence and waits for a running round. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = recheckSessions(this.db, this.directory, this.logger)
        .then((summary) => {
          const forcedChanges = summary.forced.added + summary.forced.removed;
          if (summary.ended.length > 0 || summary.unavailable.length > 0 || forcedChanges > 0) {
            this.logger.info(
              {
                checked: summary.checked,
                usersEnded: summary.ended.length,
                undecided: summary.undecided,
                forced: summary.forced,
              },
              'session re-check round done',
            );
          }
        })
        .catch((error: unknown) => this.logger.error({ err: error }, 'session re-check round failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.intervalMs);
    this.timer.unref();
  }
}
