/**
 * The product as an administrator runs it: the built `manage serve` in its own process, with a
 * generated settings.yaml (embedded SQLite in a temporary folder, fresh keys), serving one LDAP
 * entry per transport so that one process, and one memory figure, covers the whole run.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DatabaseConfig, LdapEntryInput } from '@ldap-login/config-schema';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { type RunningChild, startChild } from './child-process.ts';
import { REQUEST_TIMING_FILE_VARIABLE, REQUEST_TIMING_PRELOAD } from './request-timing/server-timing.ts';
import { directoryUrl } from './targets/raw-target.ts';
import { TRANSPORTS, type Transport } from './targets/target.ts';

export interface ProductServerOptions {
  directory: TestDirectory;
  /** Temporary folder for settings, database and logs. */
  workDir: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** LDAP_POOL_SIZE of each entry; undefined keeps the product's default. */
  poolSize?: number;
  /** Folder for a V8 CPU profile of the server (written when it stops). */
  cpuProfileDir?: string;
  /**
   * Load the bench's request-timing preload (off until SIGUSR2, see request-timing/) and have it
   * write here.
   */
  requestTimingFile?: string;
  /** Another build of the `manage` CLI to measure (default: the built @ldap-login/server). */
  manageScript?: string;
  /** The database (default: the embedded SQLite file in the work folder). */
  database?: DatabaseConfig;
  /** More LDAP entries after the two of `directory` (for example an AD-shaped directory). */
  extraEntries?: LdapEntryInput[];
}

export interface ProductServer extends RunningChild {
  /** `http://127.0.0.1:P`. */
  origin: string;
  /** The API base, `http://127.0.0.1:P/server`. */
  apiUrl: string;
  settingsFile: string;
  logFile: string;
  /** The login domain whose entry uses `transport`. */
  domainFor(transport: Transport): string;
}

/** The ldaps entry gets its own domain: each entry serves one domain (SPEC §2). */
export function domainFor(directory: TestDirectory, transport: Transport): string {
  return transport === 'ldap' ? directory.domain : `ldaps.${directory.domain}`;
}

/** Settings for the server under test. Throttling is raised so that no load is ever refused by it. */
export function productSettings(options: ProductServerOptions): Record<string, unknown> {
  const serverKeys = sodiumCrypto.generateX25519KeyPair();
  const ldap: LdapEntryInput[] = TRANSPORTS.map((transport) =>
    options.directory.ldapEntry({
      LDAP_URL: directoryUrl(options.directory, transport),
      LDAP_DOMAIN: domainFor(options.directory, transport),
      ...(options.poolSize === undefined ? {} : { LDAP_POOL_SIZE: options.poolSize }),
    }),
  );
  return {
    SECRET_KEY: toHex(sodiumCrypto.randomBytes(32)),
    PRIVATE_KEY: toHex(serverKeys.privateKey),
    PUBLIC_KEY: toHex(serverKeys.publicKey),
    HOST_URL: 'http://127.0.0.1/server',
    AUTHENTICATION_METHODS: ['LDAP'],
    DATA_DIR: join(options.workDir, 'data'),
    LOGIN_THROTTLE_USERNAME_FAILURES: 1_000_000,
    LOGIN_THROTTLE_ADDRESS_FAILURES: 1_000_000,
    LOG_LEVEL: options.logLevel,
    LDAP: [...ldap, ...(options.extraEntries ?? [])],
    ...(options.database ? { DATABASES: { default: djangoDatabase(options.database) } } : {}),
  };
}

/** The settings file's Django-style spelling of a database. */
function djangoDatabase(database: DatabaseConfig): Record<string, unknown> {
  if (database.kind === 'sqlite') return { ENGINE: 'django.db.backends.sqlite3', NAME: database.file };
  return {
    ENGINE: 'django.db.backends.postgresql',
    NAME: database.database,
    USER: database.user,
    PASSWORD: database.password,
    HOST: database.host,
    PORT: database.port,
  };
}

/** The `manage` CLI of the built server package. */
function manageScript(): string {
  const serverEntry = createRequire(import.meta.url).resolve('@ldap-login/server');
  return join(dirname(serverEntry), 'cli', 'main.js');
}

export async function startProductServer(options: ProductServerOptions): Promise<ProductServer> {
  const settingsFile = join(options.workDir, 'settings.yaml');
  // JSON is YAML; the file holds keys and the service password, so only its owner may read it.
  writeFileSync(settingsFile, `${JSON.stringify(productSettings(options), null, 2)}\n`, { mode: 0o600 });
  const logFile = join(options.workDir, 'server.log');
  const child = await startChild({
    label: 'the product server',
    nodeArgs: [
      // Idle until the open loop turns it on: the server's timestamps of tagged requests.
      ...(options.requestTimingFile ? ['--import', pathToFileURL(REQUEST_TIMING_PRELOAD).href] : []),
      ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
      options.manageScript ?? manageScript(),
      'serve',
      '--settings',
      settingsFile,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
    ],
    // The server runs as the image runs it (docker/Dockerfile sets the same glibc tuning).
    env: {
      ...withoutSettingsOverrides(process.env),
      MALLOC_MMAP_THRESHOLD_: '131072',
      ...(options.requestTimingFile ? { [REQUEST_TIMING_FILE_VARIABLE]: options.requestTimingFile } : {}),
    },
    cwd: options.workDir,
    logFile,
    // The server's JSON log line "server listening" carries the URL.
    ready: /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"server listening"/,
  });
  return {
    ...child,
    origin: child.readyMatch,
    apiUrl: `${child.readyMatch}/server`,
    settingsFile,
    logFile,
    domainFor: (transport) => domainFor(options.directory, transport),
  };
}

/** `PSONO_*` variables of the caller's shell would override the generated settings. */
function withoutSettingsOverrides(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('PSONO_')));
}
