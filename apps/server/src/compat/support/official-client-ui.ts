/**
 * Drives Psono's official web client the way a person does. The selectors come from the client's
 * public source (element ids such as `#websitePasswordTitle`, `aria-label`s, English button texts);
 * its generated CSS class names change from build to build and are never used.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { OUTPUT_DIR } from './environment.ts';

/** scrypt runs in the page: 5-20 s from LOGIN to the main screen on a busy 2-core machine. */
const LOGIN_TIMEOUT_MS = 60_000;
/** Waits for anything that is one request or one rendering away. */
export const UI_TIMEOUT_MS = 20_000;

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
}

/** The client asked for the previous password to open the keys (server secrets did not apply). */
export class PreviousPasswordPromptError extends Error {
  override readonly name = 'PreviousPasswordPromptError';
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });
}

/**
 * Logs in with the login form, approving what a first login asks: the "New Server" fingerprint
 * and sending the password to the server (LDAP needs it). Resolves once the datastore view shows.
 */
export async function logIn(
  page: Page,
  origin: string,
  username: string,
  password: string,
): Promise<LoginOutcome> {
  await page.goto(origin);
  await page.locator('#username').waitFor({ timeout: UI_TIMEOUT_MS });
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Login', exact: true }).click();

  const outcome: LoginOutcome = { approvedNewServer: false, approvedSendingPassword: false };
  const approveServer = page.getByRole('button', { name: 'Approve', exact: true });
  const approveSending = page.getByRole('button', { name: 'Approve (unsafe)', exact: true });
  const decrypt = page.getByRole('button', { name: 'Decrypt', exact: true });
  const vault = page.locator('button[aria-label="trash bin"]');
  const deadline = Date.now() + LOGIN_TIMEOUT_MS;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0)
      throw new Error(`the login did not reach the datastore within ${LOGIN_TIMEOUT_MS / 1000} s`);
    const next = approveServer.or(approveSending).or(decrypt).or(vault).first();
    await next.waitFor({ timeout: left });
    if (await vault.isVisible()) return outcome;
    if (await decrypt.isVisible()) {
      throw new PreviousPasswordPromptError('the client asked for the previous password to open the keys');
    }
    if (await approveServer.isVisible()) {
      await approveServer.click();
      outcome.approvedNewServer = true;
    } else if (await approveSending.isVisible()) {
      await approveSending.click();
      outcome.approvedSendingPassword = true;
    }
    // The clicked button goes away once the client moves on; wait for that before looking again.
    await page.waitForTimeout(200);
  }
}
