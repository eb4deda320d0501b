/**
 * Psono's official web client, unchanged, against this server: a real OpenLDAP user logs in, keeps
 * an entry in a folder of the vault, edits it, finds the earlier version in its history, and still
 * opens it after the directory changed the password (server secrets, `COMPLIANCE_SERVER_SECRETS:
 * auto`, the default).
 *
 * The steps run in order in one browser profile, each ending with a screenshot in
 * `apps/server/test-output/official-client/server-secrets-auto/`. A step whose predecessor failed fails at once,
 * naming it, instead of failing in a confusing way. Under CI nothing is skipped.
 */

import { setUserPassword } from '@ldap-login/ldap-core/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findSecrets } from '../reliability/test-support/log-capture.ts';
import type { ApiRecorder } from './test-support/api-recorder.ts';
import type { OfficialClientStack } from './test-support/official-client-stack.ts';
import {
  recordedPage,
  serverWarnings,
  useOfficialClientSuite,
} from './test-support/official-client-suite.ts';
import {
  createFolder,
  createWebsitePassword,
  editOpenWebsitePassword,
  logIn,
  logOut,
  readOnlyEarlierVersion,
  readWebsitePassword,
  screenshot,
  showFolderContent,
  UI_TIMEOUT_MS,
  type WebsitePassword,
  waitForEmptyDatastore,
} from './test-support/official-client-ui.ts';

const FOLDER = 'Work accounts';
const ENTRY: WebsitePassword = {
  title: 'Intranet portal',
  url: 'https://intranet.example.org/login',
  username: 'alice.portal',
  password: 'Portal-Secret-1',
};
const EDITED: WebsitePassword = { ...ENTRY, username: 'alice.intranet', password: 'Portal-Secret-2-edited' };
const NEW_DIRECTORY_PASSWORD = 'Alice-New-Passw0rd-2';

/**
 * Bounds per step: a login (scrypt in the page, 5-30 s here) and the datastore's load after it, or
 * a page reload; anything else. One run takes 1-2.5 minutes.
 */
const LOGIN_STEP_MS = 150_000;
const STEP_MS = 60_000;
/** A write the client sends after the screen already changed. */
const POLL = { timeout: UI_TIMEOUT_MS };

/** This file's screenshots, a folder of the test output. */
const SHOTS = 'server-secrets-auto';

let context: BrowserContext;
let page: Page;
let api: ApiRecorder;
const suite = useOfficialClientSuite({
  name: 'the official web client test',
  shots: SHOTS,
  setUp: async (stack) => {
    ({ context, page, api } = await recordedPage(stack));
  },
  tearDown: async () => {
    await context?.close();
  },
});

/**
 * One step of the walk-through: a screenshot at the end (also when it failed), the step's API
 * calls in the failure message, and no server error (5xx) in any of them.
 */
function step(name: string, timeout: number, body: (stack: OfficialClientStack) => Promise<void>): void {
  it(
    name,
    async ({ skip }) => {
      const stack = suite.enter(skip);
      api.startStep();
      const logStart = stack.logs.lines.length;
      try {
        await body(stack);
        await screenshot(page, `${SHOTS}/${name}`);
        expect(api.sinceStep().filter((call) => call.status >= 500)).toEqual([]);
      } catch (error) {
        suite.fail(name);
        // Evidence only: a page that crashed cannot be photographed, and the step's own error matters.
        await screenshot(page, `${SHOTS}/${name}-FAILED`).catch(() => undefined);
        if (error instanceof Error) {
          error.message = `${error.message}\n${api.report()}\n${serverWarnings(stack.logs.lines.slice(logStart))}`;
        }
        throw error;
      }
    },
    timeout,
  );
}

describe('the official Psono web client (real Chromium, real OpenLDAP)', () => {
  step('01-login', LOGIN_STEP_MS, async ({ directory, origin }) => {
    const alice = directory.users.alice!;
    const outcome = await logIn(page, origin, alice.login, alice.password);
    // A first visit asks to trust the server's key, and LDAP needs the password itself.
    expect(outcome).toEqual({
      approvedNewServer: true,
      approvedSendingPassword: true,
      gavePreviousPassword: false,
    });
    expect(api.sinceStep().filter((call) => call.path === '/authentication/login/')).toEqual([
      { method: 'POST', path: '/authentication/login/', status: 200 },
    ]);
    await waitForEmptyDatastore(page);
    expect(api.succeeded('PUT', '/datastore/')).toBe(true);
  });

  step('02-create-folder', STEP_MS, async () => {
    await createFolder(page, FOLDER);
    await expect.poll(() => api.succeeded('POST', '/datastore/'), POLL).toBe(true);
  });

  step('03-create-entry', STEP_MS, async () => {
    await createWebsitePassword(page, FOLDER, ENTRY);
    await showFolderContent(page, FOLDER, ENTRY.title);
    await expect.poll(() => api.succeeded('PUT', '/secret/'), POLL).toBe(true);
    await expect.poll(() => api.succeeded('POST', '/datastore/'), POLL).toBe(true);
  });

  step('04-reload-and-read', LOGIN_STEP_MS, async () => {
    await page.reload();
    await showFolderContent(page, FOLDER, ENTRY.title);
    expect(await readWebsitePassword(page, ENTRY.title)).toEqual(ENTRY);
    expect(api.succeeded('GET', '/secret/<id>/')).toBe(true);
  });

  step('05-edit-entry', STEP_MS, async () => {
    await editOpenWebsitePassword(page, { username: EDITED.username, password: EDITED.password });
    await expect.poll(() => api.succeeded('POST', '/secret/'), POLL).toBe(true);
    await expect.poll(() => api.succeeded('POST', '/datastore/'), POLL).toBe(true);
    expect(await readWebsitePassword(page, ENTRY.title)).toEqual(EDITED);
  });

  step('06-history', STEP_MS, async () => {
    // Psono keeps the version a write replaced: the one edit left the entry as first created.
    expect(await readOnlyEarlierVersion(page, `${SHOTS}/06-history-earlier-version`)).toEqual({
      versions: 1,
      earlier: ENTRY,
    });
    expect(api.succeeded('GET', '/secret/history/<id>/')).toBe(true);
    expect(api.succeeded('GET', '/history/<id>/')).toBe(true);
  });

  step('07-logout', STEP_MS, async () => {
    await logOut(page);
    expect(api.succeeded('POST', '/authentication/logout/')).toBe(true);
  });

  step('08-login-again-and-read', LOGIN_STEP_MS, async ({ directory, origin }) => {
    const alice = directory.users.alice!;
    const outcome = await logIn(page, origin, alice.login, alice.password);
    expect(outcome.approvedNewServer).toBe(false);
    await showFolderContent(page, FOLDER, ENTRY.title);
    expect(await readWebsitePassword(page, ENTRY.title)).toEqual(EDITED);
    expect(api.succeeded('GET', '/secret/<id>/')).toBe(true);
  });

  step('09-directory-password-change', LOGIN_STEP_MS, async ({ directory, origin }) => {
    const alice = directory.users.alice!;
    await logOut(page);
    await setUserPassword(directory, alice.dn, NEW_DIRECTORY_PASSWORD);
    // No prompt for the previous password: logIn fails with PreviousPasswordPromptError if one shows.
    await logIn(page, origin, alice.login, NEW_DIRECTORY_PASSWORD);
    await showFolderContent(page, FOLDER, ENTRY.title);
    expect(await readWebsitePassword(page, ENTRY.title)).toEqual(EDITED);
    expect(api.succeeded('GET', '/secret/<id>/')).toBe(true);
  });

  // Not a step: the log must be clean whatever became of the steps.
  it('keeps the passwords out of the server log', ({ skip }) => {
    const stack = suite.started(skip);
    const alice = stack.directory.users.alice!;
    const secrets = new Map([
      [alice.password, 'previous directory password'],
      [NEW_DIRECTORY_PASSWORD, 'new directory password'],
      [ENTRY.password, 'entry password'],
      [EDITED.password, 'edited entry password'],
    ]);
    expect(stack.logs.lines.length).toBeGreaterThan(0);
    expect(findSecrets(stack.logs.lines, secrets)).toEqual([]);
  });
});
