/**
 * This repository's web client (apps/web) beside the official one: built fresh with Vite into a
 * folder below the official client's web root, so both talk to the same server from the same
 * origin, and driven the way a person does (roles and labels, the same ones its own browser tests use).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { REPOSITORY_ROOT } from './environment.ts';
import { UI_TIMEOUT_MS, type WebsitePassword } from './official-client-ui.ts';

const WEB_DIR = join(REPOSITORY_ROOT, 'apps', 'web');
/** The folder below the web root that holds our client. */
const FOLDER = 'ours';
/** Our client's login: one scrypt in a worker, then the datastore. */
const LOGIN_TIMEOUT_MS = 90_000;

/**
 * Builds our client into `<webRoot>/ours/` with a config.json naming this server by its pinned key
 * and no domain (the server announces its directory's). Returns the page to open: `index.html`
 * itself, since the server answers a bare folder path with the official client's page.
 */
export async function installOurClient(
  webRoot: string,
  serverUrl: string,
  verifyKey: string,
): Promise<string> {
  const outDir = join(webRoot, FOLDER);
  await build({
    root: WEB_DIR,
    configFile: join(WEB_DIR, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'config.json'),
    JSON.stringify({
      backend_servers: [
        {
          title: 'Example Corp',
          url: `${serverUrl}/server`,
          verify_key: verifyKey,
          autoapprove_plain_password: true,
        },
      ],
      authentication_methods: ['LDAP'],
      allow_custom_server: false,
    }),
  );
  return `${serverUrl}/${FOLDER}/index.html`;
}

/** Signs in and waits for the vault's list. */
export async function logInOurs(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#password').press('Enter');
  await page.getByRole('heading', { name: 'All entries' }).waitFor({ timeout: LOGIN_TIMEOUT_MS });
}

/** A folder at the top level, then a website password inside it, both with the vault's own forms. */
export async function createEntryInFolderOurs(
  page: Page,
  folder: string,
  entry: WebsitePassword,
): Promise<void> {
  await page.getByRole('button', { name: 'New folder' }).click();
  const folderDialog = page.getByRole('dialog', { name: 'New folder' });
  await folderDialog.getByLabel('Folder name').fill(folder);
  await folderDialog.getByLabel('Folder name').press('Enter');
  const folderButton = page.getByRole('button', { name: folder, exact: true });
  await folderButton.waitFor({ timeout: UI_TIMEOUT_MS });
  await folderButton.click();
  await page.getByRole('heading', { name: folder }).waitFor({ timeout: UI_TIMEOUT_MS });

  await page.getByRole('button', { name: 'New entry' }).click();
  const form = page.getByRole('dialog', { name: 'New entry' });
  await form.getByLabel('Title').fill(entry.title);
  await form.getByLabel('URL').fill(entry.url);
  await form.getByLabel('Username', { exact: true }).fill(entry.username);
  await form.getByLabel('Password', { exact: true }).fill(entry.password);
  await form.getByRole('button', { name: 'Save' }).click();
  await form.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  await page.locator('.entry-row', { hasText: entry.title }).waitFor({ timeout: UI_TIMEOUT_MS });
}

/**
 * Finds the entry with the search, opens it and reads its form, and the folder its row names in the
 * list of all entries.
 */
export async function readEntryOurs(
  page: Page,
  title: string,
): Promise<{ entry: WebsitePassword; row: string }> {
  await page.getByRole('searchbox', { name: 'Search all entries' }).fill(title);
  const row = page.locator('.entry-row', { hasText: title });
  await row.waitFor({ timeout: UI_TIMEOUT_MS });
  const rowText = (await row.textContent()) ?? '';
  await row.locator('[data-entry-open]').click();
  const form = page.getByRole('dialog', { name: 'Edit entry' });
  // The form shows its fields once the secret's request answered.
  await form.getByLabel('Title').waitFor({ timeout: UI_TIMEOUT_MS });
  const entry = {
    title: await form.getByLabel('Title').inputValue(),
    url: await form.getByLabel('URL').inputValue(),
    username: await form.getByLabel('Username', { exact: true }).inputValue(),
    password: await form.getByLabel('Password', { exact: true }).inputValue(),
  };
  await page.keyboard.press('Escape');
  await form.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  return { entry, row: rowText };
}
