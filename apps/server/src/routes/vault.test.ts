/**
 * The vault routes (datastores, secrets, links, history, status calls), run unchanged on SQLite
 * and on a real PostgreSQL: the happy path the official client takes, Psono's rules, ownership
 * (user B gets 403 on every id of user A's, on every route and method), bad input, replays,
 * tampering and body limits. Bad input gets a clear 4xx and leaves nothing stored.
 */

import { randomUUID } from 'node:crypto';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../db/schema.ts';
import {
  anyJsonValue,
  bodyText,
  hexLike,
  objectWithKeys,
} from '../reliability/test-support/hostile-input.ts';
import { databaseBackends, useDatabaseBackend } from '../test-support/databases.ts';
import { FakeDirectory } from '../test-support/fake-directory.ts';
import type { Session } from '../test-support/protocol-client.ts';
import { refusal } from '../test-support/refusal.ts';
import { cipher, hex, nonce } from '../test-support/stand-ins.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';

const backends = databaseBackends();

const AUTHKEY_ALICE = hex(64);
const AUTHKEY_BOB = hex(64);

function newDatastore(overrides: Record<string, unknown> = {}) {
  return {
    type: 'password',
    description: 'default',
    data: '',
    data_nonce: '',
    is_default: true,
    secret_key: cipher(32),
    secret_key_nonce: nonce(),
    ...overrides,
  };
}

/** Row counts of every vault table, to show that a refused call stored nothing. */
async function vaultRows(db: Database) {
  const count = async (table: 'datastores' | 'secrets' | 'secret_links' | 'secret_history') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    datastores: await count('datastores'),
    secrets: await count('secrets'),
    links: await count('secret_links'),
    history: await count('secret_history'),
  };
}

describe.each(backends)('vault routes on %s', (_name, makeBackend) => {
  const databases = useDatabaseBackend(makeBackend);
  let directory: FakeDirectory;
  let t: TestApp;
  let alice: Session;
  let bob: Session;

  async function start(settings: Parameters<typeof createTestApp>[0]['settings'] = {}) {
    const database = await databases.create();
    t = await createTestApp({ directory, database: database.config, settings });
    alice = await t.client().login('alice@example.com', 'alice-pw', { authkey: AUTHKEY_ALICE });
    bob = await t.client().login('bob@example.com', 'bob-pw', { authkey: AUTHKEY_BOB });
  }

  beforeEach(async () => {
    directory = new FakeDirectory();
    directory.add({ login: 'alice', domain: 'example.com', password: 'alice-pw', guid: 'guid-alice' });
    directory.add({ login: 'bob', domain: 'example.com', password: 'bob-pw', guid: 'guid-bob' });
  });
  afterEach(async () => {
    await t?.close();
  });

  async function createDatastore(session: Session, overrides: Record<string, unknown> = {}) {
    const { datastore_id } = await session.call<{ datastore_id: string }>(
      'PUT',
      '/datastore/',
      newDatastore(overrides),
    );
    return datastore_id;
  }

  async function createSecret(session: Session, datastoreId: string) {
    const linkId = randomUUID();
    const { secret_id } = await session.call<{ secret_id: string }>('PUT', '/secret/', {
      data: cipher(),
      data_nonce: nonce(),
      link_id: linkId,
      parent_datastore_id: datastoreId,
      callback_url: '',
      callback_user: '',
      callback_pass: '',
    });
    return { secretId: secret_id, linkId };
  }

  describe('as the official client uses them', () => {
    beforeEach(() => start());

    it('creates, lists, reads and writes datastores', async () => {
      expect(await alice.call('GET', '/datastore/')).toEqual({ datastores: [] });
      const passwords = await createDatastore(alice);
      const settings = await createDatastore(alice, { type: 'settings', description: 'key-value-settings' });
      expect(await alice.call('GET', '/datastore/')).toEqual({
        datastores: [
          { id: passwords, type: 'password', description: 'default', is_default: true },
          { id: settings, type: 'settings', description: 'key-value-settings', is_default: true },
        ],
      });
      const fresh = await alice.call<Record<string, unknown>>('GET', `/datastore/${passwords}/`);
      expect(fresh).toMatchObject({ data: '', data_nonce: '', type: 'password', is_default: true });

      const tree = { data: cipher(2000), data_nonce: nonce() };
      const written = await alice.call<{ write_date: string }>('POST', '/datastore/', {
        datastore_id: passwords,
        ...tree,
      });
      const read = await alice.call<Record<string, unknown>>('GET', `/datastore/${passwords}/`);
      expect(read).toEqual({
        ...tree,
        type: 'password',
        description: 'default',
        secret_key: fresh.secret_key,
        secret_key_nonce: fresh.secret_key_nonce,
        is_default: true,
        write_date: written.write_date,
      });
      // Psono's optimistic check: a write based on an older version is refused.
      expect(
        await refusal(
          alice.call('POST', '/datastore/', {
            datastore_id: passwords,
            data: cipher(),
            data_nonce: nonce(),
            old_write_date: fresh.write_date,
          }),
        ),
      ).toEqual({ status: 400, code: 'WRITE_DATE_MISMATCH' });
    });

    it("keeps Psono's rules on type, description and default", async () => {
      const first = await createDatastore(alice);
      expect(await refusal(alice.call('PUT', '/datastore/', newDatastore()))).toEqual({
        status: 400,
        code: 'DUPLICATE_TYPE_DESCRIPTION',
      });
      const second = await createDatastore(alice, { description: 'work' });
      const list = await alice.call<{ datastores: { id: string; is_default: boolean }[] }>(
        'GET',
        '/datastore/',
      );
      expect(Object.fromEntries(list.datastores.map((d) => [d.id, d.is_default]))).toEqual({
        [first]: false,
        [second]: true,
      });
      await alice.call('POST', '/datastore/', { datastore_id: first, is_default: true });
      const after = await alice.call<{ datastores: { id: string; is_default: boolean }[] }>(
        'GET',
        '/datastore/',
      );
      expect(Object.fromEntries(after.datastores.map((d) => [d.id, d.is_default]))).toEqual({
        [first]: true,
        [second]: false,
      });
      expect(
        await refusal(alice.call('POST', '/datastore/', { datastore_id: second, description: 'default' })),
      ).toEqual({ status: 400, code: 'DUPLICATE_TYPE_DESCRIPTION' });
      expect(
        await refusal(alice.call('DELETE', '/datastore/', { datastore_id: first, authkey: AUTHKEY_ALICE })),
      ).toEqual({ status: 400, code: 'CANNOT_DELETE_DEFAULT_DATASTORE' });
    });

    it('deletes a datastore only with the authkey of the last login, counting wrong ones as failed logins', async () => {
      await createDatastore(alice);
      const extra = await createDatastore(alice, { description: 'old', is_default: false });
      const { secretId } = await createSecret(alice, extra);
      expect(
        await refusal(alice.call('DELETE', '/datastore/', { datastore_id: extra, authkey: hex(64) })),
      ).toEqual({ status: 403, code: 'PASSWORD_INCORRECT' });
      const throttled = await t.db
        .selectFrom('login_throttle')
        .select('failures')
        .where('key', '=', 'user:alice@example.com')
        .executeTakeFirst();
      expect(throttled?.failures).toBe(1);
      expect(
        await alice.call('DELETE', '/datastore/', { datastore_id: extra, authkey: AUTHKEY_ALICE }),
      ).toEqual({});
      expect(await refusal(alice.call('GET', `/datastore/${extra}/`))).toEqual({
        status: 403,
        code: 'NO_PERMISSION_OR_NOT_EXIST',
      });
      // The secrets only that datastore reached go with it.
      expect(await refusal(alice.call('GET', `/secret/${secretId}/`))).toMatchObject({ status: 403 });
      expect(await t.db.selectFrom('secrets').select('id').where('id', '=', secretId).execute()).toEqual([]);
    });

    it('deletes a datastore with the password, checked against the directory', async () => {
      await createDatastore(alice);
      const extra = await createDatastore(alice, { description: 'old', is_default: false });
      expect(
        await refusal(alice.call('DELETE', '/datastore/', { datastore_id: extra, password: 'not-it' })),
      ).toEqual({ status: 403, code: 'PASSWORD_INCORRECT' });
      expect(
        await refusal(
          alice.call('DELETE', '/datastore/', {
            datastore_id: extra,
            password: 'alice-pw',
            authkey: AUTHKEY_ALICE,
          }),
        ),
      ).toEqual({ status: 400, code: 'INVALID_REQUEST' });
      directory.unavailable = true;
      expect(
        await refusal(alice.call('DELETE', '/datastore/', { datastore_id: extra, password: 'alice-pw' })),
      ).toEqual({ status: 503, code: 'DIRECTORY_UNAVAILABLE' });
      directory.unavailable = false;
      // Bob's password is a valid directory password, but not Alice's.
      expect(
        await refusal(alice.call('DELETE', '/datastore/', { datastore_id: extra, password: 'bob-pw' })),
      ).toEqual({ status: 403, code: 'PASSWORD_INCORRECT' });
      const throttled = await t.db
        .selectFrom('login_throttle')
        .select('failures')
        .where('key', '=', 'user:alice@example.com')
        .executeTakeFirst();
      expect(throttled?.failures).toBe(2);
      expect(
        await alice.call('DELETE', '/datastore/', { datastore_id: extra, password: 'alice-pw' }),
      ).toEqual({});
      expect(await refusal(alice.call('GET', `/datastore/${extra}/`))).toMatchObject({ status: 403 });
    });

    it('refuses a datastore deletion once the username is throttled, even with the right authkey', async () => {
      await createDatastore(alice);
      const extra = await createDatastore(alice, { description: 'old', is_default: false });
      for (let attempt = 0; attempt < t.settings.LOGIN_THROTTLE_USERNAME_FAILURES; attempt++) {
        await refusal(alice.call('DELETE', '/datastore/', { datastore_id: extra, authkey: hex(64) }));
      }
      expect(
        await refusal(alice.call('DELETE', '/datastore/', { datastore_id: extra, authkey: AUTHKEY_ALICE })),
      ).toEqual({ status: 429, code: 'TOO_MANY_LOGIN_ATTEMPTS' });
      expect(await alice.call('GET', `/datastore/${extra}/`)).toMatchObject({ description: 'old' });
    });

    it('creates, reads and writes secrets, keeping every earlier version', async () => {
      const datastore = await createDatastore(alice);
      const first = { data: cipher(), data_nonce: nonce() };
      const linkId = randomUUID();
      const { secret_id: secretId } = await alice.call<{ secret_id: string }>('PUT', '/secret/', {
        ...first,
        link_id: linkId,
        parent_datastore_id: datastore,
        callback_url: 'https://hooks.example.com/x',
        callback_user: 'hook',
        callback_pass: 'hook-pass',
      });
      const read = await alice.call<Record<string, unknown>>('GET', `/secret/${secretId}/`);
      expect(read).toMatchObject({
        ...first,
        read_count: 1,
        callback_url: 'https://hooks.example.com/x',
        callback_user: 'hook',
        callback_pass: 'hook-pass',
      });
      // The callback password is not stored as given.
      const stored = await t.db.selectFrom('secrets').select('callback_pass').executeTakeFirstOrThrow();
      expect(stored.callback_pass).not.toContain('hook-pass');

      const second = { data: cipher(), data_nonce: nonce() };
      const third = { data: cipher(), data_nonce: nonce() };
      expect(await alice.call('POST', '/secret/', { secret_id: secretId, ...second })).toEqual({
        success: 'Data updated.',
      });
      await alice.call('POST', '/secret/', { secret_id: secretId, ...third, callback_url: '' });
      expect(await alice.call('GET', `/secret/${secretId}/`)).toMatchObject({ ...third, callback_url: '' });

      const { history } = await alice.call<{
        history: { id: string; username: string; create_date: string }[];
      }>('GET', `/secret/history/${secretId}/`);
      expect(history.map((item) => item.username)).toEqual(['alice@example.com', 'alice@example.com']);
      expect(await alice.call('GET', `/history/${history[0]!.id}/`)).toMatchObject({
        ...first,
        callback_url: 'https://hooks.example.com/x',
        callback_pass: 'hook-pass',
      });
      expect(await alice.call('GET', `/history/${history[1]!.id}/`)).toMatchObject(second);
    });

    it('takes concurrent writes of one secret one after the other, every earlier version in the history', async () => {
      const datastore = await createDatastore(alice);
      const { secretId } = await createSecret(alice, datastore);
      const writes = Array.from({ length: 12 }, () => ({ data: cipher(), data_nonce: nonce() }));
      const answers = await Promise.all(
        writes.map((write) => alice.call('POST', '/secret/', { secret_id: secretId, ...write })),
      );
      expect(answers).toEqual(writes.map(() => ({ success: 'Data updated.' })));
      const { history } = await alice.call<{ history: { id: string }[] }>(
        'GET',
        `/secret/history/${secretId}/`,
      );
      expect(history).toHaveLength(writes.length);
      // Each version is in the history once: no write saw another's version as its own.
      const nonces = await t.db
        .selectFrom('secret_history')
        .select('data_nonce')
        .where('secret_id', '=', secretId)
        .execute();
      expect(new Set(nonces.map((row) => row.data_nonce)).size).toBe(writes.length);
    });

    it('moves and deletes secret links (drag and drop, trash)', async () => {
      const home = await createDatastore(alice);
      const other = await createDatastore(alice, { description: 'other', is_default: false });
      const { secretId, linkId } = await createSecret(alice, home);
      expect(
        await alice.call('POST', '/secret/link/', { link_id: linkId, new_parent_datastore_id: other }),
      ).toEqual({});
      const link = await t.db
        .selectFrom('secret_links')
        .selectAll()
        .where('link_id', '=', linkId)
        .executeTakeFirst();
      expect(link?.parent_datastore_id).toBe(other);
      expect(await refusal(alice.call('POST', '/secret/link/', { link_id: linkId }))).toEqual({
        status: 400,
        code: 'NO_PARENT_PROVIDED',
      });
      expect(await alice.call('DELETE', '/secret/link/', { link_id: linkId, log_audit_title: '' })).toEqual(
        {},
      );
      expect(await refusal(alice.call('GET', `/secret/${secretId}/`))).toEqual({
        status: 403,
        code: 'NO_PERMISSION_OR_NOT_EXIST',
      });
      expect(await vaultRows(t.db)).toMatchObject({ secrets: 0, links: 0 });
    });

    it('answers the status calls of the main screen', async () => {
      expect(await alice.call('GET', '/share/right/')).toEqual({ share_rights: [] });
      expect(await alice.call('GET', '/avatar/')).toEqual({ avatars: [] });
      const status = await alice.call<Record<string, unknown>>('GET', '/user/status/');
      expect(status).toMatchObject({
        unaccepted_shares_count: 0,
        unaccepted_groups_count: 0,
        unaccepted_forced_groups_count: 0,
      });
      expect(Date.parse(String(status.last_security_report_created))).not.toBeNaN();
      const info = JSON.parse(((await (await t.request('/info/')).json()) as { info: string }).info);
      expect(info.compliance_server_secrets).toBe('auto');
    });

    it('accepts PUT /user/update/ as the official client sends it', async () => {
      // A language change: every other key absent or null.
      expect(await alice.call('PUT', '/user/update/', { language: 'de' })).toEqual({});
      expect(
        await alice.call('PUT', '/user/update/', {
          email: null,
          authkey: null,
          authkey_old: null,
          private_key: null,
          private_key_nonce: null,
          secret_key: null,
          secret_key_nonce: null,
          language: 'fr',
          hashing_algorithm: null,
          hashing_parameters: null,
        }),
      ).toEqual({});
      // Re-encrypted keys without user_sauce keep the stored sauce.
      const before = await t.db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', 'alice@example.com')
        .executeTakeFirstOrThrow();
      const keys = {
        private_key: hex(80),
        private_key_nonce: nonce(),
        secret_key: hex(80),
        secret_key_nonce: nonce(),
      };
      expect(
        await alice.call('PUT', '/user/update/', {
          ...keys,
          hashing_algorithm: 'scrypt',
          hashing_parameters: { u: 14, r: 8, p: 1, l: 64 },
        }),
      ).toEqual({});
      const after = await t.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', before.id)
        .executeTakeFirstOrThrow();
      expect(after).toMatchObject({ ...keys, user_sauce: before.user_sauce });
    });
  });

  describe('ownership', () => {
    beforeEach(() => start());

    it("gives user B 403 on every id of user A's, on every route and method, and changes nothing", async () => {
      const aliceDefault = await createDatastore(alice);
      const aliceOther = await createDatastore(alice, { description: 'other', is_default: false });
      await alice.call('POST', '/datastore/', {
        datastore_id: aliceDefault,
        data: cipher(),
        data_nonce: nonce(),
      });
      const { secretId, linkId } = await createSecret(alice, aliceDefault);
      await alice.call('POST', '/secret/', { secret_id: secretId, data: cipher(), data_nonce: nonce() });
      const { history } = await alice.call<{ history: { id: string }[] }>(
        'GET',
        `/secret/history/${secretId}/`,
      );
      const historyId = history[0]!.id;
      const bobDatastore = await createDatastore(bob);
      const bobSecret = await createSecret(bob, bobDatastore);

      const before = {
        datastores: await t.db.selectFrom('datastores').selectAll().orderBy('id').execute(),
        secrets: await t.db.selectFrom('secrets').selectAll().orderBy('id').execute(),
        links: await t.db.selectFrom('secret_links').selectAll().orderBy('link_id').execute(),
        history: await t.db.selectFrom('secret_history').selectAll().orderBy('id').execute(),
      };

      const attempts: [string, string, unknown?][] = [
        ['GET', `/datastore/${aliceDefault}/`],
        ['GET', `/datastore/${aliceOther}/`],
        ['POST', '/datastore/', { datastore_id: aliceDefault, data: cipher(), data_nonce: nonce() }],
        ['POST', '/datastore/', { datastore_id: aliceOther, is_default: true }],
        ['DELETE', '/datastore/', { datastore_id: aliceOther, authkey: AUTHKEY_BOB }],
        ['DELETE', '/datastore/', { datastore_id: aliceOther, authkey: AUTHKEY_ALICE }],
        [
          'PUT',
          '/secret/',
          { data: cipher(), data_nonce: nonce(), link_id: randomUUID(), parent_datastore_id: aliceDefault },
        ],
        ['GET', `/secret/${secretId}/`],
        ['POST', '/secret/', { secret_id: secretId, data: cipher(), data_nonce: nonce() }],
        ['POST', '/secret/', { secret_id: secretId, callback_url: 'https://evil.example.com' }],
        ['GET', `/secret/history/${secretId}/`],
        ['GET', `/history/${historyId}/`],
        ['POST', '/secret/link/', { link_id: linkId, new_parent_datastore_id: bobDatastore }],
        ['POST', '/secret/link/', { link_id: bobSecret.linkId, new_parent_datastore_id: aliceOther }],
        ['DELETE', '/secret/link/', { link_id: linkId }],
      ];
      for (const [method, path, body] of attempts) {
        expect({ method, path, ...(await refusal(bob.call(method, path, body))) }).toEqual({
          method,
          path,
          status: 403,
          code: 'NO_PERMISSION_OR_NOT_EXIST',
        });
      }
      const list = await bob.call<{ datastores: { id: string }[] }>('GET', '/datastore/');
      expect(list.datastores.map((d) => d.id)).toEqual([bobDatastore]);
      expect({
        datastores: await t.db.selectFrom('datastores').selectAll().orderBy('id').execute(),
        secrets: await t.db.selectFrom('secrets').selectAll().orderBy('id').execute(),
        links: await t.db.selectFrom('secret_links').selectAll().orderBy('link_id').execute(),
        history: await t.db.selectFrom('secret_history').selectAll().orderBy('id').execute(),
      }).toEqual(before);
      // Alice still reaches all of it.
      expect(await alice.call('GET', `/secret/${secretId}/`)).toMatchObject({
        data_nonce: before.secrets.find((s) => s.id === secretId)!.data_nonce,
      });
    });

    it('refuses a share as parent while no share grants anything', async () => {
      expect(
        await refusal(
          alice.call('PUT', '/secret/', {
            data: cipher(),
            data_nonce: nonce(),
            link_id: randomUUID(),
            parent_share_id: randomUUID(),
          }),
        ),
      ).toEqual({ status: 403, code: 'NO_PERMISSION_OR_NOT_EXIST' });
      expect(await vaultRows(t.db)).toEqual({ datastores: 0, secrets: 0, links: 0, history: 0 });
    });
  });

  describe('bad input', () => {
    beforeEach(() => start());

    it('answers wrong types, unknown ids and invalid hex with a clear 4xx and stores nothing', async () => {
      const datastore = await createDatastore(alice);
      const { secretId, linkId } = await createSecret(alice, datastore);
      const before = await vaultRows(t.db);
      const cases: [string, string, unknown, number, string][] = [
        ['PUT', '/datastore/', { ...newDatastore(), type: 5 }, 400, 'INVALID_REQUEST'],
        ['PUT', '/datastore/', { ...newDatastore(), is_default: 'yes' }, 400, 'INVALID_REQUEST'],
        ['PUT', '/datastore/', { ...newDatastore(), secret_key: 'zz'.repeat(40) }, 400, 'INVALID_REQUEST'],
        ['PUT', '/datastore/', { ...newDatastore(), description: 'x'.repeat(65) }, 400, 'INVALID_REQUEST'],
        ['PUT', '/datastore/', { ...newDatastore(), data: cipher() }, 400, 'INVALID_REQUEST'],
        ['PUT', '/datastore/', { ...newDatastore(), owner: 'bob' }, 400, 'INVALID_REQUEST'],
        ['PUT', '/datastore/', { ...newDatastore(), description: 'a\u0000b' }, 400, 'INVALID_REQUEST'],
        [
          'PUT',
          '/secret/',
          {
            data: cipher(),
            data_nonce: nonce(),
            link_id: randomUUID(),
            parent_datastore_id: datastore,
            callback_user: '\u0000',
          },
          400,
          'INVALID_REQUEST',
        ],
        ['POST', '/datastore/', { datastore_id: 5 }, 400, 'INVALID_REQUEST'],
        ['POST', '/datastore/', { datastore_id: 'not-a-uuid' }, 400, 'INVALID_REQUEST'],
        [
          'POST',
          '/datastore/',
          { datastore_id: randomUUID(), data: cipher(), data_nonce: nonce() },
          403,
          'NO_PERMISSION_OR_NOT_EXIST',
        ],
        [
          'POST',
          '/datastore/',
          { datastore_id: datastore, data: 'xyz', data_nonce: nonce() },
          400,
          'INVALID_REQUEST',
        ],
        ['POST', '/datastore/', { datastore_id: datastore, data: cipher() }, 400, 'INVALID_REQUEST'],
        ['DELETE', '/datastore/', { datastore_id: datastore }, 400, 'INVALID_REQUEST'],
        [
          'DELETE',
          '/datastore/',
          { datastore_id: randomUUID(), authkey: AUTHKEY_ALICE },
          403,
          'NO_PERMISSION_OR_NOT_EXIST',
        ],
        [
          'PUT',
          '/secret/',
          { data: cipher(), data_nonce: nonce(), link_id: randomUUID() },
          400,
          'EITHER_PARENT_DATASTORE_OR_SHARE_NEED_TO_BE_DEFINED',
        ],
        [
          'PUT',
          '/secret/',
          {
            data: cipher(),
            data_nonce: nonce(),
            link_id: randomUUID(),
            parent_datastore_id: datastore,
            parent_share_id: randomUUID(),
          },
          400,
          'EITHER_PARENT_DATASTORE_OR_SHARE_NEED_TO_BE_DEFINED_NOT_BOTH',
        ],
        [
          'PUT',
          '/secret/',
          { data: cipher(), data_nonce: nonce(), link_id: randomUUID(), parent_datastore_id: randomUUID() },
          403,
          'NO_PERMISSION_OR_NOT_EXIST',
        ],
        [
          'PUT',
          '/secret/',
          { data: cipher(), data_nonce: nonce(), link_id: linkId, parent_datastore_id: datastore },
          400,
          'DUPLICATE_LINK_ID',
        ],
        [
          'PUT',
          '/secret/',
          {
            data: 'g'.repeat(160),
            data_nonce: nonce(),
            link_id: randomUUID(),
            parent_datastore_id: datastore,
          },
          400,
          'INVALID_REQUEST',
        ],
        [
          'PUT',
          '/secret/',
          {
            data: cipher(),
            data_nonce: nonce().slice(2),
            link_id: randomUUID(),
            parent_datastore_id: datastore,
          },
          400,
          'INVALID_REQUEST',
        ],
        [
          'PUT',
          '/secret/',
          { data: [cipher()], data_nonce: nonce(), link_id: randomUUID(), parent_datastore_id: datastore },
          400,
          'INVALID_REQUEST',
        ],
        [
          'POST',
          '/secret/',
          { secret_id: randomUUID(), data: cipher(), data_nonce: nonce() },
          403,
          'NO_PERMISSION_OR_NOT_EXIST',
        ],
        ['POST', '/secret/', { secret_id: secretId, data: cipher() }, 400, 'INVALID_REQUEST'],
        ['POST', '/secret/', { secret_id: secretId, data: 12, data_nonce: nonce() }, 400, 'INVALID_REQUEST'],
        [
          'POST',
          '/secret/link/',
          { link_id: randomUUID(), new_parent_datastore_id: datastore },
          403,
          'NO_PERMISSION_OR_NOT_EXIST',
        ],
        ['DELETE', '/secret/link/', { link_id: randomUUID() }, 403, 'NO_PERMISSION_OR_NOT_EXIST'],
        ['DELETE', '/secret/link/', { link_id: null }, 400, 'INVALID_REQUEST'],
        ['GET', `/datastore/${randomUUID()}/`, undefined, 403, 'NO_PERMISSION_OR_NOT_EXIST'],
        ['GET', '/datastore/not-a-uuid/', undefined, 403, 'NO_PERMISSION_OR_NOT_EXIST'],
        ['GET', `/secret/${randomUUID()}/`, undefined, 403, 'NO_PERMISSION_OR_NOT_EXIST'],
        ['GET', "/secret/1' or '1'='1/", undefined, 403, 'NO_PERMISSION_OR_NOT_EXIST'],
        ['GET', `/secret/history/${randomUUID()}/`, undefined, 403, 'NO_PERMISSION_OR_NOT_EXIST'],
        ['GET', `/history/${randomUUID()}/`, undefined, 403, 'NO_PERMISSION_OR_NOT_EXIST'],
      ];
      for (const [method, path, body, status, code] of cases) {
        expect({ method, path, body, ...(await refusal(alice.call(method, path, body))) }).toEqual({
          method,
          path,
          body,
          status,
          code,
        });
      }
      expect(await vaultRows(t.db)).toEqual(before);
    });

    it('refuses tampered, foreign and replayed encrypted bodies; nothing is stored', async () => {
      const datastore = await createDatastore(alice);
      const before = await vaultRows(t.db);
      const body = {
        data: cipher(),
        data_nonce: nonce(),
        link_id: randomUUID(),
        parent_datastore_id: datastore,
      };
      const send = (session: Session, payload: string) =>
        t.request('/secret/', {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json', ...session.headers() },
          body: payload,
        });
      const sealed = sodiumCrypto.secretboxSeal(JSON.stringify(body), alice.sessionSecret);
      const flipped = `${sealed.text.slice(0, 10)}${sealed.text[10] === '0' ? '1' : '0'}${sealed.text.slice(11)}`;
      for (const [payload, code] of [
        [JSON.stringify({ ...sealed, text: flipped }), 'REQUEST_CANNOT_BE_DECRYPTED'],
        [JSON.stringify({ ...sealed, nonce: nonce() }), 'REQUEST_CANNOT_BE_DECRYPTED'],
        [
          JSON.stringify(sodiumCrypto.secretboxSeal(JSON.stringify(body), bob.sessionSecret)),
          'REQUEST_CANNOT_BE_DECRYPTED',
        ],
        [
          JSON.stringify(sodiumCrypto.secretboxSeal('not json', alice.sessionSecret)),
          'REQUEST_CANNOT_BE_DECRYPTED',
        ],
        [JSON.stringify(body), 'INVALID_REQUEST'],
        [JSON.stringify({ text: 'zz'.repeat(40), nonce: sealed.nonce }), 'INVALID_REQUEST'],
        ['{', 'INVALID_REQUEST'],
      ] as const) {
        const response = await send(alice, payload);
        expect(response.status).toBe(400);
        const text = await response.text();
        expect(JSON.parse(sodiumCrypto.secretboxOpen(JSON.parse(text), alice.sessionSecret))).toEqual({
          non_field_errors: [code],
        });
      }
      // Alice's body sent with Bob's session does not open either.
      expect((await send(bob, JSON.stringify(sealed))).status).toBe(400);
      expect(await vaultRows(t.db)).toEqual(before);

      // A replay of a request that succeeded changes nothing.
      const created = await send(alice, JSON.stringify(sealed));
      expect(created.status).toBe(201);
      const afterCreate = await vaultRows(t.db);
      const replayed = await send(alice, JSON.stringify(sealed));
      expect(replayed.status).toBe(400);
      expect(await vaultRows(t.db)).toEqual(afterCreate);

      const secret = await t.db.selectFrom('secrets').select('id').executeTakeFirstOrThrow();
      const write = { secret_id: secret.id, data: cipher(), data_nonce: nonce() };
      await alice.call('POST', '/secret/', write);
      expect(await refusal(alice.call('POST', '/secret/', write))).toEqual({
        status: 400,
        code: 'DUPLICATE_NONCE',
      });
      // An old version written back (its nonce is in the history) is a replay too.
      const original = await t.db
        .selectFrom('secret_history')
        .select(['data', 'data_nonce'])
        .executeTakeFirstOrThrow();
      expect(await refusal(alice.call('POST', '/secret/', { secret_id: secret.id, ...original }))).toEqual({
        status: 400,
        code: 'DUPLICATE_NONCE',
      });
      const tree = { datastore_id: datastore, data: cipher(), data_nonce: nonce() };
      await alice.call('POST', '/datastore/', tree);
      expect(await refusal(alice.call('POST', '/datastore/', tree))).toEqual({
        status: 400,
        code: 'DUPLICATE_NONCE',
      });
      expect((await vaultRows(t.db)).history).toBe(1);
    });

    it('reads the encrypted envelope in any JSON form and a large one as the plain form (same answers)', async () => {
      const datastore = await createDatastore(alice);
      const send = (payload: string) =>
        t.request('/datastore/', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...alice.headers() },
          body: payload,
        });
      const codeOf = async (response: Response) =>
        JSON.parse(sodiumCrypto.secretboxOpen(JSON.parse(await response.text()), alice.sessionSecret));
      // A tree of about 1.3 MB of hex with uppercase digits: stored lowercase, whatever the envelope's form.
      const bigData = cipher().repeat(8_000).toUpperCase();
      const sealedTree = () =>
        sodiumCrypto.secretboxSeal(
          JSON.stringify({ datastore_id: datastore, data: bigData, data_nonce: nonce() }),
          alice.sessionSecret,
        );
      const forms: ((sealed: { text: string; nonce: string }) => string)[] = [
        (sealed) => JSON.stringify(sealed),
        (sealed) =>
          `\r\n { "nonce" :\t"${sealed.nonce.toUpperCase()}" ,\n "text": "${sealed.text.toUpperCase()}" } \n`,
        (sealed) => `{"te\\u0078t":"${sealed.text}","nonce":"${sealed.nonce}"}`,
        (sealed) => JSON.stringify(sealed, null, 2),
      ];
      for (const form of forms) {
        const response = await send(form(sealedTree()));
        expect(response.status).toBe(200);
        const row = await t.db
          .selectFrom('datastores')
          .select('data')
          .where('id', '=', datastore)
          .executeTakeFirstOrThrow();
        expect(row.data).toBe(bigData.toLowerCase());
      }
      const before = await vaultRows(t.db);
      const sealed = sealedTree();
      const middle = sealed.text.length / 2;
      for (const [payload, code] of [
        [`${JSON.stringify(sealed)}x`, 'INVALID_REQUEST'],
        [JSON.stringify({ ...sealed, extra: 1 }), 'INVALID_REQUEST'],
        [
          JSON.stringify({
            ...sealed,
            text: `${sealed.text.slice(0, middle)}zz${sealed.text.slice(middle + 2)}`,
          }),
          'INVALID_REQUEST',
        ],
        [JSON.stringify({ ...sealed, text: sealed.text.slice(1) }), 'INVALID_REQUEST'],
        // Characters above U+00FF whose low byte is a hex digit ('\u0161' is 'a' to Node's decoder).
        [
          JSON.stringify({
            ...sealed,
            text: `${sealed.text.slice(0, middle)}\u0161${sealed.text.slice(middle + 1)}`,
          }),
          'INVALID_REQUEST',
        ],
        [
          JSON.stringify({
            ...sealed,
            text: `${sealed.text.slice(0, middle)}\u0161\u0161${sealed.text.slice(middle + 4)}`,
          }),
          'INVALID_REQUEST',
        ],
        [JSON.stringify({ ...sealed, nonce: 'zz'.repeat(24) }), 'INVALID_REQUEST'],
        [JSON.stringify({ ...sealed, nonce: sealed.nonce.slice(2) }), 'INVALID_REQUEST'],
        [JSON.stringify({ ...sealed, text: 'ab'.repeat(15) }), 'INVALID_REQUEST'],
        [JSON.stringify({ ...sealed, text: 123 }), 'INVALID_REQUEST'],
        [JSON.stringify({ text: sealed.text }), 'INVALID_REQUEST'],
        [' \n ', 'INVALID_REQUEST'],
        [
          JSON.stringify({
            ...sealed,
            text: `${sealed.text.slice(0, -1)}${sealed.text.endsWith('0') ? '1' : '0'}`,
          }),
          'REQUEST_CANNOT_BE_DECRYPTED',
        ],
      ] as const) {
        const response = await send(payload);
        expect({
          payload: payload.slice(0, 60),
          status: response.status,
          body: await codeOf(response),
        }).toEqual({
          payload: payload.slice(0, 60),
          status: 400,
          body: { non_field_errors: [code] },
        });
      }
      expect(await vaultRows(t.db)).toEqual(before);
    });
  });

  describe('fuzzing', () => {
    beforeEach(() => start());

    it("answers hostile bodies on every vault route below 500 and never touches another user's rows", async () => {
      const aliceDatastore = await createDatastore(alice);
      const alicesSecret = await createSecret(alice, aliceDatastore);
      const bobDatastore = await createDatastore(bob);
      const bobSecret = await createSecret(bob, bobDatastore);
      const bobRows = async () => ({
        datastores: await t.db.selectFrom('datastores').selectAll().where('id', '=', bobDatastore).execute(),
        secrets: await t.db.selectFrom('secrets').selectAll().where('id', '=', bobSecret.secretId).execute(),
        links: await t.db
          .selectFrom('secret_links')
          .selectAll()
          .where('link_id', '=', bobSecret.linkId)
          .execute(),
      });
      const before = await bobRows();
      const id = fc.oneof(
        fc.constantFrom(
          aliceDatastore,
          bobDatastore,
          alicesSecret.secretId,
          bobSecret.secretId,
          bobSecret.linkId,
        ),
        fc.uuid(),
        anyJsonValue,
      );
      const hexData = fc.oneof(hexLike(160), fc.constant(cipher()));
      const routes = [
        {
          method: 'PUT',
          path: '/datastore/',
          shape: objectWithKeys({
            type: anyJsonValue,
            description: anyJsonValue,
            data: hexData,
            data_nonce: hexLike(48),
            is_default: anyJsonValue,
            secret_key: hexLike(160),
            secret_key_nonce: hexLike(48),
          }),
        },
        {
          method: 'POST',
          path: '/datastore/',
          shape: objectWithKeys({
            datastore_id: id,
            data: hexData,
            data_nonce: hexLike(48),
            description: anyJsonValue,
            is_default: anyJsonValue,
            old_write_date: anyJsonValue,
          }),
        },
        {
          method: 'DELETE',
          path: '/datastore/',
          shape: objectWithKeys({ datastore_id: id, authkey: hexLike(128) }),
        },
        {
          method: 'PUT',
          path: '/secret/',
          shape: objectWithKeys({
            data: hexData,
            data_nonce: hexLike(48),
            link_id: id,
            parent_datastore_id: id,
            parent_share_id: id,
            callback_url: anyJsonValue,
            callback_pass: anyJsonValue,
          }),
        },
        {
          method: 'POST',
          path: '/secret/',
          shape: objectWithKeys({
            secret_id: id,
            data: hexData,
            data_nonce: hexLike(48),
            callback_user: anyJsonValue,
          }),
        },
        {
          method: 'POST',
          path: '/secret/link/',
          shape: objectWithKeys({ link_id: id, new_parent_datastore_id: id, new_parent_share_id: id }),
        },
        {
          method: 'DELETE',
          path: '/secret/link/',
          shape: objectWithKeys({ link_id: id, log_audit_title: anyJsonValue }),
        },
      ];
      const cases = fc.oneof(
        ...routes.map((route) =>
          fc
            .tuple(bodyText(route.shape), fc.boolean())
            .map(([plain, encrypt]) => ({ ...route, plain, encrypt })),
        ),
      );
      await fc.assert(
        fc.asyncProperty(cases, async ({ method, path, plain, encrypt }) => {
          const body = encrypt
            ? JSON.stringify(sodiumCrypto.secretboxSeal(plain, alice.sessionSecret))
            : plain;
          const response = await t.request(path, {
            method,
            headers: { 'Content-Type': 'application/json', ...alice.headers() },
            body,
          });
          expect(response.status).toBeLessThan(500);
        }),
        { numRuns: 300, seed: 20261205 },
      );
      expect(await bobRows()).toEqual(before);
    }, 240_000);
  });

  describe('body limits', () => {
    it('takes multi-megabyte datastores, answers 413 beyond VAULT_MAX_BODY_SIZE, and keeps 64 KiB elsewhere', async () => {
      await start({ VAULT_MAX_BODY_SIZE: 4 * 1024 * 1024 });
      const datastore = await createDatastore(alice);
      // About 1,500 entries: 3 MB of hex in the tree, more once encrypted for transport.
      const big = { datastore_id: datastore, data: cipher(1_000_000), data_nonce: nonce() };
      await alice.call('POST', '/datastore/', big);
      expect(await alice.call('GET', `/datastore/${datastore}/`)).toMatchObject({ data: big.data });

      const tooBig = { datastore_id: datastore, data: cipher(1_500_000), data_nonce: nonce() };
      expect(await refusal(alice.call('POST', '/datastore/', tooBig))).toEqual({
        status: 413,
        code: 'REQUEST_TOO_LARGE',
      });
      expect(await alice.call('GET', `/datastore/${datastore}/`)).toMatchObject({
        data_nonce: big.data_nonce,
      });
      expect(
        await refusal(
          alice.call('PUT', '/secret/', {
            data: cipher(1_500_000),
            data_nonce: nonce(),
            link_id: randomUUID(),
            parent_datastore_id: datastore,
          }),
        ),
      ).toEqual({ status: 413, code: 'REQUEST_TOO_LARGE' });
      // Other routes keep the small limit.
      expect(await refusal(alice.call('PUT', '/user/update/', { language: 'x'.repeat(70_000) }))).toEqual({
        status: 413,
        code: 'REQUEST_TOO_LARGE',
      });
      expect(await vaultRows(t.db)).toMatchObject({ secrets: 0 });
    });
  });
});
