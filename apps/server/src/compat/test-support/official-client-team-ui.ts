/**
 * The official client's group and sharing screens, driven as a person does: the Groups page (create
 * a group, accept a group's new shares) and a folder's Share dialog (rights of users and groups).
 * Selectors from the client's public source: routes (`#!/groups`), `aria-label`s (MUI's Tooltip
 * names its icon button after its title) and English texts.
 */
import type { Locator, Page } from 'playwright-core';
import { UI_TIMEOUT_MS } from './official-client-ui.ts';

/** A page of the client's own router (hashbang URLs), opened from the sidebar as a person does. */
async function openSidebarPage(page: Page, route: string): Promise<void> {
  await page.locator(`a[href="#!/${route}"]`).filter({ visible: true }).first().click();
}

/**
 * Reloads the page as a person coming back does (the client looks for jobs when its main view
 * opens) and waits for the main view: the sidebar shows on every page of a logged-in client.
 */
export async function reloadMainView(page: Page): Promise<void> {
  await page.reload();
  await page.locator('a[href="#!/groups"]').filter({ visible: true }).first().waitFor({ timeout: 60_000 });
}

/** The Groups page, its table loaded (the table's "Create" button shows once the page rendered). */
export async function openGroups(page: Page): Promise<void> {
  await openSidebarPage(page, 'groups');
  await page.getByText('List of Groups', { exact: true }).first().waitFor({ timeout: UI_TIMEOUT_MS });
}

/** Back to the vault's tree. */
export async function openDatastore(page: Page): Promise<void> {
  await page.locator('a[href="#!/"]').filter({ visible: true }).first().click();
  await page.locator('button[aria-label="trash bin"]').waitFor({ timeout: UI_TIMEOUT_MS });
}

/** A row of the page's (or dialog's) table naming `text`. */
function tableRow(scope: Page | Locator, text: string): Locator {
  return scope.locator('tr').filter({ hasText: text });
}

/** Groups page: the table's Create button, a name, Create; the group shows in the table. */
export async function createGroup(page: Page, name: string): Promise<void> {
  await page.locator('button[aria-label="Create"]').filter({ visible: true }).first().click();
  const dialog = page.getByRole('dialog').filter({ hasText: 'New Group' });
  await dialog.locator('#name').fill(name);
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await dialog.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  await tableRow(page, name).first().waitFor({ timeout: UI_TIMEOUT_MS });
}

/** Is the group listed on the Groups page (after its table loaded)? */
export function groupRow(page: Page, name: string): Locator {
  return tableRow(page, name).first();
}

/**
 * A folder's own menu, Share: the dialog "Share Rights of <folder>", its Groups tab, Create, the
 * group ticked with read (and write when asked), Create. The client turns the folder into a share,
 * grants the group, and closes both dialogs: resolves once they are gone.
 */
export async function shareFolderWithGroup(
  page: Page,
  folder: string,
  group: string,
  rights: { write: boolean } = { write: false },
): Promise<void> {
  const row = page
    .locator('div')
    .filter({ has: page.getByText(folder, { exact: true }) })
    .filter({ has: page.locator('button[aria-label="settings"]') })
    .last();
  await row.locator('button[aria-label="settings"]').first().click();
  await page.getByRole('menuitem', { name: 'Share', exact: true }).filter({ visible: true }).click();
  const overview = page.getByRole('dialog').filter({ hasText: 'Share Rights of' });
  await overview.waitFor({ timeout: UI_TIMEOUT_MS });
  await overview.getByRole('tab', { name: 'Groups', exact: true }).click();
  await overview.locator('button[aria-label="Create"]').filter({ visible: true }).first().click();

  const choose = page.getByRole('dialog').filter({ has: page.locator('form[name="createShare"]') });
  await tableRow(choose, group).first().waitFor({ timeout: UI_TIMEOUT_MS });
  // The row's last button ticks the group ("Invite"); read is ticked by default.
  await tableRow(choose, group).first().locator('button').last().click();
  if (rights.write) {
    await choose
      .locator('label, div')
      .filter({ hasText: /^\s*Write\s*$/ })
      .locator('input[type="checkbox"]')
      .first()
      .check();
  }
  await choose.locator('button[type="submit"]').click();
  await choose.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  await overview.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
}

/**
 * Groups page: accepts what the group's row offers (a pending membership's "Accept", or "Accept New
 * Shares" once the member holds the group's keys), placing the shares at the top of the vault (the
 * dialog's tree, no folder chosen), OK.
 */
export async function acceptGroupShares(page: Page, group: string): Promise<void> {
  const row = groupRow(page, group);
  const accept = row.getByRole('button', { name: /^(Accept New Shares|Accept)$/ });
  await accept.first().waitFor({ timeout: UI_TIMEOUT_MS });
  await accept.first().click();
  const dialog = page.getByRole('dialog').last();
  await dialog.getByRole('button', { name: 'OK', exact: true }).click();
  await dialog.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
}
