import { COMMON_OPTIONS, type Command, UsageError } from '../command.ts';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.ts';
import { loadSettingsOrReport, SETTINGS_LOOKUP_HELP } from '../settings-file.ts';

const HELP = `Usage: manage syncldap [--domain D] [--json] [--settings FILE]

Reads every group of each directory (paged) into the database, so groups are known before
their members first log in, and prints the count per directory. Then re-checks every user with
a live session: a user the directory disabled, deleted or no longer lets in (LDAP_REQUIRED_GROUP,
LDAP_REQUIRED_ATTRIBUTE, LDAP_CUSTOM_USER_FILTER) loses every session. A directory that cannot
answer ends no session. Where directory groups are mapped to vault groups (manage groups), every
account of the domain is re-read from the directory: members of a mapped group get its
membership, everyone else loses it.

  --domain D   only the LDAP entry serving this domain
  --json       print [{domain, groups, error?, recheck: {checked, undecided, ended: [{username,
               reason, sessions}]}, teams: {checked, added, removed, undecided}}] as JSON

Example:
  manage syncldap --domain example.com --json

${SETTINGS_LOOKUP_HELP}

${EXIT_CODES_HELP}`;

export const syncldapCommand: Command = {
  name: 'syncldap',
  summary: 'read all groups of each directory into the database',
  help: HELP,
  options: { ...COMMON_OPTIONS, domain: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [0, 0],
  async run({ values }, io) {
    const loaded = loadSettingsOrReport(values.settings as string | undefined, io);
    if (!loaded) return EXIT.USAGE;
    const { settings, database } = loaded.result;
    const domains = settings.LDAP.map((entry) => entry.LDAP_DOMAIN);
    const wanted = values.domain === undefined ? domains : [String(values.domain).toLowerCase()];
    if (wanted.length === 0) throw new UsageError('the settings have no LDAP entry');
    const unknown = wanted.filter((domain) => !domains.includes(domain));
    if (unknown.length > 0)
      throw new UsageError(`no LDAP entry serves ${unknown.join(', ')} (have: ${domains.join(', ')})`);

    const [
      { default: pino },
      { syncDirectoryGroups },
      { recordAuditEvent },
      { openDatabase },
      { executorFor },
      { migrateToLatest },
      { createDirectory },
      { createLogger },
      { recheckSessions },
      { syncForcedMemberships },
    ] = await Promise.all([
      import('pino'),
      import('../../accounts/groups.ts'),
      import('../../audit.ts'),
      import('../../db/database.ts'),
      import('../../db/executor.ts'),
      import('../../db/migrations.ts'),
      import('../../directory-adapter.ts'),
      import('../../logger.ts'),
      import('../../sessions/session-recheck.ts'),
      import('../../vault/forced-memberships.ts'),
    ]);
    // Logs go to standard error so that standard output stays the report.
    const logger = createLogger(
      settings.LOG_LEVEL === 'debug' ? 'debug' : 'warn',
      pino.destination({ fd: 2, sync: true }),
    );
    const db = openDatabase(database);
    try {
      try {
        await migrateToLatest(db);
      } catch (error) {
        io.stderr(`error: database: ${(error as Error).message}\n`);
        return EXIT.UNAVAILABLE;
      }
      const directory = await createDirectory(settings.LDAP, logger);
      let synced: Awaited<ReturnType<typeof syncDirectoryGroups>>;
      const rechecks = new Map<string, Awaited<ReturnType<typeof recheckSessions>>>();
      const teams = new Map<string, Awaited<ReturnType<typeof syncForcedMemberships>>>();
      try {
        synced = await syncDirectoryGroups(executorFor(db), directory, wanted);
        for (const domain of wanted) {
          rechecks.set(domain, await recheckSessions(db, directory, logger, { domains: [domain] }));
          teams.set(domain, await syncForcedMemberships(db, executorFor(db), directory, domain, Date.now));
        }
      } finally {
        await directory.close();
      }
      const results = synced.map((result) => {
        const recheck = rechecks.get(result.domain);
        const team = teams.get(result.domain);
        return {
          ...result,
          recheck: {
            checked: recheck?.checked ?? 0,
            undecided: recheck?.undecided ?? 0,
            ended: (recheck?.ended ?? []).map(({ username, reason, sessions }) => ({
              username,
              reason,
              sessions,
            })),
          },
          teams: {
            checked: team?.checked ?? 0,
            // The re-check already applied the groups of the users with a live session.
            added: (team?.added ?? 0) + (recheck?.forced.added ?? 0),
            removed: (team?.removed ?? 0) + (recheck?.forced.removed ?? 0),
            undecided: team?.undecided ?? 0,
          },
        };
      });
      for (const result of results) {
        await recordAuditEvent(executorFor(db), {
          event: 'syncldap',
          outcome: result.error ? 'failure' : 'success',
          reason: result.error ?? null,
          details: { domain: result.domain, groups: result.groups },
        });
      }
      if (values.json === true) {
        io.stdout(`${JSON.stringify(results, null, 2)}\n`);
      } else {
        for (const result of results) {
          io.stdout(
            result.error
              ? `Error: ${result.domain}: ${result.error}\n`
              : `Success: ${result.domain}: ${result.groups} group(s) stored\n`,
          );
          const { checked, undecided, ended } = result.recheck;
          io.stdout(
            `Sessions: ${result.domain}: ${checked} user(s) with live sessions re-checked, ${ended.length} lost their sessions${undecided > 0 ? `, ${undecided} not checked (directory did not answer)` : ''}\n`,
          );
          for (const user of ended) {
            io.stdout(`  ended ${user.sessions} session(s) of ${user.username}: ${user.reason}\n`);
          }
          const team = result.teams;
          if (team.checked + team.undecided > 0) {
            io.stdout(
              `Team vaults: ${result.domain}: ${team.checked} account(s) re-read, ${team.added} membership(s) added, ${team.removed} removed${team.undecided > 0 ? `, ${team.undecided} not checked (directory did not answer)` : ''}\n`,
            );
          }
        }
      }
      return results.some((result) => result.error) ? EXIT.CHECK_FAILED : EXIT.OK;
    } finally {
      await db.destroy();
    }
  },
};
