import { type LdapEntryInput, ldapEntrySchema } from '@ldap-login/config-schema';
import { Client } from 'ldapts';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { DirectoryService } from '../directory-service.ts';
import { DirectoryError } from '../errors/errors.ts';
import {
  DATASET_NAMES,
  type DatasetName,
  freeLoopbackPort,
  startDirectoryOrSkip,
  type TestDirectory,
} from '../testing/index.ts';

/**
 * `recheckUser` against a real OpenLDAP, for each dataset: a user who logged in is looked up again
 * by GUID as the service account, and refused exactly when a login would be refused for the
 * account (not the password); a directory that cannot answer throws instead of refusing.
 */

describe.each(DATASET_NAMES)('recheckUser against %s', (dataset: DatasetName) => {
  let directory: TestDirectory | undefined;
  const services: DirectoryService[] = [];

  beforeAll(async () => {
    directory = await startDirectoryOrSkip({ dataset }, 'user re-check tests of ldap-core');
  }, 120_000);
  afterAll(async () => {
    await directory?.stop();
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.close()));
  });

  function need(context: TestContext): TestDirectory {
    if (!directory) context.skip('no test directory on this machine');
    return directory!;
  }

  function service(overrides: Partial<LdapEntryInput> = {}): DirectoryService {
    const created = new DirectoryService([ldapEntrySchema.parse(directory!.ldapEntry(overrides))]);
    services.push(created);
    return created;
  }

  async function guidOf(dir: TestDirectory, key: string): Promise<string> {
    const user = dir.users[key]!;
    return (await service().authenticate(`${user.login}@${dir.domain}`, user.password)).guid;
  }

  it('finds a user who may log in, with the same profile and groups as a login', async (context) => {
    const dir = need(context);
    const alice = dir.users.alice!;
    const login = await service().authenticate(`${alice.login}@${dir.domain}`, alice.password);
    const standing = await service().recheckUser(dir.domain.toUpperCase(), login.guid);
    expect(standing).toEqual({ allowed: true, user: login });
  });

  it('refuses a user the custom user filter excludes, or whose account is disabled', async (context) => {
    const dir = need(context);
    // eve is disabled in every dataset (OpenLDAP still lets her bind; the filter keeps her out).
    const eve = await service().recheckUser(dir.domain, await guidOf(dir, 'eve'));
    const filtered = await service({ LDAP_CUSTOM_USER_FILTER: dir.definition.enabledFilter }).recheckUser(
      dir.domain,
      await guidOf(dir, 'eve'),
    );
    expect(filtered).toMatchObject({ allowed: false, reason: 'user-not-found' });
    if (dir.definition.flavor === 'ad') {
      // Active Directory refuses a disabled account's bind whatever the filter: so does the re-check.
      expect(eve).toMatchObject({ allowed: false, reason: 'account-disabled' });
    } else {
      expect(eve).toMatchObject({ allowed: true });
    }
  });

  it('refuses a user outside LDAP_REQUIRED_GROUP or without LDAP_REQUIRED_ATTRIBUTE', async (context) => {
    const dir = need(context);
    const guid = await guidOf(dir, 'alice');
    const admins = dir.groups.admins!.dn;
    const guarded = service({ LDAP_REQUIRED_GROUP: [admins] });
    expect(await guarded.recheckUser(dir.domain, guid)).toMatchObject({
      allowed: false,
      reason: 'required-group',
    });
    expect(await guarded.recheckUser(dir.domain, await guidOf(dir, 'bob'))).toMatchObject({ allowed: true });
    const attribute = service({ LDAP_REQUIRED_ATTRIBUTE: [['mail', 'nobody@nowhere.invalid']] });
    expect(await attribute.recheckUser(dir.domain, guid)).toMatchObject({
      allowed: false,
      reason: 'required-attribute',
    });
  });

  it('refuses a user deleted from the directory', async (context) => {
    const dir = need(context);
    const guid = await guidOf(dir, 'dave');
    const admin = new Client({ url: dir.url });
    try {
      await admin.bind(dir.adminDn, dir.adminPassword);
      await admin.del(dir.users.dave!.dn);
    } finally {
      await admin.unbind();
    }
    expect(await service().recheckUser(dir.domain, guid)).toMatchObject({
      allowed: false,
      reason: 'user-not-found',
    });
  });

  it('throws rather than refuses when the directory cannot answer', async (context) => {
    const dir = need(context);
    const guid = await guidOf(dir, 'alice');
    const port = await freeLoopbackPort();
    const down = service({ LDAP_URL: [`ldap://127.0.0.1:${port}`], LDAP_CONNECT_TIMEOUT: 1 });
    const error = await down.recheckUser(dir.domain, guid).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DirectoryError);
    expect((error as DirectoryError).code).toBe('DIRECTORY_UNAVAILABLE');
    const unknown = await service()
      .recheckUser('elsewhere.invalid', guid)
      .catch((thrown: unknown) => thrown);
    expect((unknown as DirectoryError).reason).toBe('unknown-domain');
  });
});
