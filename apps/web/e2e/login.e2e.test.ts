// @vitest-environment node
import { setUserPassword } from '@ldap-login/ldap-core/testing';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectAccessible } from './test-support/accessibility.ts';
import { newVisitor, type Stack, screenshot, submitLogin, useStack } from './test-support/harness.ts';

const ready = useStack('the browser tests', { usernameFailures: 3 });

/** After a login the vault shows; its Account button opens the account page. */
async function openAccount(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'All entries' }).waitFor();
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
}

/** What an administrator restricting the page to directory logins writes. */
function ldapOnly(s: Stack, server: Record<string, unknown> = {}) {
  return {
    backend_servers: [{ title: 'Example Corp', domain: s.directory.domain, ...server }],
    authentication_methods: ['LDAP'],
    allow_custom_server: false,
    allow_registration: false,
    allow_lost_password: true,
  };
}

describe('the login page in Chromium against the server and a real directory', { timeout: 180_000 }, () => {
  it('restricted to LDAP: shows the form with the domain; a single-sign-on-only page shows none', async ({
    skip,
  }) => {
    const s = ready(skip);
    s.setConfig(ldapOnly(s));
    const { context, page } = await newVisitor(s);
    await page.goto(s.origin);
    await expect.poll(() => page.getByTestId('domain-hint').textContent()).toBe(`@${s.directory.domain}`);
    await screenshot(page, '01-login');
    // The check can fail: an input without a label is a critical finding.
    await page.evaluate(() => document.querySelector('main')?.append(document.createElement('input')));
    await expect(expectAccessible(page, 'unlabelled input')).rejects.toThrow(/\[critical\] label/);

    s.setConfig({ ...ldapOnly(s), authentication_methods: ['SAML'] });
    await page.reload();
    await page.getByText('Password sign-in is not enabled').waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    await screenshot(page, '02-no-password-method');

    s.setConfig({ backend_servers: [{ verify_key: 'not-a-key' }], alow_custom_server: true });
    await page.reload();
    const problems = await page.getByTestId('config-errors').textContent();
    expect(problems).toContain('backend_servers[0].verify_key');
    expect(problems).toContain('did you mean allow_custom_server?');
    await screenshot(page, '03-config-error');
    await context.close();
  });

  it('first visit: fingerprint approval, password warning declined, then approved; first login shows groups; log out', async ({
    skip,
  }) => {
    const s = ready(skip);
    s.setConfig(ldapOnly(s));
    const alice = s.directory.users.alice!;
    const { context, page } = await newVisitor(s);
    await page.goto(s.origin);
    await submitLogin(page, 'alice', alice.password);

    const identity = page.getByRole('dialog', { name: 'New server' });
    await identity.waitFor();
    expect((await page.getByTestId('fingerprint').textContent())?.replaceAll(' ', '')).toBe(s.verifyKey);
    // focus moved into the dialog, onto its default answer
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Trust this server');
    await screenshot(page, '04-new-server-fingerprint');
    await page.keyboard.press('Enter');

    const warning = page.getByRole('dialog', { name: /send your password/i });
    await warning.waitFor();
    // the safe answer has the focus: a reflexive Enter keeps the password in the browser
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Don’t send');
    await screenshot(page, '05-plain-password-warning');
    await page.getByRole('button', { name: 'Don’t send' }).click();
    await page.getByTestId('login-error').getByText('Password not sent').waitFor();
    expect(await page.getByTestId('login-error').textContent()).toMatch(/cannot succeed/);
    // focus came back to where it was when the dialogs opened: the password field (Enter submitted)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    await screenshot(page, '06-plain-password-declined');

    // Again: the key is pinned now (no fingerprint question), the warning is asked again.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await warning.waitFor();
    expect(await identity.count()).toBe(0);
    await page.getByRole('button', { name: 'Send password' }).click();

    await openAccount(page);
    await expect
      .poll(() => page.getByTestId('account-username').textContent())
      .toBe(`alice@${s.directory.domain}`);
    await expect
      .poll(async () => (await page.getByTestId('groups').getByRole('listitem').allTextContents()).sort())
      .toEqual(['developers', 'staff']);
    await expect.poll(() => page.getByTestId('sessions').textContent()).toContain('This device');
    expect(await page.getByTestId('session-expiry').textContent()).toMatch(/in \d+ hours/);
    await screenshot(page, '07-account');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText('You have signed out.').waitFor();
    await screenshot(page, '08-signed-out');

    // Second login in the same browser: nothing is asked any more.
    await submitLogin(page, 'alice', alice.password);
    await openAccount(page);
    await expect.poll(() => page.getByTestId('sessions').getByRole('listitem').count()).toBe(1);
    await context.close();
  });

  it("config.json names no domain: the server's one directory domain is shown and appended, the title heads the page", async ({
    skip,
  }) => {
    const s = ready(skip);
    const { domain: _configured, ...withoutDomain } = ldapOnly(s).backend_servers[0]!;
    s.setConfig({
      ...ldapOnly(s),
      backend_servers: [{ ...withoutDomain, verify_key: s.verifyKey, autoapprove_plain_password: true }],
    });
    const { context, page } = await newVisitor(s);
    await page.goto(s.origin);
    // Before the fix the page offered @127.0.0.1, the API url's host, which no directory serves.
    await expect.poll(() => page.getByTestId('domain-hint').textContent()).toBe(`@${s.directory.domain}`);
    expect(await page.getByTestId('server-title').textContent()).toBe('Example Corp');
    await submitLogin(page, 'nomail', s.directory.users.nomail!.password);
    await openAccount(page);
    await expect
      .poll(() => page.getByTestId('account-username').textContent())
      .toBe(`nomail@${s.directory.domain}`);
    expect(await page.getByTestId('server-title').textContent()).toBe('Example Corp');
    expect(await page.getByRole('banner').textContent()).not.toContain('127.0.0.1');
    await context.close();
  });

  it('autoapprove with a key pinned in config.json: no question at all, on a phone-sized screen', async ({
    skip,
  }) => {
    const s = ready(skip);
    s.setConfig(ldapOnly(s, { verify_key: s.verifyKey, autoapprove_plain_password: true }));
    const { context, page } = await newVisitor(s, { width: 375, height: 740 });
    await page.goto(s.origin);
    await screenshot(page, '09-login-phone');
    await submitLogin(page, 'dave', s.directory.users.dave!.password);
    await openAccount(page);
    expect(await page.getByRole('dialog').count()).toBe(0);
    await expect.poll(() => page.getByTestId('groups').getByRole('listitem').count()).toBe(2);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, '10-account-phone');
    await context.close();
  });

  it('wrong password, then throttled with the wait from Retry-After', async ({ skip }) => {
    const s = ready(skip);
    s.setConfig(ldapOnly(s, { verify_key: s.verifyKey, autoapprove_plain_password: true }));
    const { context, page } = await newVisitor(s);
    await page.goto(s.origin);
    await submitLogin(page, 'carol', 'not-her-password');
    await page
      .getByTestId('login-error')
      .getByText('The username or password is incorrect.', { exact: false })
      .waitFor();
    await screenshot(page, '11-wrong-password');

    // The server allows three failures per username; the fourth attempt is refused before the directory.
    for (let attempt = 2; attempt <= 4; attempt++) {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForFunction(
        () => document.querySelector('button[type=submit]')?.textContent?.trim() !== 'Signing in…',
      );
    }
    await page.getByTestId('login-error').getByText('Too many attempts').waitFor();
    expect(await page.getByTestId('login-error').textContent()).toMatch(/wait \d+ (minutes?|seconds?)/);
    expect(
      await page.getByRole('button', { name: /try again in \d+:\d\d/i }).getAttribute('aria-disabled'),
    ).toBe('true');
    await screenshot(page, '12-throttled');
    await context.close();
  });

  it('a stranger locks the username out; the browser that logged in before still gets in, a new one does not', async ({
    skip,
  }) => {
    const s = ready(skip);
    s.setConfig(ldapOnly(s, { verify_key: s.verifyKey, autoapprove_plain_password: true }));
    const password = s.directory.users.zoe!.password;
    const owner = await newVisitor(s);
    await owner.page.goto(s.origin);
    await submitLogin(owner.page, 'zoe', password);
    await openAccount(owner.page);
    const device = (await owner.context.cookies()).find((cookie) => cookie.name.startsWith('device_'));
    expect(device).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/server/authentication/login',
    });
    await owner.page.getByRole('button', { name: 'Sign out' }).click();
    await owner.page.getByRole('heading', { name: 'Sign in' }).waitFor();

    // The stranger: wrong passwords until the username is locked (three failures allowed).
    const stranger = await newVisitor(s);
    await stranger.page.goto(s.origin);
    await submitLogin(stranger.page, 'zoe', 'guess-1');
    for (let attempt = 2; attempt <= 4; attempt++) {
      await stranger.page.getByRole('button', { name: 'Sign in' }).click();
      await stranger.page.waitForFunction(
        () => document.querySelector('button[type=submit]')?.textContent?.trim() !== 'Signing in…',
      );
    }
    await stranger.page.getByTestId('login-error').getByText('Too many attempts').waitFor();

    // A browser that never logged in is refused even with the right password.
    const newcomer = await newVisitor(s);
    await newcomer.page.goto(s.origin);
    await submitLogin(newcomer.page, 'zoe', password);
    await newcomer.page.getByTestId('login-error').getByText('Too many attempts').waitFor();

    // The owner's browser gets in.
    await submitLogin(owner.page, 'zoe', password);
    await openAccount(owner.page);
    await screenshot(owner.page, '13-known-device-while-locked');
    for (const visitor of [owner, stranger, newcomer]) await visitor.context.close();
  });

  it('a server that answers nonsense, and one that does not answer, are explained', async ({ skip }) => {
    const s = ready(skip);
    // A wrong API path: the server answers 404 there (only browser navigations get the page).
    s.setConfig(ldapOnly(s, { url: `${s.origin}not-the-api` }));
    const { context, page } = await newVisitor(s);
    await page.goto(s.origin);
    await submitLogin(page, 'alice', s.directory.users.alice!.password);
    await page.getByTestId('login-error').getByText('Unexpected answer').waitFor();
    await screenshot(page, '16-malformed-response');

    // Nothing listens on port 9 of the loopback address.
    s.setConfig(ldapOnly(s, { url: 'http://127.0.0.1:9/server' }));
    await page.reload();
    await submitLogin(page, 'alice', s.directory.users.alice!.password);
    await page.getByTestId('login-error').getByText('Server unreachable').waitFor();
    await screenshot(page, '17-server-offline');
    await context.close();
  });

  it('a server whose key changed since it was pinned is blocked', async ({ skip }) => {
    const s = ready(skip);
    s.setConfig(ldapOnly(s));
    const { context, page } = await newVisitor(s);
    // This browser trusted another key for this server before.
    await context.addInitScript(
      ([api]) => localStorage.setItem(`ldap-login:verify-key:${api}`, 'aa'.repeat(32)),
      [s.apiUrl],
    );
    await page.goto(s.origin);
    await submitLogin(page, 'alice', s.directory.users.alice!.password);
    await page.getByTestId('login-error').getByText('Server identity changed').waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    await screenshot(page, '13-identity-changed');

    // The same holds for a key pinned by the administrator.
    s.setConfig(ldapOnly(s, { verify_key: 'bb'.repeat(32) }));
    const other = await newVisitor(s);
    await other.page.goto(s.origin);
    await submitLogin(other.page, 'alice', s.directory.users.alice!.password);
    await other.page.getByTestId('login-error').getByText('Server identity changed').waitFor();
    await other.context.close();
    await context.close();
  });

  it('directory password changed: asks for the previous one once, re-encrypts, next login asks nothing', async ({
    skip,
  }) => {
    const s = ready(skip);
    s.setConfig(ldapOnly(s, { verify_key: s.verifyKey, autoapprove_plain_password: true }));
    const bob = s.directory.users.bob!;
    const { context, page } = await newVisitor(s);
    await page.goto(s.origin);
    await submitLogin(page, 'bob', bob.password);
    await openAccount(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    const newPassword = 'Bob-New-Passw0rd!';
    await setUserPassword(s.directory, bob.dn, newPassword);
    await submitLogin(page, 'bob', newPassword);
    const dialog = page.getByRole('dialog', { name: 'Your password has changed' });
    await dialog.waitFor();
    await page.getByLabel('Previous password').fill('wrong-old-password');
    await page.getByLabel('Previous password').press('Enter');
    await page.getByText('That password did not unlock your account').waitFor();
    await screenshot(page, '14-previous-password');
    await page.getByLabel('Previous password').fill(bob.password);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await openAccount(page);
    await page.getByText('now protected with your new directory password').waitFor();
    await screenshot(page, '15-keys-reencrypted');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await submitLogin(page, 'bob', newPassword);
    await openAccount(page);
    expect(await dialog.count()).toBe(0);
    await context.close();
  });
});
