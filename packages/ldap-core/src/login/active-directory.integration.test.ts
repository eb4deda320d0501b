import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type LdapEntryInput, ldapEntrySchema, settingsSchema } from '@ldap-login/config-schema';
import { Client } from 'ldapts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../diagnose/diagnose.ts';
import type { DiagnoseResult, DiagnoseStep } from '../diagnose/types.ts';
import { DirectoryService } from '../directory-service.ts';
import {
  AccountRestrictedError,
  DirectoryError,
  InvalidCredentialsError,
  LockoutGuardError,
  NotPermittedError,
} from '../errors/errors.ts';
import { type SambaDirectory, startSambaDirectory } from '../testing/index.ts';

/**
 * Logins against a real Active Directory (a Samba 4 AD DC): AD's bind sub-codes, the lockout
 * guard, userPrincipalName and NetBIOS logins, the primary group, nested groups, the re-check.
 * One DC for the whole file (it binds fixed ports; see startSambaDirectory).
 */

const PASSWORD = 'Gina-Passw0rd!';

describe('ldap-core against a Samba AD DC', { timeout: 60_000 }, () => {
  let dc: SambaDirectory;
  const services: DirectoryService[] = [];

  beforeAll(async () => {
    dc = await startSambaDirectory();
  }, 900_000);
  afterAll(async () => {
    await dc?.stop();
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.close()));
  });

  function service(overrides: Partial<LdapEntryInput> = {}): DirectoryService {
    const created = new DirectoryService([ldapEntrySchema.parse(dc.ldapEntry(overrides))]);
    services.push(created);
    return created;
  }

  async function failure(promise: Promise<unknown>): Promise<DirectoryError> {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof DirectoryError))
      throw new Error(`expected a DirectoryError, got ${String(error)}`);
    return error;
  }

  it('logs in by sAMAccountName, with the primary group (Domain Users) among the groups', async () => {
    const dn = await dc.createUser('gina', PASSWORD, { mail: 'gina@corp.test' });
    const user = await service().authenticate('gina@corp.test', PASSWORD);
    expect(user.dn).toBe(dn);
    expect(user.username).toBe('gina@corp.test');
    expect(user.email).toBe('gina@corp.test');
    expect(user.groups.map((group) => group.name)).toContain('Domain Users');
  });

  it('maps each refusal sub-code to its reason, with the code, DN and URL for the log', async () => {
    const cases: [string, (dn: string) => Promise<void>, string, string][] = [
      ['dora', (dn) => dc.disableUser(dn), 'account-disabled', '533'],
      ['ezra', (dn) => dc.expireUser(dn), 'account-expired', '701'],
      ['mona', (dn) => dc.requirePasswordChange(dn), 'password-must-change', '773'],
      ['hugo', (dn) => dc.denyAllLogonHours(dn), 'logon-hours', '530'],
    ];
    for (const [name, restrict, reason, code] of cases) {
      const dn = await dc.createUser(name, PASSWORD);
      await restrict(dn);
      const error = await failure(service().authenticate(`${name}@corp.test`, PASSWORD));
      expect(error, name).toBeInstanceOf(AccountRestrictedError);
      expect(error.reason, name).toBe(reason);
      const restricted = error as AccountRestrictedError;
      expect(restricted.adSubCode, name).toBe(code);
      expect(restricted.userDn, name).toBe(dn);
      expect(restricted.url, name).toBe(dc.ldapsUrl);
    }
    const wrong = await failure(service().authenticate('gina@corp.test', 'not-the-password'));
    expect(wrong).toBeInstanceOf(InvalidCredentialsError);
    expect(wrong.reason).toBe('wrong-password');
  });

  it("the AD example's custom filter hides a disabled account's reason (user-not-found, not 533), as its comment says", async () => {
    const example = readFileSync(
      new URL('../../../config-schema/examples/settings.active-directory.yaml', import.meta.url),
      'utf8',
    );
    const filter = /^\s*LDAP_CUSTOM_USER_FILTER: "([^"]+)"/m.exec(example)?.[1];
    expect(filter).toBe('(!(userAccountControl:1.2.840.113556.1.4.803:=2))');
    expect(example).toContain('the log says\n    # user-not-found instead of account-disabled (AD 533)');
    const dn = await dc.createUser('fritz', PASSWORD);
    await dc.disableUser(dn);
    const filtered = await failure(
      service({ LDAP_CUSTOM_USER_FILTER: filter }).authenticate('fritz@corp.test', PASSWORD),
    );
    expect(filtered).toBeInstanceOf(InvalidCredentialsError);
    expect(filtered.reason).toBe('user-not-found');
    const unfiltered = await failure(service().authenticate('fritz@corp.test', PASSWORD));
    expect(unfiltered).toMatchObject({ reason: 'account-disabled', adSubCode: '533' });
  });

  it('logs in by the full userPrincipalName, and by CORP\\name where LDAP_NETBIOS_DOMAIN says CORP', async () => {
    await dc.createUser('uma', PASSWORD, { userPrincipalName: 'uma@corp.test' });
    const upn = service({ LDAP_ATTR_USERNAME: 'userPrincipalName' });
    expect((await upn.authenticate('uma@corp.test', PASSWORD)).username).toBe('uma@corp.test');
    expect((await upn.authenticate('uma', PASSWORD)).username).toBe('uma@corp.test');

    const netbios = new DirectoryService(
      [
        ldapEntrySchema.parse(dc.ldapEntry({ LDAP_NETBIOS_DOMAIN: 'CORP' })),
        ldapEntrySchema.parse({ ...dc.ldapEntry(), LDAP_DOMAIN: 'other.test', LDAP_NETBIOS_DOMAIN: 'OTHER' }),
      ],
      {},
    );
    services.push(netbios);
    expect((await netbios.authenticate('CORP\\uma', PASSWORD)).username).toBe('uma@corp.test');
    // A client that appends its own domain still reaches the NetBIOS domain's directory.
    expect((await netbios.authenticate('corp\\uma@other.test', PASSWORD)).domain).toBe('corp.test');
    expect((await failure(netbios.authenticate('NOPE\\uma', PASSWORD))).reason).toBe('unknown-domain');
  });

  it('admits by the primary group in LDAP_REQUIRED_GROUP, directly and through nesting', async () => {
    await dc.createUser('pia', PASSWORD);
    const domainUsers = `CN=Domain Users,${dc.usersDn}`;
    const outer = await dc.createGroup('Vault Outer', [domainUsers]);
    const required = service({ LDAP_REQUIRED_GROUP: [domainUsers.toUpperCase()] });
    expect((await required.authenticate('pia@corp.test', PASSWORD)).groups.map((g) => g.name)).toContain(
      'Domain Users',
    );

    const nested = service({ LDAP_NESTED_GROUPS: true, LDAP_REQUIRED_GROUP: [outer] });
    const user = await nested.authenticate('pia@corp.test', PASSWORD);
    expect(user.groups.map((group) => group.name)).toEqual(
      expect.arrayContaining(['Domain Users', 'Vault Outer']),
    );

    const other = await dc.createGroup('Vault Other');
    const refused = await failure(
      service({ LDAP_REQUIRED_GROUP: [other] }).authenticate('pia@corp.test', PASSWORD),
    );
    expect(refused).toBeInstanceOf(NotPermittedError);
  });

  it('follows nested groups with the matching rule in chain', async () => {
    const dn = await dc.createUser('nina', PASSWORD);
    const inner = await dc.createGroup('Nest Inner', [dn]);
    await dc.createGroup('Nest Outer', [inner]);
    const user = await service({ LDAP_NESTED_GROUPS: true }).authenticate('nina@corp.test', PASSWORD);
    expect(user.groups.map((group) => group.name)).toEqual(
      expect.arrayContaining(['Nest Inner', 'Nest Outer', 'Domain Users']),
    );
  });

  async function assertGuarded(name: string, directory: DirectoryService): Promise<void> {
    const dn = `CN=${name},${dc.usersDn}`;
    const reasons: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      reasons.push((await failure(directory.authenticate(`${name}@corp.test`, 'wrong-password'))).reason);
    }
    expect(reasons).toEqual([
      'wrong-password',
      'wrong-password',
      'lockout-threshold-near',
      'lockout-threshold-near',
      'lockout-threshold-near',
    ]);
    const guard = await failure(directory.authenticate(`${name}@corp.test`, PASSWORD));
    expect(guard).toBeInstanceOf(LockoutGuardError);
    expect((guard as LockoutGuardError).threshold).toBe(3);
    const state = await dc.read(dn, ['badPwdCount', 'lockoutTime']);
    expect(state.badPwdCount).toEqual(['2']);
    expect(state.lockoutTime?.[0] ?? '0').toBe('0');
    // Not locked: the right password still binds (and resets the count).
    const client = new Client({ url: dc.ldapsUrl, tlsOptions: { ca: readFileSync(dc.caCertFile) } });
    await client.bind(dn, PASSWORD);
    await client.unbind();
  }

  it('never sends the bind that would lock the account (domain threshold 3, plain service account)', async () => {
    await dc.createUser('lars', PASSWORD);
    await dc.setDomainLockoutThreshold(3);
    try {
      await assertGuarded('lars', service());
    } finally {
      await dc.setDomainLockoutThreshold(0);
    }
  });

  it('never sends the bind that would lock the account (password settings object, threshold 3)', async () => {
    const dn = await dc.createUser('lena', PASSWORD);
    await dc.createPasswordSettings('Vault Strict', 3, [dn]);
    // msDS-ResultantPSO is readable by the user and administrators, not by a plain account.
    await assertGuarded('lena', service({ LDAP_BIND_DN: dc.adminDn, LDAP_BIND_PASS: dc.adminPassword }));
  });

  it('reads the domain lockout threshold as the service account', async () => {
    await dc.setDomainLockoutThreshold(4);
    const policy = await service().domainLockoutPolicy('corp.test');
    expect(policy).toMatchObject({ threshold: 4 });
    expect(policy !== 'unreadable' && policy?.source.toLowerCase()).toBe(dc.baseDn.toLowerCase());
    await dc.setDomainLockoutThreshold(0);
  });

  it('says when the service account cannot read the lockout threshold: domainLockoutPolicy and testldap', async () => {
    await dc.setDomainLockoutThreshold(3);
    const restore = await dc.denyAttributeRead(dc.baseDn, 'lockoutThreshold', dc.bindDn);
    try {
      expect(await service().domainLockoutPolicy('corp.test')).toBe('unreadable');
      const result = await diagnose(
        settingsSchema.parse({ AUTHENTICATION_METHODS: ['LDAP'], LDAP: [dc.ldapEntry()] }),
        'gina@corp.test',
        PASSWORD,
      );
      expect(result.ok).toBe(true);
      const lockout = result.steps.find((step) => step.id === 'lockout');
      expect(lockout?.status).toBe('skipped');
      expect(lockout?.message).toContain(
        'cannot read lockoutThreshold of DC=corp,DC=test as the service account',
      );
      expect(lockout?.message).toContain('(LOGIN_THROTTLE_USERNAME_FAILURES is 5)');
      expect(lockout?.message).toContain(
        "keep LOGIN_THROTTLE_USERNAME_FAILURES below the directory's threshold yourself",
      );
    } finally {
      await restore();
      await dc.setDomainLockoutThreshold(0);
    }
    // Put back: the service account reads it again.
    expect(await service().domainLockoutPolicy('corp.test')).toMatchObject({ threshold: 0 });
  });

  it('maps a locked account (775) to account-locked, with the code, DN and URL', async () => {
    const dn = await dc.createUser('lola', PASSWORD);
    await dc.setDomainLockoutThreshold(3);
    try {
      // Three wrong binds sent straight to the DC (not through the guard) lock the account.
      for (let attempt = 0; attempt < 3; attempt++) {
        const client = new Client({ url: dc.ldapsUrl, tlsOptions: { ca: readFileSync(dc.caCertFile) } });
        await expect(client.bind(dn, 'wrong-password')).rejects.toThrow(/data 52e/);
        await client.unbind();
      }
      // With the threshold in place the guard would not send the bind at all (the count is at it);
      // at 0 the account stays locked for the lockout duration and the DC answers the bind itself.
      await dc.setDomainLockoutThreshold(0);
      const locked = await failure(service().authenticate('lola@corp.test', PASSWORD));
      expect(locked).toBeInstanceOf(AccountRestrictedError);
      expect(locked.reason).toBe('account-locked');
      expect(locked as AccountRestrictedError).toMatchObject({
        adSubCode: '775',
        userDn: dn,
        url: dc.ldapsUrl,
      });
    } finally {
      await dc.setDomainLockoutThreshold(0);
    }
  });

  it('re-check: a user disabled in AD is refused without a bind', async () => {
    const dn = await dc.createUser('otto', PASSWORD);
    const directory = service();
    const user = await directory.authenticate('otto@corp.test', PASSWORD);
    expect((await directory.recheckUser('corp.test', user.guid)).allowed).toBe(true);
    await dc.disableUser(dn);
    const standing = await directory.recheckUser('corp.test', user.guid);
    expect(standing).toMatchObject({ allowed: false, reason: 'account-disabled' });
  });

  it('connects by host name over ldaps and StartTLS', async () => {
    const ldaps = await service().health();
    expect(ldaps.every((health) => health.up)).toBe(true);
    const startTls = await service({ LDAP_URL: [dc.ldapUrl], LDAP_START_TLS: true }).health();
    expect(startTls.map((health) => health.up)).toEqual([true]);
    await expect(
      service({ LDAP_URL: [dc.ldapUrl], LDAP_START_TLS: true }).authenticate('gina@corp.test', PASSWORD),
    ).resolves.toMatchObject({ username: 'gina@corp.test' });
  });

  describe('testldap (diagnose)', () => {
    const run = (overrides: Partial<LdapEntryInput>, username: string, password = PASSWORD, extra = {}) =>
      diagnose(
        settingsSchema.parse({ AUTHENTICATION_METHODS: ['LDAP'], LDAP: [dc.ldapEntry(overrides)], ...extra }),
        username,
        password,
      );
    const step = (result: DiagnoseResult, id: string): DiagnoseStep => {
      const found = result.steps.find((candidate) => candidate.id === id);
      if (!found) throw new Error(`no step ${id} in ${JSON.stringify(result.steps)}`);
      return found;
    };

    it('names the CN of a certificate without subjectAltName, on ldaps and on StartTLS', async () => {
      const ldaps = await run({ LDAP_URL: ['ldaps://127.0.0.1:636'] }, 'gina@corp.test');
      const tls = step(ldaps, 'tls');
      expect(tls).toMatchObject({
        status: 'error',
        setting: 'LDAP[0].LDAP_URL',
        suggestion: 'ldaps://localhost:636',
      });
      expect(tls.message).toContain('it names localhost');
      expect(tls.message).not.toContain('(none)');

      const startTls = await run(
        { LDAP_URL: ['ldap://127.0.0.1:389'], LDAP_START_TLS: true },
        'gina@corp.test',
      );
      const bind = step(startTls, 'service-bind');
      expect(bind).toMatchObject({
        status: 'error',
        setting: 'LDAP[0].LDAP_URL',
        suggestion: 'ldap://localhost:389',
      });
      expect(bind.message).toContain(
        'StartTLS: the certificate is not valid for 127.0.0.1: it names localhost',
      );
      expect(bind.hint).toContain('host-name mismatch, not an untrusted CA');
    });

    it('blames the CA file, not the host name, for a certificate of another CA, on ldaps and on StartTLS', async () => {
      const otherCa = join(mkdtempSync(join(tmpdir(), 'ad-other-ca-')), 'ca.pem');
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'].concat([
          '-keyout',
          `${otherCa}.key`,
          '-out',
          otherCa,
          '-subj',
          '/CN=another test CA',
        ]),
        { stdio: 'ignore' },
      );
      try {
        const ldaps = step(await run({ LDAP_CA_CERT_FILE: otherCa }, 'gina@corp.test'), 'tls');
        expect(ldaps).toMatchObject({ status: 'error', setting: 'LDAP[0].LDAP_CA_CERT_FILE' });
        expect(ldaps.message).toContain('is not trusted');
        expect(ldaps.hint).toContain('holds "CN=another test CA", not the CA that signed this certificate');
        expect(`${ldaps.message} ${ldaps.hint}`).not.toContain('not valid for');

        const startTls = step(
          await run(
            { LDAP_URL: [dc.ldapUrl], LDAP_START_TLS: true, LDAP_CA_CERT_FILE: otherCa },
            'gina@corp.test',
          ),
          'service-bind',
        );
        expect(startTls).toMatchObject({ status: 'error', setting: 'LDAP[0].LDAP_CA_CERT_FILE' });
        expect(startTls.message).toContain('is not trusted');
        expect(`${startTls.message} ${startTls.hint}`).not.toContain('host-name mismatch');
      } finally {
        rmSync(dirname(otherCa), { recursive: true, force: true });
      }
    });

    it('passes by host name over ldaps and StartTLS, by UPN, and reports the lockout threshold against the throttle', async () => {
      await dc.setDomainLockoutThreshold(3);
      try {
        const ldaps = await run({}, 'gina@corp.test');
        expect(ldaps.ok).toBe(true);
        expect(step(ldaps, 'lockout')).toMatchObject({
          status: 'success',
          setting: 'LOGIN_THROTTLE_USERNAME_FAILURES',
          suggestion: '2',
        });
        expect(step(ldaps, 'lockout').message).toContain('lockoutThreshold 3');
        expect(step(ldaps, 'lockout').message).toContain('(LOGIN_THROTTLE_USERNAME_FAILURES is 5)');
        expect(step(ldaps, 'lockout').hint).toContain(
          'warning: LOGIN_THROTTLE_USERNAME_FAILURES does not stay below the lockout threshold: set it to 2 or less',
        );
        const below = await run({}, 'gina@corp.test', PASSWORD, { LOGIN_THROTTLE_USERNAME_FAILURES: 2 });
        expect(step(below, 'lockout').hint).toBeUndefined();
        const startTls = await run({ LDAP_URL: [dc.ldapUrl], LDAP_START_TLS: true }, 'gina@corp.test');
        expect(startTls.ok).toBe(true);
        const upn = await run({ LDAP_ATTR_USERNAME: 'userPrincipalName' }, 'gina@corp.test');
        expect(upn.ok).toBe(true);
      } finally {
        await dc.setDomainLockoutThreshold(0);
      }
    });

    it('says AD cannot tell a wrong bind DN from a wrong password, and that users can change an expired password', async () => {
      const wrongDn = await run({ LDAP_BIND_DN: `CN=nobody,${dc.usersDn}` }, 'gina@corp.test');
      const bind = step(wrongDn, 'service-bind');
      expect(bind).toMatchObject({ status: 'error', setting: 'LDAP[0].LDAP_BIND_DN' });
      expect(bind.hint).toContain('cannot tell a wrong DN from a wrong password');

      const dn = await dc.createUser('mira', PASSWORD);
      await dc.requirePasswordChange(dn);
      const mustChange = step(await run({}, 'mira@corp.test'), 'user-bind');
      expect(mustChange.message).toContain('773');
      expect(mustChange.hint).toContain('the user can change it');
      expect(mustChange.hint).not.toContain('administrator');
    });
  });
});
