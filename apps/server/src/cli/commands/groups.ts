import { COMMON_OPTIONS, type Command, UsageError } from '../command.ts';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.ts';
import { SETTINGS_LOOKUP_HELP } from '../settings-file.ts';
import { withAdminDatabase } from './admin-database.ts';

const HELP = `Usage: manage groups list [--json] [--settings FILE]
       manage groups map <vault group> <directory group DN> [--domain D] [--json]
       manage groups unmap <vault group> <directory group DN> [--domain D] [--json]
       manage groups unmap <mapping id> [--json]

Team vaults. A user creates a vault group in the web client (the group's keys are made there:
the server never holds them); an administrator then maps a directory group to it. Members of
the directory group (nested groups included, as for LDAP_REQUIRED_GROUP) become members of the
vault group at their next login or at "manage syncldap", and stop being members when they leave
the directory group. A new member sees the group's shares once the web client of a member who
holds the group's keys has passed them on (it does so by itself within minutes while open).

<vault group> is the group's id or its exact name. map and unmap apply at once to every account,
using the directory groups stored at each user's last login; "manage syncldap" asks the directory.

  list         every vault group, its members (and how many wait for keys) and its mappings
  map          map a directory group to a vault group
  unmap        remove a mapping; the memberships it made end at once
  --domain D   the LDAP entry the DN belongs to (needed when settings.yaml has several)
  --json       print JSON instead of text

Examples:
  manage groups list --json
  manage groups map "Operations" "cn=vault users,ou=groups,dc=example,dc=org"
  manage groups unmap "Operations" "cn=vault users,ou=groups,dc=example,dc=org"

${SETTINGS_LOOKUP_HELP}

${EXIT_CODES_HELP}`;

export const groupsCommand: Command = {
  name: 'groups',
  summary: 'list vault groups; map directory groups to them (team vaults)',
  help: HELP,
  options: { ...COMMON_OPTIONS, json: { type: 'boolean' }, domain: { type: 'string' } },
  positionals: [1, 3],
  async run({ values, positionals }, io) {
    const [action, group, dn] = positionals as [string, string | undefined, string | undefined];
    if (!['list', 'map', 'unmap'].includes(action))
      throw new UsageError(`unknown action "${action}" (list, map, unmap)`);
    if (action === 'list' && group !== undefined) throw new UsageError('list takes no arguments');
    if (action === 'map' && dn === undefined)
      throw new UsageError('map needs <vault group> <directory group DN>');
    if (action === 'unmap' && group === undefined)
      throw new UsageError('unmap needs <vault group> <directory group DN>, or a mapping id');
    const json = values.json === true;
    const print = (value: unknown, text: string) =>
      io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : text);
    const [{ executorFor }, mapping] = await Promise.all([
      import('../../db/executor.ts'),
      import('../../vault/forced-memberships.ts'),
    ]);
    return withAdminDatabase(values.settings as string | undefined, io, async (db, settings) => {
      const executor = executorFor(db);
      const now = Date.now();
      if (action === 'list') {
        const groups = await mapping.listVaultGroups(db);
        print(
          { groups },
          groups.length === 0
            ? 'No vault groups yet: a user creates one in the web client (Groups), then map it here.\n'
            : groups
                .map(
                  (g) =>
                    `${g.name}  id ${g.id}  members ${g.members}${g.waitingForKeys > 0 ? ` (${g.waitingForKeys} waiting for keys)` : ''}\n${
                      g.mappings.length === 0
                        ? '  not mapped\n'
                        : g.mappings
                            .map((m) => `  mapped: ${m.dn} (${m.domain})  mapping id ${m.id}\n`)
                            .join('')
                    }`,
                )
                .join(''),
        );
        return EXIT.OK;
      }
      let domain: string | undefined;
      if (dn !== undefined) {
        const domains = settings.LDAP.map((entry) => entry.LDAP_DOMAIN.toLowerCase());
        const wanted = values.domain === undefined ? undefined : String(values.domain).toLowerCase();
        if (wanted !== undefined && !domains.includes(wanted))
          throw new UsageError(`no LDAP entry serves ${wanted} (have: ${domains.join(', ')})`);
        if (wanted === undefined && domains.length !== 1)
          throw new UsageError(
            `give --domain: settings.yaml has ${domains.length} LDAP entries (${domains.join(', ')})`,
          );
        domain = wanted ?? domains[0]!;
      }
      try {
        if (action === 'map') {
          const added = await mapping.addMapping(
            db,
            executor,
            { group: group!, domain: domain!, dn: dn! },
            now,
          );
          print(
            {
              mappingId: added.id,
              groupId: added.group.id,
              groupName: added.group.name,
              domain,
              dn,
              ...added.applied,
            },
            `Mapped ${dn} (${domain}) to "${added.group.name}": ${added.applied.added} membership(s) added now from stored directory groups; the rest follow at each login or manage syncldap.\n`,
          );
          return EXIT.OK;
        }
        const removed = await mapping.removeMapping(
          db,
          executor,
          dn === undefined ? { mappingId: group! } : { group: group!, dn },
          now,
        );
        print(
          { unmapped: removed.removed, ...removed.applied },
          `Unmapped ${removed.removed.join(', ')}: ${removed.applied.removed} membership(s) ended.\n`,
        );
        return EXIT.OK;
      } catch (error) {
        if (!(error instanceof mapping.MappingError)) throw error;
        io.stderr(`error: ${error.message}\n`);
        return EXIT.CHECK_FAILED;
      }
    });
  },
};
