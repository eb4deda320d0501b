/// <reference lib="dom" />
/**
 * Our web client with a large vault, in Chromium on this machine: the time from the login click to
 * the list of entries, the time from a keystroke in the search to the filtered list, and the size of
 * its JavaScript (gzip) next to the official Psono web client's.
 *
 * Everything runs on loopback: a disposable OpenLDAP, the combined server serving a fresh build of
 * apps/web, Debian's Chromium. Every loop is bounded in count and time.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type LdapEntryInput, settingsSchema } from '@ldap-login/config-schema';
import { startDirectory } from '@ldap-login/ldap-core/testing';
import { toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { startServer } from '@ldap-login/server';
import { HEADLESS_CHROMIUM_ARGS, ProtocolClient } from '@ldap-login/server/testing';
import { chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { type JsSize, jsSizeOf, officialWebclientArchive } from '../web-size.ts';
import { entryTitle, seedDatastore } from './seed-datastore.ts';

const run = promisify(execFile);
const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const WEB_DIR = join(REPOSITORY_ROOT, 'apps', 'web');
/** One login (scrypt in a worker) plus decrypting the datastore: generous on a loaded machine. */
const LOGIN_TIMEOUT_MS = 120_000;
const SEARCH_TIMEOUT_MS = 30_000;

export interface WebVaultOptions {
  entries?: number;
  /** logins measured (each in a fresh browser profile) */
  logins?: number;
  /** keystrokes measured */
  keystrokes?: number;
  chromium?: string;
  /** A built web client to serve (the bench's `apps/web/dist`); without it, apps/web is built here. */
  webRoot?: string;
  /** A running directory and one of its users; without it, a test directory is started here. */
  directory?: { entry: LdapEntryInput; domain: string; login: string; password: string };
}

export type { JsSize };

export interface WebVaultFigures {
  entries: number;
  /** login click -> first entry row shown, each run in ms */
  loginToListMs: number[];
  /** keydown in the search -> list shows the matching entries, each run in ms */
  keystrokeToResultsMs: number[];
  ourJs: JsSize;
  /** null when the official client's build is not on this machine */
  officialJs: JsSize | null;
}

/** The official client's JavaScript, from its build archive (see web-size.ts), or null without it. */
async function officialJsSize(work: string): Promise<JsSize | null> {
  const archive = officialWebclientArchive();
  if (!existsSync(archive)) return null;
  const target = join(work, 'official');
  mkdirSync(target);
  await run('tar', ['-xzf', archive, '-C', target]);
  return jsSizeOf(target);
}

/** Clicks "Sign in" and resolves with the ms until the first entry row is in the page. */
function timeLoginToList(page: Page): Promise<number> {
  return page.evaluate(
    (timeout) =>
      new Promise<number>((resolvePromise, reject) => {
        const start = performance.now();
        const timer = setTimeout(() => reject(new Error('the list did not show')), timeout);
        const observer = new MutationObserver(() => {
          if (!document.querySelector('.entry-row')) return;
          observer.disconnect();
          clearTimeout(timer);
          resolvePromise(performance.now() - start);
        });
        observer.observe(document.body, { childList: true, subtree: true });
        document.querySelector<HTMLButtonElement>('button[type=submit]')?.click();
      }),
    LOGIN_TIMEOUT_MS,
  );
}

/**
 * With the search holding all but the last character of `query`, types that character and resolves
 * with the ms from its keydown until the list holds exactly `expected` rows.
 */
async function timeKeystroke(page: Page, query: string, expected: number): Promise<number> {
  const search = page.getByRole('searchbox');
  await search.fill(query.slice(0, -1));
  await page.waitForTimeout(300);
  const measured = page.evaluate(
    ([count, timeout]) =>
      new Promise<number>((resolvePromise, reject) => {
        let start = 0;
        const timer = setTimeout(() => reject(new Error('the filtered list did not show')), timeout);
        // No named functions in here: tsx would wrap them in a helper the page does not have.
        const observer = new MutationObserver(() => {
          if (start === 0 || document.querySelectorAll('.entry-list .entry-row').length !== count) return;
          observer.disconnect();
          clearTimeout(timer);
          resolvePromise(performance.now() - start);
        });
        observer.observe(document.body, { childList: true, subtree: true, characterData: true });
        document.addEventListener('keydown', () => (start = performance.now()), {
          capture: true,
          once: true,
        });
      }),
    [expected, SEARCH_TIMEOUT_MS] as const,
  );
  await search.press(query.slice(-1));
  return measured;
}

/** Runs the whole measurement; see the module's comment. */
export async function measureWebVault(options: WebVaultOptions = {}): Promise<WebVaultFigures> {
  const entries = options.entries ?? 5000;
  const logins = Math.min(options.logins ?? 3, 10);
  const keystrokes = Math.min(options.keystrokes ?? 10, 50);
  const chromiumPath = options.chromium ?? '/usr/bin/chromium';
  const work = mkdtempSync(join(tmpdir(), 'ldap-login-bench-web-vault-'));
  const ownDirectory = options.directory
    ? undefined
    : await startDirectory({ dataset: 'openldap-memberof', largeGroupSize: 0 });
  const directory = options.directory ?? {
    entry: ownDirectory!.ldapEntry(),
    domain: ownDirectory!.domain,
    login: ownDirectory!.users.alice!.login,
    password: ownDirectory!.users.alice!.password,
  };
  try {
    const webRoot = options.webRoot ?? join(work, 'web');
    if (options.webRoot === undefined) {
      await build({
        root: WEB_DIR,
        configFile: join(WEB_DIR, 'vite.config.ts'),
        logLevel: 'warn',
        build: { outDir: webRoot, emptyOutDir: true },
      });
    }
    const ourJs = jsSizeOf(webRoot);
    const officialJs = await officialJsSize(work);

    const serverKeys = sodiumCrypto.generateX25519KeyPair();
    mkdirSync(join(work, 'data'));
    const configJson = join(work, 'config.json');
    const server = await startServer({
      settings: settingsSchema.parse({
        SECRET_KEY: toHex(sodiumCrypto.randomBytes(32)),
        PRIVATE_KEY: toHex(serverKeys.privateKey),
        PUBLIC_KEY: toHex(serverKeys.publicKey),
        AUTHENTICATION_METHODS: ['LDAP'],
        DATA_DIR: join(work, 'data'),
        LOG_LEVEL: 'error',
        LDAP: [directory.entry],
      }),
      host: '127.0.0.1',
      port: 0,
      webRoot,
      configJson,
      build: 'bench',
    });
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [...HEADLESS_CHROMIUM_ARGS],
    });
    try {
      const info = (await (await fetch(`${server.url}/server/info/`)).json()) as { verify_key: string };
      writeFileSync(
        configJson,
        JSON.stringify({
          backend_servers: [
            { title: 'Bench', verify_key: info.verify_key, autoapprove_plain_password: true },
          ],
          authentication_methods: ['LDAP'],
          allow_custom_server: false,
        }),
      );
      const alice = { login: directory.login, password: directory.password };
      const session = await ProtocolClient.forUrl(`${server.url}/server`).login(
        `${alice.login}@${directory.domain}`,
        alice.password,
      );
      await seedDatastore(session, { entries, folders: 20, concurrency: 8 });

      const loginToListMs: number[] = [];
      const keystrokeToResultsMs: number[] = [];
      for (let attempt = 0; attempt < logins; attempt++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        await page.goto(`${server.url}/`);
        await page.locator('#username').fill(alice.login);
        await page.locator('#password').fill(alice.password);
        loginToListMs.push(await timeLoginToList(page));
        if (attempt === logins - 1) {
          // "Entry 0488" matches one entry; the keystroke narrows "Entry 048" (ten entries) to it.
          for (let k = 0; k < keystrokes; k++) {
            const n = 1 + ((k * 487) % entries);
            keystrokeToResultsMs.push(await timeKeystroke(page, entryTitle(n), 1));
          }
        }
        await context.close();
      }
      return { entries, loginToListMs, keystrokeToResultsMs, ourJs, officialJs };
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    await ownDirectory?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** What `npm run bench` keeps of the cell, under `figures.web.vault` (ms, rounded to 0.1). */
export interface WebVaultRecord {
  entries: number;
  login_to_list_ms: number[];
  login_to_list_median_ms: number;
  keystroke_to_results_ms: number[];
  keystroke_to_results_median_ms: number;
}

export function webVaultRecord(figures: WebVaultFigures): WebVaultRecord {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    entries: figures.entries,
    login_to_list_ms: figures.loginToListMs.map(round),
    login_to_list_median_ms: round(median(figures.loginToListMs)),
    keystroke_to_results_ms: figures.keystrokeToResultsMs.map(round),
    keystroke_to_results_median_ms: round(median(figures.keystrokeToResultsMs)),
  };
}
