/**
 * Our web client and Psono's official web client keep the same vault: an entry saved in one opens in
 * the other with the same fields, both ways. Both clients are served by this server from one
 * origin (the official one at `/`, ours below it), each in its own browser profile, against a real
 * OpenLDAP user. Screenshots of each step land in `apps/server/test-output/official-client/interop/`.
 * Under CI nothing is skipped.
 */

import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ApiRecorder } from './test-support/api-recorder.ts';
import type { OfficialClientStack } from './test-support/official-client-stack.ts';
import { recordedPage, useOfficialClientSuite } from './test-support/official-client-suite.ts';
import {
  createFolder,
  createWebsitePassword,
  logIn,
  readWebsitePassword,
  screenshot,
  showFolderContent,
  UI_TIMEOUT_MS,
  type WebsitePassword,
} from './test-support/official-client-ui.ts';
import {
  createEntryInFolderOurs,
  installOurClient,
  logInOurs,
  readEntryOurs,
} from './test-support/our-client.ts';

const SHOTS = 'interop';
const FROM_OURS = { folder: 'Made here', entry: entryNamed('Payroll portal', 'dave.payroll') };
const FROM_OFFICIAL = { folder: 'Made in Psono', entry: entryNamed('Build server', 'dave.ci') };

function entryNamed(title: string, username: string): WebsitePassword {
  return {
    title,
    url: `https://${title.toLowerCase().replaceAll(' ', '-')}.example.org/login`,
    username,
    // Characters that a careless encoding would mangle.
    password: `${username}-Pä$$ wörd-"quoted"-<tag>&`,
  };
}

/** A login with scrypt in the page, and the datastore's load after it. */
const LOGIN_STEP_MS = 180_000;
const STEP_MS = 90_000;

let ourUrl: string;
let ours: { context: BrowserContext; page: Page };
let official: { context: BrowserContext; page: Page; api: ApiRecorder };
const suite = useOfficialClientSuite({
  name: 'the web client interoperability test',
  shots: SHOTS,
  setUp: async (stack) => {
    const info = (await (await fetch(`${stack.server.url}/server/info/`)).json()) as { verify_key: string };
    ourUrl = await installOurClient(stack.webRoot, stack.server.url, info.verify_key);
    official = await recordedPage(stack);
    const ourContext = await stack.browser.newContext({ viewport: { width: 1280, height: 800 } });
    ours = { context: ourContext, page: await ourContext.newPage() };
  },
  tearDown: async () => {
    await official?.context.close();
    await ours?.context.close();
  },
  startTimeoutMs: 240_000,
});

/** One step: a screenshot of both clients at the end; a later step fails at once after a failed one. */
function step(name: string, timeout: number, body: (stack: OfficialClientStack) => Promise<void>): void {
  it(
    name,
    async ({ skip }) => {
      const stack = suite.enter(skip);
      official.api.startStep();
      try {
        await body(stack);
        expect(official.api.sinceStep().filter((call) => call.status >= 500)).toEqual([]);
        await screenshot(official.page, `${SHOTS}/${name}-official`);
        await screenshot(ours.page, `${SHOTS}/${name}-ours`);
      } catch (error) {
        suite.fail(name);
        await screenshot(official.page, `${SHOTS}/${name}-official-FAILED`).catch(() => undefined);
        await screenshot(ours.page, `${SHOTS}/${name}-ours-FAILED`).catch(() => undefined);
        if (error instanceof Error) error.message = `${error.message}\n${official.api.report()}`;
        throw error;
      }
    },
    timeout,
  );
}

describe('our web client and the official one on the same vault (real Chromium, real OpenLDAP)', () => {
  step('01-ours-creates-an-entry', LOGIN_STEP_MS, async ({ directory }) => {
    const dave = directory.users.dave!;
    // Typed without a domain: the server's only directory's domain is appended.
    await logInOurs(ours.page, ourUrl, dave.login, dave.password);
    await createEntryInFolderOurs(ours.page, FROM_OURS.folder, FROM_OURS.entry);
  });

  step('02-official-opens-it', LOGIN_STEP_MS, async ({ directory, origin }) => {
    const dave = directory.users.dave!;
    await logIn(official.page, origin, dave.login, dave.password);
    await showFolderContent(official.page, FROM_OURS.folder, FROM_OURS.entry.title);
    expect(await readWebsitePassword(official.page, FROM_OURS.entry.title)).toEqual(FROM_OURS.entry);
    expect(official.api.succeeded('GET', '/secret/<id>/')).toBe(true);
    // The entry opens in a panel beside the tree; its Close button (text, no label) puts it away.
    await official.page.locator('button', { hasText: /^close$/i }).click();
    await official.page
      .locator('#websitePasswordTitle')
      .waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  });

  step('03-official-creates-an-entry', STEP_MS, async () => {
    await createFolder(official.page, FROM_OFFICIAL.folder);
    await createWebsitePassword(official.page, FROM_OFFICIAL.folder, FROM_OFFICIAL.entry);
    await showFolderContent(official.page, FROM_OFFICIAL.folder, FROM_OFFICIAL.entry.title);
    await expect.poll(() => official.api.succeeded('PUT', '/secret/'), { timeout: UI_TIMEOUT_MS }).toBe(true);
    await expect
      .poll(() => official.api.succeeded('POST', '/datastore/'), { timeout: UI_TIMEOUT_MS })
      .toBe(true);
  });

  step('04-ours-opens-it', LOGIN_STEP_MS, async ({ directory, browser }) => {
    const dave = directory.users.dave!;
    // A new login, in a fresh browser profile, reads the datastore as the official client left it.
    await ours.context.close();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ours = { context, page: await context.newPage() };
    await logInOurs(ours.page, ourUrl, dave.login, dave.password);
    const { entry, row } = await readEntryOurs(ours.page, FROM_OFFICIAL.entry.title);
    expect(entry).toEqual(FROM_OFFICIAL.entry);
    expect(row).toContain(FROM_OFFICIAL.folder);
    // Our own entry is still there, unchanged by the official client's write of the datastore.
    expect((await readEntryOurs(ours.page, FROM_OURS.entry.title)).entry).toEqual(FROM_OURS.entry);
  });
});
