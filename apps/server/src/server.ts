/**
 * `startServer`: opens the real resources (settings, database with migrations, directory) and
 * listens. Everything else lives in `createApp`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import {
  type DatabaseConfig,
  databaseConfigFrom,
  type Finding,
  formatFinding,
  loadSettingsFile,
  type Settings,
} from '@ldap-login/config-schema';
import type { Logger } from 'pino';
import type { LoginDirectory } from './accounts/directory-port.ts';
import { createApp } from './app.ts';
import { serverIdentity } from './crypto/fingerprint.ts';
import { serverKeysFrom } from './crypto/server-keys.ts';
import { startCleanup } from './db/cleanup.ts';
import { openDatabase } from './db/database.ts';
import { executorFor } from './db/executor.ts';
import { migrateToLatest } from './db/migrations.ts';
import { createDirectory } from './directory-adapter.ts';
import { DirectoryHealthMonitor } from './health/directory-health-monitor.ts';
import { probeDirectoriesAtStart } from './health/startup-probe.ts';
import { trackInFlight } from './http/in-flight.ts';
import { ServerLifecycle } from './lifecycle.ts';
import { createLogger } from './logger.ts';
import { SessionRecheckTimer } from './sessions/session-recheck.ts';
import { productVersion } from './version.ts';

export interface StartServerOptions {
  /** Path of `settings.yaml`; or pass `settings` directly. */
  settingsFile?: string;
  settings?: Settings;
  /** The loader's warnings about `settings` (when passed directly): each is logged at start. */
  settingsWarnings?: Finding[];
  /** Overrides the database derived from the settings. */
  database?: DatabaseConfig;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Folder with the built web client; without it only the API is served. */
  webRoot?: string;
  /** File served as `/config.json` (defaults to the one in `webRoot`). */
  configJson?: string;
  /** Defaults to ldap-core's `DirectoryService` over `settings.LDAP`. */
  directory?: LoginDirectory;
  logger?: Logger;
  build?: string;
  /** Time between background probes of the directories for the health check (default 10 s). */
  directoryProbeIntervalMs?: number;
  /** Process environment for `PSONO_<KEY>` overrides when reading `settingsFile`. */
  env?: Record<string, string | undefined>;
}

export interface RunningServer {
  /** Base URL, for example `http://127.0.0.1:8080`; the API is at `${url}/server`. */
  url: string;
  /** The server's JSON logger, for lines about its life (signals, stopping). */
  logger: Logger;
  /**
   * Stops taking requests (readiness answers 503, the port closes), waits up to
   * `SHUTDOWN_DRAIN_TIMEOUT` seconds for the requests in flight, then closes what is left.
   */
  close(): Promise<void>;
}

/** The settings file has problems; `message` lists each with its key path and line. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

function loadSettings(options: StartServerOptions): {
  settings: Settings;
  database: DatabaseConfig;
  warnings: Finding[];
} {
  if (options.settings) {
    const dataDir = resolve(options.settings.DATA_DIR ?? 'data');
    return {
      settings: options.settings,
      database: options.database ?? databaseConfigFrom(options.settings, dataDir),
      warnings: options.settingsWarnings ?? [],
    };
  }
  if (!options.settingsFile) throw new SettingsError('either settingsFile or settings is required');
  const loaded = loadSettingsFile(options.settingsFile, options.env ? { env: options.env } : {});
  if (!loaded.ok) {
    throw new SettingsError(
      `${options.settingsFile}:\n${loaded.errors.map((error) => `  ${formatFinding(error)}`).join('\n')}`,
    );
  }
  return {
    settings: loaded.settings,
    database: options.database ?? loaded.database,
    warnings: loaded.warnings,
  };
}

/** How often Node looks for overdue requests; each limit is kept to within this much. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 500;

/**
 * Node's limits on slow clients: headers within HTTP_HEADERS_TIMEOUT, the whole request within
 * HTTP_REQUEST_TIMEOUT (Node's defaults are 60 s and 300 s), answered with 408. Node looks for
 * overdue requests every `connectionsCheckingInterval` (30 s by default, which would add up to
 * 30 s to each limit); checking twice a second keeps each limit within half a second.
 */
export function httpServerOptions(settings: Settings) {
  const headersTimeout = settings.HTTP_HEADERS_TIMEOUT * 1000;
  return {
    headersTimeout,
    requestTimeout: settings.HTTP_REQUEST_TIMEOUT * 1000,
    connectionsCheckingInterval: Math.min(CONNECTIONS_CHECKING_INTERVAL_MS, headersTimeout),
  };
}

/**
 * Loads the settings, migrates the database and listens.
 *
 * @example
 * const server = await startServer({ settingsFile: 'settings.yaml', host: '127.0.0.1', port: 0, webRoot: 'apps/web/dist' });
 * console.log(`${server.url}/server/info/`);
 * await server.close();
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { settings, database, warnings } = loadSettings(options);
  const logger = options.logger ?? createLogger(settings.LOG_LEVEL);
  // Findings never carry a value from the file (see the loader), so they are safe to log.
  for (const warning of warnings) {
    logger.warn(
      { setting: warning.path === '' ? null : warning.path, line: warning.line ?? null },
      `settings: ${formatFinding(warning)}`,
    );
  }
  const db = openDatabase(database, {
    onConnectionError: (error) =>
      logger.warn({ err: error }, 'database connection lost; reconnecting on next use'),
    onCheckpointerFailure: (error) =>
      logger.warn(
        { err: error },
        'the WAL checkpoint worker stopped; checkpoints run in the server thread again',
      ),
  });
  let directory: LoginDirectory | undefined;
  let directoryHealth: DirectoryHealthMonitor | undefined;
  try {
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    directory = options.directory ?? createDirectory(settings.LDAP, logger);
    const lifecycle = new ServerLifecycle();
    const keys = serverKeysFrom(settings.PRIVATE_KEY, settings.PUBLIC_KEY);
    const version = productVersion();
    directoryHealth = new DirectoryHealthMonitor(directory, logger, {
      ...(options.directoryProbeIntervalMs ? { intervalMs: options.directoryProbeIntervalMs } : {}),
    });
    const app = createApp({
      settings,
      db,
      directory,
      directoryHealth,
      logger,
      keys,
      lifecycle,
      build: options.build ?? version.revision,
      ...(options.webRoot
        ? {
            web: { root: options.webRoot, ...(options.configJson ? { configJson: options.configJson } : {}) },
          }
        : {}),
    });
    const host = options.host ?? '127.0.0.1';
    const server = serve({
      fetch: app.fetch,
      hostname: host,
      port: options.port ?? 8080,
      serverOptions: httpServerOptions(settings),
    });
    // Plain HTTP/1.1: `serve` without `createServer` builds a node:http server.
    const inFlight = trackInFlight(server as Server);
    await new Promise<void>((resolveListening, reject) => {
      server.once('listening', () => resolveListening());
      server.once('error', reject);
    });
    const address = server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${shownHost}:${address.port}`;
    logger.info(
      {
        url,
        version: version.version,
        revision: version.revision,
        database: database.kind,
        webRoot: options.webRoot ?? null,
        ...serverIdentity(keys.verifyKey),
      },
      'server listening',
    );
    directoryHealth.start();
    const openHealth = directoryHealth;
    // Logged, never fatal: the server answers meanwhile (the probe has its own timeouts).
    probeDirectoriesAtStart(directory, settings, logger).catch((error: unknown) =>
      logger.warn({ err: error }, 'directory probe at start failed'),
    );

    const cleanup = startCleanup({
      executor: executorFor(db),
      policy: {
        auditRetentionDays: settings.AUDIT_LOG_RETENTION_DAYS,
        sessionRetentionDays: settings.SESSION_RETENTION_DAYS,
        throttleWindowSeconds: settings.LOGIN_THROTTLE_WINDOW,
      },
      intervalSeconds: settings.CLEANUP_INTERVAL,
      logger,
    });

    // Users the directory no longer lets in lose their sessions within one interval.
    const recheck = new SessionRecheckTimer(
      db,
      directory,
      logger,
      settings.LDAP_SESSION_RECHECK_INTERVAL * 1000,
    );
    recheck.start();

    const openDirectory = directory;
    const drainMs = settings.SHUTDOWN_DRAIN_TIMEOUT * 1000;
    return {
      url,
      logger,
      async close() {
        openHealth.stop();
        await recheck.stop();
        lifecycle.startDraining();
        const closed = new Promise<void>((resolveClosed) => server.close(() => resolveClosed()));
        const started = performance.now();
        const pending = inFlight.count;
        const drained = await inFlight.drain(drainMs);
        logger.info(
          { inFlight: pending, drained, waitedMs: Math.round(performance.now() - started) },
          drained ? 'requests in flight finished' : 'drain timeout: closing the requests still in flight',
        );
        // Idle keep-alive connections (and, after the timeout, busy ones) would hold close() open.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await closed;
        await cleanup.stop();
        await openDirectory.close();
        await db.destroy();
        logger.info('server stopped');
      },
    };
  } catch (error) {
    directoryHealth?.stop();
    await directory?.close();
    await db.destroy();
    throw error;
  }
}
