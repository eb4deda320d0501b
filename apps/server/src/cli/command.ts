import type { ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Where a command reads and writes: the real process, or a test's buffers. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads all of standard input (for `testldap <user> -`). */
  readStdin(): Promise<string>;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export interface ParsedArguments {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** One `manage` command: its options, its help text and what it does. */
export interface Command {
  name: string;
  /** One line for `manage --help`. */
  summary: string;
  /** The full text of `manage <name> --help`. */
  help: string;
  options: ParseArgsOptionsConfig;
  /** How many positional arguments it takes: [min, max]. */
  positionals: [number, number];
  run(args: ParsedArguments, io: CliIo): Promise<number>;
}

/** A command line that cannot run: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Options every command takes. */
export const COMMON_OPTIONS = {
  settings: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;
