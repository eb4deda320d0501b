/**
 * The server against a real Active Directory (a Samba 4 AD DC): the lockout threshold is never
 * reached through the API, restricted accounts are logged with AD's code and not counted as
 * guesses, UPN and NetBIOS logins, the primary group in LDAP_REQUIRED_GROUP and in the stored
 * groups, and a user disabled in AD losing every session within the re-check cadence.
 * One DC for the whole file (it binds fixed ports; see startSambaDirectory).
 */
import { Writable } from 'node:stream';
import { type LdapEntryInput, ldapEntrySchema, type SettingsInput } from '@ldap-login/config-schema';
import { DirectoryService } from '@ldap-login/ldap-core';
import { type SambaDirectory, startSambaDirectory } from '@ldap-login/ldap-core/testing';
import { ApiError } from '@ldap-login/protocol';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeDirectoriesAtStart } from './health/startup-probe.ts';
import { TcpGate } from './reliability/test-support/tcp-gate.ts';
import { recheckSessions, SessionRecheckTimer } from './sessions/session-recheck.ts';
import type { Session } from './test-support/protocol-client.ts';
import { createTestApp, testSettings } from './test-support/test-app.ts';

const PASSWORD = 'Gina-Passw0rd!';
const CADENCE_MS = 200;

describe('the server against a Samba AD DC', { timeout: 90_000 }, () => {
  let dc: SambaDirectory;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dc = await startSambaDirectory();
  }, 900_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await dc?.stop();
  });

  /** An app over the DC with `overrides`; its log lines are collected in `logLines`. */
  async function appFor(
    overrides: Partial<LdapEntryInput> = {},
    recheck = false,
    settings: Partial<SettingsInput> = {},
  ) {
    const entry = dc.ldapEntry(overrides);
    const service = new DirectoryService([ldapEntrySchema.parse(entry)]);
    const logLines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const app = await createTestApp({ directory: service, settings: { ...settings, LDAP: [entry] }, logger });
    const timer = recheck ? new SessionRecheckTimer(app.db, service, logger, CADENCE_MS) : undefined;
    timer?.start();
    cleanups.push(async () => {
      await timer?.stop();
      await app.close();
      await service.close();
    });
    return { app, logLines };
  }

  /** The JSON lines `probeDirectoriesAtStart` logs for an app over `entry`. */
  async function probeLines(entry: LdapEntryInput): Promise<Record<string, unknown>[]> {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const service = new DirectoryService([ldapEntrySchema.parse(entry)]);
    try {
      await probeDirectoriesAtStart(service, testSettings({ LDAP: [entry] }), pino({ level: 'info' }, sink));
    } finally {
      await service.close();
    }
    return lines;
  }

  /** Polls `GET /user/` until it answers other than 200 or `ms` have passed; the last status. */
  async function statusWithin(session: Session, ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const status = await statusOf(session.call('GET', '/user/'));
      if (status !== 200 || Date.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function statusOf(promise: Promise<unknown>): Promise<number> {
    try {
      await promise;
      return 200;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return error.status;
    }
  }

  it('answers 429 before the bind that would lock the AD account (threshold 3, throttle limit 5)', async () => {
    const dn = await dc.createUser('lars', PASSWORD);
    await dc.setDomainLockoutThreshold(3);
    try {
      const { app } = await appFor();
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 6; attempt++) {
        statuses.push(await statusOf(app.client().login('lars@corp.test', 'wrong-password')));
      }
      expect(statuses).toEqual([400, 400, 429, 429, 429, 429]);
      const state = await dc.read(dn, ['badPwdCount', 'lockoutTime']);
      expect(state.badPwdCount).toEqual(['2']);
      expect(state.lockoutTime?.[0] ?? '0').toBe('0');
    } finally {
      await dc.setDomainLockoutThreshold(0);
    }
  });

  it('a password settings object the service account cannot read: the guard cannot see it, a throttle kept below it (as the docs say) keeps the account unlocked', async () => {
    const dn = await dc.createUser('pete', PASSWORD);
    await dc.createPasswordSettings('Vault Unseen', 3, [dn]);
    // msDS-ResultantPSO is not readable by the plain service account: only the throttle protects.
    const { app } = await appFor({}, false, { LOGIN_THROTTLE_USERNAME_FAILURES: 2 });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      statuses.push(await statusOf(app.client().login('pete@corp.test', 'wrong-password')));
    }
    expect(statuses).toEqual([400, 400, 429, 429]);
    const state = await dc.read(dn, ['badPwdCount', 'lockoutTime']);
    expect(state.badPwdCount).toEqual(['2']);
    expect(state.lockoutTime?.[0] ?? '0').toBe('0');
  });

  it('logs a restricted account with AD code, DN and URL, tells the client nothing, and does not count it', async () => {
    const dn = await dc.createUser('dora', PASSWORD);
    await dc.disableUser(dn);
    const { app, logLines } = await appFor();
    const statuses: number[] = [];
    let reply = '';
    // More than LOGIN_THROTTLE_USERNAME_FAILURES (5): a disabled account is not a guessed password.
    for (let attempt = 0; attempt < 7; attempt++) {
      try {
        await app.client().login('dora@corp.test', PASSWORD);
        statuses.push(200);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        statuses.push(error.status);
        reply = JSON.stringify(error);
      }
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 400, 400]);
    expect(reply).not.toContain('533');
    expect(reply).not.toContain('CN=dora');
    const logged = logLines.find((line) => line.msg === 'login refused by the directory');
    expect(logged).toMatchObject({
      reason: 'ACCOUNT_RESTRICTED: account-disabled',
      directoryCode: '533',
      userDn: dn,
      url: dc.ldapsUrl,
    });
  });

  it('logs in by UPN and by CORP\\name, as one user', async () => {
    await dc.createUser('uma', PASSWORD);
    const upn = await appFor({ LDAP_ATTR_USERNAME: 'userPrincipalName' });
    const byUpn = await upn.app.client().login('uma@corp.test', PASSWORD);
    expect(byUpn.user.username).toBe('uma@corp.test');

    const netbios = await appFor({ LDAP_NETBIOS_DOMAIN: 'CORP' });
    const byNetbios = await netbios.app.client().login('CORP\\uma', PASSWORD);
    const byName = await netbios.app.client().login('uma@corp.test', PASSWORD);
    expect(byNetbios.user.username).toBe('uma@corp.test');
    expect(byNetbios.user.id).toBe(byName.user.id);
  });

  it('admits by the primary group (Domain Users) and stores it among the groups, by memberOf and by the nested search, at login and at the re-check', async () => {
    await dc.createUser('pia', PASSWORD);
    const domainUsers = `CN=Domain Users,${dc.usersDn}`;
    for (const nested of [false, true]) {
      const { app } = await appFor({ LDAP_REQUIRED_GROUP: [domainUsers], LDAP_NESTED_GROUPS: nested });
      const stored = () =>
        app.db
          .selectFrom('memberships')
          .innerJoin('ldap_groups', 'ldap_groups.id', 'memberships.group_id')
          .innerJoin('users', 'users.id', 'memberships.user_id')
          .select(['ldap_groups.name'])
          .where('users.username', '=', 'pia@corp.test')
          .execute();
      await app.client().login('pia@corp.test', PASSWORD);
      expect(
        (await stored()).map((row) => row.name),
        `nested ${nested}`,
      ).toContain('Domain Users');
      // A re-check round stores the directory's answer again: the primary group stays, the user stays in.
      const directory = new DirectoryService([
        ldapEntrySchema.parse(
          dc.ldapEntry({ LDAP_REQUIRED_GROUP: [domainUsers], LDAP_NESTED_GROUPS: nested }),
        ),
      ]);
      try {
        const round = await recheckSessions(app.db, directory, pino({ level: 'silent' }));
        expect(round).toMatchObject({ checked: 1, ended: [] });
      } finally {
        await directory.close();
      }
      expect(
        (await stored()).map((row) => row.name),
        `nested ${nested}`,
      ).toContain('Domain Users');
    }
  });

  it('ends the sessions of a user disabled in AD within the re-check cadence', async () => {
    const dn = await dc.createUser('otto', PASSWORD);
    await dc.createUser('olga', PASSWORD);
    const { app } = await appFor({}, true);
    const otto: Session = await app.client().login('otto@corp.test', PASSWORD);
    const olga: Session = await app.client().login('olga@corp.test', PASSWORD);
    await otto.call('GET', '/user/');
    await dc.disableUser(dn);
    expect(await statusWithin(otto, 10_000)).toBe(401);
    expect(await statusOf(olga.call('GET', '/user/'))).toBe(200);
  });

  it('ends the sessions of users disabled and deleted with samba-tool within the re-check cadence', async () => {
    await dc.createUser('sita', PASSWORD);
    await dc.createUser('dirk', PASSWORD);
    await dc.createUser('olaf', PASSWORD);
    const { app, logLines } = await appFor({}, true);
    const sita = await app.client().login('sita@corp.test', PASSWORD);
    const dirk = await app.client().login('dirk@corp.test', PASSWORD);
    const olaf = await app.client().login('olaf@corp.test', PASSWORD);
    await dc.sambaTool(['user', 'disable', 'sita']);
    await dc.sambaTool(['user', 'delete', 'dirk']);
    expect(await statusWithin(sita, 10_000)).toBe(401);
    expect(await statusWithin(dirk, 10_000)).toBe(401);
    expect(await statusOf(olaf.call('GET', '/user/'))).toBe(200);
    // The round logs just after ending the sessions: a request may see the 401 first.
    const endedLines = () =>
      logLines.filter(
        (line) =>
          line.msg === 'session re-check: the directory no longer lets the user in; their sessions are ended',
      );
    for (let wait = 0; wait < 40 && endedLines().length < 2; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const ended = endedLines();
    expect(ended).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: 'sita@corp.test', reason: 'account-disabled', sessions: 1 }),
        expect.objectContaining({ username: 'dirk@corp.test', reason: 'user-not-found', sessions: 1 }),
      ]),
    );
  });

  it('ends no session while the DC cannot be reached, and ends them once it answers again', async () => {
    const dn = await dc.createUser('ulla', PASSWORD);
    await dc.createUser('ugo', PASSWORD);
    const gate = await TcpGate.open(636);
    cleanups.push(() => gate.close());
    // By host name through the gate: the certificate names localhost.
    const { app } = await appFor({ LDAP_URL: [`ldaps://localhost:${gate.port}`] }, true);
    const ulla = await app.client().login('ulla@corp.test', PASSWORD);
    const ugo = await app.client().login('ugo@corp.test', PASSWORD);
    await gate.cut();
    await dc.disableUser(dn);
    // Many rounds of the cadence pass with the DC unreachable: nobody is logged out.
    expect(await statusWithin(ulla, 20 * CADENCE_MS)).toBe(200);
    expect(await statusOf(ugo.call('GET', '/user/'))).toBe(200);
    await gate.restore();
    expect(await statusWithin(ulla, 10_000)).toBe(401);
    expect(await statusOf(ugo.call('GET', '/user/'))).toBe(200);
  });

  it('probes each directory at start: logs the lockout threshold against the throttle, and a hint for a URL that fails', async () => {
    await dc.setDomainLockoutThreshold(3);
    try {
      const lines = await probeLines(dc.ldapEntry({ LDAP_URL: ['ldaps://127.0.0.1:636', dc.ldapsUrl] }));
      const probes = lines.filter((line) => line.msg === 'directory probe at start');
      expect(probes).toEqual([
        expect.objectContaining({
          url: 'ldaps://127.0.0.1:636',
          up: false,
          error: 'tls-certificate-rejected',
          hint: expect.stringContaining('LDAP_CA_CERT_FILE and the host name in LDAP_URL'),
        }),
        expect.objectContaining({ url: dc.ldapsUrl, up: true }),
      ]);
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: 'LOGIN_THROTTLE_USERNAME_FAILURES does not stay below the lockout threshold',
          lockoutThreshold: 3,
          usernameFailureLimit: 5,
          level: 40,
        }),
      );
    } finally {
      await dc.setDomainLockoutThreshold(0);
    }
  });

  it('probes at start: says when the service account cannot read the lockout threshold', async () => {
    await dc.setDomainLockoutThreshold(3);
    const restore = await dc.denyAttributeRead(dc.baseDn, 'lockoutThreshold', dc.bindDn);
    try {
      const lines = await probeLines(dc.ldapEntry());
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: 'directory lockout threshold cannot be read',
          domain: 'corp.test',
          usernameFailureLimit: 5,
          level: 40,
          hint: expect.stringContaining('keep LOGIN_THROTTLE_USERNAME_FAILURES below it yourself'),
        }),
      );
      expect(lines.map((line) => line.msg)).not.toContain('directory lockout threshold');
    } finally {
      await restore();
      await dc.setDomainLockoutThreshold(0);
    }
  });
});
