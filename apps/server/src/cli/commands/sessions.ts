import { COMMON_OPTIONS, type Command, UsageError } from '../command.ts';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.ts';
import { SETTINGS_LOOKUP_HELP } from '../settings-file.ts';
import { withAdminDatabase } from './admin-database.ts';

const HELP = `Usage: manage sessions list [--user USER] [--json] [--settings FILE]
       manage sessions revoke --user USER | --id SESSION | --all [--json]

Live sessions (not ended, not expired), newest first, and ending them. USER is the account id or
the username (alice@example.com). A revoked session answers 401 at its next request; the user
can log in again (manage users block keeps them out).

  --user USER   only this user's sessions
  --id SESSION  revoke: this one session
  --all         revoke: every live session of every user
  --json        print JSON instead of text

Examples:
  manage sessions list --user alice@example.com --json
  manage sessions revoke --user alice@example.com

${SETTINGS_LOOKUP_HELP}

${EXIT_CODES_HELP}`;

export const sessionsCommand: Command = {
  name: 'sessions',
  summary: 'list and revoke live sessions',
  help: HELP,
  options: {
    ...COMMON_OPTIONS,
    json: { type: 'boolean' },
    user: { type: 'string' },
    id: { type: 'string' },
    all: { type: 'boolean' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    const action = positionals[0]!;
    if (action !== 'list' && action !== 'revoke')
      throw new UsageError(`unknown action "${action}" (list, revoke)`);
    const chosen = [values.user !== undefined, values.id !== undefined, values.all === true].filter(
      Boolean,
    ).length;
    if (action === 'revoke' && chosen !== 1)
      throw new UsageError('revoke needs exactly one of --user, --id, --all');
    if (action === 'list' && (values.id !== undefined || values.all === true))
      throw new UsageError('list takes only --user');
    const json = values.json === true;
    const print = (value: unknown, text: string) =>
      io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : text);
    const { findUser, listSessions, revokeSessions } = await import('../../accounts/user-admin.ts');
    return withAdminDatabase(values.settings as string | undefined, io, async (db) => {
      const now = Date.now();
      let userId: string | undefined;
      if (values.user !== undefined) {
        const user = await findUser(db, now, String(values.user));
        if (!user) {
          io.stderr(`error: no user "${values.user}" (manage users list shows them)\n`);
          return EXIT.CHECK_FAILED;
        }
        userId = user.id;
      }
      if (action === 'list') {
        const sessions = await listSessions(db, now, userId);
        print(
          sessions,
          sessions.length === 0
            ? 'No live sessions.\n'
            : sessions
                .map(
                  (session) =>
                    `${session.id}  ${session.username}  from ${session.clientAddress}  since ${session.createdAt}  until ${session.validTill}${session.active ? '' : '  (not activated)'}${session.device ? `  ${session.device}` : ''}\n`,
                )
                .join(''),
        );
        return EXIT.OK;
      }
      const ended = await revokeSessions(
        db,
        now,
        userId !== undefined
          ? { userId }
          : values.id !== undefined
            ? { sessionId: String(values.id) }
            : { all: true },
      );
      print({ revoked: ended }, `${ended} session(s) revoked.\n`);
      if (values.id !== undefined && ended === 0) {
        io.stderr(`error: no live session "${values.id}"\n`);
        return EXIT.CHECK_FAILED;
      }
      return EXIT.OK;
    });
  },
};
