import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { COMMON_OPTIONS, type Command, UsageError } from '../command.ts';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.ts';
import { loadSettingsOrReport, SETTINGS_LOOKUP_HELP } from '../settings-file.ts';

const HELP = `Usage: manage backup <file> [--settings FILE]

Copies the embedded SQLite database to <file> with SQLite's online backup: the server may keep
running and writing; the copy is one consistent state of the database. Refuses to overwrite an
existing file. Restore by stopping the server and putting the copy in place of the database file
(DATA_DIR/db.sqlite3; remove the -wal and -shm files beside it).
With PostgreSQL (DATABASES in the settings) use pg_dump / pg_restore instead (docs/backup-restore.md).

${SETTINGS_LOOKUP_HELP}

${EXIT_CODES_HELP}`;

export const backupCommand: Command = {
  name: 'backup',
  summary: 'copy the embedded SQLite database to a file while the server runs',
  help: HELP,
  options: { ...COMMON_OPTIONS },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    const loaded = loadSettingsOrReport(values.settings as string | undefined, io);
    if (!loaded) return EXIT.USAGE;
    const { database } = loaded.result;
    if (database.kind !== 'sqlite') {
      throw new UsageError('the database is PostgreSQL: back it up with pg_dump (docs/backup-restore.md)');
    }
    const target = resolve(io.cwd, positionals[0]!);
    if (existsSync(target)) throw new UsageError(`${target} exists; choose a new file`);
    if (!existsSync(database.file)) {
      io.stderr(`error: no database at ${database.file} (has the server run once, or manage migrate?)\n`);
      return EXIT.UNAVAILABLE;
    }
    const { default: SqliteDatabase } = await import('better-sqlite3');
    const source = new SqliteDatabase(database.file, { readonly: true, fileMustExist: true });
    try {
      const { totalPages } = await source.backup(target);
      io.stdout(`Backed up ${database.file} to ${target} (${totalPages} pages).\n`);
      return EXIT.OK;
    } catch (error) {
      io.stderr(`error: backup of ${database.file} failed: ${(error as Error).message}\n`);
      return EXIT.UNAVAILABLE;
    } finally {
      source.close();
    }
  },
};
