/**
 * Everything the official-client test runs against, all real and all on loopback: a disposable
 * OpenLDAP, this server serving the official web client's static build at `/` and the API at
 * `/server/`, and Debian's Chromium.
 */

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type LdapEntryInput,
  ldapEntrySchema,
  type SettingsInput,
  settingsSchema,
} from '@ldap-login/config-schema';
import { startDirectoryOrSkip, type TestDirectory } from '@ldap-login/ldap-core/testing';
import { toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { type Browser, chromium } from 'playwright-core';
import { createDirectory } from '../../directory-adapter.ts';
import { LogCapture } from '../../reliability/test-support/log-capture.ts';
import { type RunningServer, startServer } from '../../server.ts';
import { HEADLESS_CHROMIUM_ARGS } from '../../test-support/chromium-args.ts';
import { type CompatEnvironment, missingPrerequisite, readCompatEnvironment } from './environment.ts';

const run = promisify(execFile);

export interface OfficialClientStack {
  directory: TestDirectory;
  server: RunningServer;
  browser: Browser;
  /** `http://127.0.0.1:P/`: the official client's start page. */
  origin: string;
  /** Every line the server logged, debug included (the test scans them for passwords). */
  logs: LogCapture;
  /** The server's settings as a file, for running `manage` commands against its database. */
  settingsFile: string;
  /** The server's DATA_DIR (its SQLite database is `db.sqlite3` in it). */
  dataDir: string;
  close(): Promise<void>;
}

export interface OfficialClientStackOptions {
  /** Settings of the directory's `LDAP` entry that differ from the dataset's (LDAP_NESTED_GROUPS, ...). */
  ldapEntry?: Partial<LdapEntryInput>;
  /** More LDIF for the test directory, loaded as its administrator (groups a test needs). */
  extraLdif?: string;
}

/**
 * Starts the stack, or returns why this machine cannot (never under CI, where a missing browser,
 * client build or directory fails the run).
 */
export async function startOfficialClientStack(
  settings: Partial<SettingsInput> = {},
  options: OfficialClientStackOptions = {},
): Promise<OfficialClientStack | { skip: string }> {
  const environment = readCompatEnvironment();
  const missing = missingPrerequisite(environment);
  if (missing !== undefined) {
    if (environment.ci) throw new Error(`the official-client test needs ${missing}`);
    return { skip: missing };
  }
  const directory = await startDirectoryOrSkip(
    {
      dataset: 'openldap-memberof',
      largeGroupSize: 0,
      ...(options.extraLdif === undefined ? {} : { extraLdif: options.extraLdif }),
    },
    'official web client test',
  );
  if (!directory) return { skip: 'no test directory on this machine' };

  const work = mkdtempSync(join(tmpdir(), 'ldap-login-official-client-'));
  const logs = new LogCapture();
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    const webRoot = await unpackWebClient(environment, work);
    const configJson = join(work, 'config.json');
    const logger = logs.logger('debug');
    const entryInput = directory.ldapEntry(options.ldapEntry);
    const entry = ldapEntrySchema.parse(entryInput);
    const keys = sodiumCrypto.generateX25519KeyPair();
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    const settingsInput = {
      PRIVATE_KEY: toHex(keys.privateKey),
      PUBLIC_KEY: toHex(keys.publicKey),
      SECRET_KEY: toHex(crypto.getRandomValues(new Uint8Array(32))),
      AUTHENTICATION_METHODS: ['LDAP'],
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      LDAP: [entryInput],
      ...settings,
    };
    // JSON is YAML: `manage --settings` reads the same settings the server runs with.
    const settingsFile = join(work, 'settings.yaml');
    writeFileSync(settingsFile, JSON.stringify(settingsInput, null, 2), { mode: 0o600 });
    server = await startServer({
      settings: settingsSchema.parse(settingsInput),
      host: '127.0.0.1',
      port: 0,
      webRoot,
      configJson,
      directory: createDirectory([entry], logger),
      logger,
      build: 'e2e',
    });
    // The server reads config.json at each request, so it can name the port only now.
    writeFileSync(configJson, JSON.stringify(officialClientConfig(server.url, entry.LDAP_DOMAIN), null, 2));
    browser = await chromium.launch({
      executablePath: environment.chromium,
      args: [...HEADLESS_CHROMIUM_ARGS],
    });
    const running = server;
    const openBrowser = browser;
    return {
      directory,
      server: running,
      browser: openBrowser,
      origin: `${running.url}/`,
      logs,
      settingsFile,
      dataDir,
      close: async () => {
        await openBrowser.close();
        await running.close();
        await directory.stop();
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await server?.close();
    await directory.stop();
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Unpacks a fresh copy of the client for this run and blanks its service-worker loader: a service
 * worker would cache the client across runs and answer from an earlier run's files.
 */
async function unpackWebClient(environment: CompatEnvironment, work: string): Promise<string> {
  await run('tar', ['-xzf', environment.webclientArchive, '-C', work]);
  const webRoot = join(work, 'webclient');
  writeFileSync(join(webRoot, 'js', 'service-worker-load.js'), '');
  return webRoot;
}

/** The client's `config.json`: this server only, LDAP only, nothing that leaves loopback. */
function officialClientConfig(serverUrl: string, domain: string): Record<string, unknown> {
  return {
    backend_servers: [{ title: 'ldap-login', url: `${serverUrl}/server`, domain }],
    allow_custom_server: false,
    allow_registration: false,
    allow_lost_password: false,
    allow_delete_account: false,
    authentication_methods: ['LDAP'],
    // The banner advertises app stores and covers the user menu.
    disable_download_bar: true,
  };
}
