import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../logger.ts';
import { COMMON_OPTIONS, type Command, UsageError } from '../command.ts';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.ts';
import { formatFindings, loadSettings, SETTINGS_LOOKUP_HELP } from '../settings-file.ts';
import { untilStopSignal } from '../stop-signals.ts';

/** The built web client beside this package in the repository and in the image (`apps/web/dist`). */
const BUNDLED_WEB_ROOT = fileURLToPath(new URL('../../../../web/dist', import.meta.url));

const HELP = `Usage: manage serve [--host H] [--port P] [--web-root DIR] [--config-json FILE] [--settings FILE]

Runs the server: the web client at / and the API at /server/. Migrates the database first.
Logs JSON lines on standard output; the line "server listening" carries the URL, the version and
the server's fingerprint. On SIGINT or SIGTERM it stops taking requests, lets the requests in
flight finish (at most SHUTDOWN_DRAIN_TIMEOUT seconds, default 8) and exits 0. SIGHUP is logged
and ignored: settings are read at start, restart to apply changes.

  --host H             address to listen on (default 127.0.0.1; 0.0.0.0 in a container)
  --port P             port (default 8080; 0 picks a free one)
  --web-root DIR       built web client (default: the bundled apps/web/dist when present;
                       without one only the API is served)
  --config-json FILE   the web client's config.json (default: the one in the web root)

${SETTINGS_LOOKUP_HELP}

${EXIT_CODES_HELP}`;

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8080;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be 0..65535, not "${value}"`);
  return port;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the server (web client at /, API at /server/)',
  help: HELP,
  options: {
    ...COMMON_OPTIONS,
    host: { type: 'string' },
    port: { type: 'string' },
    'web-root': { type: 'string' },
    'config-json': { type: 'string' },
  },
  positionals: [0, 0],
  async run({ values }, io) {
    const port = parsePort(values.port as string | undefined);
    // Every line serve writes is JSON, the refusals before the server's own logger too.
    const startLog = createLogger('info', { write: (line: string) => io.stderr(line) });
    const loaded = loadSettings(values.settings as string | undefined, io.env, io.cwd, { serving: true });
    if (!loaded.ok) {
      // One line per finding: `msg` is check-settings' text (with the file), and the setting, its
      // line and column are fields of their own for a log collector to index.
      const file = loaded.location?.path;
      const texts = formatFindings(loaded.errors, file);
      loaded.errors.forEach((finding, index) => {
        startLog.fatal(
          {
            code: 'SETTINGS_INVALID',
            file,
            ...(finding.path ? { setting: finding.path } : {}),
            ...(finding.line !== undefined ? { line: finding.line } : {}),
            ...(finding.column !== undefined ? { column: finding.column } : {}),
          },
          texts[index],
        );
      });
      startLog.fatal({ exitCode: EXIT.USAGE }, 'the server did not start: the settings are invalid');
      return EXIT.USAGE;
    }
    const webRoot =
      (values['web-root'] as string | undefined) ??
      (existsSync(BUNDLED_WEB_ROOT) ? BUNDLED_WEB_ROOT : undefined);
    const configJson = values['config-json'] as string | undefined;
    const { SettingsError, startServer } = await import('../../server.ts');
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      // The settings were read once, above; their warnings are logged when the server starts.
      server = await startServer({
        settings: loaded.result.settings,
        settingsWarnings: loaded.result.warnings,
        database: loaded.result.database,
        host: (values.host as string | undefined) ?? '127.0.0.1',
        port,
        ...(webRoot ? { webRoot } : {}),
        ...(configJson ? { configJson } : {}),
      });
    } catch (error) {
      const exitCode = error instanceof SettingsError ? EXIT.USAGE : EXIT.UNAVAILABLE;
      startLog.fatal({ exitCode }, `the server did not start: ${(error as Error).message}`);
      return exitCode;
    }
    // Every line from here on is the server's JSON log ('server listening' carries the URL).
    const signal = await untilStopSignal(server.logger);
    server.logger.info({ signal }, 'stopping');
    await server.close();
    return EXIT.OK;
  },
};
