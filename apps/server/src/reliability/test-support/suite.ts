/**
 * The set-up that every file of the suite shares: the directory with its passwords registered as
 * secrets, a scratch folder for the database, tests skipped while the file could not start, and
 * the server listening over that directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LdapEntryInput, ldapEntrySchema } from '@ldap-login/config-schema';
import type { StartDirectoryOptions, TestDirectory } from '@ldap-login/ldap-core/testing';
import { beforeEach, expect } from 'vitest';
import { createDirectory } from '../../directory-adapter.ts';
import { type RunningServer, type StartServerOptions, startServer } from '../../server.ts';
import { startSuiteDirectory } from './directory.ts';
import { FigureBook, type SuiteFile } from './figures.ts';
import { findSecrets, LogCapture, SecretRegistry } from './log-capture.ts';

/** What each file records: its figures, every log line, and the secrets no log line may carry. */
export function suiteRecorders(file: SuiteFile): {
  figures: FigureBook;
  logs: LogCapture;
  secrets: SecretRegistry;
} {
  return { figures: new FigureBook(file), logs: new LogCapture(), secrets: new SecretRegistry() };
}

/**
 * Starts the suite's directory (or returns the skip message) and registers the service account's
 * and every user's password, which no log line may carry.
 */
export async function startDirectoryWithSecrets(
  what: string,
  secrets: SecretRegistry,
  options: Partial<StartDirectoryOptions> = {},
): Promise<{ directory: TestDirectory } | { skip: string }> {
  const started = await startSuiteDirectory(what, options);
  if ('skip' in started) return started;
  const { directory } = started;
  secrets.add('service account password', directory.bindPassword);
  for (const user of Object.values(directory.users)) secrets.add('user password', user.password);
  return started;
}

/** `startDirectoryWithSecrets`, plus a fresh scratch folder for the file's database. */
export async function startDirectoryWithFolder(
  what: string,
  folderName: string,
  secrets: SecretRegistry,
): Promise<{ directory: TestDirectory; folder: string } | { skip: string }> {
  const started = await startDirectoryWithSecrets(what, secrets);
  if ('skip' in started) return started;
  return { directory: started.directory, folder: scratchFolder(folderName) };
}

/**
 * Skips each test of the file once `because()` was called (when `beforeAll` gave up, having
 * printed why).
 */
export function skipGate(): { because(reason: string): void } {
  let skipped: string | undefined;
  beforeEach((context) => {
    if (skipped !== undefined) context.skip();
  });
  return {
    because(reason) {
      skipped = reason;
    },
  };
}

/** A fresh folder for one file's database and files. */
export function scratchFolder(name: string): string {
  return mkdtempSync(join(tmpdir(), `ldap-login-reliability-${name}-`));
}

export function removeFolder(folder: string | undefined): void {
  if (folder) rmSync(folder, { recursive: true, force: true });
}

/** The server listening on a free loopback port, its directory layer logging to `logger`. */
export function startDirectoryServer(options: {
  entry: LdapEntryInput;
  settings: NonNullable<StartServerOptions['settings']>;
  database: NonNullable<StartServerOptions['database']>;
  logger: NonNullable<StartServerOptions['logger']>;
  directoryProbeIntervalMs?: number;
}): Promise<RunningServer> {
  const { entry, settings, database, logger, directoryProbeIntervalMs } = options;
  return startServer({
    settings,
    database,
    host: '127.0.0.1',
    port: 0,
    directory: createDirectory([ldapEntrySchema.parse(entry)], logger),
    logger,
    ...(directoryProbeIntervalMs === undefined ? {} : { directoryProbeIntervalMs }),
  });
}

/**
 * The check each file ends with: there are log lines, and none carries a registered secret. The
 * figures record how many lines were read (and, with `countSecrets`, how many secrets).
 */
export function expectNoSecretsInLogs(
  logs: LogCapture,
  secrets: SecretRegistry,
  figures: FigureBook,
  options: { countSecrets?: boolean } = {},
): void {
  expect(logs.lines.length).toBeGreaterThan(0);
  figures.set('log lines scanned', logs.lines.length);
  if (options.countSecrets) figures.set('secrets searched for', secrets.secrets.size);
  expect(findSecrets(logs.lines, secrets.secrets)).toEqual([]);
}
