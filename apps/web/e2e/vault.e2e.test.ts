// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  configureExampleCorp,
  newVisitor,
  screenshot,
  submitLogin,
  useStack,
} from './test-support/harness.ts';

const ready = useStack('the vault browser tests');

describe('the vault in Chromium against the server and a real directory', { timeout: 180_000 }, () => {
  it('folder and entry: create, search, copy (then cleared), edit, move, trash and restore, lock, and again after a new login', async ({
    skip,
  }) => {
    const s = ready(skip);
    const clearSeconds = 5;
    configureExampleCorp(s, { allow_custom_server: false, clipboard_clear_seconds: clearSeconds });
    const alice = s.directory.users.alice!;
    const { context, page } = await newVisitor(s);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: s.origin.replace(/\/$/, ''),
    });
    const clipboard = () => page.evaluate(() => navigator.clipboard.readText());

    await page.goto(s.origin);
    await submitLogin(page, 'alice', alice.password);
    // First use: the default password datastore is created, empty.
    await page.getByRole('heading', { name: 'All entries' }).waitFor();
    await page.getByText('No entries here yet.').waitFor();

    // A folder, by keyboard (Shift+N).
    await page.keyboard.press('Shift+N');
    await page.getByRole('dialog', { name: 'New folder' }).getByLabel('Folder name').fill('Work');
    await page.keyboard.press('Enter');
    const workFolder = page.getByRole('button', { name: 'Work', exact: true });
    await workFolder.waitFor();

    // An entry with a generated password.
    await page.getByRole('button', { name: 'New entry' }).click();
    const form = page.getByRole('dialog', { name: 'New entry' });
    await form.getByLabel('Title').fill('Company Mail');
    await form.getByLabel('URL').fill('https://mail.example.com/login');
    await form.getByLabel('Username', { exact: true }).fill('alice.mail');
    await form.getByLabel('Length').fill('24');
    await form.getByRole('button', { name: 'Generate password' }).click();
    const password = await form.getByLabel('Password', { exact: true }).inputValue();
    expect(password).toHaveLength(24);
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    // One row throughout, under its first and its later name.
    const row = page.locator('.entry-row', { hasText: /Company (Mail|Webmail)/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('alice.mail');
    await screenshot(page, '20-vault');

    // Search as you type.
    const search = page.getByRole('searchbox', { name: 'Search all entries' });
    await search.fill('zzz');
    await page.getByText('No entry matches your search.').waitFor();
    await search.fill('mail comp');
    await page.getByRole('heading', { name: '1 entries found' }).waitFor();

    // Copy the password with one key; the clipboard holds it, then is cleared.
    await search.press('ArrowDown');
    await page.keyboard.press('p');
    await page.getByText(/Password copied/).waitFor();
    expect(await clipboard()).toBe(password);
    await expect.poll(clipboard, { timeout: (clearSeconds + 5) * 1000 }).toBe('');
    await search.fill('');

    // Edit: the username changes, the password stays.
    await row.locator('[data-entry-open]').click();
    const edit = page.getByRole('dialog', { name: 'Edit entry' });
    await edit.getByLabel('Username', { exact: true }).fill('alice.renamed');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    await expect.poll(() => row.textContent()).toContain('alice.renamed');

    // Move by drag and drop into the folder, then back to the top level with "Move to…".
    await row.dragTo(workFolder);
    await expect.poll(() => row.textContent()).toContain('Work');
    await workFolder.click();
    await page.getByRole('heading', { name: 'Work' }).waitFor();
    await row.waitFor();
    await row.getByLabel('Actions for “Company Mail”').click();
    await row.getByRole('button', { name: 'Move to…' }).click();
    const moveDialog = page.getByRole('dialog', { name: 'Move “Company Mail” to' });
    await moveDialog.getByLabel('Folder').selectOption({ label: 'Top level' });
    await moveDialog.getByRole('button', { name: 'Move' }).click();
    await page.getByText('No entries here yet.').waitFor();
    await page.getByRole('button', { name: 'All entries' }).click();
    await row.waitFor();
    expect(await row.textContent()).not.toContain('Work');
    // ...and into the folder again by keyboard (M).
    await row.locator('[data-entry-open]').focus();
    await page.keyboard.press('m');
    await page.getByRole('dialog', { name: /Move/ }).getByLabel('Folder').selectOption({ label: 'Work' });
    await page.keyboard.press('Enter');
    await expect.poll(() => row.textContent()).toContain('Work');

    // Rename (F2): the list and the entry's own title follow.
    await row.locator('[data-entry-open]').focus();
    await page.keyboard.press('F2');
    await page.getByRole('dialog', { name: 'Rename' }).getByLabel('New name').fill('Company Webmail');
    await page.keyboard.press('Enter');
    await expect.poll(() => row.textContent()).toContain('Company Webmail');
    await row.locator('[data-entry-open]').click();
    expect(await page.getByRole('dialog', { name: 'Edit entry' }).getByLabel('Title').inputValue()).toBe(
      'Company Webmail',
    );
    await page.keyboard.press('Escape');

    // Delete to the trash (Delete key), restore from there.
    await row.locator('[data-entry-open]').focus();
    await page.keyboard.press('Delete');
    await row.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: /Trash \(1\)/ }).click();
    await page.getByRole('button', { name: 'Restore Company Webmail' }).click();
    await page.getByRole('button', { name: /Trash \(0\)/ }).waitFor();
    await page.getByRole('button', { name: 'All entries' }).click();
    await row.waitFor();

    // Lock: the keys go; the password opens the vault again.
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.getByRole('heading', { name: 'Vault locked' }).waitFor();
    expect(await page.locator('.entry-row').count()).toBe(0);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).not.toContain(password);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText('This password does not open your vault.').waitFor();
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await row.waitFor();
    // A reload keeps the session but never the opened keys: the vault asks for the password again.
    await page.reload();
    await page.getByRole('heading', { name: 'Vault locked' }).waitFor();
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await row.waitFor();

    // Sign out, sign in again: the entry is there with what was saved.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(
      await page.evaluate(() => Object.keys({ ...localStorage, ...sessionStorage }).join(',')),
    ).not.toContain('sealed-keys');
    await submitLogin(page, 'alice', alice.password);
    await search.fill('company');
    await row.waitFor();
    await row.locator('[data-entry-open]').click();
    const reopened = page.getByRole('dialog', { name: 'Edit entry' });
    expect(await reopened.getByLabel('Username', { exact: true }).inputValue()).toBe('alice.renamed');
    expect(await reopened.getByLabel('Password', { exact: true }).inputValue()).toBe(password);
    expect(await reopened.getByLabel('URL').inputValue()).toBe('https://mail.example.com/login');
    await screenshot(page, '21-vault-entry');
    await page.keyboard.press('Escape');
    await context.close();
  });

  it('a change made meanwhile elsewhere is never overwritten: the vault reloads and asks to repeat', async ({
    skip,
  }) => {
    const s = ready(skip);
    configureExampleCorp(s);
    const carol = s.directory.users.carol!;
    const first = await newVisitor(s);
    const second = await newVisitor(s);
    for (const { page } of [first, second]) {
      await page.goto(s.origin);
      await submitLogin(page, 'carol', carol.password);
      await page.getByRole('heading', { name: 'All entries' }).waitFor();
    }
    const addFolder = async (page: typeof first.page, name: string) => {
      await page.getByRole('button', { name: 'New folder' }).click();
      await page.getByLabel('Folder name').fill(name);
      await page.keyboard.press('Enter');
    };
    await addFolder(first.page, 'From the first tab');
    await first.page.getByRole('button', { name: 'From the first tab' }).waitFor();
    // The second tab still holds the tree without that folder.
    await addFolder(second.page, 'From the second tab');
    await second.page.getByText('The vault was changed elsewhere').waitFor();
    await second.page.getByRole('button', { name: 'From the first tab' }).waitFor();
    expect(await second.page.getByRole('button', { name: 'From the second tab' }).count()).toBe(0);
    await addFolder(second.page, 'From the second tab');
    await second.page.getByRole('button', { name: 'From the second tab' }).waitFor();
    await first.context.close();
    await second.context.close();
  });

  it('German from the browser, switchable; works at 390x844 without horizontal scrolling', async ({
    skip,
  }) => {
    const s = ready(skip);
    const bob = s.directory.users.bob!;
    configureExampleCorp(s);
    const context = await s.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'de-DE' });
    const page = await context.newPage();
    await page.goto(s.origin);
    // By the fields' ids: their labels follow the language.
    await page.locator('#username').fill('bob');
    await page.locator('#password').fill(bob.password);
    await page.locator('#password').press('Enter');
    await page.getByRole('heading', { name: 'Alle Einträge' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Tastenkürzel' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('combobox', { name: 'Sprache' }).selectOption('en');
    await page.getByRole('heading', { name: 'All entries' }).waitFor();
    await screenshot(page, '22-vault-phone');
    await context.close();
  });
});
