/**
 * The checks of docker/smoke-test.sh that need more than curl: each subcommand prints one line of
 * detail and exits 0 when the check passed, 1 when it failed.
 *
 *   tsx docker/smoke/checks.ts settings <ldap-url> <ca-file-in-container>   settings.yaml on stdout
 *   tsx docker/smoke/checks.ts info <base-url>                              /server/info/ verifies
 *   tsx docker/smoke/checks.ts login <base-url> [x-forwarded-for]           a full encrypted login
 *   tsx docker/smoke/checks.ts wrong-password <base-url>                    a wrong password is refused
 *   tsx docker/smoke/checks.ts browser <base-url>                           the page in Chromium
 *   tsx docker/smoke/checks.ts cross-replica <url-1> <url-2>                a session from one replica works on the other
 *   tsx docker/smoke/checks.ts json-lines                                   every line of stdin is a JSON object
 *   tsx docker/smoke/checks.ts username                                     the test user's login name
 *   tsx docker/smoke/checks.ts password                                     its password, to pipe into testldap
 *
 * Server keys for `settings` are read from standard input (the output of `manage generate-keys`).
 */

import { readFileSync } from 'node:fs';
import { datasetContent, datasetDefinition } from '@ldap-login/ldap-core/testing';
import { ApiError } from '@ldap-login/protocol';
import { chromium } from 'playwright-core';
import { HEADLESS_CHROMIUM_ARGS } from '../../apps/server/src/test-support/chromium-args.ts';
import { ProtocolClient } from '../../apps/server/src/test-support/protocol-client.ts';

/** The OpenLDAP image's default dataset; its users and service account come from the catalog. */
const DATASET = 'openldap-memberof';
const TEST_USER = 'alice';
const CHROMIUM = '/usr/bin/chromium';
const BROWSER_TIMEOUT_MS = 30_000;

const definition = datasetDefinition(DATASET);

function testUser() {
  const user = datasetContent(DATASET).people.find((person) => person.user.key === TEST_USER)?.user;
  if (!user) throw new Error(`dataset ${DATASET} has no user ${TEST_USER}`);
  return { username: `${user.login}@${definition.domain}`, password: user.password };
}

function settings(ldapUrl: string, caFile: string): string {
  const keys = readFileSync(0, 'utf8').trim();
  if (!/PRIVATE_KEY/.test(keys)) throw new Error('expected the output of `manage generate-keys` on stdin');
  const entry = { LDAP_URL: ldapUrl, ...definition.settings, LDAP_CA_CERT_FILE: caFile };
  return [
    '# Settings of the image smoke test (YAML: the LDAP entry is written as JSON).',
    keys,
    "AUTHENTICATION_METHODS: ['LDAP']",
    `LDAP: ${JSON.stringify([entry], null, 2)}`,
    '',
  ].join('\n');
}

async function info(baseUrl: string): Promise<string> {
  const serverInfo = await ProtocolClient.forUrl(`${baseUrl}/server`).info();
  if (!serverInfo.authentication_methods.includes('LDAP')) throw new Error('LDAP is not among the methods');
  return `version ${serverInfo.version}, signature verified`;
}

/** A full login; with `forwardedFor`, every request claims that client address (X-Forwarded-For). */
async function login(baseUrl: string, forwardedFor?: string): Promise<string> {
  const { username, password } = testUser();
  const client = forwardedFor
    ? new ProtocolClient((path, init) =>
        fetch(`${baseUrl}/server${path}`, {
          ...init,
          headers: {
            ...(init?.headers as Record<string, string> | undefined),
            'X-Forwarded-For': forwardedFor,
          },
        }),
      )
    : ProtocolClient.forUrl(`${baseUrl}/server`);
  const session = await client.login(username, password);
  const profile = await session.call<{ username?: string; groups?: unknown[] }>('GET', '/user/');
  if (profile.username !== username)
    throw new Error(`/user/ names ${String(profile.username)}, not ${username}`);
  await session.logout();
  return `${username} logged in (signed /info/ verified, keys decrypted, token activated, ${profile.groups?.length ?? 0} groups), logged out`;
}

async function wrongPassword(baseUrl: string): Promise<string> {
  const { username, password } = testUser();
  try {
    await ProtocolClient.forUrl(`${baseUrl}/server`).login(username, `${password}-wrong`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 400 && error.code === 'USERNAME_OR_PASSWORD_WRONG') {
      return `refused with ${error.code}`;
    }
    throw error;
  }
  throw new Error('a wrong password was accepted');
}

/** Logs in through the first replica, then uses the session through the second. */
async function crossReplica(first: string, second: string): Promise<string> {
  const { username, password } = testUser();
  let loggedIn = false;
  const client = new ProtocolClient((path, init) =>
    fetch(`${loggedIn ? second : first}/server${path}`, init),
  );
  const session = await client.login(username, password);
  loggedIn = true;
  const profile = await session.call<{ username?: string }>('GET', '/user/');
  if (profile.username !== username)
    throw new Error(`/user/ through the second replica names ${profile.username}`);
  await session.logout();
  return `logged in through ${first}, /user/ and logout through ${second}`;
}

function jsonLines(): string {
  const lines = readFileSync(0, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const plain = lines.filter((line) => {
    try {
      return typeof JSON.parse(line) !== 'object';
    } catch {
      return true;
    }
  });
  if (lines.length === 0) throw new Error('no log lines');
  if (plain.length > 0) throw new Error(`${plain.length} of ${lines.length} lines are not JSON: ${plain[0]}`);
  return `${lines.length} lines, all JSON`;
}

async function browser(baseUrl: string): Promise<string> {
  const instance = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...HEADLESS_CHROMIUM_ARGS],
    timeout: BROWSER_TIMEOUT_MS,
  });
  try {
    const page = await instance.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(`${baseUrl}/`, { timeout: BROWSER_TIMEOUT_MS });
    if (response?.status() !== 200) throw new Error(`GET / answered ${response?.status()}`);
    // The client has rendered the login form from the image's config.json.
    await page.getByLabel('Username').waitFor({ timeout: BROWSER_TIMEOUT_MS });
    await page.getByLabel('Password').waitFor({ timeout: BROWSER_TIMEOUT_MS });
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    return `login form rendered ("${await page.title()}")`;
  } finally {
    await instance.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'settings':
      if (!args[0] || !args[1]) break;
      process.stdout.write(settings(args[0], args[1]));
      return 0;
    case 'username':
      process.stdout.write(`${testUser().username}\n`);
      return 0;
    case 'json-lines':
    case 'cross-replica':
      try {
        const detail =
          command === 'json-lines' ? jsonLines() : await crossReplica(args[0] ?? '', args[1] ?? '');
        process.stdout.write(`${detail}\n`);
        return 0;
      } catch (error) {
        process.stdout.write(`${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
      }
    case 'password':
      process.stdout.write(testUser().password);
      return 0;
    case 'info':
    case 'login':
    case 'wrong-password':
    case 'browser': {
      if (!args[0]) break;
      const check = { info, login, 'wrong-password': wrongPassword, browser }[command];
      try {
        process.stdout.write(`${await check(args[0], args[1])}\n`);
        return 0;
      } catch (error) {
        process.stdout.write(`${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
      }
    }
  }
  process.stderr.write(
    'usage: checks.ts settings <ldap-url> <ca-file> | info|wrong-password|browser <base-url> | login <base-url> [x-forwarded-for] | cross-replica <url> <url> | json-lines | username | password\n',
  );
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
