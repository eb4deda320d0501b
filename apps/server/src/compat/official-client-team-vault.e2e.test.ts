/**
 * A team vault with Psono's official web client, unchanged, against this server: alice creates a
 * group in the client's Groups screen, the administrator maps the directory group "vault users" to it
 * (`manage groups map`, the real CLI), alice shares a folder with an entry with the group; bob (in
 * "vault users" through a nested group) logs in and gets a forced membership without keys, alice's
 * client hands him the group's keys through the job endpoints, and bob reads the entry. carol (not in
 * the directory group) sees nothing and the API refuses her every id. bob leaves the directory group
 * and loses the membership, and with it the share, at the next `manage syncldap` (and, back in and
 * out again, at his next login).
 *
 * Three browser contexts (alice, bob, carol), one Chromium. The steps run in order, each ending with
 * a screenshot in `apps/server/test-output/official-client/team-vault/`; a step whose predecessor
 * failed fails at once, naming it. Under CI nothing is skipped.
 */

import { join } from 'node:path';
import { ApiError } from '@ldap-login/protocol';
import { Attribute, Change, Client } from 'ldapts';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../cli/exit-codes.ts';
import { runManage } from '../cli/test-support/run-manage.ts';
import { openDatabase } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { findSecrets } from '../reliability/test-support/log-capture.ts';
import { ProtocolClient, type Session } from '../test-support/protocol-client.ts';
import type { ApiRecorder } from './test-support/api-recorder.ts';
import type { OfficialClientStack } from './test-support/official-client-stack.ts';
import {
  recordedPage,
  serverWarnings,
  useOfficialClientSuite,
} from './test-support/official-client-suite.ts';
import {
  acceptGroupShares,
  createGroup,
  groupRow,
  openDatastore,
  openGroups,
  reloadMainView,
  shareFolderWithGroup,
} from './test-support/official-client-team-ui.ts';
import {
  createFolder,
  createWebsitePassword,
  logIn,
  readWebsitePassword,
  screenshot,
  showFolderContent,
  UI_TIMEOUT_MS,
  type WebsitePassword,
  waitForEmptyDatastore,
} from './test-support/official-client-ui.ts';

const SHOTS = 'team-vault';
const GROUP = 'Vault team';
const FOLDER = 'Team servers';
const ENTRY: WebsitePassword = {
  title: 'Deploy console',
  url: 'https://deploy.example.org/',
  username: 'deploy-bot',
  password: 'Team-Shared-Secret-9',
};

/** The openldap-memberof dataset's base and people (DATASETS.md); checked against the catalog at start. */
const BASE_DN = 'dc=example,dc=org';
const BOB_DN = `uid=bob,ou=people,${BASE_DN}`;
/** "vault users" holds the group "vault team", which holds bob: bob is in "vault users" through nesting. */
const VAULT_TEAM_DN = `cn=vault team,ou=groups,${BASE_DN}`;
const VAULT_USERS_DN = `cn=vault users,ou=groups,${BASE_DN}`;
const EXTRA_LDIF = `
dn: ${VAULT_TEAM_DN}
objectClass: groupOfNames
cn: vault team
member: ${BOB_DN}
member: cn=ldap-reader,ou=services,${BASE_DN}

dn: ${VAULT_USERS_DN}
objectClass: groupOfNames
cn: vault users
member: ${VAULT_TEAM_DN}
`;

/** A login (scrypt in the page) and the datastore's load after it, or a page reload; anything else. */
const LOGIN_STEP_MS = 150_000;
const STEP_MS = 90_000;
const POLL = { timeout: UI_TIMEOUT_MS };

const contexts: BrowserContext[] = [];
const pages: Record<'alice' | 'bob' | 'carol', Page> = {} as never;
const recorders: Record<'alice' | 'bob' | 'carol', ApiRecorder> = {} as never;
/** The page a step works in: its screenshot and its API calls are the step's evidence. */
let current: 'alice' | 'bob' | 'carol' = 'alice';
/** bob's own API session from before he left the group: it must lose the share at once. */
let bobApi: Session | undefined;

const suite = useOfficialClientSuite({
  name: 'the official web client team vault test',
  shots: SHOTS,
  stack: { ldapEntry: { LDAP_NESTED_GROUPS: true }, extraLdif: EXTRA_LDIF },
  setUp: async (stack) => {
    if (stack.directory.users.bob!.dn !== BOB_DN) {
      throw new Error(`the dataset moved bob: ${stack.directory.users.bob!.dn}`);
    }
    for (const who of ['alice', 'bob', 'carol'] as const) {
      const { context, page, api } = await recordedPage(stack);
      contexts.push(context);
      pages[who] = page;
      recorders[who] = api;
    }
  },
  tearDown: async () => {
    for (const context of contexts) await context.close();
  },
});

function step(name: string, timeout: number, body: (stack: OfficialClientStack) => Promise<void>): void {
  it(
    name,
    async ({ skip }) => {
      const stack = suite.enter(skip);
      for (const recorder of Object.values(recorders)) recorder.startStep();
      const logStart = stack.logs.lines.length;
      try {
        await body(stack);
        await screenshot(pages[current], `${SHOTS}/${name}`);
        for (const recorder of Object.values(recorders)) {
          expect(recorder.sinceStep().filter((call) => call.status >= 500)).toEqual([]);
        }
      } catch (error) {
        suite.fail(name);
        await screenshot(pages[current], `${SHOTS}/${name}-FAILED`).catch(() => undefined);
        if (error instanceof Error) {
          const calls = Object.entries(recorders).map(([who, recorder]) => `${who}'s ${recorder.report()}`);
          error.message = `${error.message}\n${calls.join('\n')}\n${serverWarnings(stack.logs.lines.slice(logStart))}`;
        }
        throw error;
      }
    },
    timeout,
  );
}

/** The server's database, read beside it (SQLite in WAL mode): ids the client keeps encrypted. */
async function withDatabase<T>(stack: OfficialClientStack, read: (db: Database) => Promise<T>): Promise<T> {
  const db = openDatabase({ kind: 'sqlite', file: join(stack.dataDir, 'db.sqlite3') });
  try {
    return await read(db);
  } finally {
    await db.destroy();
  }
}

async function manage(stack: OfficialClientStack, args: string[]) {
  const run = await runManage([...args, '--settings', stack.settingsFile]);
  expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: EXIT.OK, stderr: run.stderr });
  return run;
}

async function ldapAdmin<T>(stack: OfficialClientStack, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url: stack.directory.url });
  try {
    await client.bind(stack.directory.adminDn, stack.directory.adminPassword);
    return await work(client);
  } finally {
    await client.unbind();
  }
}

async function apiLogin(stack: OfficialClientStack, key: 'bob' | 'carol'): Promise<Session> {
  const user = stack.directory.users[key]!;
  return ProtocolClient.forUrl(`${stack.server.url}/server`).login(
    `${user.login}@${stack.directory.domain}`,
    user.password,
  );
}

async function refusal(promise: Promise<unknown>) {
  const outcome = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(outcome instanceof ApiError)) return { status: 'succeeded' as const };
  return { status: outcome.status, code: outcome.code };
}

describe('a team vault with the official Psono web client (real Chromium, real OpenLDAP)', () => {
  step('01-alice-logs-in', LOGIN_STEP_MS, async ({ directory, origin }) => {
    current = 'alice';
    const alice = directory.users.alice!;
    await logIn(pages.alice, origin, alice.login, alice.password);
    await waitForEmptyDatastore(pages.alice);
  });

  step('02-alice-creates-the-group', STEP_MS, async () => {
    await openGroups(pages.alice);
    await createGroup(pages.alice, GROUP);
    expect(recorders.alice.succeeded('PUT', '/group/')).toBe(true);
  });

  step('03-administrator-maps-vault-users', STEP_MS, async (stack) => {
    await manage(stack, ['groups', 'map', GROUP, VAULT_USERS_DN]);
    const listed = await manage(stack, ['groups', 'list', '--json']);
    expect(JSON.stringify(listed.json())).toContain(GROUP);
    expect(JSON.stringify(listed.json()).toLowerCase()).toContain(VAULT_USERS_DN);
  });

  step('04-alice-shares-a-folder-with-the-group', STEP_MS, async () => {
    await openDatastore(pages.alice);
    await createFolder(pages.alice, FOLDER);
    await createWebsitePassword(pages.alice, FOLDER, ENTRY);
    await showFolderContent(pages.alice, FOLDER, ENTRY.title);
    await expect.poll(() => recorders.alice.succeeded('PUT', '/secret/'), POLL).toBe(true);
    await shareFolderWithGroup(pages.alice, FOLDER, GROUP);
    expect(recorders.alice.succeeded('POST', '/share/')).toBe(true);
    expect(recorders.alice.succeeded('PUT', '/share/right/')).toBe(true);
  });

  step('05-bob-logs-in-and-waits-for-the-keys', LOGIN_STEP_MS, async (stack) => {
    current = 'bob';
    const bob = stack.directory.users.bob!;
    await logIn(pages.bob, stack.origin, bob.login, bob.password);
    await waitForEmptyDatastore(pages.bob);
    // The login gave him a forced membership, without keys until a holder's client adds them.
    const membership = await withDatabase(stack, (db) =>
      db
        .selectFrom('group_memberships')
        .innerJoin('users', 'users.id', 'group_memberships.user_id')
        .innerJoin('vault_groups', 'vault_groups.id', 'group_memberships.group_id')
        .select(['group_memberships.forced', 'group_memberships.secret_key'])
        .where('vault_groups.name', '=', GROUP)
        .where('users.username', '=', `${bob.login}@${stack.directory.domain}`)
        .executeTakeFirst(),
    );
    expect(membership).toEqual({ forced: 1, secret_key: null });
    await openGroups(pages.bob);
  });

  step('06-alice-client-hands-over-the-keys', STEP_MS, async (stack) => {
    current = 'alice';
    // The client looks for jobs when its main view opens: a reload, as when alice comes back later.
    const handedOver = () => recorders.alice.succeeded('POST', '/job/membership-missing-group-secret/');
    for (let attempt = 0; attempt < 3 && !handedOver(); attempt++) {
      await reloadMainView(pages.alice);
      await expect
        .poll(handedOver, { timeout: 15_000 })
        .toBe(true)
        .catch(() => undefined);
    }
    expect(recorders.alice.succeeded('GET', '/job/')).toBe(true);
    expect(handedOver()).toBe(true);
    const keys = await withDatabase(stack, (db) =>
      db
        .selectFrom('group_memberships')
        .innerJoin('users', 'users.id', 'group_memberships.user_id')
        .select(['group_memberships.secret_key', 'group_memberships.private_key'])
        .where('users.username', 'like', 'bob@%')
        .executeTakeFirstOrThrow(),
    );
    expect(keys.secret_key).toMatch(/^[0-9a-f]+$/);
    expect(keys.private_key).toMatch(/^[0-9a-f]+$/);
  });

  step('07-bob-reads-the-entry', LOGIN_STEP_MS, async () => {
    current = 'bob';
    await reloadMainView(pages.bob);
    await openGroups(pages.bob);
    await groupRow(pages.bob, GROUP).waitFor({ timeout: UI_TIMEOUT_MS });
    await acceptGroupShares(pages.bob, GROUP);
    await openDatastore(pages.bob);
    await showFolderContent(pages.bob, FOLDER, ENTRY.title);
    expect(await readWebsitePassword(pages.bob, ENTRY.title)).toEqual(ENTRY);
    expect(recorders.bob.succeeded('GET', '/secret/<id>/')).toBe(true);
  });

  step('08-carol-sees-nothing-and-the-api-refuses-her-every-id', LOGIN_STEP_MS, async (stack) => {
    current = 'carol';
    const carol = stack.directory.users.carol!;
    await logIn(pages.carol, stack.origin, carol.login, carol.password);
    await waitForEmptyDatastore(pages.carol);
    await openGroups(pages.carol);
    expect(await groupRow(pages.carol, GROUP).count()).toBe(0);

    const ids = await withDatabase(stack, async (db) => {
      const group = await db
        .selectFrom('vault_groups')
        .selectAll()
        .where('name', '=', GROUP)
        .executeTakeFirstOrThrow();
      const groupRight = await db
        .selectFrom('group_share_rights')
        .selectAll()
        .where('group_id', '=', group.id)
        .executeTakeFirstOrThrow();
      const shareId = groupRight.share_id;
      return {
        groupId: group.id,
        shareId,
        groupRightId: groupRight.id,
        userRightIds: (
          await db.selectFrom('user_share_rights').select('id').where('share_id', '=', shareId).execute()
        ).map((row) => row.id),
        membershipIds: (
          await db.selectFrom('group_memberships').select('id').where('group_id', '=', group.id).execute()
        ).map((row) => row.id),
        shareLinks: (
          await db.selectFrom('share_links').select('link_id').where('share_id', '=', shareId).execute()
        ).map((row) => row.link_id),
        secrets: await db
          .selectFrom('secret_links')
          .select(['secret_id', 'link_id'])
          .where('parent_share_id', '=', shareId)
          .execute(),
      };
    });
    expect(ids.secrets.length).toBeGreaterThan(0);
    const api = await apiLogin(stack, 'carol');
    const carolDatastore = (await api.call<{ datastores: { id: string }[] }>('GET', '/datastore/'))
      .datastores[0]!.id;
    const attempts: [string, string, unknown?][] = [
      ['GET', `/group/${ids.groupId}/`],
      ['POST', '/group/', { group_id: ids.groupId, name: 'Taken over' }],
      ['DELETE', '/group/', { group_id: ids.groupId }],
      ['GET', `/share/${ids.shareId}/`],
      ['GET', `/share/rights/${ids.shareId}/`],
      ['PUT', '/share/', { share_id: ids.shareId, data: 'ab'.repeat(40), data_nonce: 'cd'.repeat(24) }],
      ['DELETE', '/share/right/', { group_share_right_id: ids.groupRightId }],
      [
        'POST',
        '/share/right/',
        { share_id: ids.shareId, group_id: ids.groupId, read: true, write: true, grant: true },
      ],
      [
        'PUT',
        '/share/link/',
        { link_id: crypto.randomUUID(), share_id: ids.shareId, parent_datastore_id: carolDatastore },
      ],
      ...ids.userRightIds.map((id): [string, string, unknown] => [
        'DELETE',
        '/share/right/',
        { user_share_right_id: id },
      ]),
      ...ids.membershipIds.flatMap((id): [string, string, unknown][] => [
        ['POST', '/membership/accept/', { membership_id: id }],
        ['DELETE', '/membership/', { membership_id: id }],
        ['POST', '/membership/', { membership_id: id, group_admin: true, share_admin: true }],
      ]),
      ...ids.shareLinks.flatMap((id): [string, string, unknown][] => [
        ['DELETE', '/share/link/', { link_id: id }],
        ['POST', '/share/link/', { link_id: id, new_parent_datastore_id: carolDatastore }],
      ]),
      ...ids.secrets.flatMap(({ secret_id, link_id }): [string, string, unknown?][] => [
        ['GET', `/secret/${secret_id}/`],
        ['GET', `/secret/history/${secret_id}/`],
        ['POST', '/secret/', { secret_id, data: 'ab'.repeat(40), data_nonce: 'cd'.repeat(24) }],
        ['DELETE', '/secret/link/', { link_id }],
      ]),
    ];
    const results = [];
    for (const [method, path, body] of attempts) {
      results.push({ method, path, ...(await refusal(api.call(method, path, body))) });
    }
    expect(results).toEqual(
      results.map(({ method, path }) => ({ method, path, status: 403, code: 'NO_PERMISSION_OR_NOT_EXIST' })),
    );
    expect((await api.call<{ groups: unknown[] }>('GET', '/group/')).groups).toEqual([]);
    expect(JSON.stringify(await api.call('GET', '/share/'))).not.toContain(ids.shareId);
  });

  step('09-bob-leaves-the-directory-group-and-loses-the-share-at-syncldap', STEP_MS, async (stack) => {
    current = 'bob';
    bobApi = await apiLogin(stack, 'bob');
    const shareId = await withDatabase(stack, async (db) => {
      const row = await db
        .selectFrom('group_share_rights')
        .innerJoin('vault_groups', 'vault_groups.id', 'group_share_rights.group_id')
        .select('group_share_rights.share_id')
        .where('vault_groups.name', '=', GROUP)
        .executeTakeFirstOrThrow();
      return row.share_id;
    });
    // Still a member: his API session reads the share.
    expect(await bobApi.call('GET', `/share/${shareId}/`)).toMatchObject({ id: shareId });

    await ldapAdmin(stack, (client) =>
      client.modify(
        VAULT_TEAM_DN,
        new Change({
          operation: 'delete',
          modification: new Attribute({ type: 'member', values: [BOB_DN] }),
        }),
      ),
    );
    await manage(stack, ['syncldap']);
    const memberships = await withDatabase(stack, (db) =>
      db
        .selectFrom('group_memberships')
        .innerJoin('users', 'users.id', 'group_memberships.user_id')
        .select('group_memberships.id')
        .where('users.username', 'like', 'bob@%')
        .execute(),
    );
    expect(memberships).toEqual([]);
    expect(await refusal(bobApi.call('GET', `/share/${shareId}/`))).toEqual({
      status: 403,
      code: 'NO_PERMISSION_OR_NOT_EXIST',
    });
    // His client: the group is gone from the Groups page after a reload.
    await reloadMainView(pages.bob);
    await openGroups(pages.bob);
    await pages.bob.waitForTimeout(1_000);
    expect(await groupRow(pages.bob, GROUP).count()).toBe(0);
  });

  step('10-a-leaver-loses-the-membership-at-the-next-login-too', STEP_MS, async (stack) => {
    const bobsMemberships = () =>
      withDatabase(stack, (db) =>
        db
          .selectFrom('group_memberships')
          .innerJoin('users', 'users.id', 'group_memberships.user_id')
          .select(['group_memberships.forced', 'group_memberships.secret_key'])
          .where('users.username', 'like', 'bob@%')
          .execute(),
      );
    const member = (operation: 'add' | 'delete') =>
      ldapAdmin(stack, (client) =>
        client.modify(
          VAULT_TEAM_DN,
          new Change({ operation, modification: new Attribute({ type: 'member', values: [BOB_DN] }) }),
        ),
      );
    // Back in the directory group: the next login makes him a member again, waiting for keys.
    await member('add');
    await apiLogin(stack, 'bob');
    expect(await bobsMemberships()).toEqual([{ forced: 1, secret_key: null }]);
    // Out again: the next login (no sync in between) ends it.
    await member('delete');
    await apiLogin(stack, 'bob');
    expect(await bobsMemberships()).toEqual([]);
  });

  // Not a step: the log must be clean whatever became of the steps.
  it('keeps the passwords out of the server log', ({ skip }) => {
    const stack = suite.started(skip);
    const secrets = new Map([
      [stack.directory.users.alice!.password, "alice's directory password"],
      [stack.directory.users.bob!.password, "bob's directory password"],
      [stack.directory.users.carol!.password, "carol's directory password"],
      [ENTRY.password, 'shared entry password'],
    ]);
    expect(stack.logs.lines.length).toBeGreaterThan(0);
    expect(findSecrets(stack.logs.lines, secrets)).toEqual([]);
  });
});
