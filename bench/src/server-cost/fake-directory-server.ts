/**
 * The product server with an in-memory directory, for `server-cost.ts`: the built `startServer`
 * with the settings an administrator would use (SQLite in a temporary folder, LOG_LEVEL info to
 * standard output), and a `FakeDirectory` instead of LDAP, so that the process's CPU is the server's
 * own work. Prints `listening on URL` on standard error when ready (for `startChild`); stops on
 * SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, startServer } from '@ldap-login/server';
import { FakeDirectory, testSettings } from '@ldap-login/server/testing';
import { fakeUsers } from './fake-users.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'ldap-login-server-cost-'));
const directory = new FakeDirectory();
for (const user of fakeUsers(Number(process.env.SERVER_COST_USERS ?? 64))) directory.add(user);
const settings = testSettings({
  DATA_DIR: dataDir,
  LOGIN_THROTTLE_USERNAME_FAILURES: 1_000_000,
  LOGIN_THROTTLE_ADDRESS_FAILURES: 1_000_000,
  LOG_LEVEL: 'info',
});
const server = await startServer({
  settings,
  directory,
  host: '127.0.0.1',
  port: 0,
  logger: createLogger('info'),
});

process.once('SIGTERM', () => {
  void server.close().finally(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
console.error(`listening on ${server.url}`);
