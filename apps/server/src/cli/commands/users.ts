import { COMMON_OPTIONS, type Command, UsageError } from '../command.ts';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.ts';
import { SETTINGS_LOOKUP_HELP } from '../settings-file.ts';
import { withAdminDatabase } from './admin-database.ts';

const HELP = `Usage: manage users list [--search TEXT] [--json] [--settings FILE]
       manage users show <user> [--json]
       manage users block <user> [--reason TEXT] [--json]
       manage users unblock <user> [--json]

Accounts of users who logged in. <user> is the account id or the username (alice@example.com).
A blocked user cannot log in (the client gets the usual "wrong username or password"; the log
and audit say USER_BLOCKED) and loses every session at once. Accounts follow the directory:
a user the directory disables loses their sessions without a block (LDAP_SESSION_RECHECK_INTERVAL).

  --search TEXT  list: only usernames containing TEXT
  --reason TEXT  block: a note kept in the audit trail
  --json         print JSON instead of text

Examples:
  manage users list --search alice
  manage users block alice@example.com --reason "left the company" --json

${SETTINGS_LOOKUP_HELP}

${EXIT_CODES_HELP}`;

export const usersCommand: Command = {
  name: 'users',
  summary: 'list, show, block and unblock accounts',
  help: HELP,
  options: {
    ...COMMON_OPTIONS,
    json: { type: 'boolean' },
    search: { type: 'string' },
    reason: { type: 'string' },
  },
  positionals: [1, 2],
  async run({ values, positionals }, io) {
    const [action, who] = positionals as [string, string | undefined];
    if (!['list', 'show', 'block', 'unblock'].includes(action))
      throw new UsageError(`unknown action "${action}" (list, show, block, unblock)`);
    if (action === 'list' && who !== undefined) throw new UsageError('list takes no <user>');
    if (action !== 'list' && who === undefined) throw new UsageError(`${action} needs a <user>`);
    const json = values.json === true;
    const print = (value: unknown, text: string) =>
      io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : text);
    const { blockUser, findUser, listUsers, unblockUser } = await import('../../accounts/user-admin.ts');
    return withAdminDatabase(values.settings as string | undefined, io, async (db) => {
      const now = Date.now();
      if (action === 'list') {
        const users = await listUsers(db, now, values.search as string | undefined);
        print(
          users,
          users.length === 0
            ? 'No users.\n'
            : users
                .map(
                  (user) =>
                    `${user.username}  id ${user.id}  last login ${user.lastLogin}  sessions ${user.liveSessions}${user.blockedAt ? `  BLOCKED since ${user.blockedAt}` : ''}\n`,
                )
                .join(''),
        );
        return EXIT.OK;
      }
      const user = await findUser(db, now, who!);
      if (!user) {
        io.stderr(`error: no user "${who}" (manage users list shows them)\n`);
        return EXIT.CHECK_FAILED;
      }
      if (action === 'show') {
        print(
          user,
          Object.entries(user)
            .map(([key, value]) => `${key}: ${value ?? '-'}\n`)
            .join(''),
        );
        return EXIT.OK;
      }
      if (action === 'block') {
        const sessions = await blockUser(db, user.id, now, (values.reason as string | undefined) ?? null);
        print(
          { id: user.id, username: user.username, blocked: true, sessionsEnded: sessions },
          `Blocked ${user.username}; ${sessions} session(s) ended.\n`,
        );
        return EXIT.OK;
      }
      const lifted = await unblockUser(db, user.id, now);
      print(
        { id: user.id, username: user.username, blocked: false, wasBlocked: lifted },
        lifted ? `Unblocked ${user.username}.\n` : `${user.username} was not blocked.\n`,
      );
      return EXIT.OK;
    });
  },
};
