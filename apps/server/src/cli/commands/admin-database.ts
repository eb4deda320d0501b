import type { CliIo } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { loadSettingsOrReport } from '../settings-file.ts';

/**
 * Opens the settings' database (migrated) for `manage users` / `manage sessions`, runs `work` and
 * closes it; the exit code of `work`, or USAGE / UNAVAILABLE when settings or database fail.
 */
export async function withAdminDatabase(
  settingsFile: string | undefined,
  io: CliIo,
  work: (
    db: import('../../db/schema.ts').Database,
    settings: import('@ldap-login/config-schema').Settings,
  ) => Promise<number>,
): Promise<number> {
  const loaded = loadSettingsOrReport(settingsFile, io);
  if (!loaded) return EXIT.USAGE;
  const [{ openDatabase }, { migrateToLatest }] = await Promise.all([
    import('../../db/database.ts'),
    import('../../db/migrations.ts'),
  ]);
  const db = openDatabase(loaded.result.database);
  try {
    try {
      await migrateToLatest(db);
    } catch (error) {
      io.stderr(`error: database: ${(error as Error).message}\n`);
      return EXIT.UNAVAILABLE;
    }
    return await work(db, loaded.result.settings);
  } finally {
    await db.destroy();
  }
}
