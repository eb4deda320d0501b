/**
 * The local demo: `npm run demo` builds the server and the web client, starts a disposable OpenLDAP
 * with the demo users (a container when a Docker engine answers, else Debian's slapd), writes a
 * settings.yaml with fresh keys and a config.json into `.demo/`, starts `manage serve` (web client at
 * `/`, API at `/server/`) on 127.0.0.1, and prints the URL and the demo credentials. Ctrl-C (or
 * SIGTERM) stops everything it started.
 *
 *   npm run demo                      port 8080 (scripts/demo.sh: npm ci first when needed)
 *   npm run demo -- --port 0          any free port
 *   npm run demo -- --check           start, prove it works (page, signed /server/info/, a full
 *                                     encrypted login), stop, and exit 0 only when all of it passed
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { ProtocolClient } from '../apps/server/src/test-support/protocol-client.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MANAGE = join(ROOT, 'apps/server/dist/cli/main.js');
const TURBO = join(ROOT, 'node_modules/.bin/turbo');
const LDAP_ONLY_CONFIG = join(ROOT, 'packages/config-schema/examples/config.ldap-only.json');
const DATASET = 'openldap-memberof';
/** Users shown on the banner: plain ones, one with a tricky DN and password, one non-ASCII. */
const SHOWN_USERS = ['alice', 'bob', 'jsmith', 'zoe'];
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

const USAGE = `Usage: npm run demo [-- --port P] [--check]

  --port P   port of the demo server on 127.0.0.1 (default 8080; 0 picks a free one)
  --check    start, check the page, /server/info/ and a login, stop; exit 0 when all passed`;

function step(message: string): void {
  process.stdout.write(`demo: ${message}\n`);
}

/** A check's outcome, as `PASS demo: name` / `FAIL demo: name`, the form CI counts. */
function result(passed: boolean, message: string): void {
  process.stdout.write(`${passed ? 'PASS' : 'FAIL'} demo: ${message}\n`);
}

/** Runs a command to completion with its output shown; rejects on a non-zero exit. */
async function run(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
}

/** Runs a command and returns its standard output. */
async function capture(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
  return output;
}

/**
 * settings.yaml for the demo directory. YAML is a superset of JSON, so the LDAP entry that the
 * directory fixture describes is written as JSON, exactly as the fixture returns it.
 */
function demoSettings(keysYaml: string, directory: TestDirectory): string {
  return [
    '# Demo settings written by `npm run demo`: fresh keys and a disposable OpenLDAP.',
    keysYaml.trim(),
    "AUTHENTICATION_METHODS: ['LDAP']",
    "DATA_DIR: 'data'",
    // The demo runs on loopback only; keep a few wrong passwords from locking the demo users out.
    'LOGIN_THROTTLE_USERNAME_FAILURES: 20',
    // The dataset's disabled user (eve) may not sign in, as a real deployment would configure it.
    `LDAP: ${JSON.stringify([directory.ldapEntry({ LDAP_CUSTOM_USER_FILTER: directory.definition.enabledFilter })], null, 2)}`,
    '',
  ].join('\n');
}

/**
 * config.json of the web client: the shipped LDAP-only example, pointed at this server (no `url`: the
 * page's own origin) in the demo domain, with the demo credentials as its login text.
 */
function demoConfig(directory: TestDirectory): string {
  const { $schema: _schema, ...ldapOnly } = JSON.parse(readFileSync(LDAP_ONLY_CONFIG, 'utf8')) as Record<
    string,
    unknown
  >;
  const alice = directory.users.alice;
  return `${JSON.stringify(
    {
      ...ldapOnly,
      backend_servers: [{ title: `Demo directory (${directory.domain})`, domain: directory.domain }],
      login_info_text: alice
        ? `Demo: sign in as ${alice.login} with the password ${alice.password} (more users in the terminal).`
        : undefined,
    },
    null,
    2,
  )}\n`;
}

interface RunningDemo {
  url: string;
  server: ChildProcess;
  logFile: string;
}

/** Starts `manage serve` and resolves with its URL once it listens. */
async function startServe(
  settingsFile: string,
  configJson: string,
  port: number,
  logFile: string,
): Promise<RunningDemo> {
  const log = openSync(logFile, 'a');
  const server = spawn(
    process.execPath,
    [
      MANAGE,
      'serve',
      '--settings',
      settingsFile,
      '--config-json',
      configJson,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The child has its own copy of the descriptor.
  closeSync(log);
  let stderr = '';
  let stdout = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`manage serve did not listen within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    server.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      writeFileSync(logFile, chunk, { flag: 'a' });
    });
    // The server logs JSON lines; the one saying "server listening" carries the URL.
    server.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      writeFileSync(logFile, chunk, { flag: 'a' });
      if (stdout.length < 64 * 1024) stdout += chunk;
      const listening = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"server listening"/.exec(stdout);
      if (listening?.[1]) {
        clearTimeout(timer);
        resolveUrl(listening[1]);
      }
    });
    server.once('exit', (code) => {
      clearTimeout(timer);
      const hint = stderr.includes('EADDRINUSE')
        ? `\nport ${port} is taken: try npm run demo -- --port 0`
        : '';
      reject(new Error(`manage serve exited with ${code} before listening:\n${stderr.trim()}${hint}`));
    });
  });
  return { url, server, logFile };
}

/** Whether something still accepts TCP connections at the URL's host and port. */
function acceptsConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveOpen) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.setTimeout(2_000);
    const done = (open: boolean) => {
      socket.destroy();
      resolveOpen(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** SIGTERM, then SIGKILL if it has not exited in time; resolves with the exit code. */
async function stopProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit') as Promise<[number | null]>;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}

function banner(url: string, directory: TestDirectory, dir: string, logFile: string): string {
  const users = SHOWN_USERS.map((key) => directory.users[key]).filter((user) => user !== undefined);
  const width = Math.max(...users.map((user) => user.login.length));
  return [
    '',
    `  Open ${url}/ and sign in with a demo user (the @${directory.domain} is added for you):`,
    '',
    ...users.map((user) => `    ${user.login.padEnd(width)}  ${user.password}`),
    '',
    `  API:       ${url}/server/info/`,
    `  Directory: ${directory.url} (${directory.mode}, dataset ${DATASET}; all users in DATASETS.md)`,
    `  Settings:  ${join(dir, 'settings.yaml')}`,
    `  Log:       ${logFile}`,
    '',
    '  Press Ctrl-C to stop the server and the directory.',
    '',
  ].join('\n');
}

/** Ctrl-C or SIGTERM arrived while the demo was starting. */
class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

type Check = { name: string; run: () => Promise<void> };

async function checkDemo(url: string, directory: TestDirectory): Promise<number> {
  const alice = directory.users.alice;
  if (!alice) throw new Error(`dataset ${DATASET} has no user alice`);
  const client = ProtocolClient.forUrl(`${url}/server`);
  const checks: Check[] = [
    {
      name: 'web client page',
      run: async () => {
        const response = await fetch(`${url}/`);
        const html = await response.text();
        if (response.status !== 200 || !/<script[^>]+src=/.test(html))
          throw new Error(`GET / answered ${response.status}`);
      },
    },
    {
      name: 'config.json',
      run: async () => {
        const config = (await (await fetch(`${url}/config.json`)).json()) as {
          backend_servers?: { domain?: string }[];
        };
        if (config.backend_servers?.[0]?.domain !== directory.domain)
          throw new Error('not the demo config.json');
      },
    },
    {
      name: 'signed /server/info/',
      run: async () => {
        const info = await client.info();
        if (!info.authentication_methods.includes('LDAP')) throw new Error('LDAP is not offered');
      },
    },
    {
      name: `login as ${alice.login}`,
      run: async () => {
        const session = await client.login(`${alice.login}@${directory.domain}`, alice.password);
        const profile = await session.call<{ username?: string }>('GET', '/user/');
        if (profile.username !== `${alice.login}@${directory.domain}`) {
          throw new Error(`/user/ names ${String(profile.username)}`);
        }
        await session.logout();
      },
    },
  ];
  let failed = 0;
  for (const check of checks) {
    try {
      await check.run();
      result(true, check.name);
    } catch (error) {
      failed++;
      result(false, `${check.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failed;
}

async function main(): Promise<number> {
  let options: { port?: string; check?: boolean; help?: boolean };
  try {
    ({ values: options } = parseArgs({
      options: {
        port: { type: 'string' },
        check: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const port = Number(options.port ?? (options.check ? 0 : 8080));
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`--port must be 0..65535\n\n${USAGE}\n`);
    return 2;
  }

  step('building the server and the web client');
  await run(TURBO, [
    'run',
    'build',
    '--filter=@ldap-login/server',
    '--filter=@ldap-login/web',
    '--output-logs=errors-only',
  ]);

  // A check must not disturb a demo that is running: it works in a folder of its own.
  const dir = options.check ? mkdtempSync(join(tmpdir(), 'ldap-login-demo-')) : join(ROOT, '.demo');
  // Every run starts from nothing: the directory is new (new entryUUIDs), so old accounts would not match.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  // Ctrl-C may come at any moment, also while the directory is still starting: remember it, finish
  // the step under way (so that what it started is known), then stop everything.
  let interrupted: string | undefined;
  let onInterrupt: ((signal: string) => void) | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      interrupted ??= signal;
      onInterrupt?.(signal);
    });
  }
  const checkInterrupted = () => {
    if (interrupted) throw new Interrupted(interrupted);
  };

  let directory: TestDirectory | undefined;
  let demo: RunningDemo | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      if (demo) {
        const code = await stopProcess(demo.server);
        if (code !== 0) step(`the server exited with ${code} (log: ${demo.logFile})`);
      }
      await directory?.stop();
      if (options.check) rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    step('starting the demo directory (OpenLDAP)');
    // Built just above, so imported only now.
    const { startDirectory } = await import('@ldap-login/ldap-core/testing');
    directory = await startDirectory({ dataset: DATASET, largeGroupSize: 0 });
    checkInterrupted();
    step(`directory ready in ${Math.round(directory.startupMs)} ms (${directory.mode})`);

    const keys = await capture(process.execPath, [MANAGE, 'generate-keys']);
    const settingsFile = join(dir, 'settings.yaml');
    const configJson = join(dir, 'config.json');
    writeFileSync(settingsFile, demoSettings(keys, directory), { mode: 0o600 });
    writeFileSync(configJson, demoConfig(directory));

    step('starting the server');
    demo = await startServe(settingsFile, configJson, port, join(dir, 'server.log'));
    checkInterrupted();

    if (options.check) {
      const failed = await checkDemo(demo.url, directory);
      const server = demo.server;
      const serverUrl = demo.url;
      const directoryUrl = directory.url;
      await stopAll();
      const stillOpen = await Promise.all([serverUrl, directoryUrl].map(acceptsConnections));
      const stoppedCleanly = server.exitCode === 0 && !stillOpen.some(Boolean);
      result(
        stoppedCleanly,
        `clean stop (server exit ${server.exitCode}, server and directory ports closed)`,
      );
      const total = failed + (stoppedCleanly ? 0 : 1);
      step(total === 0 ? 'check passed' : `check FAILED (${total} failed)`);
      return total === 0 ? 0 : 1;
    }

    process.stdout.write(banner(demo.url, directory, dir, demo.logFile));
    const running = demo.server;
    const reason = await new Promise<string>((resolveReason) => {
      onInterrupt = resolveReason;
      running.once('exit', (code) => resolveReason(`the server exited (${code})`));
    });
    step(`${reason}: stopping`);
    await stopAll();
    step('stopped');
    return 0;
  } catch (error) {
    if (error instanceof Interrupted) {
      step(`${error.message}: stopping`);
      await stopAll();
      step('stopped');
      return 130;
    }
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    if (demo) process.stderr.write(`demo: server log: ${demo.logFile}\n`);
    try {
      process.stderr.write(readFileSync(join(dir, 'server.log'), 'utf8').split('\n').slice(-20).join('\n'));
    } catch {
      // No log yet: the failure came before the server started.
    }
    await stopAll();
    return 1;
  }
}

process.exitCode = await main();
