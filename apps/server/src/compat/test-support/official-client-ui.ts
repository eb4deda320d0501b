/**
 * Drives Psono's official web client the way a person does. The selectors come from the client's
 * public source (element ids such as `#websitePasswordTitle`, `aria-label`s, English button texts);
 * its generated CSS class names change from build to build and are never used.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { OUTPUT_DIR } from './environment.ts';

/**
 * scrypt runs in the page: 5-20 s from LOGIN to the main screen on an idle 2-core machine, over
 * 30 s while the rest of the test suite runs beside it.
 */
const LOGIN_TIMEOUT_MS = 75_000;
/** A page (re)load: the client's bundle, its start-up requests, the datastore decrypted. */
const PAGE_LOAD_TIMEOUT_MS = 60_000;
/** Waits for anything that is one request or one rendering away. */
export const UI_TIMEOUT_MS = 30_000;

export interface WebsitePassword {
  title: string;
  url: string;
  username: string;
  password: string;
}

/** What the client showed on its way from the login form to the vault. */
export interface LoginOutcome {
  approvedNewServer: boolean;
  approvedSendingPassword: boolean;
  /** The client asked for the previous password ("Decrypt") and was given it. */
  gavePreviousPassword: boolean;
}

/** The client asked for the previous password to open the keys (server secrets did not apply). */
export class PreviousPasswordPromptError extends Error {
  override readonly name = 'PreviousPasswordPromptError';
}

/**
 * The viewport only: a full-page shot widens the window for a moment (the client's layout overflows
 * it), the client re-renders for the new width and closes open dialogs.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(OUTPUT_DIR, `${name}.png`);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
}

/**
 * Logs in with the login form, approving what a first login asks: the "New Server" fingerprint
 * and sending the password to the server (LDAP needs it). Resolves once the datastore view shows.
 * A prompt for the previous password fails the login with `PreviousPasswordPromptError`, unless
 * `previousPassword` is given: then it is typed in.
 */
export async function logIn(
  page: Page,
  origin: string,
  username: string,
  password: string,
  previousPassword?: string,
): Promise<LoginOutcome> {
  await page.goto(origin);
  await page.locator('#username').waitFor({ timeout: PAGE_LOAD_TIMEOUT_MS });
  // After a logout the reloaded client may still post the old session's logout, to the web root (it
  // has forgotten the server's URL by then); the 404 shows as an error on the login form. Let the page
  // settle and close what it shows, so that only an error shown after this login counts as a refusal.
  await page.waitForLoadState('networkidle', { timeout: PAGE_LOAD_TIMEOUT_MS }).catch(() => undefined);
  for (const close of await page.locator('.MuiAlert-standardError button[aria-label="Close"]').all()) {
    await close.click();
  }
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Login', exact: true }).click();

  const outcome: LoginOutcome = {
    approvedNewServer: false,
    approvedSendingPassword: false,
    gavePreviousPassword: false,
  };
  const approveServer = page.getByRole('button', { name: 'Approve', exact: true });
  const approveSending = page.getByRole('button', { name: 'Approve (unsafe)', exact: true });
  const decrypt = page.getByRole('button', { name: 'Decrypt', exact: true });
  const vault = page.locator('button[aria-label="trash bin"]');
  // The login form's error list (MUI's stable class name, not a generated one).
  const refused = page.locator('.MuiAlert-standardError');
  const deadline = Date.now() + LOGIN_TIMEOUT_MS;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0)
      throw new Error(`the login did not reach the datastore within ${LOGIN_TIMEOUT_MS / 1000} s`);
    const next = approveServer.or(approveSending).or(decrypt).or(vault).or(refused).first();
    await next.waitFor({ timeout: left });
    if (await vault.isVisible()) return outcome;
    if (await refused.first().isVisible()) {
      throw new Error(`the client refused the login: ${(await refused.allTextContents()).join(' ')}`);
    }
    if (await decrypt.isVisible()) {
      if (previousPassword === undefined || outcome.gavePreviousPassword) {
        throw new PreviousPasswordPromptError('the client asked for the previous password to open the keys');
      }
      await page.locator('#password').fill(previousPassword);
      await decrypt.click();
      outcome.gavePreviousPassword = true;
      await decrypt.waitFor({ state: 'hidden', timeout: left }).catch(() => {
        throw new PreviousPasswordPromptError('the previous password did not open the keys');
      });
      continue;
    }
    // Each approval is clicked once: its button stays while scrypt blocks the page, and a second
    // click would start a second login (with the password field already cleared).
    if (!outcome.approvedNewServer && (await approveServer.isVisible())) {
      await approveServer.click();
      outcome.approvedNewServer = true;
      await approveServer.waitFor({ state: 'hidden', timeout: left });
    } else if (!outcome.approvedSendingPassword && (await approveSending.isVisible())) {
      await approveSending.click();
      outcome.approvedSendingPassword = true;
      await approveSending.waitFor({ state: 'hidden', timeout: left });
    } else {
      // Shown again after it was approved, or a step in between: look again shortly.
      await page.waitForTimeout(250);
    }
  }
}

/** The datastore has been read and decrypted: its tree (or its empty state) replaced the spinner. */
export async function waitForEmptyDatastore(page: Page): Promise<void> {
  await page.getByText('Your datastore is empty').waitFor({ timeout: PAGE_LOAD_TIMEOUT_MS });
}

/** A menu entry of whichever menu is open (closed menus stay mounted, hidden). */
function openMenuItem(page: Page, name: string) {
  return page.getByRole('menuitem', { name, exact: true }).filter({ visible: true });
}

/** The row of a folder in the tree: the innermost element holding its name and its own menu. */
function folderRow(page: Page, folder: string) {
  return page
    .locator('div')
    .filter({ has: page.getByText(folder, { exact: true }) })
    .filter({ has: page.locator('button[aria-label="settings"]') })
    .last();
}

/** The entry's name in the tree (the row shows the name, then the username). */
function entryInTree(page: Page, title: string) {
  return page.getByText(title).filter({ visible: true }).first();
}

/** Toolbar menu, New Folder, a name, Create: the folder shows in the tree. */
export async function createFolder(page: Page, folder: string): Promise<void> {
  await page.locator('button[aria-label="menu"]').filter({ visible: true }).first().click();
  await openMenuItem(page, 'New Folder').click();
  await page.locator('#folderName').fill(folder);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.getByText(folder, { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
}

/** The folder's own menu, New Entry, the website-password form, Create. */
export async function createWebsitePassword(
  page: Page,
  folder: string,
  entry: WebsitePassword,
): Promise<void> {
  await folderRow(page, folder).locator('button[aria-label="settings"]').first().click();
  await openMenuItem(page, 'New Entry').click();
  // "Website Password" is the form's default type.
  await page.locator('#websitePasswordTitle').fill(entry.title);
  await page.locator('#websitePasswordUrl').fill(entry.url);
  await page.locator('#websitePasswordUsername').fill(entry.username);
  await page.locator('#websitePasswordPassword').fill(entry.password);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.locator('#websitePasswordTitle').waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
}

/** Expands the folder unless its entry already shows (a click on a folder toggles it). */
export async function showFolderContent(page: Page, folder: string, title: string): Promise<void> {
  await page.getByText(folder, { exact: true }).waitFor({ timeout: PAGE_LOAD_TIMEOUT_MS });
  if (await entryInTree(page, title).isVisible()) return;
  await page.getByText(folder, { exact: true }).click();
  await entryInTree(page, title).waitFor({ timeout: UI_TIMEOUT_MS });
}

/**
 * Opens the entry (a click on its row) and reads the form the client filled from the decrypted
 * secret. The form reads the secret from the server each time it opens.
 */
export async function readWebsitePassword(page: Page, title: string): Promise<WebsitePassword> {
  await entryInTree(page, title).click();
  const form = {
    title: page.locator('#websitePasswordTitle'),
    url: page.locator('#websitePasswordUrl'),
    username: page.locator('#websitePasswordUsername'),
    password: page.locator('#websitePasswordPassword'),
  };
  // The fields show before the secret's request answers; they are filled when it did.
  await expectValue(form.title, title);
  return {
    title: await form.title.inputValue(),
    url: await form.url.inputValue(),
    username: await form.username.inputValue(),
    password: await form.password.inputValue(),
  };
}

/**
 * Changes fields of the open entry and saves. The client writes the secret, closes the form once
 * the server accepted it, then writes the datastore (the tree shows the new username).
 */
export async function editOpenWebsitePassword(page: Page, changes: Partial<WebsitePassword>): Promise<void> {
  const ids: Record<keyof WebsitePassword, string> = {
    title: '#websitePasswordTitle',
    url: '#websitePasswordUrl',
    username: '#websitePasswordUsername',
    password: '#websitePasswordPassword',
  };
  for (const [field, value] of Object.entries(changes) as [keyof WebsitePassword, string][]) {
    await page.locator(ids[field]).fill(value);
  }
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('#websitePasswordTitle').waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
}

/**
 * The open entry's history ("Show history"): one row per earlier version. Opens the only row and
 * reads the version the client decrypted from it, then closes both dialogs.
 */
export async function readOnlyEarlierVersion(
  page: Page,
  /** A screenshot of the open version, under this name. */
  shot: string,
): Promise<{ versions: number; earlier: WebsitePassword }> {
  // The button's aria-label is "settings"; its text names it.
  await page.locator('button', { hasText: /^Show history$/ }).click();
  const history = page.getByRole('dialog').filter({ hasText: 'History' });
  const show = history.locator('tbody button');
  await show.first().waitFor({ timeout: UI_TIMEOUT_MS });
  const versions = await show.count();
  await show.first().click();
  // The version opens in a second dialog, above the history, with the same field ids as the form.
  const version = page.getByRole('dialog').last();
  const field = (id: string) => version.locator(`#${id}`);
  await field('websitePasswordTitle').waitFor({ timeout: UI_TIMEOUT_MS });
  await expectFilled(field('websitePasswordTitle'));
  const earlier = {
    title: await field('websitePasswordTitle').inputValue(),
    url: await field('websitePasswordUrl').inputValue(),
    username: await field('websitePasswordUsername').inputValue(),
    password: await field('websitePasswordPassword').inputValue(),
  };
  await screenshot(page, shot);
  // `last()` finds the history again once the version closed: count the dialogs instead.
  await version.getByRole('button', { name: 'Close', exact: true }).click();
  await waitForCount(page.getByRole('dialog'), 1);
  await history.getByRole('button', { name: 'Close', exact: true }).click();
  await waitForCount(page.getByRole('dialog'), 0);
  return { versions, earlier };
}

/**
 * The user menu at the top right, Logout. The goodbye page shows at once and ends the session on
 * the server after: this waits for that request too, so that a next page cannot cancel it.
 */
export async function logOut(page: Page): Promise<void> {
  const sessionEnded = page.waitForResponse(
    (response) =>
      response.request().method() === 'POST' && response.url().endsWith('/authentication/logout/'),
    { timeout: UI_TIMEOUT_MS },
  );
  await page.locator('button[aria-controls="top-menu"]').click();
  await openMenuItem(page, 'Logout').click();
  await page.waitForURL(/logout-success\.html/, { timeout: UI_TIMEOUT_MS });
  await page.getByText('You have successfully logged out').waitFor({ timeout: UI_TIMEOUT_MS });
  await sessionEnded;
}

async function waitForCount(locator: Locator, count: number): Promise<void> {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  while ((await locator.count()) !== count) {
    if (Date.now() > deadline)
      throw new Error(`expected ${count} of ${locator}, found ${await locator.count()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function expectFilled(field: Locator): Promise<void> {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  while ((await field.inputValue({ timeout: UI_TIMEOUT_MS })) === '') {
    if (Date.now() > deadline) throw new Error(`the field ${await field.getAttribute('id')} stayed empty`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function expectValue(field: Locator, value: string): Promise<void> {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  while ((await field.inputValue({ timeout: UI_TIMEOUT_MS })) !== value) {
    if (Date.now() > deadline) {
      throw new Error(`the field ${await field.getAttribute('id')} never showed "${value}"`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
