#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatVersion } from '../version.ts';
import { type CliIo, type Command, UsageError } from './command.ts';
import { backupCommand } from './commands/backup.ts';
import { checkSettingsCommand } from './commands/check-settings.ts';
import { fingerprintCommand } from './commands/fingerprint.ts';
import { generateKeysCommand } from './commands/generate-keys.ts';
import { groupsCommand } from './commands/groups.ts';
import { migrateCommand } from './commands/migrate.ts';
import { serveCommand } from './commands/serve.ts';
import { sessionsCommand } from './commands/sessions.ts';
import { syncldapCommand } from './commands/syncldap.ts';
import { testldapCommand } from './commands/testldap.ts';
import { usersCommand } from './commands/users.ts';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.ts';
import { SETTINGS_LOOKUP_HELP } from './settings-file.ts';

/** Every command, in the order `manage --help` lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  testldapCommand,
  checkSettingsCommand,
  generateKeysCommand,
  fingerprintCommand,
  migrateCommand,
  backupCommand,
  syncldapCommand,
  usersCommand,
  sessionsCommand,
  groupsCommand,
];

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `Usage: manage <command> [options]

Commands:
${lines.join('\n')}

Every command takes --settings FILE and --help. manage --version prints the version.

${SETTINGS_LOOKUP_HELP}

${EXIT_CODES_HELP}
`;
}

function parseCommandLine(command: Command, argv: string[]) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util reports unknown options and missing values as TypeErrors with ERR_PARSE_ARGS_* codes.
    if (
      error instanceof TypeError &&
      String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')
    ) {
      throw new UsageError(error.message);
    }
    throw error;
  }
  return parsed;
}

/**
 * Runs `manage` with `argv` (without the node and script paths) and returns the exit code.
 * Never throws: every failure is printed and mapped to an exit code.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(topHelp());
    return EXIT.USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const wanted = name === 'help' ? COMMANDS.find((command) => command.name === rest[0]) : undefined;
    io.stdout(wanted ? `${wanted.help}\n` : topHelp());
    return EXIT.OK;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`ldap-login ${formatVersion()}\n`);
    return EXIT.OK;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr(`manage: unknown command "${name}"\n\n${topHelp()}`);
    return EXIT.USAGE;
  }
  try {
    const { values, positionals } = parseCommandLine(command, rest);
    if (values.help === true) {
      io.stdout(`${command.help}\n`);
      return EXIT.OK;
    }
    const [min, max] = command.positionals;
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(
        min === max
          ? `expects ${min === 0 ? 'no' : min} argument${min === 1 ? '' : 's'}, got ${positionals.length}`
          : `expects ${min} to ${max} arguments, got ${positionals.length}`,
      );
    }
    return await command.run({ values, positionals }, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`manage ${command.name}: ${error.message}\n\n${command.help}\n`);
      return EXIT.USAGE;
    }
    io.stderr(
      `manage ${command.name}: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return EXIT.UNAVAILABLE;
  }
}

/** Set once the reader of standard output went away (`manage testldap ... | head -2`). */
let stdoutClosed = false;

/** The real process: standard streams, environment, working directory. */
export const processIo: CliIo = {
  stdout: (text) => {
    if (!stdoutClosed) process.stdout.write(text);
  },
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
  cwd: invocationDirectory(process.env),
};

/**
 * The folder relative paths (`--settings FILE`) are resolved against: where the administrator typed
 * the command. `npm run manage` runs the script from the repository's root and keeps that folder
 * in INIT_CWD.
 */
export function invocationDirectory(env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  return env.npm_lifecycle_event === 'manage' && env.INIT_CWD ? env.INIT_CWD : cwd;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    // npm's bin links are symlinks: compare real paths.
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // A reader that stops early is not an error: the command finishes (and exits with its own code)
  // without writing the rest, instead of crashing with EPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stdoutClosed = true;
  });
  const code = await runCli(process.argv.slice(2), processIo);
  // serve keeps running: its command resolves only once the server has stopped.
  process.exitCode = code;
}
