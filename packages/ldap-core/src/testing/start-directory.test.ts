import { ldapEntrySchema } from '@ldap-login/config-schema';
import { Client, EqualityFilter, InvalidCredentialsError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryMode } from './backend.ts';
import { engineAnswers, findDockerHost } from './container-engine.ts';
import { DATASET_NAMES, GENERATED } from './datasets.ts';
import { readDirectoryEnvironment } from './environment.ts';
import { missingNativePrograms } from './native-directory.ts';
import { startDirectory, type TestDirectory } from './start-directory.ts';

// Integration tests against a real slapd. Under CI both modes must run; elsewhere a missing mode is
// skipped with a loud message.
const environment = readDirectoryEnvironment();
const dockerHost = findDockerHost(environment);
const available: Record<DirectoryMode, string | undefined> = {
  native: missingNativePrograms().length === 0 ? undefined : `missing: ${missingNativePrograms().join(', ')}`,
  container:
    dockerHost && (await engineAnswers(dockerHost))
      ? undefined
      : 'no container engine answers (start one with docker/engine.sh start)',
};
for (const [mode, reason] of Object.entries(available)) {
  if (reason && !environment.ci) {
    console.warn(`\n!!! SKIPPING the ${mode} test directory: ${reason} !!!\n`);
  }
}
const modes = (['native', 'container'] as const).filter((mode) => environment.ci || !available[mode]);

function sameDns(actual: string[], expected: string[]): void {
  const normalise = (dns: string[]) => dns.map((dn) => dn.toLowerCase()).sort();
  expect(normalise(actual)).toEqual(normalise(expected));
}

function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

describe.each(modes)('test directory, %s mode', (mode) => {
  describe.each(DATASET_NAMES)('dataset %s', (dataset) => {
    let directory: TestDirectory;
    let service: Client;

    beforeAll(async () => {
      directory = await startDirectory({ dataset, mode });
      console.log(`${mode} ${dataset}: start to ready in ${Math.round(directory.startupMs)} ms`);
      service = new Client({ url: directory.url, timeout: 5_000 });
      await service.bind(directory.bindDn, directory.bindPassword);
    }, 180_000);

    afterAll(async () => {
      await service?.unbind();
      await directory?.stop();
    });

    it('runs in the mode asked for', () => {
      expect(directory.mode).toBe(mode);
    });

    it('refuses the service account with a wrong password', async () => {
      const client = new Client({ url: directory.url, timeout: 5_000 });
      await expect(client.bind(directory.bindDn, `${directory.bindPassword}x`)).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
      await client.unbind();
    });

    it('lets every hand-written user bind with the password from the catalog, and finds them by login', async () => {
      const loginAttribute = directory.definition.settings.LDAP_ATTR_USERNAME as string;
      const handWritten = Object.values(directory.users).filter(
        (user) => !/^(member|user)\d{5}$/.test(user.key),
      );
      expect(handWritten.map((user) => user.key)).toEqual(
        expect.arrayContaining([
          'alice',
          'jsmith',
          'zoe',
          'mueller',
          'nomail',
          'jdoe',
          'jdoe-contractor',
          'eve',
        ]),
      );
      for (const user of handWritten) {
        const client = new Client({ url: directory.url, timeout: 5_000 });
        await client.bind(user.dn, user.password);
        await client.unbind();
        const { searchEntries } = await service.search(directory.definition.peopleDn, {
          filter: new EqualityFilter({ attribute: loginAttribute, value: user.login }),
          attributes: ['mail'],
        });
        expect(searchEntries.map((entry) => entry.dn)).toContain(user.dn);
        expect(searchEntries).toHaveLength(user.login === 'jdoe' ? 2 : 1);
        const found = searchEntries.find((entry) => entry.dn === user.dn);
        expect(asList(found?.mail), user.key).toEqual(user.mail ? [user.mail] : []);
      }
    });

    it('binds the tricky passwords: ( ) * \\ and non-ASCII', async () => {
      expect(directory.users.jsmith?.password).toMatch(/[()*\\]/);
      expect(directory.users.zoe?.password).toMatch(/[^\x20-\x7e]/);
      for (const key of ['jsmith', 'zoe', 'mueller']) {
        const user = directory.users[key]!;
        const client = new Client({ url: directory.url, timeout: 5_000 });
        await client.bind(user.dn, user.password);
        await client.unbind();
        const wrong = new Client({ url: directory.url, timeout: 5_000 });
        await expect(wrong.bind(user.dn, user.password.slice(0, -1))).rejects.toBeInstanceOf(
          InvalidCredentialsError,
        );
        await wrong.unbind();
      }
      // The directory compares bytes: the same password in another Unicode normal form is wrong.
      const zoe = directory.users.zoe!;
      const decomposed = new Client({ url: directory.url, timeout: 5_000 });
      await expect(decomposed.bind(zoe.dn, zoe.password.normalize('NFD'))).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
      await decomposed.unbind();
    });

    it('returns the stable id: entryUUID as text, or objectGUID as 16 bytes', async () => {
      const user = directory.users.jsmith!;
      if (dataset === 'ad-like') {
        const { searchEntries } = await service.search(directory.definition.peopleDn, {
          // The GUID holds \ ( ) * and NUL: it only matches when escaped.
          filter: new EqualityFilter({ attribute: 'objectGUID', value: user.objectGuid! }),
          attributes: ['objectGUID'],
          explicitBufferAttributes: ['objectGUID'],
        });
        expect(searchEntries).toHaveLength(1);
        const guid = searchEntries[0]?.objectGUID as Buffer;
        expect(Buffer.isBuffer(guid)).toBe(true);
        expect(guid).toHaveLength(16);
        expect(guid.equals(user.objectGuid!)).toBe(true);
      } else {
        const { searchEntries } = await service.search(user.dn, { scope: 'base', attributes: ['entryUUID'] });
        expect(String(searchEntries[0]?.entryUUID)).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        );
      }
    });

    it('lists each user’s groups as the catalog says', async () => {
      for (const key of ['alice', 'jsmith', 'zoe', 'mueller', 'jdoe-contractor', 'nomail']) {
        const user = directory.users[key]!;
        if (directory.definition.flavor === 'posix') {
          const { searchEntries } = await service.search(directory.definition.groupsDn, {
            filter: new EqualityFilter({ attribute: 'memberUid', value: user.login }),
            attributes: ['1.1'],
          });
          sameDns(
            searchEntries.map((entry) => entry.dn),
            user.groups,
          );
        } else {
          const { searchEntries } = await service.search(user.dn, {
            scope: 'base',
            attributes: ['memberOf'],
          });
          sameDns(asList(searchEntries[0]?.memberOf), user.groups);
          expect(user.groups.length).toBeGreaterThan(0);
        }
      }
    });

    it('nests groups where the dataset does (ad-like: developers inside engineering)', async () => {
      const alice = directory.users.alice!;
      if (dataset !== 'ad-like') {
        expect(alice.allGroups).toEqual(alice.groups);
        return;
      }
      const developers = directory.groups.developers!;
      const { searchEntries } = await service.search(developers.dn, {
        scope: 'base',
        attributes: ['memberOf'],
      });
      sameDns(asList(searchEntries[0]?.memberOf), [directory.groups.engineering!.dn]);
      expect(alice.allGroups).toContain(directory.groups.engineering!.dn);
    });

    it('has a large group of 2,000 members who can log in', async () => {
      const large = directory.groups[GENERATED.member.groupName]!;
      expect(large.memberDns).toHaveLength(2000);
      const membersAttribute = directory.definition.settings.LDAP_ATTR_MEMBERS as string;
      const { searchEntries } = await service.search(large.dn, {
        scope: 'base',
        attributes: [membersAttribute],
      });
      expect(asList(searchEntries[0]?.[membersAttribute])).toHaveLength(2000);
      const last = directory.users.member02000!;
      const client = new Client({ url: directory.url, timeout: 5_000 });
      await client.bind(last.dn, GENERATED.member.password);
      await client.unbind();
    });

    it('marks exactly one user disabled, findable by a filter', async () => {
      const { searchEntries } = await service.search(directory.definition.peopleDn, {
        filter: directory.definition.disabledFilter,
        attributes: ['1.1'],
      });
      sameDns(
        searchEntries.map((entry) => entry.dn),
        [directory.users.eve!.dn],
      );
      expect(directory.users.eve?.disabled).toBe(true);
    });

    it('serves ldaps with the CA, StartTLS on ldap://, and refuses ldaps without the CA', async () => {
      const ldaps = new Client({
        url: directory.ldapsUrl,
        timeout: 5_000,
        tlsOptions: { ca: [directory.caCert] },
      });
      await ldaps.bind(directory.bindDn, directory.bindPassword);
      await ldaps.unbind();

      const startTls = new Client({ url: directory.url, timeout: 5_000 });
      await startTls.startTLS({ ca: [directory.caCert], host: directory.tlsServername });
      await startTls.bind(directory.bindDn, directory.bindPassword);
      await startTls.unbind();

      const untrusting = new Client({ url: directory.ldapsUrl, timeout: 5_000, connectTimeout: 5_000 });
      await expect(untrusting.bind(directory.bindDn, directory.bindPassword)).rejects.toThrow(
        /self[- ]signed|unable to verify|SELF_SIGNED_CERT_IN_CHAIN/i,
      );
      await untrusting.unbind().catch(() => undefined);
    });

    it('gives a settings entry that the settings schema accepts', () => {
      const entry = ldapEntrySchema.parse(directory.ldapEntry({ LDAP_START_TLS: true }));
      expect(entry.LDAP_URL).toEqual([directory.url]);
      expect(entry.LDAP_CA_CERT_FILE).toBe(directory.caCertFile);
      expect(entry.LDAP_START_TLS).toBe(true);
      expect(entry.LDAP_DOMAIN).toBe(directory.domain);
    });

    it('logs binds and search filters at loglevel stats', async () => {
      await service.search(directory.definition.peopleDn, {
        filter: new EqualityFilter({ attribute: 'cn', value: 'needle (*) in log' }),
        attributes: ['1.1'],
      });
      const log = await directory.log();
      expect(log).toContain('BIND dn=');
      expect(log).toMatch(/SRCH .*filter="\(cn=needle \\28\\2A\\29 in log\)"/i);
    });

    it('pauses and resumes', async () => {
      await directory.pause();
      const stuck = new Client({ url: directory.url, timeout: 500, connectTimeout: 500 });
      await expect(stuck.bind(directory.bindDn, directory.bindPassword)).rejects.toThrow();
      await stuck.unbind().catch(() => undefined);
      await directory.resume();
      const client = new Client({ url: directory.url, timeout: 5_000 });
      await client.bind(directory.bindDn, directory.bindPassword);
      await client.unbind();
    });
  });

  it('loads extra users and groups for benchmarks, and extra LDIF', async () => {
    const directory = await startDirectory({
      dataset: 'openldap-memberof',
      mode,
      largeGroupSize: 0,
      extraUsers: 2000,
      extraGroups: 20,
      extraLdif: ['dn: ou=added,dc=example,dc=org', 'objectClass: organizationalUnit', 'ou: added', ''].join(
        '\n',
      ),
    });
    try {
      console.log(
        `${mode} openldap-memberof + 2,000 extra users: start to ready in ${Math.round(directory.startupMs)} ms`,
      );
      expect(directory.groups[GENERATED.member.groupName]).toBeUndefined();
      expect(directory.groups.group0020?.memberDns).toHaveLength(100);
      const user = directory.users.user02000!;
      expect(user.groups).toEqual([directory.groups.group0020!.dn]);
      const client = new Client({ url: directory.url, timeout: 5_000 });
      await client.bind(user.dn, GENERATED.extra.password);
      const { searchEntries } = await client.search(user.dn, { scope: 'base', attributes: ['memberOf'] });
      sameDns(asList(searchEntries[0]?.memberOf), user.groups);
      await client.unbind();
      const admin = new Client({ url: directory.url, timeout: 5_000 });
      await admin.bind(directory.adminDn, directory.adminPassword);
      const added = await admin.search('ou=added,dc=example,dc=org', { scope: 'base' });
      expect(added.searchEntries).toHaveLength(1);
      const paged = await admin.search(`ou=extra,${directory.definition.peopleDn}`, {
        filter: '(objectClass=inetOrgPerson)',
        attributes: ['1.1'],
        paged: { pageSize: 500 },
      });
      expect(paged.searchEntries).toHaveLength(2000);
      await admin.unbind();
    } finally {
      await directory.stop();
    }
  }, 180_000);
});
