/**
 * Browser tests run the real thing: the combined server (API at /server/, this client's fresh
 * build at /) over a disposable OpenLDAP, driven through Debian's Chromium.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settingsSchema } from '@ldap-login/config-schema';
import {
  runningInCi,
  startDirectory,
  type TestDirectory,
  TestDirectoryError,
} from '@ldap-login/ldap-core/testing';
import { nobleCrypto, toHex } from '@ldap-login/protocol';
import { type RunningServer, startServer } from '@ldap-login/server';
import { HEADLESS_CHROMIUM_ARGS } from '@ldap-login/server/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll } from 'vitest';
import { expectAccessible } from './accessibility.ts';

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOT_DIR = join(WEB_DIR, 'test-output', 'screenshots');
/** Every screen is captured on a desktop and a phone, each in the light and the dark scheme. */
export const SCREENSHOT_VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;
const COLOR_SCHEMES = ['light', 'dark'] as const;

/** The built `manage` CLI of the server package beside this one. */
const MANAGE = join(WEB_DIR, '../server/dist/cli/main.js');

// The only place these tests read the environment.
const CI = runningInCi();
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export interface Stack {
  directory: TestDirectory;
  server: RunningServer;
  browser: Browser;
  /** `http://127.0.0.1:P/` */
  origin: string;
  /** the API base as the client names it: `http://127.0.0.1:P/server` */
  apiUrl: string;
  /** the server's Ed25519 verify key (hex), read from /server/info/ */
  verifyKey: string;
  setConfig(config: Record<string, unknown>): void;
  /** Runs the server's `manage` CLI on the same settings and database (for example `groups map`). */
  manage(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** failed logins per username before the server throttles */
  usernameFailures?: number;
}

/**
 * Starts everything, or returns a reason to skip. Skipping is allowed only outside CI: in CI a
 * missing browser or directory is a failure.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack | { skip: string }> {
  if (!existsSync(CHROMIUM)) {
    const reason = `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;
    if (CI) throw new Error(`browser tests need ${reason}`);
    return { skip: reason };
  }
  let directory: TestDirectory;
  try {
    directory = await startDirectory({ dataset: 'openldap-memberof', largeGroupSize: 0 });
  } catch (error) {
    if (
      !CI &&
      error instanceof TestDirectoryError &&
      (error.code === 'NO_BACKEND' || error.code === 'ENGINE_UNAVAILABLE')
    ) {
      return { skip: error.message };
    }
    throw error;
  }
  const work = mkdtempSync(join(tmpdir(), 'ldap-login-web-e2e-'));
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    const webRoot = join(work, 'web');
    await build({
      root: WEB_DIR,
      configFile: join(WEB_DIR, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: webRoot, emptyOutDir: true },
    });
    const configJson = join(work, 'config.json');
    writeFileSync(configJson, '{}');
    const serverKeys = nobleCrypto.generateX25519KeyPair();
    const settingsInput = {
      SECRET_KEY: toHex(nobleCrypto.randomBytes(32)),
      PRIVATE_KEY: toHex(serverKeys.privateKey),
      PUBLIC_KEY: toHex(serverKeys.publicKey),
      AUTHENTICATION_METHODS: ['LDAP'],
      DATA_DIR: join(work, 'data'),
      LOG_LEVEL: 'error',
      LOGIN_THROTTLE_USERNAME_FAILURES: options.usernameFailures ?? 3,
      LOGIN_THROTTLE_ADDRESS_FAILURES: 1000,
      LDAP: [directory.ldapEntry()],
      // Without server secrets a directory password change locks the keys until this client
      // re-encrypts them with the previous password: the path these tests check. The server's own
      // tests and the official client's cover the default (`auto`).
      COMPLIANCE_SERVER_SECRETS: 'noone',
    };
    const settings = settingsSchema.parse(settingsInput);
    // The same settings for `manage` (YAML takes JSON as it is).
    const settingsFile = join(work, 'settings.yaml');
    writeFileSync(settingsFile, JSON.stringify(settingsInput));
    mkdirSync(join(work, 'data'));
    server = await startServer({ settings, host: '127.0.0.1', port: 0, webRoot, configJson, build: 'e2e' });
    const info = (await (await fetch(`${server.url}/server/info/`)).json()) as { verify_key: string };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_CHROMIUM_ARGS] });
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const running = server;
    const openBrowser = browser;
    return {
      directory,
      server: running,
      browser: openBrowser,
      origin: `${running.url}/`,
      apiUrl: `${running.url}/server`,
      verifyKey: info.verify_key,
      setConfig: (config) => writeFileSync(configJson, JSON.stringify(config, null, 2)),
      manage: (...args) =>
        new Promise((resolve) => {
          execFile(
            process.execPath,
            [MANAGE, ...args, '--settings', settingsFile],
            { timeout: 60_000, env: withoutSettingsOverrides() },
            (error, stdout, stderr) => {
              const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
              resolve({ code, stdout, stderr });
            },
          );
        }),
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

/** The environment for `manage`, without the developer shell's settings overrides. */
function withoutSettingsOverrides(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith('PSONO_') && key !== 'LDAP_LOGIN_SETTINGS') env[key] = value;
  return env;
}

export function isStack(value: Stack | { skip: string } | undefined): value is Stack {
  return value !== undefined && !('skip' in value);
}

/**
 * One stack for a test file: started before its tests (a loud note when it skips), closed after
 * them. Each test calls the returned `ready(skip)` for the running stack; without one it skips.
 */
export function useStack(what: string, options: StackOptions = {}): (skip: (note?: string) => void) => Stack {
  let stack: Stack | { skip: string } | undefined;
  beforeAll(async () => {
    stack = await startStack(options);
    if (!isStack(stack)) {
      console.warn(`\n!!! SKIPPING ${what}: ${stack.skip}\n!!! They run in CI, where this is an error.\n`);
    }
  }, 180_000);
  afterAll(async () => {
    if (isStack(stack)) await stack.close();
  }, 60_000);
  return (skip) => {
    if (!isStack(stack)) {
      skip(stack?.skip ?? 'stack not started');
      throw new Error('unreachable');
    }
    return stack;
  };
}

/** A fresh browser profile (empty storage): a first visit. */
export async function newVisitor(
  stack: Stack,
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await stack.browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  return { context, page };
}

/** Waits for running CSS transitions (colours fade when the scheme changes) to end; spinners run on. */
async function settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    // Two frames: the new scheme's styles are computed and their transitions have started.
    for (let frame = 0; frame < 2; frame++) await new Promise((resolve) => requestAnimationFrame(resolve));
    const ending = document
      .getAnimations()
      .filter((animation) => animation.effect?.getComputedTiming().endTime !== Number.POSITIVE_INFINITY)
      .map((animation) => animation.finished.catch(() => undefined));
    // bounded: a transition restarted by the page itself must not hang the test
    return Promise.race([Promise.all(ending), new Promise((resolve) => setTimeout(resolve, 2000))]);
  });
}

/**
 * One screen, as the user sees it now: checked with axe-core in the light and the dark scheme (a
 * serious or critical finding fails the test), then written as four screenshots
 * (`<name>-<width>x<height>-<scheme>.png`: 1280x800 and 390x844, light and dark). The page gets its
 * own viewport and scheme back afterwards.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const viewport = page.viewportSize();
  try {
    for (const colorScheme of COLOR_SCHEMES) {
      await page.emulateMedia({ colorScheme });
      await settled(page);
      await expectAccessible(page, `${name} (${colorScheme})`);
    }
    for (const size of SCREENSHOT_VIEWPORTS) {
      await page.setViewportSize(size);
      for (const colorScheme of COLOR_SCHEMES) {
        await page.emulateMedia({ colorScheme });
        await page.screenshot({
          path: join(SCREENSHOT_DIR, `${name}-${size.width}x${size.height}-${colorScheme}.png`),
          fullPage: true,
          animations: 'disabled',
        });
      }
    }
  } finally {
    if (viewport) await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme: 'light' });
  }
}

/** Fills the login form and submits it with the keyboard. */
export async function submitLogin(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
}

/**
 * The page's config.json as an administrator writes it for this server: one backend, "Example Corp",
 * the directory's domain, the server's verify key pinned, directory logins only; `extra` adds to it.
 */
export function configureExampleCorp(s: Stack, extra: Record<string, unknown> = {}): void {
  s.setConfig({
    backend_servers: [
      {
        title: 'Example Corp',
        domain: s.directory.domain,
        verify_key: s.verifyKey,
        autoapprove_plain_password: true,
      },
    ],
    authentication_methods: ['LDAP'],
    ...extra,
  });
}
