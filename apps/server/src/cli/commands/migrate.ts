import { COMMON_OPTIONS, type Command } from '../command.ts';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.ts';
import { loadSettingsOrReport, SETTINGS_LOOKUP_HELP } from '../settings-file.ts';

const HELP = `Usage: manage migrate [--settings FILE]

Creates or updates the database schema (the embedded SQLite file in DATA_DIR, or the
PostgreSQL database of DATABASES.default). Safe to run at every start and from several
replicas at once. serve runs it too.

${SETTINGS_LOOKUP_HELP}

${EXIT_CODES_HELP}`;

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'create or update the database schema',
  help: HELP,
  options: { ...COMMON_OPTIONS },
  positionals: [0, 0],
  async run({ values }, io) {
    const loaded = loadSettingsOrReport(values.settings as string | undefined, io);
    if (!loaded) return EXIT.USAGE;
    const { database } = loaded.result;
    const where =
      database.kind === 'sqlite' ? database.file : `${database.host}:${database.port}/${database.database}`;
    const [{ openDatabase }, { migrateToLatest }] = await Promise.all([
      import('../../db/database.ts'),
      import('../../db/migrations.ts'),
    ]);
    const db = openDatabase(database);
    try {
      const applied = await migrateToLatest(db);
      io.stdout(
        applied.length === 0
          ? `Database ${where} is up to date.\n`
          : `Applied ${applied.length} migration(s) to ${where}: ${applied.join(', ')}\n`,
      );
      return EXIT.OK;
    } catch (error) {
      const cause =
        (error as Error).cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : '';
      io.stderr(`error: database ${where}: ${(error as Error).message}${cause}\n`);
      return EXIT.UNAVAILABLE;
    } finally {
      await db.destroy();
    }
  },
};
