import type { DatabaseConfig } from '@ldap-login/config-schema';
import { type DiagnoseResult, type DiagnoseStep, diagnose } from '@ldap-login/ldap-core';
import { type CliIo, COMMON_OPTIONS, type Command, UsageError } from '../command.ts';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.ts';
import { formatFindings, type LoadedSettings, loadSettings, SETTINGS_LOOKUP_HELP } from '../settings-file.ts';
import { formatStep } from '../step-output.ts';

const HELP = `Usage: manage testldap <username> <password> [--json] [--no-audit] [--settings FILE]

Walks the path a login takes and prints one line per step, Success: or Error:,
stopping at the first error: settings found and valid, LDAP in AUTHENTICATION_METHODS,
entry for the username's domain, URL / host / port, TLS and CA, service bind,
user search base, user search (0 / 1 / many), attributes (username, GUID, e-mail),
groups, user bind, required group and attribute. Each error names the setting to
change and, where the directory shows it, the likely right value.

  <username>   as typed on the login page: alice@example.com (or alice with one LDAP entry)
  <password>   the user's password; "-" reads it from standard input (keeps it out of
               the process list and the shell history). It is never printed.
  --json       print the steps as JSON instead of text
  --no-audit   do not record the run in the audit log of the database

${SETTINGS_LOOKUP_HELP}

${EXIT_CODES_HELP}`;

/** The settings step as testldap reports it. */
function settingsStep(loaded: LoadedSettings, durationMs: number): DiagnoseStep {
  const title = 'Settings found and valid';
  const id = 'settings';
  if (loaded.ok) {
    const warnings = loaded.result.warnings.length;
    return {
      id,
      title,
      status: 'success',
      message: `${loaded.location.path} (${loaded.location.source})${warnings ? `, ${warnings} warning(s): run manage check-settings` : ''}`,
      durationMs,
    };
  }
  const [first, ...rest] = loaded.errors;
  const more = rest.length > 0 ? ` (and ${rest.length} more: run manage check-settings)` : '';
  // A file that is missing or unreadable was not "found": say what went wrong in the title too.
  const unreadable = first?.path === '' && /^cannot read /.test(first.message);
  return {
    id,
    title: unreadable
      ? 'Settings file cannot be read'
      : loaded.location
        ? 'Settings invalid'
        : 'Settings not found',
    status: 'error',
    message: `${loaded.location ? `${loaded.location.path}: ` : ''}${first ? formatFindings([first])[0] : 'invalid'}${more}`,
    ...(first?.path ? { setting: first.path } : {}),
    durationMs,
  };
}

async function readPassword(argument: string, io: CliIo): Promise<string> {
  if (argument !== '-') return argument;
  const text = await io.readStdin();
  // The first line, without its line break: what `echo pw |` or a here-string gives.
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/** What the audit log keeps of a run: the outcome and the failed step, never the password. */
async function recordRun(database: DatabaseConfig, username: string, result: DiagnoseResult): Promise<void> {
  const failedStep = result.steps.find((step) => step.status === 'error');
  // Loaded on demand: the database drivers are the slowest part of starting the CLI.
  const [{ openDatabase }, { executorFor }, { migrateToLatest }, { recordAuditEvent }] = await Promise.all([
    import('../../db/database.ts'),
    import('../../db/executor.ts'),
    import('../../db/migrations.ts'),
    import('../../audit.ts'),
  ]);
  const db = openDatabase(database);
  try {
    await migrateToLatest(db);
    await recordAuditEvent(executorFor(db), {
      event: 'testldap',
      outcome: result.ok ? 'success' : 'failure',
      username,
      reason: failedStep ? failedStep.id : null,
      details: {
        steps: result.steps.length,
        ...(result.entryIndex === undefined ? {} : { entry: result.entryIndex }),
        ...(result.url ? { url: result.url } : {}),
        ...(result.userDn ? { userDn: result.userDn } : {}),
        ...(failedStep?.setting ? { setting: failedStep.setting } : {}),
      },
    });
  } finally {
    await db.destroy();
  }
}

export const testldapCommand: Command = {
  name: 'testldap',
  summary: 'check a login step by step and say which setting to change',
  help: HELP,
  options: { ...COMMON_OPTIONS, json: { type: 'boolean' }, 'no-audit': { type: 'boolean' } },
  positionals: [2, 2],
  async run({ values, positionals }, io) {
    const [username, passwordArgument] = positionals as [string, string];
    if (username.trim() === '') throw new UsageError('the username is empty');
    const password = await readPassword(passwordArgument, io);
    const json = values.json === true;

    const started = performance.now();
    const loaded = loadSettings(values.settings as string | undefined, io.env, io.cwd, { serving: true });
    const first = settingsStep(loaded, performance.now() - started);
    const print = (steps: DiagnoseStep[], result?: DiagnoseResult) => {
      if (json) {
        const document = {
          ok: result?.ok ?? false,
          username,
          settingsFile: loaded.location?.path ?? null,
          ...(result?.url ? { url: result.url } : {}),
          ...(result?.userDn ? { userDn: result.userDn } : {}),
          steps,
        };
        io.stdout(`${JSON.stringify(document, null, 2)}\n`);
        return;
      }
      for (const step of steps) io.stdout(`${formatStep(step)}\n`);
      io.stdout(result?.ok ? 'The login would succeed.\n' : 'The login would fail.\n');
    };
    if (!loaded.ok) {
      print([first]);
      return EXIT.USAGE;
    }

    const result = await diagnose(loaded.result.settings, username, password);
    print([first, ...result.steps], result);
    if (values['no-audit'] !== true) {
      try {
        await recordRun(loaded.result.database, username.trim().toLowerCase(), result);
      } catch (error) {
        io.stderr(`warning: the run was not recorded in the audit log: ${(error as Error).message}\n`);
      }
    }
    return result.ok ? EXIT.OK : EXIT.CHECK_FAILED;
  },
};
