/**
 * Psono's official web client with server secrets off (`COMPLIANCE_SERVER_SECRETS: noone`): after
 * the directory changed the password, the client asks for the previous one, and that password
 * still opens the keys and the entry. Screenshots in
 * `apps/server/test-output/official-client/server-secrets-noone/`. Under CI nothing is skipped.
 */

import { setUserPassword } from '@ldap-login/ldap-core/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ApiRecorder } from './test-support/api-recorder.ts';
import { recordedPage, useOfficialClientSuite } from './test-support/official-client-suite.ts';
import {
  createFolder,
  createWebsitePassword,
  logIn,
  logOut,
  readWebsitePassword,
  screenshot,
  showFolderContent,
  type WebsitePassword,
  waitForEmptyDatastore,
} from './test-support/official-client-ui.ts';

const SHOTS = 'server-secrets-noone';
const FOLDER = 'Servers';
const ENTRY: WebsitePassword = {
  title: 'Build server',
  url: 'https://build.example.org/',
  username: 'bob.builder',
  password: 'Build-Secret-7',
};
const NEW_DIRECTORY_PASSWORD = 'Bob-New-Passw0rd-3';

let context: BrowserContext;
let page: Page;
let api: ApiRecorder;

describe('the official Psono web client without server secrets (real Chromium, real OpenLDAP)', () => {
  const suite = useOfficialClientSuite({
    name: 'the official web client test',
    shots: SHOTS,
    settings: { COMPLIANCE_SERVER_SECRETS: 'noone' },
    setUp: async (stack) => {
      ({ context, page, api } = await recordedPage(stack));
    },
    tearDown: async () => {
      await context?.close();
    },
  });

  it('opens the vault with the previous password after a directory password change', async ({ skip }) => {
    const { directory, origin } = suite.started(skip);
    const bob = directory.users.bob!;
    try {
      await logIn(page, origin, bob.login, bob.password);
      await waitForEmptyDatastore(page);
      await createFolder(page, FOLDER);
      await createWebsitePassword(page, FOLDER, ENTRY);
      await showFolderContent(page, FOLDER, ENTRY.title);
      await expect.poll(() => api.succeeded('POST', '/datastore/'), { timeout: 30_000 }).toBe(true);
      await screenshot(page, `${SHOTS}/01-entry-created`);
      await logOut(page);

      await setUserPassword(directory, bob.dn, NEW_DIRECTORY_PASSWORD);
      api.startStep();
      const outcome = await logIn(page, origin, bob.login, NEW_DIRECTORY_PASSWORD, bob.password);
      expect(outcome.gavePreviousPassword).toBe(true);
      await showFolderContent(page, FOLDER, ENTRY.title);
      expect(await readWebsitePassword(page, ENTRY.title)).toEqual(ENTRY);
      await screenshot(page, `${SHOTS}/02-opened-with-previous-password`);
      expect(api.calls.filter((call) => call.status >= 500)).toEqual([]);
    } catch (error) {
      await screenshot(page, `${SHOTS}/FAILED`).catch(() => undefined);
      if (error instanceof Error) error.message = `${error.message}\n${api.report()}`;
      throw error;
    }
  }, 240_000);
});
