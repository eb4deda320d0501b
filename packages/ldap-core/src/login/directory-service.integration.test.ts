import net from 'node:net';
import { type LdapEntry, type LdapEntryInput, ldapEntrySchema } from '@ldap-login/config-schema';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { authenticate, DirectoryService, type DirectoryUser } from '../directory-service.ts';
import { normalizeDn } from '../dn/dn.ts';
import { decodeObjectGuid } from '../entries/guid.ts';
import { DirectoryError } from '../errors/errors.ts';
import { startTcpProxy, type TcpProxy } from '../test-support/tcp-proxy.ts';
import {
  DATASET_NAMES,
  type DatasetName,
  freeLoopbackPort,
  startDirectoryOrSkip,
  type TestDirectory,
} from '../testing/index.ts';

/**
 * Logins against a real OpenLDAP, for each of the three datasets (see testing/DATASETS.md):
 * every setting, every outcome, awkward DNs and passwords, injection attempts, the large group,
 * and the transport (TLS, StartTLS, failover, timeouts, idle resets).
 */

const LDAP_CORE_SUITE = 'directory integration tests of ldap-core';
const EXTRA_GROUPS = 600; // more groups than one page of a paged search

/**
 * The timeout of the tests that pay one: long beside what the rest of a login costs, even on a
 * loaded machine, so that "one timeout, not two" is told apart by time alone.
 */
const TIMEOUT_S = 2;

/**
 * Exactly one timeout was paid: at least the timeout (less timer rounding), and less than two of
 * them, which leaves the rest of the login a whole timeout's time, however busy the machine.
 */
function expectOneTimeout(elapsedMs: number): void {
  expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_S * 1000 - 50);
  expect(elapsedMs).toBeLessThan(2 * TIMEOUT_S * 1000 - 50);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const INJECTIONS = [
  '*',
  '*)(uid=*',
  'admin)(|(uid=*',
  '\\',
  'ali\0ce',
  'alice,ou=people',
  'alice*',
  '*)(|(objectClass=*',
];

function normalizedSet(dns: readonly string[]): string[] {
  return dns.map((dn) => normalizeDn(dn)).sort();
}

async function outcome(work: Promise<unknown>): Promise<{ code: string; reason: string } | 'success'> {
  try {
    await work;
    return 'success';
  } catch (error) {
    if (error instanceof DirectoryError) return { code: error.code, reason: error.reason };
    throw error;
  }
}

/** Per slapd connection, the DN of the last successful bind before each search: never a user's. */
function searchesRunAs(log: string): Set<string> {
  const boundAs = new Map<string, string>();
  const searchers = new Set<string>();
  for (const line of log.split('\n')) {
    const bind = / (conn=\d+) op=\d+ BIND dn="([^"]*)" method=/.exec(line);
    if (bind) boundAs.set(bind[1]!, bind[2]!);
    const search = / (conn=\d+) op=\d+ SRCH base=/.exec(line);
    if (search) searchers.add(boundAs.get(search[1]!) ?? '');
  }
  return searchers;
}

describe.each(DATASET_NAMES)('DirectoryService against %s', (dataset: DatasetName) => {
  let directory: TestDirectory | undefined;
  const services: DirectoryService[] = [];

  beforeAll(async () => {
    directory = await startDirectoryOrSkip(
      { dataset, extraUsers: EXTRA_GROUPS, extraGroups: EXTRA_GROUPS },
      LDAP_CORE_SUITE,
    );
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

  function entry(overrides: Partial<LdapEntryInput> = {}): LdapEntry {
    return ldapEntrySchema.parse(directory!.ldapEntry(overrides));
  }

  function service(overrides: Partial<LdapEntryInput> = {}, entries?: LdapEntry[]): DirectoryService {
    const created = new DirectoryService(entries ?? [entry(overrides)]);
    services.push(created);
    return created;
  }

  function login(dir: TestDirectory, key: string): [string, string] {
    const user = dir.users[key]!;
    return [`${user.login}@${dir.domain}`, user.password];
  }

  const flavorOf = () => directory!.definition.flavor;
  /** The group roads a dataset supports: the memberOf attribute, and the member search. */
  const roads = (): { name: string; overrides: Partial<LdapEntryInput> }[] =>
    flavorOf() === 'posix'
      ? [{ name: 'member search', overrides: {} }]
      : [
          { name: 'memberOf', overrides: {} },
          { name: 'member search', overrides: { LDAP_MEMBER_OF_OVERLAY: false } },
        ];

  describe('who the user is', () => {
    const people = ['alice', 'bob', 'jsmith', 'zoe', 'mueller', 'nomail', 'eve', 'member01999', 'user00600'];

    it.for(people)(
      '%s logs in with id, canonical name, e-mail and groups, on every group road',
      async (key, context) => {
        const dir = need(context);
        const expected = dir.users[key]!;
        for (const road of roads()) {
          const user = await service(road.overrides).authenticate(...login(dir, key));
          expect(normalizeDn(user.dn), road.name).toBe(normalizeDn(expected.dn));
          expect(user.domain).toBe(dir.domain);
          expect(user.username).toBe(`${expected.login}@${dir.domain}`.toLowerCase());
          expect(user.email).toBe(expected.mail ?? null);
          expect(normalizedSet(user.groups.map((group) => group.dn)), road.name).toEqual(
            normalizedSet(expected.groups),
          );
          for (const group of user.groups) {
            const catalog = Object.values(dir.groups).find(
              (candidate) => normalizeDn(candidate.dn) === normalizeDn(group.dn),
            );
            expect(group.name).toBe(catalog?.name);
          }
          if (expected.objectGuid) {
            expect(user.guid).toBe(decodeObjectGuid(expected.objectGuid));
          } else {
            expect(user.guid).toMatch(UUID);
          }
        }
      },
    );

    it('keeps the GUID stable and the username canonical whatever the typed case', async (context) => {
      const dir = need(context);
      const directoryService = service();
      const [username, password] = login(dir, 'alice');
      const first = await directoryService.authenticate(username, password);
      const shouted = await directoryService.authenticate(` ${username.toUpperCase()} `, password);
      expect(shouted.guid).toBe(first.guid);
      expect(shouted.username).toBe(`alice@${dir.domain}`);
    });

    it('accepts the bare username when only one directory is configured, not with two', async (context) => {
      const dir = need(context);
      const password = dir.users.alice!.password;
      expect((await service().authenticate('alice', password)).username).toBe(`alice@${dir.domain}`);
      const other = entry({ LDAP_DOMAIN: 'other.test' });
      const two = service({}, [entry(), other]);
      expect(await outcome(two.authenticate('alice', password))).toEqual({
        code: 'INVALID_CREDENTIALS',
        reason: 'unknown-domain',
      });
      expect((await two.authenticate(`alice@${dir.domain}`, password)).domain).toBe(dir.domain);
      expect((await two.authenticate('alice@other.test', password)).domain).toBe('other.test');
    });

    it('resolves nested groups when asked', async (context) => {
      const dir = need(context);
      for (const road of roads()) {
        const user = await service({ ...road.overrides, LDAP_NESTED_GROUPS: true }).authenticate(
          ...login(dir, 'alice'),
        );
        expect(normalizedSet(user.groups.map((group) => group.dn)), road.name).toEqual(
          normalizedSet(dir.users.alice!.allGroups),
        );
      }
    });

    it('finds groups in the large group, by memberOf and by member search', async (context) => {
      const dir = need(context);
      const large = dir.groups['large-group']!;
      expect(large.memberDns.length).toBe(2000);
      for (const road of roads()) {
        const user = await service(road.overrides).authenticate(...login(dir, 'member01000'));
        expect(user.groups.map((group) => group.name)).toEqual(['large-group']);
      }
    });

    it('reads the e-mail from LDAP_ATTR_EMAIL', async (context) => {
      const dir = need(context);
      const attribute = dir.definition.settings.LDAP_ATTR_USERNAME!;
      const user = await service({ LDAP_ATTR_EMAIL: attribute }).authenticate(...login(dir, 'bob'));
      expect(user.email).toBe('bob');
    });

    it('searches only under LDAP_SEARCH_USER_DN and for LDAP_OBJECT_CLASS_USER', async (context) => {
      const dir = need(context);
      const contractor = dir.users['jdoe-contractor']!;
      const contractors = contractor.dn.slice(contractor.dn.indexOf(',') + 1);
      const narrowed = service({ LDAP_SEARCH_USER_DN: contractors });
      const user = await narrowed.authenticate(`jdoe@${dir.domain}`, contractor.password);
      expect(normalizeDn(user.dn)).toBe(normalizeDn(contractor.dn));
      expect(await outcome(narrowed.authenticate(...login(dir, 'alice')))).toEqual({
        code: 'INVALID_CREDENTIALS',
        reason: 'user-not-found',
      });
      const wrongClass = service({
        LDAP_OBJECT_CLASS_USER: dir.definition.settings.LDAP_OBJECT_CLASS_GROUP!,
      });
      expect(await outcome(wrongClass.authenticate(...login(dir, 'alice')))).toEqual({
        code: 'INVALID_CREDENTIALS',
        reason: 'user-not-found',
      });
    });

    it('offers the one-shot authenticate()', async (context) => {
      const dir = need(context);
      const user: DirectoryUser = await authenticate([entry()], ...login(dir, 'carol'));
      expect(user.username).toBe(`carol@${dir.domain}`);
    });
  });

  describe('who may not log in', () => {
    it.for<[string, string, string, string, string]>([
      ['a wrong password', 'alice', 'Wrong-Passw0rd', 'INVALID_CREDENTIALS', 'wrong-password'],
      ['the password in another case', 'alice', 'alice-passw0rd', 'INVALID_CREDENTIALS', 'wrong-password'],
      ["someone else's password", 'alice', 'Bob-Passw0rd', 'INVALID_CREDENTIALS', 'wrong-password'],
      ['an empty password', 'alice', '', 'INVALID_CREDENTIALS', 'empty-password'],
      ['a whitespace password', 'alice', ' \t ', 'INVALID_CREDENTIALS', 'empty-password'],
      ['an unknown user', 'nobody', 'Alice-Passw0rd', 'INVALID_CREDENTIALS', 'user-not-found'],
      ['an ambiguous login name', 'jdoe', 'Jdoe-People-Passw0rd', 'INVALID_CREDENTIALS', 'ambiguous-user'],
    ])('refuses %s', async ([_name, key, password, code, reason], context) => {
      const dir = need(context);
      const login = dir.users[key]?.login ?? key;
      expect(await outcome(service().authenticate(`${login}@${dir.domain}`, password))).toEqual({
        code,
        reason,
      });
    });

    it('refuses an unknown domain', async (context) => {
      const dir = need(context);
      expect(
        await outcome(service().authenticate('alice@elsewhere.test', dir.users.alice!.password)),
      ).toEqual({
        code: 'INVALID_CREDENTIALS',
        reason: 'unknown-domain',
      });
    });

    it.for(INJECTIONS)('never matches anyone with the username %j', async (name, context) => {
      const dir = need(context);
      // Alice's password: if the injection matched her entry, the login would succeed.
      const result = await outcome(
        service().authenticate(`${name}@${dir.domain}`, dir.users.alice!.password),
      );
      expect(result).toEqual({ code: 'INVALID_CREDENTIALS', reason: 'user-not-found' });
    });

    it('keeps disabled users out with a custom user filter', async (context) => {
      const dir = need(context);
      const filtered = service({ LDAP_CUSTOM_USER_FILTER: dir.definition.enabledFilter });
      expect(await outcome(filtered.authenticate(...login(dir, 'eve')))).toEqual({
        code: 'INVALID_CREDENTIALS',
        reason: 'user-not-found',
      });
      expect(await outcome(filtered.authenticate(...login(dir, 'alice')))).toBe('success');
    });

    it('needs one of LDAP_REQUIRED_GROUP, compared after DN normalisation', async (context) => {
      const dir = need(context);
      const admins = dir.groups.admins!.dn;
      const shouting = admins.toUpperCase().replaceAll(',', ' , ');
      for (const road of roads()) {
        const guarded = service({
          ...road.overrides,
          LDAP_REQUIRED_GROUP: ['cn=nobody,ou=nowhere', shouting],
        });
        expect(await outcome(guarded.authenticate(...login(dir, 'bob'))), road.name).toBe('success');
        expect(await outcome(guarded.authenticate(...login(dir, 'alice'))), road.name).toEqual({
          code: 'NOT_PERMITTED',
          reason: 'required-group',
        });
        // A wrong password is reported as such, not as a missing group.
        expect(await outcome(guarded.authenticate(`alice@${dir.domain}`, 'wrong'))).toEqual({
          code: 'INVALID_CREDENTIALS',
          reason: 'wrong-password',
        });
      }
    });

    it('accepts a required group reached through nesting when nested groups are on', async (context) => {
      const dir = need(context);
      const engineering = dir.groups.engineering;
      if (!engineering) return; // only the AD-shaped dataset nests groups
      const settings = { LDAP_REQUIRED_GROUP: [engineering.dn] };
      expect(await outcome(service(settings).authenticate(...login(dir, 'alice')))).toEqual({
        code: 'NOT_PERMITTED',
        reason: 'required-group',
      });
      expect(
        await outcome(
          service({ ...settings, LDAP_NESTED_GROUPS: true }).authenticate(...login(dir, 'alice')),
        ),
      ).toBe('success');
    });

    it.for<[string, [string, string][], string, boolean]>([
      ['any mail', [['mail', '*']], 'alice', true],
      ['any mail (none)', [['mail', '*']], 'nomail', false],
      ['this mail, other case', [['MAIL', 'ALICE@']], 'alice', false],
      [
        'two requirements',
        [
          ['mail', '*'],
          ['cn', '*'],
        ],
        'alice',
        true,
      ],
    ])('applies LDAP_REQUIRED_ATTRIBUTE: %s', async ([_name, required, key, allowed], context) => {
      const dir = need(context);
      const result = await outcome(
        service({ LDAP_REQUIRED_ATTRIBUTE: required }).authenticate(...login(dir, key)),
      );
      expect(result).toEqual(allowed ? 'success' : { code: 'NOT_PERMITTED', reason: 'required-attribute' });
    });

    it('matches a required attribute value case-insensitively', async (context) => {
      const dir = need(context);
      const mail = dir.users.alice!.mail!.toUpperCase();
      expect(
        await outcome(
          service({ LDAP_REQUIRED_ATTRIBUTE: [['mail', mail]] }).authenticate(...login(dir, 'alice')),
        ),
      ).toBe('success');
    });
  });

  describe('settings that do not fit the directory', () => {
    it.for<[string, () => Partial<LdapEntryInput>, string]>([
      ['a wrong service password', () => ({ LDAP_BIND_PASS: 'not-the-password' }), 'service-bind-refused'],
      [
        'an unknown service account',
        () => ({ LDAP_BIND_DN: `cn=ghost,${directory!.baseDn}` }),
        'service-bind-refused',
      ],
      [
        'a missing user base',
        () => ({ LDAP_SEARCH_USER_DN: `ou=nowhere,${directory!.baseDn}` }),
        'search-base-missing',
      ],
      ['a GUID attribute the entries lack', () => ({ LDAP_ATTR_GUID: 'employeeNumber' }), 'guid-missing'],
      [
        'an unreadable CA file',
        () => ({ LDAP_URL: directory!.ldapsUrl, LDAP_CA_CERT_FILE: '/nonexistent/ca.pem' }),
        'ca-file-unreadable',
      ],
      ['a broken custom filter', () => ({ LDAP_CUSTOM_USER_FILTER: '(|(uid=a)' }), 'invalid-filter'],
    ])('reports %s as misconfigured', async ([_name, overrides, reason], context) => {
      const dir = need(context);
      expect(await outcome(service(overrides()).authenticate(...login(dir, 'alice')))).toEqual({
        code: 'DIRECTORY_MISCONFIGURED',
        reason,
      });
    });

    it('reports a missing group base when groups are searched', async (context) => {
      const dir = need(context);
      const broken = service({
        LDAP_MEMBER_OF_OVERLAY: false,
        LDAP_SEARCH_GROUP_DN: `ou=nowhere,${dir.baseDn}`,
      });
      expect(await outcome(broken.authenticate(...login(dir, 'alice')))).toEqual({
        code: 'DIRECTORY_MISCONFIGURED',
        reason: 'search-base-missing',
      });
    });
  });

  describe('groups for the sync', () => {
    it('lists every group, paged past one page, with names', async (context) => {
      const dir = need(context);
      const groups = await service().listGroups(dir.domain.toUpperCase());
      expect(normalizedSet(groups.map((group) => group.dn))).toEqual(
        normalizedSet(Object.values(dir.groups).map((group) => group.dn)),
      );
      expect(groups.length).toBeGreaterThan(EXTRA_GROUPS);
      expect(groups.map((group) => group.name)).toContain(dir.groups.rnd!.name);
    });

    it('applies LDAP_CUSTOM_GROUP_FILTER to the listing and to the member search', async (context) => {
      const dir = need(context);
      const filtered = service({
        LDAP_MEMBER_OF_OVERLAY: false,
        LDAP_CUSTOM_GROUP_FILTER: '(|(cn=staff)(cn=admins))',
      });
      expect((await filtered.listGroups(dir.domain)).map((group) => group.name).sort()).toEqual([
        'admins',
        'staff',
      ]);
      expect((await filtered.authenticate(...login(dir, 'alice'))).groups.map((group) => group.name)).toEqual(
        ['staff'],
      );
    });

    it('refuses an unknown domain', async (context) => {
      need(context);
      await expect(service().listGroups('elsewhere.test')).rejects.toMatchObject({
        reason: 'unknown-domain',
      });
    });
  });

  // Several tests here pay a TIMEOUT_S timeout on purpose; each asserts its own time, so the test
  // timeout only has to stop a hang, not to race a loaded machine (vitest's 5 s default would).
  describe('transport', { timeout: 30_000 }, () => {
    it.for<[string, () => Partial<LdapEntryInput>]>([
      ['ldaps:// with the CA', () => ({ LDAP_URL: directory!.ldapsUrl })],
      [
        'StartTLS with the CA',
        () => ({ LDAP_URL: directory!.url.replace('127.0.0.1', 'localhost'), LDAP_START_TLS: true }),
      ],
      [
        'ldaps:// without verification',
        () => ({ LDAP_URL: directory!.ldapsUrl, LDAP_CA_CERT_FILE: undefined, LDAP_TLS_VERIFY: false }),
      ],
    ])('logs in over %s', async ([_name, overrides], context) => {
      const dir = need(context);
      expect(await outcome(service(overrides()).authenticate(...login(dir, 'jsmith')))).toBe('success');
    });

    it.for<[string, () => Partial<LdapEntryInput>]>([
      ['ldaps:// without the CA', () => ({ LDAP_URL: directory!.ldapsUrl, LDAP_CA_CERT_FILE: undefined })],
      [
        'StartTLS without the CA',
        () => ({
          LDAP_URL: directory!.url.replace('127.0.0.1', 'localhost'),
          LDAP_START_TLS: true,
          LDAP_CA_CERT_FILE: undefined,
        }),
      ],
    ])('refuses %s', async ([_name, overrides], context) => {
      const dir = need(context);
      expect(await outcome(service(overrides()).authenticate(...login(dir, 'alice')))).toEqual({
        code: 'DIRECTORY_MISCONFIGURED',
        reason: 'tls-certificate-rejected',
      });
    });

    it('fails over from a closed first URL, and pays for it once', async (context) => {
      const dir = need(context);
      const closed = `ldap://127.0.0.1:${await freeLoopbackPort()}`;
      const failingOver = service({ LDAP_URL: [closed, dir.url], LDAP_POOL_SIZE: 1 });
      expect(await outcome(failingOver.authenticate(...login(dir, 'alice')))).toBe('success');
      const health = await failingOver.health();
      expect(health.map((check) => [check.url, check.up])).toEqual([
        [closed, false],
        [dir.url, true],
      ]);
      expect(health[1]!.latencyMs).toBeGreaterThan(0);
    });

    it('fails over from a first URL that never answers, paying one timeout', async (context) => {
      const dir = need(context);
      const sockets = new Set<net.Socket>();
      let accepted = 0;
      const silent = net.createServer((socket) => {
        accepted += 1;
        sockets.add(socket);
        socket.on('error', () => socket.destroy());
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const stuck = `ldap://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
        const failingOver = service({
          LDAP_URL: [stuck, dir.url],
          LDAP_CONNECT_TIMEOUT: TIMEOUT_S,
          LDAP_OPERATION_TIMEOUT: TIMEOUT_S,
        });
        const started = performance.now();
        expect(await outcome(failingOver.authenticate(...login(dir, 'alice')))).toBe('success');
        const elapsed = performance.now() - started;
        // One timeout for the service connection; the bind connection, opened next, skips the stuck URL.
        expect(accepted).toBe(1);
        expectOneTimeout(elapsed);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });

    it('times out on a stuck directory after one timeout for everyone, then recovers by itself', async (context) => {
      const dir = need(context);
      const directoryService = service({
        LDAP_OPERATION_TIMEOUT: TIMEOUT_S,
        LDAP_CONNECT_TIMEOUT: TIMEOUT_S,
        LDAP_POOL_SIZE: 2,
      });
      await Promise.all([
        directoryService.authenticate(...login(dir, 'alice')),
        directoryService.authenticate(...login(dir, 'bob')),
      ]);
      await dir.pause();
      const started = performance.now();
      let results: Awaited<ReturnType<typeof outcome>>[];
      try {
        results = await Promise.all(
          ['alice', 'bob', 'carol', 'dave', 'zoe', 'jsmith', 'nomail', 'eve'].map((key) =>
            outcome(directoryService.authenticate(...login(dir, key))),
          ),
        );
      } finally {
        await dir.resume();
      }
      for (const result of results)
        expect(result).toEqual({ code: 'DIRECTORY_UNAVAILABLE', reason: 'timeout' });
      expectOneTimeout(performance.now() - started);
      expect(await outcome(directoryService.authenticate(...login(dir, 'bob')))).toBe('success');
    });

    describe('behind a proxy that drops connections', () => {
      let plainProxy: TcpProxy;
      let tlsProxy: TcpProxy;
      beforeAll(async () => {
        if (!directory) return;
        plainProxy = await startTcpProxy(Number(new URL(directory.url).port));
        tlsProxy = await startTcpProxy(Number(new URL(directory.ldapsUrl).port));
      });
      afterAll(async () => {
        await plainProxy?.close();
        await tlsProxy?.close();
      });

      const transports: [string, () => { proxy: TcpProxy; settings: Partial<LdapEntryInput> }][] = [
        [
          'ldap://',
          () => ({ proxy: plainProxy, settings: { LDAP_URL: `ldap://127.0.0.1:${plainProxy.port}` } }),
        ],
        [
          'StartTLS',
          () => ({
            proxy: plainProxy,
            settings: { LDAP_URL: `ldap://localhost:${plainProxy.port}`, LDAP_START_TLS: true },
          }),
        ],
        [
          'ldaps://',
          () => ({ proxy: tlsProxy, settings: { LDAP_URL: `ldaps://localhost:${tlsProxy.port}` } }),
        ],
      ];
      // Timeouts far above a login's time: a login that waits for one has failed the test. The
      // bound below is that timeout (less a margin), not a guess at how fast a login is, which a
      // loaded machine can make slow.
      const patient = { LDAP_OPERATION_TIMEOUT: 5, LDAP_CONNECT_TIMEOUT: 5 };
      const withoutTimeoutMs = patient.LDAP_OPERATION_TIMEOUT * 1000 - 100;

      it.for(transports)(
        'logs in over %s after the server dropped every idle connection',
        async ([, setup], context) => {
          const dir = need(context);
          const { proxy, settings } = setup();
          const directoryService = service({ ...settings, ...patient });
          expect(await outcome(directoryService.authenticate(...login(dir, 'alice')))).toBe('success');
          const before = proxy.accepted;
          proxy.resetAll();
          await new Promise((resolve) => setTimeout(resolve, 50));
          const started = performance.now();
          expect(await outcome(directoryService.authenticate(...login(dir, 'bob')))).toBe('success');
          expect(performance.now() - started).toBeLessThan(withoutTimeoutMs);
          expect(proxy.accepted).toBeGreaterThan(before);
        },
      );

      it.for(transports)(
        'logs in over %s when a dead connection is only noticed by the next request',
        async ([, setup], context) => {
          const dir = need(context);
          const { proxy, settings } = setup();
          const directoryService = service({ ...settings, ...patient });
          expect(await outcome(directoryService.authenticate(...login(dir, 'alice')))).toBe('success');
          proxy.resetOnNextData();
          const started = performance.now();
          expect(await outcome(directoryService.authenticate(...login(dir, 'zoe')))).toBe('success');
          expect(performance.now() - started).toBeLessThan(withoutTimeoutMs);
        },
      );

      /** As many logins at once as the pool has connections: every one of them is opened. */
      const FULL_POOL = ['alice', 'bob', 'zoe', 'jsmith'];
      async function fillPools(dir: TestDirectory, directoryService: DirectoryService, proxy: TcpProxy) {
        const before = proxy.accepted;
        const results = await Promise.all(
          FULL_POOL.map((key) => outcome(directoryService.authenticate(...login(dir, key)))),
        );
        expect(results).toEqual(FULL_POOL.map(() => 'success'));
        // The whole service pool, and at least one bind connection.
        expect(proxy.accepted - before).toBeGreaterThan(FULL_POOL.length);
      }

      it.for(transports)(
        'logs in over %s at once when every connection of a full pool died unnoticed',
        async ([, setup], context) => {
          const dir = need(context);
          const { proxy, settings } = setup();
          const directoryService = service({ ...settings, ...patient, LDAP_POOL_SIZE: FULL_POOL.length });
          await fillPools(dir, directoryService, proxy);
          proxy.resetOnNextData();
          const before = proxy.accepted;
          const started = performance.now();
          expect(await outcome(directoryService.authenticate(...login(dir, 'carol')))).toBe('success');
          expect(performance.now() - started).toBeLessThan(withoutTimeoutMs);
          // One fresh connection per pool, not one attempt per dead connection.
          expect(proxy.accepted - before).toBe(2);
        },
      );

      it.for(transports)(
        'costs one timeout over %s when every connection of a full pool went silent',
        async ([, setup], context) => {
          const dir = need(context);
          const { proxy, settings } = setup();
          const directoryService = service({
            ...settings,
            LDAP_CONNECT_TIMEOUT: 3 * TIMEOUT_S,
            LDAP_OPERATION_TIMEOUT: TIMEOUT_S,
            LDAP_POOL_SIZE: FULL_POOL.length,
          });
          await fillPools(dir, directoryService, proxy);
          proxy.stallAll();
          const started = performance.now();
          const results: Awaited<ReturnType<typeof outcome>>[] = [];
          for (const key of ['carol', 'dave', 'alice', 'bob']) {
            results.push(await outcome(directoryService.authenticate(...login(dir, key))));
          }
          const elapsed = performance.now() - started;
          // The first login finds the silence; the next ones, binds included, run on fresh connections.
          expect(results).toEqual([
            { code: 'DIRECTORY_UNAVAILABLE', reason: 'timeout' },
            'success',
            'success',
            'success',
          ]);
          expectOneTimeout(elapsed);
        },
      );

      it('fails over after one timeout when the first URL froze with its pool open', async (context) => {
        const dir = need(context);
        const first = await startTcpProxy(Number(new URL(dir.url).port));
        try {
          const directoryService = service({
            LDAP_URL: [`ldap://127.0.0.1:${first.port}`, dir.url],
            LDAP_CONNECT_TIMEOUT: TIMEOUT_S,
            LDAP_OPERATION_TIMEOUT: TIMEOUT_S,
            LDAP_POOL_SIZE: FULL_POOL.length,
          });
          await fillPools(dir, directoryService, first);
          first.freeze();
          const stuck = await outcome(directoryService.authenticate(...login(dir, 'carol')));
          const acceptedBefore = first.accepted;
          const started = performance.now();
          const next = await outcome(directoryService.authenticate(...login(dir, 'dave')));
          const elapsed = performance.now() - started;
          expect(stuck).toEqual({ code: 'DIRECTORY_UNAVAILABLE', reason: 'timeout' });
          expect(next).toBe('success');
          // Straight to the second URL: a frozen server still accepts connections, only to let them
          // wait, so a try there would show as a connection and cost a whole timeout.
          expect(first.accepted).toBe(acceptedBefore);
          expect(elapsed).toBeLessThan(TIMEOUT_S * 1000 - 50);
        } finally {
          await first.close();
        }
      });
    });
  });

  describe('secrets', () => {
    it('never puts a password into an error, its cause or a log line', async (context) => {
      const dir = need(context);
      const lines: unknown[] = [];
      const record = (message: string, fields?: Record<string, unknown>) => lines.push({ message, fields });
      const logger = { debug: record, info: record, warn: record, error: record };
      const closed = `ldap://127.0.0.1:${await freeLoopbackPort()}`;
      const secret = dir.users.zoe!.password; // no character that JSON would escape
      const logged = new DirectoryService([entry({ LDAP_URL: [closed, dir.url], LDAP_TLS_VERIFY: false })], {
        logger,
      });
      services.push(logged);
      const errors: unknown[] = [];
      for (const password of [secret, `${secret}-wrong`]) {
        await logged
          .authenticate(`zoe@${dir.domain}`, password)
          .catch((error: unknown) => errors.push(error));
      }
      const badService = new DirectoryService([entry({ LDAP_BIND_PASS: `${dir.bindPassword}-wrong` })], {
        logger,
      });
      services.push(badService);
      await badService
        .authenticate(`zoe@${dir.domain}`, secret)
        .catch((error: unknown) => errors.push(error));
      expect(errors).toHaveLength(2);
      expect(lines.length).toBeGreaterThan(0);
      const seen = JSON.stringify([
        lines,
        errors.map((error) => [String(error), (error as Error).cause?.toString()]),
      ]);
      for (const password of [secret, dir.bindPassword]) expect(seen).not.toContain(password);
    });
  });

  describe('connection reuse', () => {
    it('serves many parallel logins from a few connections, and searches only as the service account', async (context) => {
      const dir = need(context);
      const proxy = await startTcpProxy(Number(new URL(dir.url).port));
      try {
        const directoryService = service({
          LDAP_URL: `ldap://127.0.0.1:${proxy.port}`,
          LDAP_POOL_SIZE: 2,
          LDAP_BIND_POOL_SIZE: 2,
        });
        const keys = ['alice', 'bob', 'carol', 'dave', 'jsmith', 'zoe', 'mueller', 'nomail'];
        const attempts = Array.from({ length: 64 }, (_, index) => keys[index % keys.length]!);
        const results = await Promise.all(
          attempts.map((key, index) =>
            outcome(
              directoryService.authenticate(
                `${dir.users[key]!.login}@${dir.domain}`,
                index % 4 === 3 ? 'Wrong-Passw0rd' : dir.users[key]!.password,
              ),
            ),
          ),
        );
        results.forEach((result, index) => {
          expect(result).toEqual(
            index % 4 === 3 ? { code: 'INVALID_CREDENTIALS', reason: 'wrong-password' } : 'success',
          );
        });
        // Two pools of two: the service pool and the bind pool.
        expect(proxy.accepted).toBeLessThanOrEqual(4);
      } finally {
        await proxy.close();
      }
      const searchers = searchesRunAs(await dir.log());
      searchers.delete(''); // the fixture's own readiness probe
      for (const dn of searchers) {
        expect([normalizeDn(dir.bindDn), normalizeDn(dir.adminDn)]).toContain(normalizeDn(dn));
      }
    });
  });
});
